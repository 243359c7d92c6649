import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseFleetConfig } from '../../../core/fleetConfig.js';
import { visibilityTimings } from '../../../worker/sending/visibilityTimings.js';

describe('visibilityTimings', () => {
  it('keeps every timing the sender and the consumer check consistent for any accepted visibility timeout', () => {
    fc.assert(
      fc.property(fc.integer({ min: 20, max: 43_200 }), (seconds) => {
        const config = parseFleetConfig({
          subAccounts: [{ id: 'acme', password: { env: 'P' } }],
          visibilityTimeoutSeconds: seconds,
        });
        const t = visibilityTimings(config.visibilityTimeoutSeconds);
        // A claim lasts exactly as long as the message stays hidden.
        expect(t.claimTtlMs).toBe(seconds * 1_000);
        // The consumer's own rule: the heartbeat comes before the message reappears, at least three per period.
        expect(t.heartbeatIntervalSeconds * 3).toBeLessThanOrEqual(seconds);
        // The sender's own rule: no retry starts so late that the claim could run out while it submits.
        expect(t.maxProcessingMs).toBeLessThan(t.claimTtlMs);
      }),
    );
  });

  it('keeps today’s timings at the default of 60 s', () => {
    const config = parseFleetConfig({ subAccounts: [{ id: 'acme', password: { env: 'P' } }] });
    expect(visibilityTimings(config.visibilityTimeoutSeconds)).toEqual({
      visibilityTimeoutSeconds: 60,
      heartbeatIntervalSeconds: 15,
      claimTtlMs: 60_000,
      maxProcessingMs: 40_000,
    });
  });

  it('refuses a visibility timeout too short for a message’s retries, naming the field', () => {
    expect(() =>
      parseFleetConfig({
        subAccounts: [{ id: 'acme', password: { env: 'P' } }],
        visibilityTimeoutSeconds: 5,
      }),
    ).toThrow(/visibilityTimeoutSeconds/);
  });
});
