/**
 * The command line of `npm run send`, parsed into what to send, where, and how to authenticate. Pure: the
 * environment comes in as an argument and stdin is read by cli.ts (`--text -` only sets `textFromStdin`).
 * The send request itself is validated by the API, whose field errors are printed verbatim; only what the
 * API cannot see (flags, durations, the URL, the auth choice) is checked here.
 *
 * node:util parseArgs is enough on Node 20 (strict mode, types, defaults, short flags); its allowNegative
 * (`--no-x`, Node 22.4) is not needed, as no flag here has a negative.
 */
import { parseArgs } from 'node:util';
import { SendUsageError } from './errors.js';

export const defaultApiUrl = 'http://localhost:3000/';
/** The sub-account local/fleet.local.json defines, so `npm start` + `npm run send` needs no flags. */
export const defaultSubAccount = 'demo';
/** The sender `npm start`'s printed curl uses. */
export const defaultSender = 'DEMO';
export const defaultFollowTimeoutMs = 5 * 60_000;

/** Environment variables the CLI reads (cli.ts passes process.env). */
export const sendEnv = {
  url: 'SMPP_FLEET_URL',
  subAccount: 'SMPP_FLEET_SUB_ACCOUNT',
  from: 'SMPP_FLEET_FROM',
  apiKey: 'SMPP_FLEET_API_KEY',
  awsRegion: 'AWS_REGION',
} as const;

export const sendUsage = `Usage: npm run send -- --to <E.164> --text <text|-> [options]

Sends one SMS through the smpp-fleet API: the local one (npm start) or a deployed stack.

Message:
  --to <number>             destination, E.164 with the +: +6591234567
  --text <text>             the message; - reads it from stdin (one trailing newline dropped)
  --from <sender>           alphanumeric sender ID (≤ 11) or a number (default $${sendEnv.from}, else ${defaultSender})
  --sub-account <id>        sub-account from the fleet config (default $${sendEnv.subAccount}, else ${defaultSubAccount})
  --idempotency-key <key>   the same key never sends a second SMS (safe to re-run)
  --client-reference <ref>  yours; copied into the record and every event
  --validity <duration>     how long from acceptance it is worth sending: 90, 90s, 30m, 72h (60 s to 72 h; default 48 h)

What to do:
  --dry-run                 validate only (the API's ?dryRun=true): prints encoding and parts, sends nothing
  --follow                  poll the message until it is delivered or fails, printing each state change
  --timeout <duration>      with --follow: give up after this (default ${defaultFollowTimeoutMs / 60_000}m): 500ms, 45s, 10m
  --json                    machine-readable: one JSON object per line on stdout

Where:
  --url <url>               the API's base URL (default $${sendEnv.url}, else ${defaultApiUrl})
                            e.g. https://abc123.execute-api.eu-west-1.amazonaws.com/v1/
  --sigv4                   sign with AWS SigV4 (the stack's default IAM auth), credentials from the
                            usual AWS chain (env, profile, SSO, instance role)
  --region <region>         for --sigv4 (default: from an execute-api URL, else $${sendEnv.awsRegion})
  --api-key <key>           send x-api-key (stacks deployed with apiAuthorization=api-key);
                            default $${sendEnv.apiKey}
  -h, --help                print this and exit

Exit status: 0 sent / valid / delivered; 1 the message ended undelivered (with --follow); 2 a bad
command line or a request the API refused (4xx); 3 --follow timed out; 4 the API could not be reached
or failed (5xx).

Examples:
  npm run send -- --to +6591234567 --text "hello"
  npm run send -- --to +6591234567 --text "Grüße 你好" --dry-run
  echo "your code is 123456" | npm run send -- --to +6591234567 --text - --follow
  npm run -s send -- --to +6591234567 --text hi --json | jq -r .messageId
  npm run send -- --url https://abc123.execute-api.eu-west-1.amazonaws.com/v1/ --sigv4 \\
    --sub-account acme --from ACME --to +6591234567 --text "hello" --follow
`;

/** The send request as far as the command line knows it (`text` is absent when it comes from stdin). */
export interface SendRequestFields {
  subAccount: string;
  from: string;
  to: string;
  text?: string;
  idempotencyKey?: string;
  clientReference?: string;
  validityPeriod?: number;
}

export type SendAuth =
  | { readonly kind: 'none' }
  | { readonly kind: 'api-key'; readonly apiKey: string }
  | { readonly kind: 'sigv4'; readonly region: string };

export interface SendOptions {
  /** The API's base URL, ending in `/` so that `messages` resolves under the stage. */
  readonly baseUrl: string;
  readonly request: SendRequestFields;
  readonly textFromStdin: boolean;
  readonly dryRun: boolean;
  readonly follow: boolean;
  readonly timeoutMs: number;
  readonly json: boolean;
  readonly auth: SendAuth;
}

export type SendCommand =
  | { readonly kind: 'help' }
  | { readonly kind: 'send'; readonly options: SendOptions };

const optionSpec = {
  to: { type: 'string' },
  text: { type: 'string' },
  from: { type: 'string' },
  'sub-account': { type: 'string' },
  'idempotency-key': { type: 'string' },
  'client-reference': { type: 'string' },
  validity: { type: 'string' },
  'dry-run': { type: 'boolean', default: false },
  follow: { type: 'boolean', default: false },
  timeout: { type: 'string' },
  json: { type: 'boolean', default: false },
  url: { type: 'string' },
  sigv4: { type: 'boolean', default: false },
  region: { type: 'string' },
  'api-key': { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

/** Names people type for our flags (other SMS CLIs, the API's own field names). */
const likelyMeant: Readonly<Record<string, string>> = {
  message: 'text',
  body: 'text',
  msg: 'text',
  sender: 'from',
  senderid: 'from',
  destination: 'to',
  recipient: 'to',
  phone: 'to',
  number: 'to',
  subaccountid: 'sub-account',
  account: 'sub-account',
  key: 'idempotency-key',
  reference: 'client-reference',
  ref: 'client-reference',
  validityperiod: 'validity',
  ttl: 'validity',
  dry: 'dry-run',
  wait: 'follow',
  watch: 'follow',
  endpoint: 'url',
  apikey: 'api-key',
  xapikey: 'api-key',
  iam: 'sigv4',
};

const npmHint = 'with npm run, put -- before the options: npm run send -- --to … --text …';

export function parseSendArgs(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>> = {},
): SendCommand {
  let parsed: ReturnType<typeof parseRaw>;
  try {
    parsed = parseRaw(argv);
  } catch (error) {
    throw new SendUsageError(describeParseError(error));
  }
  const { values, positionals } = parsed;
  if (values.help) return { kind: 'help' };
  if (positionals.length > 0) {
    throw new SendUsageError(
      `unexpected argument ${JSON.stringify(positionals[0])}: every value follows its flag, and text with ` +
        `spaces needs quotes (--text "hello world"); ${npmHint}`,
    );
  }

  const missing = [
    values.to === undefined ? '--to <number>' : undefined,
    values.text === undefined ? '--text <text>' : undefined,
  ].filter((flag) => flag !== undefined);
  if (missing.length > 0) {
    throw new SendUsageError(`missing ${missing.join(' and ')}${argv.length === 0 ? ` (${npmHint})` : ''}`);
  }
  if (values['dry-run'] && values.follow) {
    throw new SendUsageError('--dry-run sends nothing, so there is nothing to --follow: give one of them');
  }
  if (values.timeout !== undefined && !values.follow) {
    throw new SendUsageError('--timeout applies to --follow only: add --follow, or leave --timeout out');
  }
  const timeoutMs =
    values.timeout === undefined ? defaultFollowTimeoutMs : parseDurationMs('--timeout', values.timeout);
  if (timeoutMs <= 0) throw new SendUsageError(`--timeout must be more than 0, got "${values.timeout}"`);

  const baseUrl = parseBaseUrl(values.url ?? nonEmpty(env[sendEnv.url]) ?? defaultApiUrl);
  const request: SendRequestFields = {
    subAccount: values['sub-account'] ?? nonEmpty(env[sendEnv.subAccount]) ?? defaultSubAccount,
    from: values.from ?? nonEmpty(env[sendEnv.from]) ?? defaultSender,
    to: values.to ?? '',
    ...(values.text === '-' ? {} : { text: values.text }),
    ...(values['idempotency-key'] === undefined ? {} : { idempotencyKey: values['idempotency-key'] }),
    ...(values['client-reference'] === undefined ? {} : { clientReference: values['client-reference'] }),
    ...(values.validity === undefined ? {} : { validityPeriod: parseValiditySeconds(values.validity) }),
  };
  return {
    kind: 'send',
    options: {
      baseUrl,
      request,
      textFromStdin: values.text === '-',
      dryRun: values['dry-run'],
      follow: values.follow,
      timeoutMs,
      json: values.json,
      auth: parseAuth(values, baseUrl, env),
    },
  };
}

function parseRaw(argv: readonly string[]) {
  // Positionals are allowed here only to refuse them with a better message than parseArgs's.
  return parseArgs({ args: [...argv], options: optionSpec, strict: true, allowPositionals: true });
}

function describeParseError(error: unknown): string {
  const message = error instanceof Error ? error.message.replace(/\s*\n\s*/g, ' ') : String(error);
  const code = (error as { code?: unknown }).code;
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const flag = /'(-[^']*)'/.exec(message)?.[1];
    const meant = flag === undefined ? undefined : suggestFlag(flag);
    return (
      `unknown option ${flag ?? message}` +
      (meant === undefined ? '' : `: did you mean --${meant}?`) +
      ' (--help lists the options)'
    );
  }
  // parseArgs says "Option '--to <value>' argument missing" and, for a value starting with -, that it is
  // ambiguous and how to pass one (--text=-5); both are clear enough to pass on as they are.
  return message.charAt(0).toLowerCase() + message.slice(1);
}

/** `--subAccount` → `sub-account`, `--message` → `text`; undefined when nothing is close. */
export function suggestFlag(flag: string): string | undefined {
  const squashed = flag.replace(/^-+/, '').split('=')[0]?.toLowerCase().replace(/[-_]/g, '') ?? '';
  const exact = Object.keys(optionSpec).find((name) => name.replace(/-/g, '') === squashed);
  return exact ?? likelyMeant[squashed];
}

/** `500ms`, `45s`, `45` (seconds), `10m`, `2h` → milliseconds. */
export function parseDurationMs(flag: string, text: string): number {
  const match = /^(\d+)(ms|s|m|h)?$/.exec(text.trim());
  if (match === null) {
    throw new SendUsageError(
      `${flag} wants a duration like 90, 90s, 30m or 2h (a bare number is seconds), got "${text}"`,
    );
  }
  const unitMs = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }[match[2] ?? 's'] ?? 1_000;
  return Number(match[1]) * unitMs;
}

/** Whole seconds, as the API's validityPeriod; the API checks the range (60 s to 72 h) and says so. */
function parseValiditySeconds(text: string): number {
  const ms = parseDurationMs('--validity', text);
  if (ms % 1_000 !== 0) throw new SendUsageError(`--validity must be whole seconds, got "${text}"`);
  return ms / 1_000;
}

/** `--url`: an http(s) base URL without query or hash, made to end in `/` (so the stage is kept). */
export function parseBaseUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new SendUsageError(
      `--url must be a full URL such as http://localhost:3000 or https://abc123.execute-api.eu-west-1.amazonaws.com/v1/, got "${text}"`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new SendUsageError(`--url must be http:// or https://, got "${text}"`);
  }
  if (url.search !== '' || url.hash !== '') {
    throw new SendUsageError(`--url is the API's base (with the stage), without ? or #, got "${text}"`);
  }
  // `new URL('messages', base)` keeps the stage only when the base ends in a slash.
  if (!url.pathname.endsWith('/')) url.pathname = `${url.pathname}/`;
  return url.toString();
}

/** `abc123.execute-api.eu-west-1.amazonaws.com` → `eu-west-1`; undefined for any other host. */
export function regionFromExecuteApiHost(hostname: string): string | undefined {
  return /^[a-z0-9]+\.execute-api\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$/i.exec(hostname)?.[1];
}

/** `--sigv4 [--region]`, `--api-key` (or $SMPP_FLEET_API_KEY), or neither; shared with `npm run status-proxy`. */
export function parseAuth(
  values: { sigv4: boolean; region?: string | undefined; 'api-key'?: string | undefined },
  baseUrl: string,
  env: Readonly<Record<string, string | undefined>>,
): SendAuth {
  if (values.sigv4 && values['api-key'] !== undefined) {
    throw new SendUsageError(
      '--sigv4 and --api-key are two ways to authenticate: a stack uses one (apiAuthorization), give that one',
    );
  }
  if (values.sigv4) {
    const region =
      values.region ??
      regionFromExecuteApiHost(new URL(baseUrl).hostname) ??
      nonEmpty(env[sendEnv.awsRegion]);
    if (region === undefined) {
      throw new SendUsageError(
        `--sigv4 needs the API's region: give --region (or set ${sendEnv.awsRegion}); it is read from the URL only for execute-api hosts`,
      );
    }
    return { kind: 'sigv4', region };
  }
  if (values.region !== undefined) {
    throw new SendUsageError('--region is for --sigv4 only: add --sigv4, or leave --region out');
  }
  // An explicit --sigv4 wins over an API key in the environment; an explicit --api-key over both.
  const apiKey = values['api-key'] ?? nonEmpty(env[sendEnv.apiKey]);
  if (apiKey !== undefined) {
    if (apiKey === '') throw new SendUsageError('--api-key must not be empty');
    return { kind: 'api-key', apiKey };
  }
  return { kind: 'none' };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

/** Text piped in: `echo hi |` adds one newline that is not part of the message. */
export function textFromStdin(raw: string): string {
  return raw.replace(/\r?\n$/, '');
}
