/**
 * The whole fleet: two worker processes (`node --import tsx worker/main.ts`), the AWS emulator and the
 * 8x8 simulator. 1,000 messages put straight into SQS reach their final states, every state change reaches
 * a subscriber of the bus once per deterministic id, the simulator's limits hold; and requests sent twice
 * with one idempotency key (in the same traffic) send one SMS each.
 */
import { describe, expect, it } from 'vitest';
import { detailTypes } from '../../core/events.js';
import { messageIdForIdempotencyKey } from '../../core/messageId.js';
import type { MessageState } from '../../core/messageState.js';
import type { MessageRecord } from '../../worker/records/MessageRecord.js';
import {
  acceptedCopiesPerPart,
  describeSimulator,
  duplicatesOf,
  expectedAcceptedParts,
  formatMs,
  settledRecords,
  simulatorDestination,
  stageLatencies,
  waitForEvents,
  wrongFinalStates,
} from './fleetChecks.js';
import { countBy, pollUntil } from './fleetHarness.js';
import { keyedTwice, messageMix, outcomeRules, type PlannedMessage, subAccount } from './messageMix.js';
import { useFleet } from './useFleet.js';

const fleet = useFleet({
  name: 'fleet',
  workers: 2,
  // An SMSC re-sends an unanswered deliver_sm after its own timeout; 5 s rather than the simulator's
  // default 1 s, so receipts still being recorded on a loaded emulator are not sent again and again.
  simulator: { outcomeRules, receiptRedeliveryMs: 5_000 },
});

const planned: PlannedMessage[] = messageMix(1_000, '01');
const keyed = keyedTwice(20, '01');
let ids: string[] = [];
let keyedIds: string[] = [];
let sentAt = 0;
let records = new Map<string, MessageRecord>();

describe('1,000 messages put straight into SQS, two workers', () => {
  it('brings every message to its expected final state', async () => {
    const f = fleet();
    const readyIn = await f.waitForSpread([2, 2]);
    console.info(`fleet ready (2 binds per worker) ${formatMs(readyIn)} after the start`);

    sentAt = Date.now();
    // The keyed copies first: a copy that meets the other's live claim comes back only when that claim
    // would have expired (a minute), so that wait overlaps the stream instead of following it.
    const allIds = await f.send([...keyed, ...planned.map((message) => message.body)]);
    keyedIds = allIds.slice(0, keyed.length);
    ids = allIds.slice(keyed.length);
    const sentIn = Date.now() - sentAt;
    const statuses = await f.waitForFinal(ids);
    console.info(
      `${planned.length} messages (${expectedAcceptedParts(planned)} parts) + ${keyed.length} keyed copies: ` +
        `sent to SQS in ${formatMs(sentIn)}, all final in ${formatMs(Date.now() - sentAt)}`,
    );

    expect(wrongFinalStates(planned, ids, statuses)).toEqual([]);
    expect(
      countBy(planned.map((message, index) => `${message.kind}:${statuses.get(ids[index] ?? '')}`)),
    ).toMatchObject({
      'invalid:failed': 10,
      'invalid-destination:rejected': 30,
      'rejected:rejected': 30,
      'undeliverable:undeliverable': 30,
    });
  }, 240_000);

  it('records parts, encoding and error codes as a caller reads them', async () => {
    records = await settledRecords(fleet(), ids);
    planned.forEach((message, index) => {
      const record = records.get(ids[index] ?? '');
      const label = `${message.kind} ${ids[index]}: ${JSON.stringify(record)}`;
      if (message.kind === 'invalid') {
        expect(record, label).toMatchObject({
          status: 'failed',
          reason: 'validation',
          errorCode: 'VALIDATION',
        });
        expect(record?.validationErrors?.length, label).toBeGreaterThan(0);
        return;
      }
      expect(record?.totalParts, label).toBe(message.parts);
      expect(record?.parts, label).toHaveLength(message.parts);
      expect(record?.inDoubt, label).toBeUndefined();
      if (message.kind === 'invalid-destination') {
        expect(record, label).toMatchObject({ errorCode: 'ESME_RINVDSTADR', smppCommandStatus: 0x0b });
        return;
      }
      expect(record?.encoding, label).toBe(message.kind === 'unicode' ? 'UCS2' : 'GSM7');
      const badParts = record?.parts.filter(
        (part) => typeof part.smscMessageId !== 'string' || part.status !== message.expected,
      );
      expect(badParts, label).toEqual([]);
    });
  });

  it('publishes every state change under one deterministic id, through the EventBridge rule', async () => {
    const f = fleet();
    const keyedStates = new Map(
      keyedIds.map((id) => [
        id,
        { required: ['delivered' as MessageState], optional: ['submitted' as MessageState] },
      ]),
    );
    const analysis = await waitForEvents(f, planned, ids, keyedStates);
    console.info(
      `events: ${analysis.distinctEvents} distinct, ${analysis.copies} received, ${analysis.arrivedTwiceOrMore} ` +
        `arrived more than once; ${analysis.withoutSubmitted} messages went from submitting straight to final`,
    );
    console.info(
      `latencies (ms): ${stageLatencies(planned, ids, sentAt, f.sim.submittedMessages(), f.events.copies)}`,
    );
    expect(analysis.missing).toEqual([]);
    expect(analysis.unexpected).toEqual([]);
    expect(analysis.conflicting).toEqual([]);
    expect(f.events.copies.filter((event) => event.detailType === detailTypes.receiptUnmatched)).toEqual([]);
  });

  it('stays within 4 binds and 50 submits per bind in any second, never throttled, every receipt answered', async () => {
    const f = fleet();
    await f.waitForReceiptsAnswered();
    const stats = f.stats();
    console.info(`simulator: ${describeSimulator(stats)}`);
    expect(stats.binds.peak).toBeLessThanOrEqual(4);
    expect(stats.binds.rejected['bind-limit']).toBe(0);
    expect(stats.submits.maxAcceptedInAnyWindowPerBind).toBeLessThanOrEqual(50);
    expect(stats.submits.throttled).toBe(0);
    expect(stats.receipts.outstanding).toBe(0);

    // Nothing crashed: every part reached 8x8 exactly once (the keyed ones included: one per key).
    const submitted = f.sim.submittedMessages();
    expect(duplicatesOf(submitted).extraCopies).toBe(0);
    expect(submitted).toHaveLength(expectedAcceptedParts(planned) + keyed.length / 2);
    const copies = acceptedCopiesPerPart(submitted);
    const unsent = planned.filter(
      (message) =>
        message.kind !== 'invalid' &&
        message.kind !== 'invalid-destination' &&
        copies.get(`${simulatorDestination(message)}#1`) !== 1,
    );
    expect(unsent).toEqual([]);
  });
});

describe('idempotency', () => {
  it('sends one SMS per idempotency key when the request comes twice through SQS', async () => {
    const f = fleet();
    expect(keyedIds[0]).toBe(messageIdForIdempotencyKey(subAccount, 'order-01-0'));
    expect(new Set(keyedIds).size).toBe(keyed.length / 2);
    const statuses = await f.waitForFinal(keyedIds, 60_000);
    expect([...new Set(keyedIds)].map((id) => statuses.get(id))).toEqual(
      keyed.filter((_, i) => i % 2 === 0).map(() => 'delivered'),
    );
    // Every copy handled (a copy that met the other one's live claim comes back later and finds it done).
    const drainedIn = await pollUntil('an empty send queue', async () => (await f.queueDepth()) === 0, {
      timeoutMs: 120_000,
      intervalMs: 500,
    });
    // And a third copy, long after the first was delivered.
    await f.send([keyed[0] ?? {}]);
    await pollUntil('an empty send queue', async () => (await f.queueDepth()) === 0, {
      timeoutMs: 60_000,
      intervalMs: 250,
    });
    console.info(
      `the second copies were all handled ${formatMs(drainedIn)} after the first ones were delivered`,
    );

    const perDestination = countBy(
      f.sim
        .submittedMessages()
        .map((message) => message.destination)
        .filter((destination) => destination.startsWith('659401')),
    );
    expect(Object.keys(perDestination)).toHaveLength(keyed.length / 2);
    expect(Object.values(perDestination).filter((count) => count !== 1)).toEqual([]);
  }, 240_000);
});
