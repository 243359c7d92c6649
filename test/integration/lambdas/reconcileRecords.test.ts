/**
 * The reconciler against the emulator: records found through the `byAcceptedAt` index by age, read by
 * BatchGetItem, settled by conditional UpdateItem; the change's event comes from the records stream (the
 * deployed consumer through the local runner), as a subscriber would see it.
 */

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteMessageBatchCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { detailTypes, messageEventId } from '../../../core/events.js';
import { unmatchedReceiptEvent } from '../../../core/messageEvents.js';
import { queueReachMs } from '../../../core/reconcileRecord.js';
import {
  acceptedIndexAttributes,
  eventItemKeys,
  messageKey,
  reconcilerWatermarkKey,
} from '../../../core/tableKeys.js';
import {
  createReconcileRecordsHandler,
  defaultUnmatchedAfterMs,
  type ReconcileRecordsDeps,
  type ReconcileSummary,
  reconcileRecordsHandlerFromEnv,
} from '../../../lambdas/reconcileRecords.js';
import { readAwsClientSettings } from '../../../lambdas/shared/apiConfig.js';
import type { DeliveryReceipt } from '../../../worker/receipts/deliveryReceipt.js';
import { DynamoDbMessageStore } from '../../../worker/records/DynamoDbMessageStore.js';
import { pollUntil } from '../../support/poll.js';
import { useAwsEmulator } from '../aws/emulatorFixture.js';
import { useRecordStreamFleet } from './sendApiFixture.js';

const aws = useAwsEmulator();
const fleet = useRecordStreamFleet(aws, 'reconcile');

const nowMs = Date.now();
const oldMs = nowMs - queueReachMs - 10 * 60_000;

/** A record as the API or a worker writes it, with its index attributes. */
function messageItem(messageId: string, createdAt: number, extra: Record<string, unknown> = {}) {
  return {
    ...messageKey(messageId),
    ...acceptedIndexAttributes(messageId, createdAt),
    messageId,
    subAccount: 'acme',
    to: '+6591234567',
    from: 'ACME',
    status: 'accepted',
    parts: [],
    createdAt,
    updatedAt: createdAt,
    version: 1,
    ...extra,
  };
}

const put = (item: Record<string, unknown>) =>
  aws().documentClient.send(new PutCommand({ TableName: fleet().resources.tables.messages, Item: item }));

const read = async (messageId: string) =>
  (
    await aws().documentClient.send(
      new GetCommand({
        TableName: fleet().resources.tables.messages,
        Key: messageKey(messageId),
        ConsistentRead: true,
      }),
    )
  ).Item;

const readWatermark = async () =>
  (
    await aws().documentClient.send(
      new GetCommand({
        TableName: fleet().resources.tables.messages,
        Key: reconcilerWatermarkKey,
        ConsistentRead: true,
      }),
    )
  ).Item?.reconciledToMs;

const reconcile = (overrides: Pick<ReconcileRecordsDeps, 'now'> = {}): Promise<ReconcileSummary> =>
  reconcileRecordsHandlerFromEnv(fleet().env, { now: () => nowMs, ...overrides })();

/** Receives (and deletes) what the subscriber queue holds until `count` events (of `detailType`) came. */
async function receiveEvents(count: number, detailType?: string) {
  const queueUrl = fleet().resources.subscriber?.queueUrl ?? '';
  const events: { detailType: string; detail: Record<string, unknown> }[] = [];
  await pollUntil(
    `${count} events at the subscriber`,
    async () => {
      const { Messages = [] } = await aws().sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
      );
      for (const message of Messages) {
        const envelope = JSON.parse(message.Body ?? '{}');
        if (detailType === undefined || envelope['detail-type'] === detailType)
          events.push({ detailType: envelope['detail-type'], detail: envelope.detail });
      }
      if (Messages.length > 0)
        await aws().sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
          }),
        );
      return events.length >= count;
    },
    { timeoutMs: 30_000, intervalMs: 0, describe: () => JSON.stringify(events.map((e) => e.detailType)) },
  );
  return events;
}

describe('the reconciler over the emulator', () => {
  it('fails the records past their queue’s reach, leaves the rest, and runs twice to the same end', async () => {
    await put(messageItem('lost', oldMs)); // the API recorded it; its SQS message expired
    await put(
      messageItem('dead-worker', oldMs + 1_000, {
        status: 'submitting',
        attempts: 2,
        claimExpiresAtMs: oldMs + 61_000,
        totalParts: 2,
        parts: [
          { partNumber: 1, status: 'submitted', smscMessageId: 'aa01', submittedAt: oldMs + 2_000 },
          { partNumber: 2, status: 'submitting' },
        ],
      }),
    );
    await put(messageItem('fresh', nowMs - 60_000)); // its SQS message can still send it
    await put(
      messageItem('claimed', oldMs + 2_000, { status: 'submitting', claimExpiresAtMs: nowMs + 60_000 }),
    );
    await put(
      messageItem('delivered', oldMs + 3_000, { status: 'delivered', finalAt: oldMs + 9_000, version: 4 }),
    );

    const first = await reconcile();
    expect(first).toMatchObject({ failed: 2, submitted: 0, changedMeanwhile: 0 });

    expect(await read('lost')).toMatchObject({
      status: 'failed',
      reason: 'failed',
      errorCode: 'NEVER_SENT',
      errorDescription: expect.stringMatching(/retention/),
      finalAt: nowMs,
      version: 2,
    });
    expect(await read('dead-worker')).toMatchObject({
      status: 'failed',
      errorCode: 'QUEUE_EXPIRED',
      parts: [
        { partNumber: 1, status: 'submitted', smscMessageId: 'aa01' },
        { partNumber: 2, status: 'failed' },
      ],
    });
    expect(await read('fresh')).toMatchObject({ status: 'accepted', version: 1 });
    expect(await read('claimed')).toMatchObject({ status: 'submitting', version: 1 });
    expect(await read('delivered')).toMatchObject({ status: 'delivered', version: 4 });

    const events = await receiveEvents(2);
    const failedIds = events
      .filter((event) => event.detailType === detailTypes.failed)
      .map((event) => event.detail.eventId)
      .sort();
    expect(failedIds).toEqual(
      [messageEventId('lost', 'failed'), messageEventId('dead-worker', 'failed')].sort(),
    );
    expect(events.find((event) => event.detail.messageId === 'lost')?.detail).toMatchObject({
      reason: 'failed',
      isFinal: true,
      messageStatusDescription: expect.stringMatching(/Never sent/),
    });

    // A second run finds them final: nothing written, nothing announced.
    expect(await reconcile()).toMatchObject({ failed: 0, submitted: 0, changedMeanwhile: 0 });
    expect(await read('lost')).toMatchObject({ status: 'failed', version: 2 });
    await fleet().stream.caughtUp();
  });

  it('records as submitted a message 8x8 has every part of, with its SMS Submitted event', async () => {
    await put(
      messageItem('all-parts', oldMs + 4_000, {
        status: 'submitting',
        attempts: 1,
        claimExpiresAtMs: oldMs + 64_000,
        totalParts: 1,
        parts: [{ partNumber: 1, status: 'submitted', smscMessageId: 'bb02', submittedAt: oldMs + 5_000 }],
      }),
    );
    expect(await reconcile()).toMatchObject({ failed: 0, submitted: 1 });
    expect(await read('all-parts')).toMatchObject({ status: 'submitted', submittedAt: oldMs + 5_000 });
    const events = await receiveEvents(1);
    expect(events.map((event) => [event.detailType, event.detail.messageId])).toEqual([
      [detailTypes.submitted, 'all-parts'],
    ]);
  });

  it('leaves a record that reached its outcome between the read and the write', async () => {
    await put(messageItem('raced', oldMs + 6_000));
    // A worker's write lands between the reconciler's read and its UpdateItem (a middleware of the real
    // client runs it just before the update is sent).
    const client = new DynamoDBClient(readAwsClientSettings(fleet().env));
    let raced = 0;
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const key = (args.input as { Key?: { pk?: string } }).Key;
        if (
          context.commandName === 'UpdateItemCommand' &&
          key?.pk === messageKey('raced').pk &&
          raced++ === 0
        )
          await put(
            messageItem('raced', oldMs + 6_000, { status: 'submitted', submittedAt: nowMs, version: 2 }),
          );
        return next(args);
      },
      { step: 'initialize' },
    );
    const handler = createReconcileRecordsHandler({
      dynamo: DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } }),
      messagesTable: fleet().resources.tables.messages,
      correlationTable: fleet().resources.tables.correlation,
      logger: { info: () => {}, warn: () => {} },
      now: () => nowMs,
    });
    try {
      expect(await handler()).toMatchObject({ failed: 0, changedMeanwhile: 1 });
    } finally {
      client.destroy();
    }
    expect(raced).toBe(1);
    expect(await read('raced')).toMatchObject({ status: 'submitted', version: 2 });
    const events = await receiveEvents(1); // the worker's own write announced its submission
    expect(events.map((event) => event.detailType)).toEqual([detailTypes.submitted]);
  });
});

describe('a reconciler that was stopped', () => {
  it('makes up for days without runs: it resumes from its watermark, a day of acceptances a run', async () => {
    const hour = 3_600_000;
    const reach = nowMs - queueReachMs;
    // The last complete run got to 30 hours before the reach; nothing ran since.
    const watermark = reach - 30 * hour;
    await put({ ...reconcilerWatermarkKey, reconciledToMs: watermark });
    await put(messageItem('stopped-early', watermark + 2 * hour));
    await put(messageItem('stopped-late', watermark + 26 * hour));

    await reconcile();
    expect(await read('stopped-early')).toMatchObject({ status: 'failed', errorCode: 'NEVER_SENT' });
    expect(await read('stopped-late')).toMatchObject({ status: 'accepted' });
    expect(await readWatermark()).toBe(watermark + 23 * hour); // an hour of overlap, then a day

    await reconcile();
    expect(await read('stopped-late')).toMatchObject({ status: 'failed', errorCode: 'NEVER_SENT' });
    expect(await readWatermark()).toBe(reach);
  });
});

describe('early receipts no worker reported', () => {
  const store = () =>
    new DynamoDbMessageStore({
      client: aws().documentClient,
      tables: {
        messages: fleet().resources.tables.messages,
        correlation: fleet().resources.tables.correlation,
      },
    });
  const receipt = (id: string): DeliveryReceipt => ({
    smscMessageId: id,
    rawMessageId: id.toUpperCase(),
    state: 'delivered',
    final: true,
    source: 'text',
    errorCode: '0',
  });
  const keep = (id: string, receivedAt: number) =>
    store().applyReceipt({
      subAccount: 'acme',
      receipt: receipt(id),
      now: receivedAt,
      sourceAddress: '6591234567',
      destinationAddress: 'ACME',
    });
  const unmatchedItems = async (id: string) =>
    (
      await aws().documentClient.send(
        new QueryCommand({
          TableName: fleet().resources.tables.messages,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :id)',
          ExpressionAttributeValues: { ':pk': eventItemKeys.unmatched('acme', id, '').pk, ':id': `${id}#` },
        }),
      )
    ).Items ?? [];

  it('reports each one once after its worker died, and never one that met its submission or was reported', async () => {
    const receivedAt = Date.now();
    // A worker kept these and died before its 2-minute timer ran (no ReceiptRecorder here: nothing reports).
    expect(await keep('orphan-receipt', receivedAt)).toEqual({ kind: 'stored-early' });
    // Kept, then its submission came (a late SMSC id recorded on a submitted message).
    expect(await keep('matched-receipt', receivedAt)).toEqual({ kind: 'stored-early' });
    await put(
      messageItem('matched-late', receivedAt, {
        status: 'submitted',
        parts: [{ partNumber: 1, status: 'submitted', smscMessageId: 'first-id' }],
      }),
    );
    await store().attachLateSmscMessageId({
      messageId: 'matched-late',
      subAccount: 'acme',
      part: { partNumber: 1, smscMessageId: 'MATCHED-RECEIPT', normalisedSmscMessageId: 'matched-receipt' },
      now: receivedAt,
    });
    // Kept, and reported by its worker's timer.
    expect(await keep('timed-receipt', receivedAt)).toEqual({ kind: 'stored-early' });
    const detail = unmatchedReceiptEvent(
      'acme',
      { ...receipt('timed-receipt'), receivedAt },
      receivedAt,
    ).detail;
    await store().announce({ kind: 'unmatched', detail, normalisedSmscMessageId: 'timed-receipt' });

    // Still inside the worker's own time to report it: left alone.
    const soon = await reconcile({ now: () => receivedAt + 60_000 });
    expect(soon.unmatchedReported).toBe(0);

    const later = await reconcile({ now: () => receivedAt + defaultUnmatchedAfterMs + 60_000 });
    expect(later.unmatchedReported).toBe(1);
    const events = await receiveEvents(2, detailTypes.receiptUnmatched);
    expect(events.map((event) => event.detail.smscMessageId).sort()).toEqual([
      'ORPHAN-RECEIPT',
      'TIMED-RECEIPT',
    ]);
    expect(events.find((event) => event.detail.smscMessageId === 'ORPHAN-RECEIPT')?.detail).toMatchObject({
      subAccount: 'acme',
      receiptStatus: 'DELIVRD',
      sourceAddress: '6591234567',
      destinationAddress: 'ACME',
    });
    expect(await read('matched-late')).toMatchObject({ status: 'delivered' });

    // Reported means off the list: the next run finds nothing, and there is one event item each.
    const again = await reconcile({ now: () => receivedAt + defaultUnmatchedAfterMs + 120_000 });
    expect(again.unmatchedReported).toBe(0);
    expect(await unmatchedItems('orphan-receipt')).toHaveLength(1);
    expect(await unmatchedItems('matched-receipt')).toHaveLength(0);
  });
});
