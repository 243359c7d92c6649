/** The command line of `npm run smsc-sim`, parsed into simulator options (pure; cli.ts does the I/O). */
import { parseArgs } from 'node:util';
import {
  type OutcomeKind,
  type OutcomeRuleInput,
  outcomeKinds,
  type SmscSimulatorOptions,
} from './options.js';

export const cliUsage = `Usage: npm run smsc-sim -- [options]

An 8x8-like SMPP 3.4 SMSC on this machine (local/smsc-simulator).

Options:
  --account <id:password[:maxBinds[:rate]]>  an account (repeatable, at least one); maxBinds default 4,
                                             rate (accepted submit_sm per second per bind) default 50;
                                             the password cannot contain ':'
  --host <host>                 address to listen on (default 127.0.0.1)
  --port <port>                 plain SMPP port, 0 for a free one (default 2775)
  --tls-port <port>             also listen with TLS (self-signed certificate for localhost/127.0.0.1)
  --cert-out <file>             write that certificate (PEM) here, for clients to trust as their CA
  --latency <ms>                delay before every response (default 0)
  --receipt-delay <ms>          from accepting a submit_sm to its receipt (default 50)
  --receipt-redelivery <ms>     resend an unanswered deliver_sm after this (default 1000)
  --no-receipt-tlvs             leave receipted_message_id / message_state out of receipts
  --outcome <match=outcome>     an outcome rule (repeatable, first match wins, default delivered);
                                match is a destination prefix or /regex/; outcome is one of
                                ${outcomeKinds.join(', ')};
                                submit-error takes a status: 4470=submit-error:0x14
  --stats-interval <ms>         print a stats line this often, 0 for never (default 5000)
  --help                        print this and exit

Example:
  npm run smsc-sim -- --port 2775 --tls-port 2776 --account acme:secret:4:50 --outcome /^99/=undeliverable
`;

/** A command line that cannot be run; cli.ts prints the message and exits with status 2. */
export class CliUsageError extends Error {
  override readonly name = 'CliUsageError';
}

export type CliCommand =
  | { readonly kind: 'help' }
  | {
      readonly kind: 'run';
      readonly options: SmscSimulatorOptions;
      readonly certOut: string | undefined;
      readonly statsIntervalMs: number;
    };

export function parseCliArgs(argv: readonly string[]): CliCommand {
  let values: ReturnType<typeof parseRaw>['values'];
  try {
    values = parseRaw(argv).values;
  } catch (error) {
    throw new CliUsageError((error as Error).message);
  }
  if (values.help) return { kind: 'help' };
  const accounts = (values.account ?? []).map(parseAccount);
  if (accounts.length === 0) throw new CliUsageError('give at least one --account id:password');
  const options: SmscSimulatorOptions = {
    accounts,
    host: values.host,
    port: parseNumber('--port', values.port),
    receiptDelayMs: parseNumber('--receipt-delay', values['receipt-delay']),
    receiptRedeliveryMs: parseNumber('--receipt-redelivery', values['receipt-redelivery']),
    receiptTlvs: !values['no-receipt-tlvs'],
    faults: { latencyMs: parseNumber('--latency', values.latency) },
    outcomeRules: (values.outcome ?? []).map(parseOutcomeRule),
    ...(values['tls-port'] === undefined
      ? {}
      : { tls: { port: parseNumber('--tls-port', values['tls-port']) } }),
  };
  if (values['cert-out'] !== undefined && options.tls === undefined) {
    throw new CliUsageError('--cert-out needs --tls-port');
  }
  return {
    kind: 'run',
    options,
    certOut: values['cert-out'],
    statsIntervalMs: parseNumber('--stats-interval', values['stats-interval']),
  };
}

function parseRaw(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      account: { type: 'string', multiple: true },
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '2775' },
      'tls-port': { type: 'string' },
      'cert-out': { type: 'string' },
      latency: { type: 'string', default: '0' },
      'receipt-delay': { type: 'string', default: '50' },
      'receipt-redelivery': { type: 'string', default: '1000' },
      'no-receipt-tlvs': { type: 'boolean', default: false },
      outcome: { type: 'string', multiple: true },
      'stats-interval': { type: 'string', default: '5000' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
}

function parseNumber(flag: string, text: string): number {
  if (!/^\d+$/.test(text)) throw new CliUsageError(`${flag} wants a whole number, got "${text}"`);
  return Number(text);
}

function parseAccount(text: string): {
  systemId: string;
  password: string;
  maxBinds?: number;
  submitsPerSecond?: number;
} {
  const parts = text.split(':');
  const [systemId, password, maxBinds, rate] = parts;
  if (parts.length < 2 || parts.length > 4 || !systemId) {
    throw new CliUsageError(`--account wants id:password[:maxBinds[:rate]], got "${text}"`);
  }
  return {
    systemId,
    password: password ?? '',
    ...(maxBinds === undefined ? {} : { maxBinds: parseNumber('--account maxBinds', maxBinds) }),
    ...(rate === undefined ? {} : { submitsPerSecond: parseNumber('--account rate', rate) }),
  };
}

function parseOutcomeRule(text: string): OutcomeRuleInput {
  const split = text.lastIndexOf('=');
  const match = text.slice(0, split);
  const [outcome, status] = text.slice(split + 1).split(':');
  if (split <= 0 || !outcomeKinds.includes(outcome as OutcomeKind)) {
    throw new CliUsageError(`--outcome wants <prefix|/regex/>=<${outcomeKinds.join('|')}>, got "${text}"`);
  }
  const where =
    match.length > 2 && match.startsWith('/') && match.endsWith('/')
      ? { regex: match.slice(1, -1) }
      : { prefix: match };
  if (outcome === 'submit-error') {
    const code = status === undefined ? Number.NaN : Number(status);
    if (!Number.isInteger(code) || code <= 0) {
      throw new CliUsageError(`--outcome submit-error wants a status like submit-error:0x14, got "${text}"`);
    }
    return { ...where, outcome, status: code };
  }
  if (status !== undefined) throw new CliUsageError(`--outcome ${outcome} takes no status, got "${text}"`);
  return { ...where, outcome: outcome as OutcomeKind };
}
