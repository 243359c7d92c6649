/**
 * `npm run test:loaded [-- --hogs N] [-- --one-core] [vitest args…]`: the tests on a machine made slow on
 * purpose, to see before CI does what a slower or busier machine breaks (CI runs on a machine of this kind
 * that can be half as fast as the one a test was written on).
 *
 * It runs `vitest run` with the given arguments (default: every test) beside N busy threads (default 1, half
 * of a 2-core machine) and, with --one-core, pins vitest and everything it starts to one CPU (taskset, so
 * the emulator, the simulator and the workers share it with a hog). Prints how long it took and exits with
 * vitest's code. Hand-written because what it needs is a few lines of node:worker_threads; stress-ng does
 * the same where it is installed (`stress-ng --cpu 1 & npm test`).
 */
import { spawn, spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

// Its own two options; everything else goes to vitest as given (parseArgs would swallow vitest's flags).
const ownArgs = { hogs: '1', oneCore: false };
const passThrough: string[] = [];
const argv = process.argv.slice(2);
for (let index = 0; index < argv.length; index += 1) {
  const arg = argv[index] ?? '';
  if (arg === '--one-core') ownArgs.oneCore = true;
  else if (arg === '--hogs') ownArgs.hogs = argv[++index] ?? '';
  else if (arg.startsWith('--hogs=')) ownArgs.hogs = arg.slice('--hogs='.length);
  else passThrough.push(arg);
}

const hogCount = Number(ownArgs.hogs);
if (!Number.isInteger(hogCount) || hogCount < 0 || hogCount > availableParallelism() * 2) {
  console.error(`--hogs must be a whole number from 0 to ${availableParallelism() * 2}, not ${ownArgs.hogs}`);
  process.exit(2);
}
const oneCore = ownArgs.oneCore;
if (oneCore && spawnSync('taskset', ['--version']).error !== undefined) {
  console.error('--one-core needs taskset (Debian: apt-get install util-linux)');
  process.exit(2);
}

// A busy loop per thread; under --one-core this process is pinned first, so the threads share CPU 0 too.
if (oneCore) spawnSync('taskset', ['-a', '-p', '-c', '0', String(process.pid)]);
const hogs = Array.from({ length: hogCount }, () =>
  new Worker('for (;;) {}', { eval: true }).on('error', () => {}),
);

const vitestArgs = ['vitest', 'run', ...passThrough];
const [command, args] = oneCore ? ['taskset', ['-c', '0', 'npx', ...vitestArgs]] : ['npx', vitestArgs];
console.info(
  `[loaded] ${hogCount} busy thread(s)${oneCore ? ', everything on CPU 0' : ''}: ${[command, ...args].join(' ')}`,
);
const started = performance.now();
const child = spawn(command, args, { stdio: 'inherit' });
const stopHogs = () => Promise.all(hogs.map((hog) => hog.terminate()));
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
child.on('exit', async (code, signal) => {
  await stopHogs();
  console.info(
    `[loaded] vitest ${signal ? `stopped by ${signal}` : `exited ${code}`} after ${((performance.now() - started) / 1_000).toFixed(0)} s`,
  );
  process.exit(code ?? 1);
});
