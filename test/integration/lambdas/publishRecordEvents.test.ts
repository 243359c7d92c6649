/**
 * The records-stream consumer end to end against the emulator: writes to the messages table → its stream →
 * the local runner → the deployed handler → EventBridge → the example subscriber queue. What a subscriber
 * sees is what the records say, and a batch that fails is retried from the record that failed.
 */
import { DeleteMessageBatchCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { detailTypes, messageEventId, type SmsEvent } from '../../../core/events.js';
import { messageKey } from '../../../core/tableKeys.js';
import { createPublishRecordEventsHandler } from '../../../lambdas/publishRecordEvents.js';
import { startRecordStream } from '../../../local/recordStream/startRecordStream.js';
import { pollUntil } from '../../support/poll.js';
import { useAwsEmulator } from '../aws/emulatorFixture.js';
import { useRecordStreamFleet } from './sendApiFixture.js';

const aws = useAwsEmulator();
const fleet = useRecordStreamFleet(aws, 'stream');
let counter = 0;

/** Receives (and deletes) from the subscriber queue until `count` events came, then once more for extras. */
async function receiveEvents(
  count: number,
): Promise<{ detailType: string; detail: Record<string, unknown> }[]> {
  const queueUrl = fleet().resources.subscriber?.queueUrl ?? '';
  const events: { detailType: string; detail: Record<string, unknown> }[] = [];
  const receive = async () => {
    const { Messages = [] } = await aws().sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );
    for (const message of Messages) {
      const envelope = JSON.parse(message.Body ?? '{}');
      events.push({ detailType: envelope['detail-type'], detail: envelope.detail });
    }
    if (Messages.length > 0) {
      await aws().sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
        }),
      );
    }
    return Messages.length;
  };
  await pollUntil(
    `${count} events at the subscriber`,
    async () => {
      await receive();
      return events.length >= count;
    },
    {
      timeoutMs: 30_000,
      intervalMs: 0,
      describe: () => `got ${events.length}: ${events.map((e) => e.detailType).join(', ')}`,
    },
  );
  while ((await receive()) > 0) {}
  return events;
}

function messageItem(messageId: string, status: string, extra: Record<string, unknown> = {}) {
  return {
    ...messageKey(messageId),
    messageId,
    subAccount: 'acme',
    to: '+6591234567',
    from: 'ACME',
    status,
    parts: [],
    createdAt: 1,
    updatedAt: 2,
    version: 1,
    ...extra,
  };
}

describe('the records-stream consumer over the emulator', () => {
  it('publishes each state a record enters, once, and nothing for writes that enter none', async () => {
    const id = `m-${counter++}`;
    const table = fleet().resources.tables.messages;
    const put = (item: Record<string, unknown>, condition?: string) =>
      aws().documentClient.send(
        new PutCommand({
          TableName: table,
          Item: item,
          ...(condition ? { ConditionExpression: condition } : {}),
        }),
      );
    await put(messageItem(id, 'accepted')); // the API's record
    await put(messageItem(id, 'submitting')); // a claim
    await put(messageItem(id, 'submitted', { submittedAt: 3 }));
    // A write whose condition fails is no change: no stream record, no event.
    await expect(put(messageItem(id, 'rejected'), 'attribute_not_exists(pk)')).rejects.toThrow();
    await aws().documentClient.send(
      new UpdateCommand({
        TableName: table,
        Key: messageKey(id),
        UpdateExpression: 'SET #s = :s, finalAt = :t',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':s': 'delivered', ':t': 4 },
      }),
    );
    const events = await receiveEvents(2);
    expect(events.map((e) => [e.detailType, e.detail.eventId])).toEqual([
      [detailTypes.submitted, messageEventId(id, 'submitted')],
      [detailTypes.delivered, messageEventId(id, 'delivered')],
    ]);
  });

  it('retries a batch from the record whose events could not be published, not from the start', async () => {
    const published: string[] = [];
    let failuresLeft = 1;
    const failing = createPublishRecordEventsHandler({
      publish: async (event: SmsEvent) => {
        const messageId = 'messageId' in event.detail ? event.detail.messageId : '';
        if (messageId === 'flaky' && failuresLeft-- > 0) throw new Error('EventBridge said no');
        published.push(messageId);
      },
      logger: { warn: () => {}, error: () => {} },
    });
    const retries: number[] = [];
    const own = await startRecordStream({
      streamArn: fleet().resources.recordStream.streamArn,
      env: fleet().env,
      handler: failing,
      idlePollMs: 50,
      onRetry: ({ records }) => retries.push(records),
    });
    try {
      await own.caughtUp(); // what earlier tests wrote is behind it
      published.length = 0;
      for (const id of ['steady', 'flaky', 'after']) {
        await aws().documentClient.send(
          new PutCommand({
            TableName: fleet().resources.tables.messages,
            Item: messageItem(id, 'failed', { reason: 'validation', finalAt: 2 }),
          }),
        );
      }
      await pollUntil(
        'all three published',
        () => published.includes('flaky') && published.includes('after'),
        {
          timeoutMs: 30_000,
          intervalMs: 50,
          describe: () => JSON.stringify({ published, retries }),
        },
      );
      expect(retries.length).toBeGreaterThanOrEqual(1);
      // The record before the failure was published once: the retry started at the failed record.
      expect(published.filter((id) => id === 'steady')).toEqual(['steady']);
    } finally {
      await own.stop();
    }
    await receiveEvents(3); // what the shared runner published meanwhile
  });
});
