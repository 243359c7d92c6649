import { afterAll, beforeAll, beforeEach } from 'vitest';
import { type Fleet, type FleetOptions, startFleet } from './fleetHarness.js';

/**
 * Starts a fleet before the file's tests and stops it after (even when they fail); prints every worker's
 * log tail when a test fails. Returns an accessor.
 */
export function useFleet(options: FleetOptions): () => Fleet {
  let fleet: Fleet | undefined;
  beforeAll(async () => {
    fleet = await startFleet(options);
  }, 120_000);
  beforeEach(({ onTestFailed }) => {
    onTestFailed(() => {
      if (fleet) console.error(`worker logs at the failure:\n${fleet.logTails()}`);
    });
  });
  afterAll(async () => {
    await fleet?.stop();
    fleet = undefined;
  }, 60_000);
  return () => {
    if (fleet === undefined) throw new Error('the fleet is not running: use it inside a test');
    return fleet;
  };
}
