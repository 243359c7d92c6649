import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { withTimeout } from '../../support/waitFor.js';
import { RawSmppClient } from './rawClient.js';

const cliPath = fileURLToPath(new URL('../../../local/smsc-simulator/cli.ts', import.meta.url));
const STARTUP_MS = 10_000;

interface CliRun {
  readonly child: ChildProcess;
  readonly stdout: string[];
  readonly stderr: string[];
  readonly exit: Promise<number | null>;
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
}

const runs: CliRun[] = [];

function runCli(args: readonly string[]): CliRun {
  const child = spawn(process.execPath, ['--import', 'tsx', cliPath, ...args], { stdio: 'pipe' });
  const stdout: string[] = [];
  const stderr: string[] = [];
  const wakers = new Set<() => void>();
  const collect = (into: string[]) => (chunk: Buffer) => {
    into.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    for (const wake of wakers) wake();
  };
  child.stdout.on('data', collect(stdout));
  child.stderr.on('data', collect(stderr));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const run: CliRun = {
    child,
    stdout,
    stderr,
    exit,
    waitForLine(pattern, timeoutMs = STARTUP_MS) {
      let wake: (() => void) | undefined;
      const found = new Promise<RegExpMatchArray>((resolve) => {
        wake = () => {
          for (const line of stdout) {
            const match = line.match(pattern);
            if (match) resolve(match);
          }
        };
        wakers.add(wake);
        wake();
      });
      return withTimeout(found, `a line matching ${pattern}`, timeoutMs).finally(() => {
        if (wake) wakers.delete(wake);
      });
    },
  };
  runs.push(run);
  return run;
}

afterEach(() => {
  for (const run of runs.splice(0)) if (run.child.exitCode === null) run.child.kill('SIGKILL');
});

describe('smsc-sim command line', () => {
  it('listens, logs binds and stats, and stops cleanly on SIGINT', async () => {
    const run = runCli([
      '--port',
      '0',
      '--tls-port',
      '0',
      '--account',
      'acme:secret:2:10',
      '--stats-interval',
      '100',
      '--outcome',
      '/^99/=undeliverable',
    ]);
    const listening = await run.waitForLine(
      /smsc-sim listening plain=127\.0\.0\.1:(\d+) tls=127\.0\.0\.1:(\d+)/,
    );
    const client = await RawSmppClient.connect({ port: Number(listening[1]) });
    expect((await client.bind('transceiver', 'acme', 'secret')).command_status).toBe(0);
    await run.waitForLine(/bind b1 acme transceiver plain from 127\.0\.0\.1:\d+/);
    expect((await client.submit()).command_status).toBe(0);
    await run.waitForLine(/stats acme: binds 1 \(peak 1, rejected 0\) \| submits 1 accepted/);
    await client.unbindAndClose();
    await run.waitForLine(/unbind b1 acme \(client-unbind\)/);

    run.child.kill('SIGINT');
    expect(await withTimeout(run.exit, 'the CLI exiting', STARTUP_MS)).toBe(0);
    expect(run.stdout.at(-1)).toMatch(/stopped$/);
  });

  it('exits with status 2 and says what is wrong for bad arguments', async () => {
    const noAccount = runCli(['--port', '0']);
    const badPort = runCli(['--port', 'twelve', '--account', 'a:b']);
    const unknownFlag = runCli(['--account', 'a:b', '--colour']);
    const badOutcome = runCli(['--account', 'a:b', '--outcome', '44=maybe']);
    const tooManyBinds = runCli(['--account', 'a:b:0']);
    for (const run of [noAccount, badPort, unknownFlag, badOutcome, tooManyBinds]) {
      expect(await withTimeout(run.exit, 'the CLI exiting', STARTUP_MS)).toBe(2);
    }
    expect(noAccount.stderr.join('\n')).toMatch(/at least one --account/);
    expect(badPort.stderr.join('\n')).toMatch(/--port wants a whole number, got "twelve"/);
    expect(unknownFlag.stderr.join('\n')).toMatch(/--colour/);
    expect(badOutcome.stderr.join('\n')).toMatch(/--outcome wants/);
    expect(tooManyBinds.stderr.join('\n')).toMatch(/accounts\.0\.maxBinds/);
  });

  it('prints usage for --help and exits 0', async () => {
    const run = runCli(['--help']);
    expect(await withTimeout(run.exit, 'the CLI exiting', STARTUP_MS)).toBe(0);
    expect(run.stdout.join('\n')).toMatch(/^Usage: npm run smsc-sim -- \[options\]/);
    expect(run.stdout.join('\n')).toContain('--account <id:password[:maxBinds[:rate]]>');
  });
});
