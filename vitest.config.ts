import { defineConfig } from 'vitest/config';

/**
 * Two projects: unit tests run in parallel; everything that opens sockets, spawns the AWS emulator or
 * counts what an SMSC saw per second runs one file at a time. On a 2-core machine, parallel files steal
 * CPU from each other's event loops, and a stalled loop makes the SMSC see sends closer together than
 * they were made (a false rate violation) — so the integration files get the machine to themselves.
 */
export const config = defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    projects: [
      {
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'], pool: 'threads' },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts', 'test/infra/**/*.test.ts', 'test/e2e/**/*.test.ts'],
          pool: 'forks',
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});

// biome-ignore lint/style/noDefaultExport: vitest loads its config from the default export.
export default config;
