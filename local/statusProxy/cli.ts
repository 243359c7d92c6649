/**
 * `npm run status-proxy -- --url <the API's URL with the stage> [--sigv4 [--region r] | --api-key k] [--port n]`:
 * the deployed stack's status page on http://localhost:<port>/status, signed on its way to the API
 * (startStatusProxy.ts). Credentials for --sigv4 come from the AWS SDK's default chain (env, profile, SSO);
 * the caller needs execute-api:Invoke on GET /status and GET /status.json (the stack's StatusReaderPolicy).
 */
import { parseArgs } from 'node:util';
import { SendUsageError } from '../send/errors.js';
import { parseAuth, parseBaseUrl, sendEnv } from '../send/sendArgs.js';
import { signerFor } from '../send/signerFor.js';
import { startStatusProxy } from './startStatusProxy.js';

const usage = `Usage: npm run status-proxy -- --url <url> [--sigv4 [--region <region>] | --api-key <key>] [--port <n>]

Opens a deployed stack's status page in your browser: serves http://localhost:<port>/status and signs
its requests to the API (a browser cannot sign SigV4 or add an API key itself). Only GET /status and
GET /status.json are forwarded.

  --url <url>         the API's base URL with the stage (default $${sendEnv.url}),
                      e.g. https://abc123.execute-api.eu-west-1.amazonaws.com/v1/
  --sigv4             sign with SigV4 (the stack's default IAM auth), credentials from the AWS SDK's chain
  --region <region>   for --sigv4 (default: from an execute-api URL, else $${sendEnv.awsRegion})
  --api-key <key>     send x-api-key (stacks deployed with apiAuthorization=api-key); default $${sendEnv.apiKey}
  --port <n>          local port (default 8080; 0 picks a free one)
`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      url: { type: 'string' },
      sigv4: { type: 'boolean', default: false },
      region: { type: 'string' },
      'api-key': { type: 'string' },
      port: { type: 'string', default: '8080' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(usage);
    return;
  }
  const urlText = values.url ?? process.env[sendEnv.url];
  if (urlText === undefined) throw new SendUsageError(`--url is required (or set ${sendEnv.url})`);
  const baseUrl = parseBaseUrl(urlText);
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new SendUsageError(`--port must be 0..65535, got "${values.port}"`);
  const auth = parseAuth(values, baseUrl, process.env);
  const proxy = await startStatusProxy({ baseUrl, signer: signerFor(auth), port });
  const local = proxy.url.replace('127.0.0.1', 'localhost');
  process.stdout.write(
    `Status page of ${baseUrl} (${auth.kind === 'none' ? 'unsigned' : auth.kind}): ${local}/status\nCtrl-C stops.\n`,
  );
  const stop = () => void proxy.stop().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n\n${usage}`);
  process.exit(
    error instanceof SendUsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
      ? 2
      : 1,
  );
});
