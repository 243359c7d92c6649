/**
 * One AWS emulator per test file, and SDK clients pointed at it.
 *
 *   const aws = useAwsEmulator();           // at the top of a describe or the file: registers beforeAll/afterAll
 *   it('…', async () => { await aws().sqs.send(…) });
 *
 * Or by hand: `startEmulatorFixture()` (test/support/startEmulatorFixture.ts).
 * A fresh process per file (not one per suite): one moto process slows down over a long run.
 */
import { afterAll, beforeAll } from 'vitest';
import { type EmulatorFixture, startEmulatorFixture } from '../../support/startEmulatorFixture.js';

export type { EmulatorFixture };
export { startEmulatorFixture };

/** Starts an emulator before the file's (or describe's) tests and stops it after; returns an accessor. */
export function useAwsEmulator(): () => EmulatorFixture {
  let fixture: EmulatorFixture | undefined;
  // A first run installs moto into .venv (about 30 s); later runs start in well under a second.
  beforeAll(async () => {
    fixture = await startEmulatorFixture();
  }, 180_000);
  afterAll(async () => {
    await fixture?.stop();
    fixture = undefined;
  });
  return () => {
    if (fixture === undefined)
      throw new Error('the AWS emulator is not running: use aws() inside a test or hook');
    return fixture;
  };
}
