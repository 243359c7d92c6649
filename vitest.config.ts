import { defineConfig } from 'vitest/config';

/**
 * Three projects in two groups. First, side by side: unit tests (threads) and the CDK tests (synth is CPU
 * and nothing else, so their files run in parallel too). Then, once those are done, everything that opens
 * sockets, spawns the AWS emulator or counts what an SMSC saw per second, one file at a time. On a 2-core
 * machine, parallel files steal CPU from each other's event loops, and a stalled loop makes the SMSC see
 * sends closer together than they were made (a false rate violation) — so the integration files get the
 * machine to themselves, and the synth never runs beside them (projects without a groupOrder would).
 */
export const config = defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          pool: 'threads',
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          name: 'infra',
          include: ['test/infra/**/*.test.ts'],
          pool: 'forks',
          // A project does not inherit the root's timeouts; a synth with bundling takes seconds.
          testTimeout: 120_000,
          hookTimeout: 180_000,
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts', 'test/e2e/**/*.test.ts'],
          pool: 'forks',
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 180_000,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});

// biome-ignore lint/style/noDefaultExport: vitest loads its config from the default export.
export default config;
