/**
 * Expiry before submit (issue 14 item 1), through SQS and the API's record, real SmppBinds to the 8x8
 * simulator, records and events through the emulator's table stream. Time passes without sleeping: the
 * sender's clock is set ahead (as if the queue had held the messages that long), or the API's record says it
 * accepted the request earlier. The simulator's own decoding of validity_period is checked against the
 * record's acceptance time with this file's own formatter, not the worker's.
 */

import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { planText } from '../../../core/encoding/segmentText.js';
import { detailTypes, eventDetailSchemas } from '../../../core/events.js';
import { parseSendRequest, type SendRequest } from '../../../core/sendRequest.js';
import { toMessageItem, toOutgoingMessage } from '../../../lambdas/shared/messageItem.js';
import type { SubmittedMessage } from '../../../local/smsc-simulator/SubmittedMessage.js';
import { useAwsEmulator } from '../aws/emulatorFixture.js';
import { startWorkerHarness, subAccount, type WorkerHarness } from './workerHarness.js';

const aws = useAwsEmulator();
let fleet: WorkerHarness;
/** How far ahead of the real clock the sender's clock runs. */
let senderClockAheadMs = 0;

beforeAll(async () => {
  fleet = await startWorkerHarness(aws(), {
    prefix: 'expiry',
    // One submit per part and delivery: a part the simulator refuses once waits for the next delivery.
    sender: { now: () => Date.now() + senderClockAheadMs, maxSubmitAttempts: 1, refusedRetrySeconds: 1 },
  });
});

afterEach(() => {
  senderClockAheadMs = 0;
});

afterAll(async () => {
  await fleet?.stop();
});

/** SMPP 3.4 absolute time, UTC: YYMMDDhhmmss, tenths, `00+`. */
function smppAbsoluteTime(epochMs: number): string {
  const iso = new Date(epochMs).toISOString();
  const digits = iso.slice(2, 19).replace(/[-T:]/g, '');
  return `${digits}${iso.slice(20, 21)}00+`;
}

function submittedTo(to: string): SubmittedMessage[] {
  return fleet.sim.submittedMessages().filter((message) => message.destination === to.slice(1));
}

/** What POST /messages does: the `accepted` record as the API writes it, at `acceptedAt`, then the SQS message. */
async function acceptThroughApi(id: string, body: unknown, acceptedAt: number): Promise<void> {
  const parsed = parseSendRequest(body);
  if (!parsed.ok) throw new Error(`test request invalid: ${JSON.stringify(parsed.errors)}`);
  const request: SendRequest = parsed.request;
  const item = toMessageItem({
    id,
    request,
    plan: planText(request.text),
    correlationId: `corr-${id}`,
    nowMs: acceptedAt,
  });
  await aws().documentClient.send(new PutCommand({ TableName: fleet.resources.tables.messages, Item: item }));
  const outgoing = toOutgoingMessage(id, request, `corr-${id}`);
  await aws().sqs.send(
    new SendMessageCommand({
      QueueUrl: fleet.queueUrl,
      MessageBody: outgoing.body,
      MessageAttributes: outgoing.attributes,
    }),
  );
}

describe('a message whose validity ran out while it was queued', () => {
  it('is never submitted and ends expired-before-submit with its SMS Failed; one still valid goes out', async () => {
    // The queue "held" both for two minutes: one was valid for one minute, the other for an hour.
    senderClockAheadMs = 120_000;
    const stale = { subAccount, to: '+6591400001', from: 'ACME', text: 'code 1', validityPeriod: 60 };
    const fresh = { subAccount, to: '+6591400002', from: 'ACME', text: 'code 2', validityPeriod: 3_600 };
    const [staleId, freshId] = (await fleet.send([stale, fresh])) as [string, string];
    const records = await fleet.waitForRecords([staleId, freshId]);

    const staleRecord = records.get(staleId);
    expect(staleRecord).toMatchObject({
      status: 'expired',
      reason: 'expired-before-submit',
      errorCode: 'EXPIRED_BEFORE_SUBMIT',
    });
    expect(staleRecord?.parts.every((part) => part.smscMessageId === undefined)).toBe(true);
    expect(submittedTo(stale.to)).toHaveLength(0);

    const freshRecord = records.get(freshId);
    expect(freshRecord?.status).toBe('delivered');
    // Its validity counts from its SQS SentTimestamp (the record's createdAt), not from when it was sent.
    expect(submittedTo(fresh.to).map((message) => message.validityPeriod)).toEqual([
      smppAbsoluteTime((freshRecord?.createdAt ?? 0) + 3_600_000),
    ]);

    const events = await fleet.receiveEvents(3);
    const failed = events.filter((event) => event.detailType === detailTypes.failed);
    expect(failed.map((event) => event.detail.messageId)).toEqual([staleId]);
    expect(failed[0]?.detail).toMatchObject({
      reason: 'expired-before-submit',
      eventType: 'TEXT_TTL_EXPIRED',
      messageStatus: 'EXPIRED',
      isFinal: true,
    });
    expect(eventDetailSchemas[detailTypes.failed].safeParse(failed[0]?.detail).success).toBe(true);
    expect(events.filter((event) => event.detail.messageId === staleId)).toHaveLength(1);
  });

  it('counts from the API’s acceptance: a record accepted two minutes ago with one minute’s validity is never sent', async () => {
    const id = 'expiry-api-stale';
    const to = '+6591400003';
    await acceptThroughApi(
      id,
      { subAccount, to, from: 'ACME', text: 'code 3', validityPeriod: 60 },
      Date.now() - 120_000,
    );
    const records = await fleet.waitForRecords([id]);
    expect(records.get(id)).toMatchObject({ status: 'expired', reason: 'expired-before-submit' });
    expect(submittedTo(to)).toHaveLength(0);
    const events = await fleet.receiveEvents(1);
    expect(events.map((event) => [event.detail.messageId, event.detail.reason])).toEqual([
      [id, 'expired-before-submit'],
    ]);
  });
});

describe('validity_period on every part', () => {
  it('is the same absolute time, the API’s acceptance plus the validity period, on each part', async () => {
    const id = 'expiry-api-multipart';
    const to = '+6591400004';
    const acceptedAt = Date.now() - 30 * 60_000;
    await acceptThroughApi(
      id,
      { subAccount, to, from: 'ACME', text: 'long '.repeat(80), validityPeriod: 7_200 },
      acceptedAt,
    );
    const records = await fleet.waitForRecords([id]);
    expect(records.get(id)?.status).toBe('delivered');
    const parts = submittedTo(to);
    expect(parts.map((part) => part.concat?.sequence).sort()).toEqual([1, 2, 3]);
    expect(parts.map((part) => part.validityPeriod)).toEqual(
      Array(3).fill(smppAbsoluteTime(acceptedAt + 7_200_000)),
    );
    await fleet.receiveEvents(2);
  });
});

describe('a message whose first part went out', () => {
  it('is finished, with the same validity_period, even when its validity passes before the rest is sent', async () => {
    const body = {
      subAccount,
      to: '+6591400005',
      from: 'ACME',
      text: 'part '.repeat(80),
      validityPeriod: 60,
    };
    // The first submit is refused (retryable): the others go out, the refused part waits for the next delivery.
    fleet.sim.setFaults({ submitErrorStatus: { status: 0x08, count: 1 } });
    const [id] = (await fleet.send([body])) as [string];
    const firstDelivery = await fleet.waitForRecords(
      [id],
      (record) =>
        record.status === 'submitting' && record.parts.some((part) => part.smscMessageId !== undefined),
    );
    const acceptedAt = firstDelivery.get(id)?.createdAt ?? 0;
    expect(firstDelivery.get(id)?.parts.filter((part) => part.smscMessageId === undefined)).toHaveLength(1);

    // Before the next delivery, the validity (one minute from acceptance) passes.
    senderClockAheadMs = 120_000;
    const records = await fleet.waitForRecords([id]);
    const record = records.get(id);
    expect(record?.status).toBe('delivered');
    expect(record?.reason).toBeUndefined();
    // The last part went out after the validity had passed, by the sender's clock.
    const lastSubmittedAt = Math.max(...(record?.parts ?? []).map((part) => part.submittedAt ?? 0));
    expect(lastSubmittedAt).toBeGreaterThan(acceptedAt + 60_000);

    const parts = submittedTo(body.to);
    expect(parts.map((part) => part.concat?.sequence).sort()).toEqual([1, 2, 3]);
    expect(parts.map((part) => part.validityPeriod)).toEqual(
      Array(3).fill(smppAbsoluteTime(acceptedAt + 60_000)),
    );
    await fleet.receiveEvents(2);
  });
});
