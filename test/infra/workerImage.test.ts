/**
 * The worker image without Docker (none here): its bundle built by the Dockerfile's own esbuild line, its
 * node_modules by the Dockerfile's own production install, in a temp folder. The bundle then starts and
 * reports its missing settings by name — so every package the worker imports is a production dependency —
 * and nothing the worker does not run (the CDK, the API's idempotency library) is there.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workerEnv } from '../../core/tableKeys.js';
import { repoRoot } from '../../infra/paths.js';

const dockerfile = readFileSync(join(repoRoot, 'Dockerfile'), 'utf8');
let dir = '';

/** A Dockerfile `RUN` line (with its continuations) that starts with `command`, as argv. */
function runLine(command: string): string[] {
  const joined = dockerfile.replace(/\\\n\s*/g, ' ');
  const line = joined.split('\n').find((text) => text.startsWith(`RUN ${command}`));
  if (line === undefined) throw new Error(`the Dockerfile has no "RUN ${command}" line`);
  // The install line chains a cache clean with &&: only its first command matters here.
  return (line.slice('RUN '.length).split('&&')[0] ?? '').trim().split(/\s+/);
}

function run(argv: string[], cwd: string, env: NodeJS.ProcessEnv = process.env) {
  const [command = '', ...args] = argv;
  return spawnSync(command, args, { cwd, env, encoding: 'utf8', timeout: 180_000 });
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'smpp-fleet-image-'));
  for (const path of ['package.json', 'package-lock.json', 'tsconfig.json', 'core', 'worker'])
    cpSync(join(repoRoot, path), join(dir, path), { recursive: true });
  // The build stage bundles with every dependency installed (the repo's own, linked in); the final stage
  // installs production dependencies only.
  symlinkSync(join(repoRoot, 'node_modules'), join(dir, 'node_modules'));
  const bundle = run(runLine('npx esbuild'), dir);
  if (bundle.status !== 0) throw new Error(`the bundle failed: ${bundle.stderr}`);
  rmSync(join(dir, 'node_modules'));
  rmSync(join(dir, 'core'), { recursive: true });
  rmSync(join(dir, 'worker'), { recursive: true });
  const install = run(runLine('npm ci --omit=dev'), dir);
  if (install.status !== 0) throw new Error(`npm ci --omit=dev failed: ${install.stderr}`);
}, 240_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the worker image', () => {
  it('starts from its bundle and production dependencies alone, and names the settings it lacks', () => {
    const started = run(['node', '--enable-source-maps', 'dist/worker.mjs'], dir, { PATH: process.env.PATH });
    const output = `${started.stdout}${started.stderr}`;
    expect(started.status, output).toBe(2);
    expect(output).toContain(`${workerEnv.fleetConfig} is not set`);
    expect(output).toContain(`${workerEnv.messagesTable} is not set`);
    expect(output).not.toMatch(/ERR_MODULE_NOT_FOUND|Cannot find (module|package)/);
  });

  it('holds none of what only the stack or the API use', () => {
    const installed = readdirSync(join(dir, 'node_modules'));
    const scoped = (scope: string) =>
      installed.includes(scope)
        ? readdirSync(join(dir, 'node_modules', scope)).map((name) => `${scope}/${name}`)
        : [];
    const packages = [...installed, ...scoped('@aws-lambda-powertools')];
    // (SigV4 signing stays: the SDK clients sign every call with it.)
    for (const unwanted of ['aws-cdk-lib', 'constructs', '@aws-lambda-powertools/idempotency'])
      expect(packages, unwanted).not.toContain(unwanted);
    const sizeMb = spawnSync('du', ['-sm', join(dir, 'node_modules')], { encoding: 'utf8' }).stdout.split(
      '\t',
    )[0];
    console.info(`the image's node_modules: ${sizeMb} MB`);
  });
});
