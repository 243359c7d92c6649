/**
 * Receipts in awkward orders and numbers, end to end (simulator faults): receipts that beat their
 * submit_sm_resp, receipts sent twice, and inbound (MO) messages.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detailTypes } from '../../../core/events.js';
import { isFinalState } from '../../../core/messageState.js';
import { unansweredDeliverSm } from '../../support/deliverSmAnswers.js';
import { pollUntil } from '../../support/poll.js';
import { useAwsEmulator } from '../aws/emulatorFixture.js';
import { startWorkerHarness, subAccount, type WorkerHarness } from '../sending/workerHarness.js';

const aws = useAwsEmulator();
let fleet: WorkerHarness;

beforeAll(async () => {
  // How long an early receipt waits for its submission before it is reported unmatched (2 min in
  // production): long enough that a loaded machine records the submission inside it (CI saw more than 1 s),
  // short enough for the first test to wait the checks out.
  fleet = await startWorkerHarness(aws(), { prefix: 'receipts', unmatchedGraceMs: 10_000 });
});

afterAll(async () => {
  await fleet?.stop();
});

const settled = (record: { status: Parameters<typeof isFinalState>[0]; claimExpiresAtMs?: number }) =>
  isFinalState(record.status) && !(record.claimExpiresAtMs ?? 0);

function bodies(count: number, prefix: string) {
  return Array.from({ length: count }, (_, i) => ({
    subAccount,
    from: 'ACME',
    to: `+65${prefix}${String(i).padStart(4, '0')}`,
    text: i % 3 === 0 ? `Long ${i}: ${'x'.repeat(200)}` : `Code ${i}`,
  }));
}

function countByEventId(events: { detail: Record<string, unknown> }[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const event of events)
    counts.set(String(event.detail.eventId), (counts.get(String(event.detail.eventId)) ?? 0) + 1);
  return counts;
}

/** A deadline, not a wait: an answer the store was too slow for comes again after a redelivery (5 s). */
const waitUntil = (what: string, condition: () => boolean) =>
  pollUntil(what, condition, { timeoutMs: 60_000, intervalMs: 50 });

describe('receipts that come before their submit_sm_resp', () => {
  it('are kept, matched when the resp is recorded, and never reported unmatched', async () => {
    fleet.sim.setFaults({ earlyReceipts: true });
    const unmatched: string[] = [];
    fleet.recorder.on('unmatched', (info) => unmatched.push(info.smscMessageId));
    const early: string[] = [];
    fleet.recorder.on('handled', (info) => {
      if (info.outcome === 'stored-early') early.push(info.outcome);
    });

    const ids = await fleet.send(bodies(30, '9500'));
    const records = await fleet.waitForRecords(ids, settled);
    expect(ids.map((id) => records.get(id)?.status)).toEqual(ids.map(() => 'delivered'));
    // Every part really had its receipt first.
    expect(early.length).toBeGreaterThanOrEqual(30);

    await waitUntil('the unmatched checks', () => fleet.recorder.pendingUnmatchedChecks === 0);
    expect(unmatched).toEqual([]);
    const events = await fleet.receiveEvents(60);
    expect([...countByEventId(events).values()].every((n) => n === 1)).toBe(true);
    expect(events.filter((e) => e.detailType === detailTypes.submitted)).toHaveLength(30);
    expect(events.filter((e) => e.detailType === detailTypes.delivered)).toHaveLength(30);
    expect(events.filter((e) => e.detailType === detailTypes.receiptUnmatched)).toEqual([]);
    fleet.sim.setFaults({ earlyReceipts: false });
  });
});

describe('receipts sent twice', () => {
  it('change nothing the second time and publish no second event', async () => {
    fleet.sim.setFaults({ duplicateReceipts: true });
    const before = fleet.sim.stats().accounts[subAccount]?.receipts.duplicates ?? 0;
    const ids = await fleet.send(bodies(30, '9600'));
    const records = await fleet.waitForRecords(ids, settled);
    expect(ids.map((id) => records.get(id)?.status)).toEqual(ids.map(() => 'delivered'));
    await fleet.waitForReceiptsAnswered();

    const receipts = fleet.sim.stats().accounts[subAccount]?.receipts;
    expect((receipts?.duplicates ?? 0) - before).toBeGreaterThanOrEqual(30);
    // This test's messages' events (an earlier test's leftovers, if it failed, are not this test's business).
    const events = (await fleet.receiveEvents(60)).filter((e) => ids.includes(String(e.detail.messageId)));
    expect(events).toHaveLength(60);
    expect([...countByEventId(events).values()].every((n) => n === 1)).toBe(true);
    fleet.sim.setFaults({ duplicateReceipts: false });
  });
});

describe('inbound messages', () => {
  it('become SMS Inbound Message events and are answered', async () => {
    const sent = fleet.sim.sendMobileOriginated(subAccount, {
      from: '+6598765432',
      to: '72000',
      text: 'STOP',
    });
    const unicode = fleet.sim.sendMobileOriginated(subAccount, {
      from: '+6598765433',
      to: '72000',
      text: '好的，谢谢',
    });
    const events = await fleet.receiveEvents(2);
    const inbound = events.filter((e) => e.detailType === detailTypes.inbound);
    expect(inbound.map((e) => [e.detail.messageBody, e.detail.messageEncoding]).sort()).toEqual(
      [
        ['STOP', 'GSM7'],
        ['好的，谢谢', 'UCS2'],
      ].sort(),
    );
    expect(inbound[0]?.detail).toMatchObject({ subAccount, destinationNumber: '72000' });
    expect(sent.id).not.toBe(unicode.id);
    await waitUntil(
      'the MO answers',
      () => (fleet.sim.stats().accounts[subAccount]?.mo.outstanding ?? 1) === 0,
    );
    expect(unansweredDeliverSm('MO', fleet.sim.stats().accounts[subAccount]?.mo)).toEqual([]);
  });
});
