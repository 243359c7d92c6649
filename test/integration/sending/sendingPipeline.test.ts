/**
 * The sending and receipt paths end to end: messages put straight into SQS, two real SmppBinds to the 8x8
 * simulator, records in DynamoDB and events through an EventBridge rule to the example subscriber queue
 * (all in the emulator).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planText } from '../../../core/encoding/segmentText.js';
import { detailTypes, eventDetailSchemas, messageEventId } from '../../../core/events.js';
import { messageIdForIdempotencyKey } from '../../../core/messageId.js';
import type { MessageRecord } from '../../../core/messageRecord.js';
import { isFinalState, type MessageState } from '../../../core/messageState.js';
import { unansweredDeliverSm } from '../../support/deliverSmAnswers.js';
import { useAwsEmulator } from '../aws/emulatorFixture.js';
import { type SubscriberEvent, startWorkerHarness, subAccount, type WorkerHarness } from './workerHarness.js';

const aws = useAwsEmulator();
let fleet: WorkerHarness;

beforeAll(async () => {
  fleet = await startWorkerHarness(aws(), {
    prefix: 'pipeline',
    simulator: {
      outcomeRules: [
        { prefix: '6580', outcome: 'undeliverable', err: 1 },
        { prefix: '6581', outcome: 'invalid-destination' },
        { prefix: '6582', outcome: 'expired' },
      ],
    },
  });
});

afterAll(async () => {
  await fleet?.stop();
});

interface Case {
  body: unknown;
  final: MessageState;
  parts: number;
  /** The detail-types its state changes publish, in order. */
  events: string[];
}

const longText = (i: number) => `Long message ${i}: ${'lorem ipsum '.repeat(i % 2 === 0 ? 20 : 30)}`;
const unicodeText = (i: number) => `你好，这是第${i}条消息。`.repeat(i % 2 === 0 ? 1 : 8);

function cases(): Case[] {
  const list: Case[] = [];
  const base = { subAccount, from: 'ACME' };
  for (let i = 0; i < 60; i += 1) {
    list.push({
      body: {
        ...base,
        to: `+659100${String(i).padStart(4, '0')}`,
        text: `Your code is ${1000 + i}`,
        clientReference: `short-${i}`,
      },
      final: 'delivered',
      parts: 1,
      events: [detailTypes.submitted, detailTypes.delivered],
    });
  }
  for (let i = 0; i < 20; i += 1) {
    list.push({
      body: {
        ...base,
        to: `+659200${String(i).padStart(4, '0')}`,
        text: longText(i),
        context: { n: String(i) },
      },
      final: 'delivered',
      parts: planText(longText(i)).totalParts,
      events: [detailTypes.submitted, detailTypes.delivered],
    });
  }
  for (let i = 0; i < 20; i += 1) {
    list.push({
      body: {
        ...base,
        to: `+659300${String(i).padStart(4, '0')}`,
        text: unicodeText(i),
      },
      final: 'delivered',
      parts: planText(unicodeText(i)).totalParts,
      events: [detailTypes.submitted, detailTypes.delivered],
    });
  }
  for (let i = 0; i < 10; i += 1) {
    list.push({
      body: { ...base, to: `+658000${String(i).padStart(4, '0')}`, text: 'to a phone that is off' },
      final: 'undeliverable',
      parts: 1,
      events: [detailTypes.submitted, detailTypes.failed],
    });
    list.push({
      body: { ...base, to: `+658100${String(i).padStart(4, '0')}`, text: 'to a number 8x8 refuses' },
      final: 'rejected',
      parts: 1,
      events: [detailTypes.failed],
    });
    list.push({
      body: { ...base, to: `+658200${String(i).padStart(4, '0')}`, text: 'expires' },
      final: 'expired',
      parts: 1,
      events: [detailTypes.submitted, detailTypes.failed],
    });
  }
  list.push({
    body: { ...base, to: 'invalid', text: '' },
    final: 'failed',
    parts: 0,
    events: [detailTypes.failed],
  });
  return list;
}

describe('messages put straight into SQS', () => {
  let all: Case[];
  let ids: string[];
  let records: Map<string, MessageRecord>;
  let events: SubscriberEvent[];

  beforeAll(async () => {
    all = cases();
    const started = performance.now();
    fleet.takeAwsCalls();
    ids = await fleet.send(all.map((c) => c.body));
    // Final, and the sender has finished with it too (a receipt can make a message final first).
    records = await fleet.waitForRecords(
      ids,
      (record) => isFinalState(record.status) && !(record.claimExpiresAtMs ?? 0),
    );
    console.info(`records final after ${(performance.now() - started).toFixed(0)} ms`);
    const expectedEvents = all.reduce((sum, c) => sum + c.events.length, 0);
    events = await fleet.receiveEvents(expectedEvents);
    console.info(
      `${all.length} messages to final states and ${events.length} events in ${(performance.now() - started).toFixed(0)} ms`,
    );
    const calls = fleet.takeAwsCalls();
    const total = Object.values(calls).reduce((sum, n) => sum + n, 0);
    console.info(`AWS calls (test polling included): ${total}, by command ${JSON.stringify(calls)}`);
  }, 180_000);

  it('brings every message to the right final state, with an SMSC id per part', () => {
    all.forEach((c, index) => {
      const record = records.get(ids[index] ?? '');
      expect(record?.status, JSON.stringify(c.body)).toBe(c.final);
      if (c.final === 'failed') return;
      expect(record?.parts).toHaveLength(c.parts);
      if (c.final !== 'rejected')
        expect(record?.parts.every((p) => typeof p.smscMessageId === 'string')).toBe(true);
    });
  });

  it('records what a caller and an operator need: encoding, parts, error codes, timestamps', () => {
    const unicode = records.get(ids[81] ?? '');
    expect(unicode).toMatchObject({ encoding: 'UCS2', totalParts: 2, to: '+6593000001' });
    const refused = records.get(ids[all.findIndex((c) => c.final === 'rejected')] ?? '');
    expect(refused).toMatchObject({
      errorCode: 'ESME_RINVDSTADR',
      smppCommandStatus: 0x0b,
      reason: 'rejected',
    });
    const undeliverable = records.get(ids[all.findIndex((c) => c.final === 'undeliverable')] ?? '');
    expect(undeliverable).toMatchObject({
      errorCode: '1',
      parts: [{ receiptStatus: 'UNDELIV', status: 'undeliverable' }],
    });
    const invalid = records.get(ids.at(-1) ?? '');
    expect(invalid).toMatchObject({
      reason: 'validation',
      validationErrors: expect.arrayContaining([expect.objectContaining({ field: 'to' })]),
    });
    const delivered = records.get(ids[0] ?? '');
    expect(delivered?.submittedAt).toBeLessThanOrEqual(delivered?.finalAt ?? 0);
  });

  it('publishes every state change exactly once per deterministic id, through the EventBridge rule', () => {
    const byEventId = new Map<string, number>();
    for (const event of events) {
      const eventId = String(event.detail.eventId);
      byEventId.set(eventId, (byEventId.get(eventId) ?? 0) + 1);
    }
    expect([...byEventId.values()].filter((n) => n > 1)).toEqual([]);
    all.forEach((c, index) => {
      const id = ids[index] ?? '';
      const mine = events.filter((e) => e.detail.messageId === id).map((e) => e.detailType);
      expect(mine.sort(), JSON.stringify(c.body)).toEqual([...c.events].sort());
      const finalEvent = c.final === 'failed' ? 'failed' : c.final;
      expect(byEventId.get(messageEventId(id, finalEvent))).toBe(1);
    });
    expect(events.filter((e) => e.detailType === detailTypes.receiptUnmatched)).toEqual([]);
    // Every detail is what core's JSON Schemas promise subscribers.
    for (const event of events) {
      const schema = eventDetailSchemas[event.detailType as keyof typeof eventDetailSchemas];
      expect(schema.safeParse(event.detail).success, JSON.stringify(event.detail)).toBe(true);
    }
  });

  it('keeps each bind within 50 submits in any second and answers every receipt OK in the end', async () => {
    await fleet.waitForReceiptsAnswered();
    const stats = fleet.sim.stats().accounts[subAccount];
    expect(stats?.submits.maxAcceptedInAnyWindowPerBind).toBeLessThanOrEqual(50);
    expect(unansweredDeliverSm('receipts', stats?.receipts)).toEqual([]);
    const expectedParts = all.reduce(
      (sum, c) => sum + (c.final === 'rejected' || c.final === 'failed' ? 0 : c.parts),
      0,
    );
    expect(stats?.submits.accepted).toBe(expectedParts);
  });
});

describe('idempotency', () => {
  it('sends one SMS for one idempotency key sent twice through SQS', async () => {
    const before = fleet.sim.submittedMessages().length;
    const body = {
      subAccount,
      to: '+6594000001',
      from: 'ACME',
      text: 'Only once',
      idempotencyKey: 'order-77',
    };
    const ids = await fleet.send([body, body]);
    expect(ids[0]).toBe(messageIdForIdempotencyKey(subAccount, 'order-77'));
    await fleet.waitForRecords([ids[0] ?? ''], (record) => record.status === 'delivered');
    // Both copies handled: the queue is empty and nothing is in flight.
    const deadline = Date.now() + 10_000;
    while (fleet.consumer.inFlight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const after = fleet.sim.submittedMessages().slice(before);
    expect(after.filter((m) => m.destination === '6594000001')).toHaveLength(1);
    const events = await fleet.receiveEvents(2, 10_000);
    expect(events.map((e) => e.detailType).sort()).toEqual(
      [detailTypes.delivered, detailTypes.submitted].sort(),
    );
  });
});
