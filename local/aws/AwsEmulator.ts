/**
 * Starts and stops one AWS emulator process (moto's server, run by motoServer.py from the project's `.venv`).
 *
 * One emulator per test file, not per suite: one moto process slows down over a long run of calls
 * (see /work/shared/reference/measured-here.md). Nothing here stubs AWS: callers use the real SDK clients
 * pointed at `endpoint` (see `clientConfig`).
 */
import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { ensureEmulator } from './ensureEmulator.js';

const launcherPath = join(dirname(fileURLToPath(import.meta.url)), 'motoServer.py');

/** moto accepts any credentials; these make the SDK skip its credential provider chain. */
export const emulatorCredentials = { accessKeyId: 'test', secretAccessKey: 'test' } as const;
export const emulatorRegion = 'us-east-1';
/** The account id moto puts in every ARN and queue URL. */
export const emulatorAccountId = '123456789012';

export interface AwsClientConfig {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
}

/** The config for any `@aws-sdk/client-*` constructor to talk to the emulator at `endpoint`. */
export function clientConfig(endpoint: string): AwsClientConfig {
  return { endpoint, region: emulatorRegion, credentials: { ...emulatorCredentials } };
}

export interface AwsEmulator extends AwsClientConfig {
  /** The port the emulator listens on (on 127.0.0.1). */
  readonly port: number;
  /** The emulator's process id (its process group id too). */
  readonly pid: number;
  /** Deletes every resource in the emulator (`POST /moto-api/reset`). */
  reset(): Promise<void>;
  /** Stops the process (SIGTERM, then SIGKILL after a grace period). Safe to call twice. */
  stop(): Promise<void>;
}

export interface StartAwsEmulatorOptions {
  /** @default 0: a free port picked by the OS */
  port?: number;
  /** @default 30_000 */
  startTimeoutMs?: number;
  /** Progress lines from the first-time install. @default stderr */
  log?: (line: string) => void;
  /**
   * Append every request the emulator serves to this file as a JSON line (moto's request recorder, on from
   * the start): the tests read who called what from it (test/support/recordedRequests.ts). @default off
   */
  recordRequestsTo?: string;
}

export class EmulatorStartError extends Error {
  override readonly name = 'EmulatorStartError';
}

type EmulatorProcess = ChildProcessByStdio<Writable, Readable, Readable>;

/** Emulators started by this process and not yet stopped, killed if the process exits without stopping them. */
const running = new Set<EmulatorProcess>();
let exitHookInstalled = false;

export async function startAwsEmulator(options: StartAwsEmulatorOptions = {}): Promise<AwsEmulator> {
  const { python } = await ensureEmulator(options.log === undefined ? {} : { log: options.log });
  const startTimeoutMs = options.startTimeoutMs ?? 30_000;
  installExitHook();

  // Own process group, so stop() can signal the launcher and anything it started in one go. stdin stays a
  // pipe we never write to: the launcher exits when it closes, i.e. when this process dies, however it dies.
  const child: EmulatorProcess = spawn(
    python,
    ['-u', launcherPath, '--host', '127.0.0.1', '--port', String(options.port ?? 0)],
    {
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
      env: {
        ...process.env,
        PYTHONUNBUFFERED: '1',
        ...(options.recordRequestsTo === undefined
          ? {}
          : { MOTO_RECORDER_FILEPATH: options.recordRequestsTo, MOTO_ENABLE_RECORDING: 'true' }),
      },
    },
  );
  running.add(child);
  const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
  child.once('exit', () => running.delete(child));

  let stderrTail = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderrTail = (stderrTail + chunk.toString('utf8')).slice(-4_000);
  });

  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    signalGroup(child, 'SIGTERM');
    const killed = setTimeout(() => signalGroup(child, 'SIGKILL'), 3_000);
    await exited;
    clearTimeout(killed);
  };

  let port: number;
  try {
    port = await readListeningPort(child, startTimeoutMs, () => stderrTail);
    const endpoint = `http://127.0.0.1:${port}`;
    await waitUntilAnswering(endpoint, startTimeoutMs);
  } catch (error) {
    await stop();
    throw error;
  }
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    ...clientConfig(endpoint),
    port,
    pid: child.pid ?? -1,
    reset: async () => {
      const response = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
      if (!response.ok) throw new Error(`emulator reset failed: HTTP ${response.status}`);
      await response.arrayBuffer();
    },
    stop,
  };
}

function readListeningPort(child: EmulatorProcess, timeoutMs: number, stderr: () => string): Promise<number> {
  return new Promise((resolvePort, reject) => {
    let buffered = '';
    const fail = (message: string) => {
      cleanUp();
      const tail = stderr().trim();
      reject(new EmulatorStartError(tail === '' ? message : `${message}\n${tail}`));
    };
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      for (let newline = buffered.indexOf('\n'); newline >= 0; newline = buffered.indexOf('\n')) {
        const line = buffered.slice(0, newline).trim();
        buffered = buffered.slice(newline + 1);
        const port = parseListeningLine(line);
        if (port !== undefined) {
          cleanUp();
          // Keep draining stdout so the child never blocks on a full pipe.
          child.stdout.resume();
          resolvePort(port);
          return;
        }
      }
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null) =>
      fail(`the AWS emulator exited before listening (${signal ?? `exit code ${code}`})`);
    const onError = (error: Error) => fail(`could not start the AWS emulator: ${error.message}`);
    const timer = setTimeout(() => fail(`the AWS emulator did not start within ${timeoutMs} ms`), timeoutMs);
    const cleanUp = () => {
      clearTimeout(timer);
      child.stdout.off('data', onData);
      child.off('exit', onExit);
      child.off('error', onError);
    };
    child.stdout.on('data', onData);
    child.once('exit', onExit);
    child.once('error', onError);
  });
}

function parseListeningLine(line: string): number | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const parsed: unknown = JSON.parse(line);
    if (typeof parsed === 'object' && parsed !== null && 'event' in parsed && 'port' in parsed) {
      const { event, port } = parsed;
      if (event === 'listening' && typeof port === 'number') return port;
    }
  } catch {
    // Not our line.
  }
  return undefined;
}

/** The socket listens as soon as the port is printed; this proves moto answers before anyone relies on it. */
async function waitUntilAnswering(endpoint: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const response = await fetch(`${endpoint}/moto-api/data.json`, { signal: AbortSignal.timeout(2_000) });
      await response.arrayBuffer();
      if (response.ok) return;
    } catch (error) {
      if (Date.now() > deadline) {
        throw new EmulatorStartError(
          `the AWS emulator at ${endpoint} did not answer within ${timeoutMs} ms`,
          {
            cause: error,
          },
        );
      }
    }
    await new Promise((wake) => setTimeout(wake, 50));
  }
}

function signalGroup(child: EmulatorProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      // Already gone.
    }
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Synchronous last resort for a process that exits without calling stop(); stdin closing covers crashes.
  process.once('exit', () => {
    for (const child of running) signalGroup(child, 'SIGKILL');
  });
}
