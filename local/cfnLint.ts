/**
 * Runs cfn-lint (PyPI, pinned in local/aws/requirements-cfn-lint.txt) on a synthesised template and returns its
 * findings by level. It lives in local/, not infra/, because it is a tool run on this machine, not part of the
 * CDK app. cfn-lint lives in the project's `.venv`: the venv is made by local/aws/ensureEmulator.ts
 * (one venv for the project's Python tools, created and locked in one place), and cfn-lint is installed into
 * it here, again only when the requirements file changed (a sha-256 stamp in .venv).
 *
 * By hand: `npx cdk synth --quiet && npx tsx local/cfnLint.ts cdk.out/SmppFleet.template.json`
 * (exit 1 when there is an error-level finding).
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ensureEmulator, repoRoot, venvDir } from './aws/ensureEmulator.js';

export const cfnLintRequirementsPath = join(repoRoot, 'local', 'aws', 'requirements-cfn-lint.txt');
const stampPath = join(venvDir, '.smpp-fleet-cfn-lint.sha256');
const lockDir = join(repoRoot, '.tmp', 'cfn-lint-install.lock');
const staleLockMs = 10 * 60_000;
export const cfnLintExecutable =
  process.platform === 'win32' ? join(venvDir, 'Scripts', 'cfn-lint.exe') : join(venvDir, 'bin', 'cfn-lint');

/** The AWS regions the template is checked against by default: 8x8's Singapore and UK sites' neighbours. */
export const defaultLintRegions = ['ap-southeast-1', 'eu-west-2', 'us-east-1'] as const;

export type CfnLintLevel = 'Error' | 'Warning' | 'Informational';

export interface CfnLintFinding {
  readonly ruleId: string;
  readonly level: CfnLintLevel;
  readonly message: string;
  /** e.g. `Resources/ApiRestApi…/Properties/Name` */
  readonly path: string;
}

export interface CfnLintResult {
  readonly findings: readonly CfnLintFinding[];
  readonly errors: readonly CfnLintFinding[];
  readonly warnings: readonly CfnLintFinding[];
}

export class CfnLintError extends Error {
  override readonly name = 'CfnLintError';
}

interface RawMatch {
  Rule?: { Id?: string };
  Level?: string;
  Message?: string;
  Location?: { Path?: (string | number)[] | null };
}

/** Installs cfn-lint into .venv if needed; returns the path of its executable. */
export async function ensureCfnLint(log: (line: string) => void = defaultLog): Promise<string> {
  await ensureEmulator({ log });
  const wanted = createHash('sha256')
    .update(await readFile(cfnLintRequirementsPath))
    .digest('hex');
  if (await isInstalled(wanted)) return cfnLintExecutable;
  const release = await acquireLock();
  try {
    if (await isInstalled(wanted)) return cfnLintExecutable;
    log('installing cfn-lint from local/aws/requirements-cfn-lint.txt');
    await rm(stampPath, { force: true });
    const python =
      process.platform === 'win32' ? join(venvDir, 'Scripts', 'python.exe') : join(venvDir, 'bin', 'python');
    const install = await run(python, [
      '-m',
      'pip',
      'install',
      '--disable-pip-version-check',
      '--no-input',
      '--quiet',
      '-r',
      cfnLintRequirementsPath,
    ]);
    if (install.code !== 0) {
      throw new CfnLintError(
        `pip install -r local/aws/requirements-cfn-lint.txt failed (exit ${install.code}):\n${install.output}`,
      );
    }
    await writeFile(stampPath, `${wanted}\n`);
    return cfnLintExecutable;
  } finally {
    await release();
  }
}

/** Lints one template file. Never throws for findings; throws CfnLintError when cfn-lint itself fails. */
export async function runCfnLint(
  templatePath: string,
  regions: readonly string[] = defaultLintRegions,
): Promise<CfnLintResult> {
  const executable = await ensureCfnLint();
  const { code, stdout, output } = await run(executable, [
    '--format',
    'json',
    '--regions',
    ...regions,
    '--',
    templatePath,
  ]);
  // Exit codes are bit flags (2 error, 4 warning, 8 informational); 1 is cfn-lint's own failure.
  if (code === null || (code & 1) === 1 || code > 15) {
    throw new CfnLintError(`cfn-lint failed (exit ${code}):\n${output}`);
  }
  let raw: RawMatch[];
  try {
    raw = JSON.parse(stdout || '[]') as RawMatch[];
  } catch (error) {
    throw new CfnLintError(`cfn-lint printed something that is not JSON:\n${output}`, { cause: error });
  }
  const findings = raw.map(
    (match): CfnLintFinding => ({
      ruleId: match.Rule?.Id ?? '?',
      level: (match.Level ?? 'Error') as CfnLintLevel,
      message: match.Message ?? '',
      path: (match.Location?.Path ?? []).join('/'),
    }),
  );
  return {
    findings,
    errors: findings.filter((finding) => finding.level === 'Error'),
    warnings: findings.filter((finding) => finding.level === 'Warning'),
  };
}

export function formatFinding(finding: CfnLintFinding): string {
  return `${finding.level} ${finding.ruleId} ${finding.path}: ${finding.message}`;
}

function defaultLog(line: string): void {
  process.stderr.write(`[cfn-lint] ${line}\n`);
}

async function isInstalled(wanted: string): Promise<boolean> {
  if (!existsSync(cfnLintExecutable)) return false;
  const stamp = await readFile(stampPath, 'utf8').catch(() => '');
  return stamp.trim() === wanted;
}

function run(
  command: string,
  args: readonly string[],
): Promise<{ code: number | null; stdout: string; output: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      output = (output + chunk.toString('utf8')).slice(-8_000);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-8_000);
    });
    child.on('error', (error) =>
      reject(new CfnLintError(`cannot run ${command}: ${error.message}`, { cause: error })),
    );
    child.on('close', (code) => resolvePromise({ code, stdout, output }));
  });
}

async function acquireLock(): Promise<() => Promise<void>> {
  await mkdir(dirname(lockDir), { recursive: true });
  for (;;) {
    try {
      await mkdir(lockDir);
      return () => rm(lockDir, { recursive: true, force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const since = await stat(lockDir).then(
      (s) => s.mtimeMs,
      () => Date.now(),
    );
    if (Date.now() - since > staleLockMs) {
      await rm(lockDir, { recursive: true, force: true });
      continue;
    }
    await new Promise((wake) => setTimeout(wake, 250));
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const templates = process.argv.slice(2);
  if (templates.length === 0) {
    process.stderr.write('usage: npx tsx local/cfnLint.ts <template.json>…\n');
    process.exitCode = 2;
  } else {
    for (const template of templates) {
      const result = await runCfnLint(resolve(template));
      for (const finding of result.findings) process.stdout.write(`${template}: ${formatFinding(finding)}\n`);
      process.stdout.write(
        `${template}: ${result.errors.length} errors, ${result.warnings.length} warnings, ` +
          `${result.findings.length - result.errors.length - result.warnings.length} informational\n`,
      );
      if (result.errors.length > 0) process.exitCode = 1;
    }
  }
}
