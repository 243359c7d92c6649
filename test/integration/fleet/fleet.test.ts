/**
 * The whole fleet: two worker processes (`node --import tsx worker/main.ts`), the AWS emulator and the
 * 8x8 simulator. 1,000 messages put straight into SQS reach their final states, every state change reaches
 * a subscriber of the bus, the simulator's limits hold; an idempotency key sent twice sends one SMS.
 */
import { describe, expect, it } from 'vitest';
import { detailTypes } from '../../../core/events.js';
import { messageIdForIdempotencyKey } from '../../../core/messageId.js';
import type { MessageState } from '../../../core/messageState.js';
import type { MessageRecord } from '../../../worker/records/MessageRecord.js';
import {
  acceptedCopiesPerPart,
  analyseEvents,
  duplicatesOf,
  expectedAcceptedParts,
  formatMs,
  simulatorDestination,
  stageLatencies,
} from './fleetChecks.js';
import { countBy, pollUntil, useFleet } from './fleetHarness.js';
import { messageMix, outcomeRules, type PlannedMessage, subAccount } from './messageMix.js';

const fleet = useFleet({
  name: 'fleet',
  workers: 2,
  simulator: { outcomeRules, receiptRedeliveryMs: 5_000 },
});

describe('1,000 messages put straight into SQS, two workers', () => {
  const planned: PlannedMessage[] = messageMix(1_000, '01');
  let ids: string[] = [];
  let sentAt = 0;
  let records = new Map<string, MessageRecord>();

  it('brings every message to its expected final state', async () => {
    const f = fleet();
    const readyIn = await f.waitForSpread([2, 2]);
    console.info(`fleet ready (2 binds per worker) ${formatMs(readyIn)} after the start`);

    const started = Date.now();
    sentAt = started;
    ids = await f.send(planned.map((message) => message.body));
    const sentIn = Date.now() - started;
    const statuses = await f.waitForFinal(ids);
    const finalIn = Date.now() - started;
    console.info(
      `${planned.length} messages (${expectedAcceptedParts(planned)} parts): sent to SQS in ${formatMs(sentIn)}, all final in ${formatMs(finalIn)}`,
    );

    const wrong = planned.flatMap((message, index) => {
      const status = statuses.get(ids[index] ?? '');
      return status === message.expected
        ? []
        : [`${message.kind} ${ids[index]}: ${status} (want ${message.expected})`];
    });
    expect(wrong).toEqual([]);
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
    const f = fleet();
    // Publishing and clearing events runs after the final write: wait until no record holds one back.
    await pollUntil(
      'no record with unpublished events',
      async () => {
        records = await f.records(ids);
        return ids.every((id) => Object.keys(records.get(id)?.pendingEvents ?? {}).length === 0);
      },
      { timeoutMs: 60_000, intervalMs: 1_000 },
    );
    planned.forEach((message, index) => {
      const record = records.get(ids[index] ?? '');
      const label = `${message.kind} ${ids[index]}`;
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
      expect(
        record?.parts.every(
          (part) => typeof part.smscMessageId === 'string' && part.status === message.expected,
        ),
        label,
      ).toBe(true);
    });
  });

  it('publishes every state change under one deterministic id, through the EventBridge rule', async () => {
    const f = fleet();
    let analysis = analyseEvents(planned, ids, f.events.copies);
    await pollUntil(
      'every final-state event on the subscriber queue',
      () => {
        analysis = analyseEvents(planned, ids, f.events.copies);
        return analysis.missing.length === 0;
      },
      {
        timeoutMs: 60_000,
        intervalMs: 250,
        describe: () => `missing ${analysis.missing.slice(0, 5).join('; ')}`,
      },
    );
    // Then until nothing more arrives for 2 s: copies and strays must not hide behind the count.
    await pollUntil('a quiet subscriber queue', () => f.events.quietForMs > 2_000, {
      timeoutMs: 30_000,
      intervalMs: 250,
    });
    analysis = analyseEvents(planned, ids, f.events.copies);
    console.info(
      `events: ${analysis.distinctEvents} distinct, ${analysis.copies} received, ${analysis.arrivedTwiceOrMore} arrived more than once; ${analysis.withoutSubmitted} messages went straight from submitting to final (receipt before the submit was recorded)`,
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
    console.info(
      `simulator: binds peak ${stats.binds.peak}, busiest second per bind ${stats.submits.maxAcceptedInAnyWindowPerBind}, throttled ${stats.submits.throttled}, receipts ${JSON.stringify(stats.receipts)}`,
    );
    expect(stats.binds.peak).toBeLessThanOrEqual(4);
    expect(stats.binds.rejected['bind-limit']).toBe(0);
    expect(stats.submits.maxAcceptedInAnyWindowPerBind).toBeLessThanOrEqual(50);
    expect(stats.submits.throttled).toBe(0);
    expect(stats.receipts.outstanding).toBe(0);

    // Nothing crashed: every part reached 8x8 exactly once.
    const submitted = f.sim.submittedMessages();
    expect(duplicatesOf(submitted).extraCopies).toBe(0);
    expect(submitted).toHaveLength(expectedAcceptedParts(planned));
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
  it('sends one SMS per idempotency key, each sent twice as two SQS messages', async () => {
    const f = fleet();
    const keys = Array.from({ length: 20 }, (_, i) => `order-${i}`);
    const body = (key: string, i: number) => ({
      subAccount,
      to: `+659400${String(i).padStart(5, '0')}`,
      from: 'ACME',
      text: `Order ${key} confirmed`,
      idempotencyKey: key,
    });
    const before = f.sim.submittedMessages().length;
    // Both copies in one batch, so both workers may take one each at the same time.
    const ids = await f.send(keys.flatMap((key, i) => [body(key, i), body(key, i)]));
    expect(new Set(ids).size).toBe(keys.length);
    expect(ids[0]).toBe(messageIdForIdempotencyKey(subAccount, 'order-0'));
    const statuses = await f.waitForFinal(ids, 60_000);
    expect([...new Set(ids)].map((id) => statuses.get(id))).toEqual(
      keys.map((): MessageState => 'delivered'),
    );
    // Both copies handled: none left in the queue, visible or not.
    await pollUntil('an empty send queue', async () => (await f.queueDepth()) === 0, {
      timeoutMs: 60_000,
      intervalMs: 250,
    });
    // And a third copy long after the first was delivered.
    await f.send([body('order-0', 0)]);
    await pollUntil('an empty send queue', async () => (await f.queueDepth()) === 0, {
      timeoutMs: 60_000,
      intervalMs: 250,
    });

    const after = f.sim.submittedMessages().slice(before);
    const perDestination = countBy(after.map((message) => message.destination));
    expect(Object.values(perDestination)).toEqual(keys.map(() => 1));
    expect(Object.keys(perDestination)).toHaveLength(keys.length);
  });
});
