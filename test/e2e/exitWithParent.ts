/**
 * Preloaded into each spawned worker (`node --import tsx --import <this> worker/main.ts`): the worker's
 * stdin is a pipe from the test process that nobody writes to, so it closes exactly when the test process
 * dies — however it dies, SIGKILL included — and the worker then exits too instead of binding on forever.
 * Test-only: production workers are not started this way.
 */
process.stdin.on('data', () => {});
process.stdin.once('close', () => process.exit(70));
process.stdin.once('end', () => process.exit(70));
