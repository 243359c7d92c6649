/**
 * Makes sure the AWS emulator (moto's server, from PyPI) is installed in the project-local virtualenv `.venv`.
 *
 * Idempotent and offline after the first install: it creates `.venv` with `python3 -m venv` when missing and
 * runs `pip install -r local/aws/requirements.txt` only when that file's sha-256 differs from the stamp left
 * in `.venv` by the last successful install. Safe to call from several processes at once (test files start
 * in parallel): the install runs under a lock directory, and whoever waited re-checks the stamp.
 *
 * Run it by hand or from CI with `npx tsx local/aws/ensureEmulator.ts`.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const requirementsPath = join(repoRoot, 'local', 'aws', 'requirements.txt');
export const venvDir = join(repoRoot, '.venv');
export const venvPython =
  process.platform === 'win32' ? join(venvDir, 'Scripts', 'python.exe') : join(venvDir, 'bin', 'python');

const stampPath = join(venvDir, '.smpp-fleet-aws-emulator.sha256');
const lockDir = join(repoRoot, '.tmp', 'aws-emulator-install.lock');
/** moto 5.2 needs Python 3.10 or newer. */
const minimumPython = [3, 10] as const;
/** A lock older than this is from a process that died mid-install (a first install takes well under a minute). */
const staleLockMs = 10 * 60_000;

export interface EnsureEmulatorOptions {
  /** Where the short progress lines go. @default lines to stderr, prefixed `[aws-emulator]` */
  log?: (line: string) => void;
}

export class EmulatorInstallError extends Error {
  override readonly name = 'EmulatorInstallError';
}

/** Returns the virtualenv's python, installing the emulator first if needed. */
export async function ensureEmulator(options: EnsureEmulatorOptions = {}): Promise<{ python: string }> {
  const log = options.log ?? ((line: string) => process.stderr.write(`[aws-emulator] ${line}\n`));
  const wanted = await requirementsHash();
  if (await isInstalled(wanted)) return { python: venvPython };

  const release = await acquireLock(log);
  try {
    if (await isInstalled(wanted)) return { python: venvPython };
    await install(wanted, log);
    return { python: venvPython };
  } finally {
    await release();
  }
}

async function requirementsHash(): Promise<string> {
  return createHash('sha256')
    .update(await readFile(requirementsPath))
    .digest('hex');
}

async function isInstalled(wanted: string): Promise<boolean> {
  if (!existsSync(venvPython)) return false;
  const stamp = await readFile(stampPath, 'utf8').catch(() => '');
  return stamp.trim() === wanted;
}

async function install(wanted: string, log: (line: string) => void): Promise<void> {
  const started = Date.now();
  if (!existsSync(venvPython)) {
    const python = findSystemPython();
    log(`creating ${relative(process.cwd(), venvDir) || '.venv'} with ${python.description}`);
    // A half-made .venv (an interrupted earlier run) would make `venv` fail or leave it without pip.
    await rm(venvDir, { recursive: true, force: true });
    await run(python.command, ['-m', 'venv', venvDir], 'creating the virtualenv', [
      'On Debian/Ubuntu the venv module is a separate package: apt-get install python3-venv',
    ]);
  }
  log('installing moto[server] from local/aws/requirements.txt (first run only, about half a minute)');
  await rm(stampPath, { force: true });
  await run(
    venvPython,
    ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', '--quiet', '-r', requirementsPath],
    'pip install -r local/aws/requirements.txt',
    ['Check that PyPI is reachable (or that pip is configured for your package mirror).'],
  );
  await run(
    venvPython,
    ['-c', 'import moto.server, jsonpath_ng.ext, werkzeug.serving'],
    'checking the install',
  );
  await writeFile(stampPath, `${wanted}\n`);
  log(`emulator ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

function findSystemPython(): { command: string; description: string } {
  const probe = spawnSync('python3', ['-c', 'import sys; print("%d.%d.%d" % sys.version_info[:3])'], {
    encoding: 'utf8',
  });
  if (probe.error !== undefined || probe.status !== 0) {
    throw new EmulatorInstallError(
      'python3 was not found on PATH. The AWS emulator (moto) runs on Python 3.10 or newer: install Python 3 ' +
        '(with its venv module) and run again.',
      { cause: probe.error },
    );
  }
  const version = probe.stdout.trim();
  const [major = 0, minor = 0] = version.split('.').map(Number);
  if (major < minimumPython[0] || (major === minimumPython[0] && minor < minimumPython[1])) {
    throw new EmulatorInstallError(
      `python3 is ${version}; the AWS emulator (moto 5.2) needs Python ${minimumPython.join('.')} or newer.`,
    );
  }
  return { command: 'python3', description: `python3 ${version}` };
}

function run(command: string, args: string[], what: string, hints: string[] = []): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-8_000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', (error) =>
      reject(new EmulatorInstallError(`${what} failed: ${error.message}`, { cause: error })),
    );
    child.on('close', (code, signal) => {
      if (code === 0) return resolvePromise();
      const how = signal === null ? `exit code ${code}` : `signal ${signal}`;
      const hint = hints.length > 0 ? `\n${hints.join('\n')}` : '';
      reject(new EmulatorInstallError(`${what} failed (${how}):\n${output.trim()}${hint}`));
    });
  });
}

async function acquireLock(log: (line: string) => void): Promise<() => Promise<void>> {
  await mkdir(dirname(lockDir), { recursive: true });
  let announced = false;
  for (;;) {
    try {
      await mkdir(lockDir);
      await writeFile(join(lockDir, 'pid'), String(process.pid));
      return () => rm(lockDir, { recursive: true, force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    if (await isStale()) {
      await rm(lockDir, { recursive: true, force: true });
      continue;
    }
    if (!announced) {
      log('another process is installing the emulator; waiting for it');
      announced = true;
    }
    await new Promise((wake) => setTimeout(wake, 250));
  }
}

async function isStale(): Promise<boolean> {
  const holder = Number(await readFile(join(lockDir, 'pid'), 'utf8').catch(() => 'NaN'));
  if (Number.isInteger(holder) && holder > 0 && !isAlive(holder)) return true;
  const since = await stat(lockDir).then(
    (s) => s.mtimeMs,
    () => Date.now(),
  );
  return Date.now() - since > staleLockMs;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  ensureEmulator().then(
    ({ python }) => process.stderr.write(`[aws-emulator] ok: ${relative(process.cwd(), python)}\n`),
    (error: unknown) => {
      process.stderr.write(`[aws-emulator] ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
