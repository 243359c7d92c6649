/**
 * The status page's reader against the AWS emulator: the latest messages come from the messages table's
 * acceptance-time index (today's shards, then yesterday's), never from records outside it, and each source
 * is read with the calls its function is allowed (Query, BatchGetItem, GetQueueAttributes).
 */
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { BatchWriteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseFleetConfig } from '../../../core/fleetConfig.js';
import { newMessageId } from '../../../core/messageId.js';
import { deadLetterQueueUrlFor, leaseKey } from '../../../core/tableKeys.js';
import { FleetStatusReader } from '../../../lambdas/shared/FleetStatusReader.js';
import { toMessageItem } from '../../../lambdas/shared/messageItem.js';
import { createFleetResources, type FleetResources } from '../../../local/aws/createFleetResources.js';
import { useAwsEmulator } from '../aws/emulatorFixture.js';

const hour = 3_600_000;
/** Noon UTC: today's records are at most 12 h old, yesterday's 12–36 h. */
const now = Date.UTC(2026, 11, 2, 12);
const startOfToday = Date.UTC(2026, 11, 2);

const fleet = parseFleetConfig({
  subAccounts: [{ id: 'demo', host: '127.0.0.1', port: 2775, password: { env: 'P' }, bindCap: 2 }],
});

/** A record as the API writes it (index attributes included), accepted at `createdAt`. */
function accepted(createdAt: number, text = 'hello') {
  return toMessageItem({
    id: newMessageId(),
    request: {
      subAccount: 'demo',
      to: '+6591234567',
      from: 'DEMO',
      text,
      registeredDelivery: true,
      priority: 'normal',
    } as Parameters<typeof toMessageItem>[0]['request'],
    plan: { encoding: 'GSM7', totalParts: 1 },
    correlationId: 'test',
    nowMs: createdAt,
  });
}

describe('FleetStatusReader', () => {
  const aws = useAwsEmulator();
  let resources: FleetResources;

  const reader = (options: { messageLimit?: number } = {}) =>
    new FleetStatusReader({
      dynamo: aws().documentClient,
      sqs: aws().sqs,
      tables: { leases: resources.tables.leases, messages: resources.tables.messages },
      subAccounts: fleet.subAccounts.map((account) => {
        const queueUrl = resources.sendQueues[account.id]?.queueUrl as string;
        return { ...account, queueUrl, deadLetterQueueUrl: deadLetterQueueUrlFor(queueUrl) };
      }),
      now: () => now,
      ...options,
    });

  async function put(items: readonly object[]): Promise<void> {
    for (let start = 0; start < items.length; start += 25) {
      await aws().documentClient.send(
        new BatchWriteCommand({
          RequestItems: {
            [resources.tables.messages]: items
              .slice(start, start + 25)
              .map((item) => ({ PutRequest: { Item: item } })),
          },
        }),
      );
    }
  }

  beforeAll(async () => {
    resources = await createFleetResources(aws(), fleet, { prefix: 'status', subscriber: false });
  });

  it('shows the newest accepted of today from the index, newest first, with what the page shows', async () => {
    const today = Array.from({ length: 30 }, (_, index) => accepted(startOfToday + index * 60_000));
    // Accepted later than any of them but written without the index attribute (before the index existed).
    const { acceptedShard: _unindexed, ...beforeTheIndex } = accepted(now - 1_000);
    await put([...today, beforeTheIndex]);

    const view = await reader().read();
    expect(view.problems).toEqual([]);
    const newest = [...today].sort((a, b) => b.createdAt - a.createdAt).slice(0, 20);
    expect(view.messages.map((message) => message.messageId)).toEqual(newest.map((item) => item.messageId));
    expect(view.messagesSinceMs).toBe(startOfToday);
    expect(view.messageCounts).toEqual({ accepted: 20 });
    expect(view.messages[0]).toMatchObject({ to: '+6591234567', from: 'DEMO', status: 'accepted' });
  });

  it('looks back to yesterday when today has fewer than the limit, and no further', async () => {
    const yesterday = accepted(startOfToday - 2 * hour);
    const twoDaysAgo = accepted(startOfToday - 30 * hour);
    await put([yesterday, twoDaysAgo]);
    const view = await reader({ messageLimit: 40 }).read();
    const ids = view.messages.map((message) => message.messageId);
    expect(ids).toHaveLength(31);
    expect(ids.at(-1)).toBe(yesterday.messageId);
    expect(ids).not.toContain(twoDaysAgo.messageId);
    expect(view.messagesSinceMs).toBe(startOfToday - 24 * hour);
  });

  it('reads the bind slots and the queue depths beside the messages', async () => {
    await aws().documentClient.send(
      new PutCommand({
        TableName: resources.tables.leases,
        Item: { ...leaseKey('demo', 1), holder: 'worker-1', fence: 3, leaseExpiresAtMs: now + 5_000 },
      }),
    );
    await aws().sqs.send(
      new SendMessageCommand({
        QueueUrl: resources.sendQueues.demo?.queueUrl,
        MessageBody: JSON.stringify({ subAccount: 'demo' }),
      }),
    );
    const [account] = (await reader().read()).subAccounts;
    expect(account?.slots.map((slot) => [slot.state, slot.holder])).toEqual([
      ['free', undefined],
      ['leased', 'worker-1'],
    ]);
    expect(account?.queue).toEqual({ visible: 1, inFlight: 0, delayed: 0 });
    expect(account?.deadLetterQueue).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  });

  it('names a source it cannot read and still answers the rest', async () => {
    const broken = new FleetStatusReader({
      dynamo: aws().documentClient,
      sqs: aws().sqs,
      tables: { leases: resources.tables.leases, messages: 'no-such-table' },
      subAccounts: [
        {
          id: 'demo',
          bindCap: 2,
          submitsPerSecond: 50,
          window: 30,
          queueUrl: undefined,
          deadLetterQueueUrl: undefined,
        },
      ],
      now: () => now,
    });
    const view = await broken.read();
    expect(view.problems).toEqual([expect.stringMatching(/^latest messages: /)]);
    expect(view.messages).toEqual([]);
    expect(view.subAccounts[0]?.slots).toHaveLength(2);
  });
});
