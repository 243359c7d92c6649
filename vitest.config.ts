import { defineConfig } from 'vitest/config';

export const config = defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Integration tests open real sockets and child processes; keep them off each other's ports and CPU.
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['default'],
  },
});

// biome-ignore lint/style/noDefaultExport: vitest loads its config from the default export.
export default config;
