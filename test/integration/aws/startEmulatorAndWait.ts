/**
 * Helper process for emulator.test.ts: starts an emulator, prints its pid, and waits to be killed. The
 * test SIGKILLs this process (no chance to run stop()) and checks the emulator goes with it.
 */
import { startAwsEmulator } from '../../../local/aws/AwsEmulator.js';

const emulator = await startAwsEmulator();
process.stdout.write(`emulator pid ${emulator.pid}\n`);
setInterval(() => {}, 60_000);
