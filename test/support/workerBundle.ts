/**
 * The worker as one ESM bundle, built the way the Dockerfile builds the image's (esbuild, third-party
 * packages external, a source map), for the whole-fleet tests: their workers then start in a fraction of
 * the time tsx takes to transpile the tree, and they run what the image runs. Built once per test process,
 * under .tmp/ in the repo so the external packages resolve from its node_modules. The target is this
 * machine's Node, not the image's 24.
 */
import { join } from 'node:path';
import { build } from 'esbuild';
import { repoRoot } from '../../infra/paths.js';

let bundle: Promise<string> | undefined;

export function workerBundle(): Promise<string> {
  bundle ??= (async () => {
    const outfile = join(repoRoot, '.tmp', 'worker-bundle', String(process.pid), 'worker.mjs');
    await build({
      entryPoints: [join(repoRoot, 'worker', 'main.ts')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: `node${process.versions.node.split('.')[0]}`,
      packages: 'external',
      sourcemap: true,
      sourcesContent: false,
      outfile,
      logLevel: 'warning',
    });
    return outfile;
  })();
  return bundle;
}
