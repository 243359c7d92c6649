import { describe, expect, it } from 'vitest';
import { SendUsageError } from '../../../local/send/errors.js';
import {
  defaultApiUrl,
  defaultFollowTimeoutMs,
  parseDurationMs,
  parseSendArgs,
  regionFromExecuteApiHost,
  type SendOptions,
  sendUsage,
  suggestFlag,
  textFromStdin,
} from '../../../local/send/sendArgs.js';

const minimal = ['--to', '+6591234567', '--text', 'hello'];

function options(argv: readonly string[], env: Record<string, string> = {}): SendOptions {
  const command = parseSendArgs(argv, env);
  if (command.kind !== 'send') throw new Error(`expected a send command, got ${command.kind}`);
  return command.options;
}

function usageError(argv: readonly string[], env: Record<string, string> = {}): string {
  try {
    parseSendArgs(argv, env);
  } catch (error) {
    expect(error).toBeInstanceOf(SendUsageError);
    return (error as Error).message;
  }
  throw new Error(`parsing ${argv.join(' ')} did not fail`);
}

describe('parseSendArgs', () => {
  it('answers --help and -h with the help command, even beside other flags', () => {
    expect(parseSendArgs(['--help'])).toEqual({ kind: 'help' });
    expect(parseSendArgs(['-h'])).toEqual({ kind: 'help' });
    expect(parseSendArgs([...minimal, '--help'])).toEqual({ kind: 'help' });
  });

  it('documents every flag in the help text', () => {
    for (const flag of [
      '--to',
      '--text',
      '--from',
      '--sub-account',
      '--idempotency-key',
      '--client-reference',
      '--validity',
      '--dry-run',
      '--follow',
      '--timeout',
      '--json',
      '--url',
      '--sigv4',
      '--region',
      '--api-key',
      '--help',
    ]) {
      expect(sendUsage).toContain(flag);
    }
  });

  it('sends to the local API as sub-account demo from DEMO when given only --to and --text', () => {
    expect(options(minimal)).toEqual({
      baseUrl: defaultApiUrl,
      request: { subAccount: 'demo', from: 'DEMO', to: '+6591234567', text: 'hello' },
      textFromStdin: false,
      dryRun: false,
      follow: false,
      timeoutMs: defaultFollowTimeoutMs,
      json: false,
      auth: { kind: 'none' },
    });
  });

  it('puts every message flag into the request', () => {
    expect(
      options([
        ...minimal,
        '--from',
        'ACME',
        '--sub-account',
        'acme',
        '--idempotency-key',
        'order-1001',
        '--client-reference',
        'ref 7',
        '--validity',
        '30m',
      ]).request,
    ).toEqual({
      subAccount: 'acme',
      from: 'ACME',
      to: '+6591234567',
      text: 'hello',
      idempotencyKey: 'order-1001',
      clientReference: 'ref 7',
      validityPeriod: 1_800,
    });
  });

  it('takes the sub-account, sender, URL and API key from the environment when no flag gives them', () => {
    const parsed = options(minimal, {
      SMPP_FLEET_SUB_ACCOUNT: 'acme',
      SMPP_FLEET_FROM: 'ACME',
      SMPP_FLEET_URL: 'https://api.example.com/v1',
      SMPP_FLEET_API_KEY: 'k-123',
    });
    expect(parsed.request.subAccount).toBe('acme');
    expect(parsed.request.from).toBe('ACME');
    expect(parsed.baseUrl).toBe('https://api.example.com/v1/');
    expect(parsed.auth).toEqual({ kind: 'api-key', apiKey: 'k-123' });
  });

  it('lets flags win over the environment', () => {
    const parsed = options([...minimal, '--sub-account', 'beta', '--url', 'http://127.0.0.1:9999'], {
      SMPP_FLEET_SUB_ACCOUNT: 'acme',
      SMPP_FLEET_URL: 'https://api.example.com/v1',
    });
    expect(parsed.request.subAccount).toBe('beta');
    expect(parsed.baseUrl).toBe('http://127.0.0.1:9999/');
  });

  it('reads the text from stdin for --text -', () => {
    const parsed = options(['--to', '+6591234567', '--text', '-']);
    expect(parsed.textFromStdin).toBe(true);
    expect(parsed.request.text).toBeUndefined();
  });

  it('keeps the stage of a deployed URL by ending it in a slash', () => {
    expect(
      options([...minimal, '--url', 'https://abc123.execute-api.eu-west-1.amazonaws.com/v1']).baseUrl,
    ).toBe('https://abc123.execute-api.eu-west-1.amazonaws.com/v1/');
  });

  it('sets --dry-run, --follow, --timeout and --json', () => {
    expect(options([...minimal, '--dry-run', '--json'])).toMatchObject({ dryRun: true, json: true });
    expect(options([...minimal, '--follow', '--timeout', '90s'])).toMatchObject({
      follow: true,
      timeoutMs: 90_000,
    });
  });

  it('signs with SigV4 in the region of an execute-api URL, then --region, then AWS_REGION', () => {
    const url = ['--url', 'https://abc123.execute-api.eu-west-1.amazonaws.com/v1/'];
    expect(options([...minimal, ...url, '--sigv4'], { AWS_REGION: 'us-east-1' }).auth).toEqual({
      kind: 'sigv4',
      region: 'eu-west-1',
    });
    expect(options([...minimal, ...url, '--sigv4', '--region', 'ap-southeast-1']).auth).toEqual({
      kind: 'sigv4',
      region: 'ap-southeast-1',
    });
    expect(
      options([...minimal, '--url', 'https://sms.example.com/', '--sigv4'], { AWS_REGION: 'us-east-1' }).auth,
    ).toEqual({ kind: 'sigv4', region: 'us-east-1' });
  });

  it('prefers an explicit --sigv4 over an API key in the environment', () => {
    expect(
      options([...minimal, '--sigv4', '--region', 'eu-west-1'], { SMPP_FLEET_API_KEY: 'k-123' }).auth,
    ).toEqual({ kind: 'sigv4', region: 'eu-west-1' });
  });

  it('sends --api-key as given', () => {
    expect(options([...minimal, '--api-key', 'k-456']).auth).toEqual({ kind: 'api-key', apiKey: 'k-456' });
  });
});

describe('parseSendArgs errors', () => {
  it('names an unknown flag and the flag it probably meant', () => {
    expect(usageError([...minimal, '--subAccount', 'x'])).toBe(
      'unknown option --subAccount: did you mean --sub-account? (--help lists the options)',
    );
    expect(usageError([...minimal, '--message', 'x'])).toBe(
      'unknown option --message: did you mean --text? (--help lists the options)',
    );
    expect(usageError([...minimal, '--colour'])).toBe('unknown option --colour (--help lists the options)');
  });

  it('names what is missing, and how npm run passes flags when nothing arrived', () => {
    expect(usageError(['--text', 'hi'])).toBe('missing --to <number>');
    expect(usageError(['--to', '+6591234567'])).toBe('missing --text <text>');
    expect(usageError([])).toBe(
      'missing --to <number> and --text <text> (with npm run, put -- before the options: npm run send -- --to … --text …)',
    );
  });

  it('refuses a stray argument with a hint about quotes and npm run', () => {
    expect(usageError(['--to', '+6591234567', '--text', 'hello', 'world'])).toMatch(
      /^unexpected argument "world": every value follows its flag, and text with spaces needs quotes \(--text "hello world"\)/,
    );
  });

  it('says a flag needs its value', () => {
    expect(usageError(['--text', 'hi', '--to'])).toBe("option '--to <value>' argument missing");
  });

  it('passes on how to give a value that starts with a dash', () => {
    expect(usageError(['--to', '+6591234567', '--text', '-5 degrees'])).toContain("'--text=-XYZ'");
    expect(options(['--to', '+6591234567', '--text=-5 degrees']).request.text).toBe('-5 degrees');
  });

  it('refuses option combinations that cannot mean anything', () => {
    expect(usageError([...minimal, '--dry-run', '--follow'])).toBe(
      '--dry-run sends nothing, so there is nothing to --follow: give one of them',
    );
    expect(usageError([...minimal, '--timeout', '10s'])).toBe(
      '--timeout applies to --follow only: add --follow, or leave --timeout out',
    );
    expect(usageError([...minimal, '--sigv4', '--api-key', 'k', '--region', 'eu-west-1'])).toMatch(
      /^--sigv4 and --api-key are two ways to authenticate/,
    );
    expect(usageError([...minimal, '--region', 'eu-west-1'])).toBe(
      '--region is for --sigv4 only: add --sigv4, or leave --region out',
    );
  });

  it('asks for a region when --sigv4 cannot find one', () => {
    expect(usageError([...minimal, '--url', 'https://sms.example.com/', '--sigv4'])).toBe(
      "--sigv4 needs the API's region: give --region (or set AWS_REGION); it is read from the URL only for execute-api hosts",
    );
  });

  it('names a bad duration, a fractional validity and a zero timeout', () => {
    expect(usageError([...minimal, '--validity', 'soon'])).toBe(
      '--validity wants a duration like 90, 90s, 30m or 2h (a bare number is seconds), got "soon"',
    );
    expect(usageError([...minimal, '--validity', '1500ms'])).toBe(
      '--validity must be whole seconds, got "1500ms"',
    );
    expect(usageError([...minimal, '--follow', '--timeout', '0'])).toBe(
      '--timeout must be more than 0, got "0"',
    );
  });

  it('names a bad URL', () => {
    expect(usageError([...minimal, '--url', 'localhost:3000'])).toMatch(
      /^--url must be http:\/\/ or https:\/\//,
    );
    expect(usageError([...minimal, '--url', 'not a url'])).toMatch(/^--url must be a full URL/);
    expect(usageError([...minimal, '--url', 'http://localhost:3000/?x=1'])).toMatch(/without \? or #/);
  });

  it('refuses an empty API key', () => {
    expect(usageError([...minimal, '--api-key', ''])).toBe('--api-key must not be empty');
  });
});

describe('helpers', () => {
  it('reads durations in ms, s, m and h, a bare number as seconds', () => {
    expect(parseDurationMs('--timeout', '500ms')).toBe(500);
    expect(parseDurationMs('--timeout', '45')).toBe(45_000);
    expect(parseDurationMs('--timeout', '45s')).toBe(45_000);
    expect(parseDurationMs('--timeout', '10m')).toBe(600_000);
    expect(parseDurationMs('--timeout', '72h')).toBe(259_200_000);
  });

  it('finds the region in execute-api hosts only', () => {
    expect(regionFromExecuteApiHost('abc123.execute-api.eu-west-1.amazonaws.com')).toBe('eu-west-1');
    expect(regionFromExecuteApiHost('abc123.execute-api.cn-north-1.amazonaws.com.cn')).toBe('cn-north-1');
    expect(regionFromExecuteApiHost('sms.example.com')).toBeUndefined();
    expect(regionFromExecuteApiHost('localhost')).toBeUndefined();
  });

  it('suggests flags written in other cases or with other names', () => {
    expect(suggestFlag('--dryRun')).toBe('dry-run');
    expect(suggestFlag('--API_KEY')).toBe('api-key');
    expect(suggestFlag('--ttl=60')).toBe('validity');
    expect(suggestFlag('--nothing-like-it')).toBeUndefined();
  });

  it('drops the one newline a pipe adds, and keeps the rest', () => {
    expect(textFromStdin('hello\n')).toBe('hello');
    expect(textFromStdin('hello\r\n')).toBe('hello');
    expect(textFromStdin('line 1\nline 2\n\n')).toBe('line 1\nline 2\n');
    expect(textFromStdin('no newline')).toBe('no newline');
  });
});
