/**
 * Submits that reach the SMSC but never get their submit_sm_resp (simulator `missingRespRate`): the record
 * names the part in doubt, under each in-doubt policy.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { detailTypes } from '../../../core/events.js';
import type { InDoubtPolicy } from '../../../core/fleetConfig.js';
import { messageIdForIdempotencyKey } from '../../../core/messageId.js';
import { isFinalState } from '../../../core/messageState.js';
import { useAwsEmulator } from '../aws/emulatorFixture.js';
import { startWorkerHarness, subAccount, type WorkerHarness } from './workerHarness.js';

const aws = useAwsEmulator();
let fleet: WorkerHarness | undefined;

afterEach(async () => {
  await fleet?.stop();
  fleet = undefined;
});

/** Every fourth submit loses its resp: a resend almost never does. */
function everyFourth(): () => number {
  let n = 0;
  return () => (n++ % 4 === 0 ? 0.1 : 0.9);
}

async function run(policy: InDoubtPolicy, prefix: string) {
  fleet = await startWorkerHarness(aws(), {
    prefix,
    unmatchedGraceMs: 1_000,
    simulator: { faults: { missingRespRate: 0.5 }, random: everyFourth() },
    bind: { requestTimeoutMs: 800 },
    sender: { inDoubtPolicy: policy, lateResponseGraceMs: 100, maxSubmitAttempts: 5 },
  });
  const bodies = Array.from({ length: 20 }, (_, i) => ({
    subAccount,
    from: 'ACME',
    to: `+6597${policy === 'at-least-once' ? '1' : '2'}0${String(i).padStart(4, '0')}`,
    text: `In doubt ${i}`,
    idempotencyKey: `${prefix}-${i}`,
  }));
  const ids = await fleet.send(bodies);
  const records = await fleet.waitForRecords(
    ids,
    (record) => isFinalState(record.status) && !(record.claimExpiresAtMs ?? 0),
  );
  return { fleet, ids, records };
}

describe('a part whose submit_sm_resp never comes', () => {
  it('is sent again under at-least-once, and the record names the part and why', async () => {
    const { fleet, ids, records } = await run('at-least-once', 'doubt-alo');
    expect(ids.map((id) => records.get(id)?.status)).toEqual(ids.map(() => 'delivered'));
    const inDoubt = ids.map((id) => records.get(id)).filter((record) => record?.inDoubt);
    const withheld = fleet.sim.stats().accounts[subAccount]?.submits.respsWithheld ?? 0;
    expect(withheld).toBeGreaterThan(0);
    expect(inDoubt.length).toBeGreaterThan(0);
    let extraCopies = 0;
    for (const record of inDoubt) {
      expect(record?.parts[0]).toMatchObject({ inDoubt: true, status: 'delivered' });
      expect(record?.parts[0]?.inDoubtReason).toMatch(
        /no submit_sm_resp .* within 800 ms.*sent again \(at-least-once\)/,
      );
      expect(record?.inDoubtReasons?.[0]).toMatch(/^part 1: /);
      // The handset got it more than once: the duplicates the record owns up to.
      const copies = fleet.sim.submittedMessages().filter((m) => `+${m.destination}` === record?.to);
      expect(copies.length).toBeGreaterThanOrEqual(2);
      extraCopies += copies.length - 1;
    }
    // Every extra copy the handsets got is in a record that says so (a resp that was only slow, on a busy
    // machine, makes one more than the withheld ones).
    expect(extraCopies).toBe(fleet.sim.submittedMessages().length - 20);
    expect(extraCopies).toBeGreaterThanOrEqual(withheld);
    // The first copy's receipt has no SMSC id to match: after the grace period it is reported unmatched.
    const events = await fleet.receiveEvents(40 + withheld);
    expect(events.filter((e) => e.detailType === detailTypes.receiptUnmatched).length).toBeGreaterThanOrEqual(
      withheld,
    );
  });

  it('is not sent again under at-most-once: unknown, with the reason', async () => {
    const { fleet, ids, records } = await run('at-most-once', 'doubt-amo');
    const unknown = ids.map((id) => records.get(id)).filter((record) => record?.status === 'unknown');
    const withheld = fleet.sim.stats().accounts[subAccount]?.submits.respsWithheld ?? 0;
    expect(withheld).toBeGreaterThan(0);
    // Each withheld resp leaves its message unknown (a resp that was only slow, on a busy machine, may too).
    expect(unknown.length).toBeGreaterThanOrEqual(withheld);
    for (const record of unknown) {
      expect(record).toMatchObject({ inDoubt: true, errorCode: 'IN_DOUBT', reason: 'unknown' });
      expect(record?.parts[0]?.inDoubtReason).toMatch(/not sent again \(at-most-once\)/);
    }
    const statuses = ids.map((id) => records.get(id)?.status);
    expect(statuses.filter((s) => s === 'delivered').length + unknown.length).toBe(20);
    // One SMS per message: nothing was sent twice.
    const destinations = fleet.sim.submittedMessages().map((m) => m.destination);
    expect(new Set(destinations).size).toBe(destinations.length);
  });

  it('resends a message a dead worker left in submitting, and the record says why', async () => {
    fleet = await startWorkerHarness(aws(), { prefix: 'doubt-dead' });
    const body = {
      subAccount,
      from: 'ACME',
      to: '+6597300001',
      text: 'Left behind',
      idempotencyKey: 'dead-1',
    };
    const messageId = messageIdForIdempotencyKey(subAccount, body.idempotencyKey);
    // A worker claimed it two minutes ago and died before recording anything.
    const now = Date.now();
    await fleet.store.claim({
      messageId,
      initial: {
        messageId,
        subAccount,
        status: 'submitting',
        parts: [{ partNumber: 1, status: 'submitting' }],
        createdAt: now - 120_000,
        updatedAt: now - 120_000,

        version: 0,
      },
      claimToken: 'dead-token',
      claimOwner: 'worker-that-died',
      now: now - 120_000,
      claimTtlMs: 60_000,
    });
    await fleet.send([body]);
    // Delivered, and the sender has recorded its side too (a receipt can come first).
    const records = await fleet.waitForRecords(
      [messageId],
      (record) => record.status === 'delivered' && record.claimExpiresAtMs === 0,
    );
    const record = records.get(messageId);
    expect(record).toMatchObject({ inDoubt: true, attempts: 2, parts: [{ inDoubt: true }] });
    expect(record?.inDoubtReasons?.[0]).toMatch(/worker-that-died ended without recording its outcome/);
  });
});
