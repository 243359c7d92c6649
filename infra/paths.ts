/** Absolute paths the CDK app builds from, independent of the working directory it is run in. */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** A path inside the repository, from repo-relative segments. */
export function repoPath(...segments: string[]): string {
  return join(repoRoot, ...segments);
}
