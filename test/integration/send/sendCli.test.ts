/**
 * `npm run send` as a user runs it: the real CLI as a child process (`node --import tsx local/send/cli.ts`)
 * against the real local HTTP API (local/httpApi) on the AWS emulator, with what `npm start` runs behind it:
 * the 8x8 simulator and a worker process (worker/main.ts), so --follow sees the states a real send goes
 * through. The simulator answers +6599… with UNDELIV and never sends a receipt for +6588….
 *
 * SigV4 and the API key are checked at our own boundary: a small HTTP server that records what arrives.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { GetCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FleetConfigInput, parseFleetConfig } from '../../../core/fleetConfig.js';
import { messageKey, workerEnv } from '../../../core/tableKeys.js';
import { createFleetResources, type FleetResources } from '../../../local/aws/createFleetResources.js';
import { type HttpApi, startHttpApi } from '../../../local/httpApi/startHttpApi.js';
import { SmscSimulator } from '../../../local/smsc-simulator/SmscSimulator.js';
import { nextEvent, withTimeout } from '../../support/waitFor.js';
import { useAwsEmulator } from '../aws/emulatorFixture.js';
import { apiEnvFor } from '../lambdas/sendApiFixture.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const cliPath = fileURLToPath(new URL('../../../local/send/cli.ts', import.meta.url));
/** A bound on one CLI run, so a hang fails the test instead of the suite. */
const RUN_MS = 60_000;
const subAccount = 'acme';
const smppPassword = 'cli-test';
const passwordEnv = 'SEND_CLI_TEST_SMPP_PASSWORD';

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI to its exit. The environment is the test's own minus anything that would change its choices. */
function runSend(
  args: readonly string[],
  options: { env?: Record<string, string>; stdin?: string; interruptWhen?: RegExp } = {},
): Promise<CliResult> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(env)) {
    if (name.startsWith('SMPP_FLEET_') || name.startsWith('AWS_')) delete env[name];
  }
  const child = spawn(process.execPath, ['--import', 'tsx', cliPath, ...args], {
    cwd: repoRoot,
    env: { ...env, ...options.env },
    stdio: 'pipe',
  });
  let stdout = '';
  let stderr = '';
  let interrupted = false;
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
    if (!interrupted && options.interruptWhen?.test(stdout)) {
      interrupted = true;
      child.kill('SIGINT');
    }
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  child.stdin.end(options.stdin ?? '');
  const exited = new Promise<CliResult>((resolve) =>
    child.on('close', (code) => resolve({ code, stdout, stderr })),
  );
  return withTimeout(exited, `send ${args.join(' ')} to exit`, RUN_MS).finally(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
}

const aws = useAwsEmulator();
let simulator: SmscSimulator;
let resources: FleetResources;
let api: HttpApi;
let worker: ChildProcess | undefined;
const workerOutput: string[] = [];
/** The API and the sub-account, as the environment gives them to the CLI. */
let apiEnv: Record<string, string>;

beforeAll(async () => {
  simulator = new SmscSimulator({
    accounts: [{ systemId: subAccount, password: smppPassword }],
    port: 0,
    receiptDelayMs: 50,
    outcomeRules: [
      { regex: '^\\+?6599', outcome: 'undeliverable' },
      { regex: '^\\+?6588', outcome: 'no-receipt' },
    ],
  });
  const { port } = await simulator.start();
  const fleet: FleetConfigInput = {
    subAccounts: [{ id: subAccount, host: '127.0.0.1', port, tls: false, password: { env: passwordEnv } }],
    leasePeriodMs: 6_000,
  };
  resources = await createFleetResources(aws(), parseFleetConfig(fleet), {
    prefix: 'sendcli',
    subscriber: false,
  });
  const env = apiEnvFor(resources, fleet, aws().emulator.endpoint);
  api = await startHttpApi({ env });
  apiEnv = { SMPP_FLEET_URL: api.url, SMPP_FLEET_SUB_ACCOUNT: subAccount };

  // One worker, started the way `npm start` starts its two.
  const bound = nextEvent(simulator, 'bind', () => true, 90_000);
  worker = spawn(process.execPath, ['--import', 'tsx', 'worker/main.ts'], {
    cwd: repoRoot,
    env: {
      ...process.env,
      ...env,
      [workerEnv.workerId]: 'send-cli-worker',
      [workerEnv.healthPort]: '0',
      [workerEnv.logLevel]: 'WARN',
      [passwordEnv]: smppPassword,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const keep = (chunk: Buffer) => workerOutput.push(chunk.toString('utf8'));
  worker.stdout?.on('data', keep);
  worker.stderr?.on('data', keep);
  try {
    await bound;
  } catch (error) {
    throw new Error(
      `the worker did not bind: ${(error as Error).message}\n${workerOutput.join('').slice(-2_000)}`,
    );
  }
}, 180_000);

afterAll(async () => {
  if (worker !== undefined && worker.exitCode === null) {
    const exited = new Promise((resolve) => worker?.once('exit', resolve));
    worker.kill('SIGTERM');
    await withTimeout(exited, 'the worker to exit', 30_000).catch(() => worker?.kill('SIGKILL'));
  }
  await api?.stop();
  await simulator?.stop();
});

async function storedMessage(messageId: string): Promise<Record<string, unknown> | undefined> {
  const result = await aws().documentClient.send(
    new GetCommand({
      TableName: resources.tables.messages,
      Key: messageKey(messageId),
      ConsistentRead: true,
    }),
  );
  return result.Item;
}

function jsonLines(stdout: string): Record<string, unknown>[] {
  return stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('sending', () => {
  it('sends, prints the message id and status URL, and the message is in the messages table', async () => {
    const run = await runSend(['--to', '+6591234567', '--text', 'hello from the CLI', '--from', 'ACME'], {
      env: apiEnv,
    });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const match = /^accepted ([0-9a-f-]{36}) \(GSM7, 1 part\)\nstatus: (\S+)\n$/.exec(run.stdout);
    expect(match, run.stdout).not.toBeNull();
    const messageId = match?.[1] ?? '';
    expect(match?.[2]).toBe(`${api.url}/messages/${messageId}`);
    expect(await storedMessage(messageId)).toMatchObject({
      messageId,
      subAccount,
      to: '+6591234567',
      from: 'ACME',
      text: 'hello from the CLI',
    });
  });

  it('sends the text piped to --text -, and every optional field', async () => {
    const run = await runSend(
      [
        '--to',
        '+6591234567',
        '--text',
        '-',
        '--client-reference',
        'order 7',
        '--validity',
        '10m',
        '--idempotency-key',
        'cli-fields-1',
        '--json',
      ],
      { env: apiEnv, stdin: 'Grüße aus Köln\n' },
    );
    expect(run.code).toBe(0);
    const [accepted] = jsonLines(run.stdout);
    expect(accepted).toMatchObject({ event: 'accepted', encoding: 'GSM7', replayed: false });
    expect(await storedMessage(String(accepted?.messageId))).toMatchObject({
      text: 'Grüße aus Köln',
      clientReference: 'order 7',
      validityPeriod: 600,
      idempotencyKey: 'cli-fields-1',
      from: 'DEMO',
    });
  });

  it('sends once per idempotency key and says so the second time', async () => {
    const args = ['--to', '+6591234567', '--text', 'once only', '--idempotency-key', 'cli-once-1'];
    const first = await runSend(args, { env: apiEnv });
    const second = await runSend(args, { env: apiEnv });
    expect(first.code).toBe(0);
    expect(second.code).toBe(0);
    const id = /^accepted (\S+)/.exec(first.stdout)?.[1];
    expect(second.stdout).toMatch(
      new RegExp(
        `^already sent with this idempotency key: message ${id} \\(GSM7, 1 part\\) is \\w+; nothing sent again`,
      ),
    );
  });

  it('validates with --dry-run, prints encoding and parts, and records nothing', async () => {
    const text = 'dry run only: Grüße 你好';
    const run = await runSend(['--to', '+6591234567', '--text', text, '--dry-run'], { env: apiEnv });
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(
      `valid (dry run, nothing sent): UCS2, 1 part (${text.length} UTF-16 units; sub-account ${subAccount} allows up to 10)\n`,
    );
    const json = await runSend(['--to', '+6591234567', '--text', text, '--dry-run', '--json'], {
      env: apiEnv,
    });
    expect(jsonLines(json.stdout)).toEqual([
      {
        event: 'dryRun',
        dryRun: true,
        subAccount,
        encoding: 'UCS2',
        parts: 1,
        units: text.length,
        maxParts: 10,
      },
    ]);
    const stored = await aws().documentClient.send(
      new ScanCommand({
        TableName: resources.tables.messages,
        FilterExpression: '#text = :text',
        ExpressionAttributeNames: { '#text': 'text' },
        ExpressionAttributeValues: { ':text': text },
      }),
    );
    expect(stored.Items ?? []).toEqual([]);
  });
});

describe('refusals', () => {
  it('exits 2 naming the bad field with the API’s own words', async () => {
    const run = await runSend(['--to', '6591234567', '--text', 'hi', '--from', 'A!'], { env: apiEnv });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^send: the API refused the request \(400 invalid_request\): /);
    expect(run.stderr).toContain(
      '\n  to: must start with + and the country code (E.164), e.g. "+6591234567"\n',
    );
    expect(run.stderr).toContain('\n  from: contains "!": an alphanumeric sender ID may use only letters');
    expect(run.stderr).toMatch(/\n {2}request id: \S+\n$/);
  });

  it('exits 2 for a sub-account the fleet does not have, and reports it as JSON with --json', async () => {
    const run = await runSend(['--to', '+6591234567', '--text', 'hi', '--sub-account', 'nope', '--json'], {
      env: apiEnv,
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('subAccount');
    const [error] = jsonLines(run.stdout);
    expect(error).toMatchObject({ event: 'error', exitCode: 2, status: 400, code: 'invalid_request' });
    expect(error?.errors).toEqual([expect.objectContaining({ field: 'subAccount' })]);
  });

  it('exits 2 for an unknown flag or a missing --text, before calling anything', async () => {
    const unknown = await runSend(['--to', '+6591234567', '--message', 'hi'], { env: apiEnv });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe(
      'send: unknown option --message: did you mean --text? (--help lists the options)\nRun with --help for usage.\n',
    );
    const missing = await runSend(['--to', '+6591234567'], { env: apiEnv });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe('send: missing --text <text>\nRun with --help for usage.\n');
  });

  it('prints the help and exits 0', async () => {
    const run = await runSend(['--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Usage: npm run send -- --to <E\.164> --text <text\|-> \[options\]/);
  });

  it('names the URL and asks whether npm start is running when nothing listens', async () => {
    const port = await closedPort();
    const run = await runSend(['--to', '+6591234567', '--text', 'hi', '--url', `http://127.0.0.1:${port}`]);
    expect(run.code).toBe(4);
    expect(run.stderr).toBe(
      `send: could not reach http://127.0.0.1:${port}/messages (ECONNREFUSED): nothing is listening there. ` +
        'Is `npm start` running? Start it in another terminal (or give --url).\n',
    );
  });
});

describe('--follow', () => {
  it('prints each state change until delivered and exits 0', async () => {
    const run = await runSend(
      ['--to', '+6591234567', '--text', 'follow me', '--follow', '--timeout', '60s'],
      {
        env: apiEnv,
      },
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    const states = lines
      .map((line) => /^\d{4}-\d\d-\d\dT[\d:.]+Z {2}\+[\d.ms ]+ (\w+)/.exec(line)?.[1])
      .filter((state) => state !== undefined);
    // Each state once, in the order the message moves; how many of the early ones a poll catches varies.
    expect(states.at(-1)).toBe('delivered');
    expect(new Set(states).size).toBe(states.length);
    const order = ['accepted', 'submitting', 'submitted', 'delivered'];
    expect(states.map((state) => order.indexOf(state))).toEqual(
      [...states.map((state) => order.indexOf(state))].sort((a, b) => a - b),
    );
    expect(lines.find((line) => / delivered /.test(line))).toContain('receipt DELIVRD');
    expect(lines.at(-1)).toMatch(/^delivered after /);
    const messageId = /^accepted (\S+)/.exec(run.stdout)?.[1] ?? '';
    expect(await storedMessage(messageId)).toMatchObject({ status: 'delivered' });
  });

  it('exits 1 when the message ends undeliverable', async () => {
    const run = await runSend(['--to', '+6599000001', '--text', 'nobody home', '--follow'], { env: apiEnv });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/ undeliverable +receipt UNDELIV/);
    expect(run.stdout.trimEnd().split('\n').at(-1)).toMatch(/^not delivered: undeliverable after /);
  });

  it('exits 3 when no final state comes before --timeout', async () => {
    const run = await runSend(
      ['--to', '+6588000001', '--text', 'no receipt', '--follow', '--timeout', '3s'],
      {
        env: apiEnv,
      },
    );
    expect(run.code).toBe(3);
    expect(run.stdout.trimEnd().split('\n').at(-1)).toMatch(
      /^timed out after 3\.0 s without a final state: still \w+/,
    );
  });

  it('stops following on Ctrl-C, saying the message goes on and where to look', async () => {
    const run = await runSend(['--to', '+6588000002', '--text', 'interrupted', '--follow'], {
      env: apiEnv,
      interruptWhen: /^\d{4}-\d\d-\d\dT\S+ {2}\+/m,
    });
    expect(run.code).toBe(130);
    const statusUrl = /^status: (\S+)$/m.exec(run.stdout)?.[1];
    expect(run.stderr).toBe(`\nsend: stopped following; the message goes on: ${statusUrl}\n`);
  });

  it('writes JSON lines with --json, ending with the outcome and its exit code', async () => {
    const run = await runSend(['--to', '+6591234567', '--text', 'json follow', '--follow', '--json'], {
      env: apiEnv,
    });
    expect(run.code).toBe(0);
    const events = jsonLines(run.stdout);
    expect(events[0]).toMatchObject({ event: 'accepted', status: 'accepted' });
    expect(events.slice(1, -1).every((event) => event.event === 'state')).toBe(true);
    expect(events.at(-2)).toMatchObject({ event: 'state', status: 'delivered' });
    expect(events.at(-1)).toMatchObject({ event: 'final', status: 'delivered', exitCode: 0 });
  });
});

describe('authentication', () => {
  interface Seen {
    method: string;
    path: string;
    headers: IncomingHttpHeaders;
    body: string;
  }
  interface Answer {
    status: number;
    body: unknown;
  }
  const seen: Seen[] = [];
  let server: Server;
  let serverUrl: string;
  /** What the recording server answers to a request. */
  let answer: (request: Seen) => Answer = () => ({ status: 500, body: {} });

  beforeAll(async () => {
    server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const received: Seen = {
          method: request.method ?? '',
          path: request.url ?? '',
          headers: request.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        };
        seen.push(received);
        const { status, body } = answer(received);
        response.writeHead(status, { 'Content-Type': 'application/json' });
        response.end(JSON.stringify(body));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    serverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const messageId = '6b0e6f1c-52a4-4c1f-9e3d-0a7b2c4d5e6f';
  /** POST answers 202, a GET answers the record as delivered. */
  const acceptThenDeliver = (request: Seen): Answer =>
    request.method === 'POST'
      ? {
          status: 202,
          body: {
            messageId,
            status: 'accepted',
            encoding: 'GSM7',
            parts: 1,
            statusUrl: `${serverUrl}messages/${messageId}`,
          },
        }
      : {
          status: 200,
          body: { messageId, subAccount: 'demo', status: 'delivered', parts: [], createdAt: 1, updatedAt: 2 },
        };
  const credentials = {
    accessKeyId: 'AKIDEXAMPLE',
    secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  };
  const credentialsEnv = {
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
  };

  /** Signs the request as it arrived, with the date and headers its signature names: the same signature? */
  async function expectValidSignature(request: Seen, region: string): Promise<void> {
    const authorization = String(request.headers.authorization);
    expect(authorization).toMatch(
      new RegExp(
        `^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/\\d{8}/${region}/execute-api/aws4_request, ` +
          'SignedHeaders=[^,]*host[^,]*, Signature=[0-9a-f]{64}$',
      ),
    );
    const signedHeaders = /SignedHeaders=([^,]+)/.exec(authorization)?.[1]?.split(';') ?? [];
    const amzDate = /^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/.exec(String(request.headers['x-amz-date']));
    expect(amzDate).not.toBeNull();
    const [, year, month, day, hour, minute, second] = amzDate ?? [];
    const url = new URL(request.path, serverUrl);
    const resigned = await new SignatureV4({
      service: 'execute-api',
      region,
      credentials,
      sha256: Hash.bind(null, 'sha256'),
    }).sign(
      {
        method: request.method,
        protocol: url.protocol,
        hostname: url.hostname,
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers: Object.fromEntries(signedHeaders.map((name) => [name, String(request.headers[name])])),
        ...(request.body === '' ? {} : { body: request.body }),
      },
      { signingDate: new Date(`${year}-${month}-${day}T${hour}:${minute}:${second}Z`) },
    );
    expect(resigned.headers.authorization).toBe(authorization);
  }

  it('signs with SigV4 for execute-api in the given region, with credentials from the AWS chain', async () => {
    answer = acceptThenDeliver;
    seen.length = 0;
    const run = await runSend(
      ['--url', serverUrl, '--sigv4', '--region', 'eu-west-1', '--to', '+6591234567', '--text', 'signed'],
      { env: credentialsEnv },
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(seen.map((request) => `${request.method} ${request.path}`)).toEqual(['POST /v1/messages']);
    const [request] = seen;
    if (request === undefined) throw new Error('the server saw no request');
    expect(String(request.headers.authorization)).toMatch(/^AWS4-HMAC-SHA256 /);
    await expectValidSignature(request, 'eu-west-1');
    expect(JSON.parse(request.body)).toEqual({
      subAccount: 'demo',
      from: 'DEMO',
      to: '+6591234567',
      text: 'signed',
    });
  });

  it('signs the follow-up GETs of --follow and the ?dryRun=true query too', async () => {
    answer = acceptThenDeliver;
    seen.length = 0;
    const followed = await runSend(
      [
        '--url',
        serverUrl,
        '--sigv4',
        '--region',
        'eu-west-1',
        '--to',
        '+6591234567',
        '--text',
        'hi',
        '--follow',
      ],
      { env: credentialsEnv },
    );
    expect(followed.code).toBe(0);
    expect(seen.map((request) => `${request.method} ${request.path}`)).toEqual([
      'POST /v1/messages',
      `GET /v1/messages/${messageId}`,
    ]);
    for (const request of seen) await expectValidSignature(request, 'eu-west-1');

    answer = () => ({
      status: 200,
      body: { dryRun: true, subAccount: 'demo', encoding: 'GSM7', parts: 1, units: 2, maxParts: 10 },
    });
    seen.length = 0;
    const dryRun = await runSend(
      [
        '--url',
        serverUrl,
        '--sigv4',
        '--region',
        'eu-west-1',
        '--to',
        '+6591234567',
        '--text',
        'hi',
        '--dry-run',
      ],
      { env: credentialsEnv },
    );
    expect(dryRun.code).toBe(0);
    expect(seen[0]?.path).toBe('/v1/messages?dryRun=true');
    await expectValidSignature(seen[0] as Seen, 'eu-west-1');
  });

  it('sends --api-key as x-api-key and no signature', async () => {
    answer = acceptThenDeliver;
    seen.length = 0;
    const run = await runSend([
      '--url',
      serverUrl,
      '--api-key',
      'k-123',
      '--to',
      '+6591234567',
      '--text',
      'keyed',
    ]);
    expect(run.code).toBe(0);
    expect(seen[0]?.headers['x-api-key']).toBe('k-123');
    expect(seen[0]?.headers.authorization).toBeUndefined();
  });

  it('explains a 403 from API Gateway: the request needs --sigv4 or --api-key', async () => {
    answer = () => ({ status: 403, body: { message: 'Missing Authentication Token' } });
    const run = await runSend(['--url', serverUrl, '--to', '+6591234567', '--text', 'unsigned']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^send: the API refused the request \(403\): Missing Authentication Token\n/);
    expect(run.stderr).toContain('use --sigv4');
  });
});

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
