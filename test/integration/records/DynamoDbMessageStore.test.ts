/**
 * The message store against the AWS emulator: claims, submissions with SUBMIT correlation, receipts in
 * either order (and at once), validation failures, the outbox bookkeeping.
 */

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { detailTypes, eventTypes, messageEventId } from '../../../core/events.js';
import { parseFleetConfig } from '../../../core/fleetConfig.js';
import type { MessageRecord } from '../../../core/messageRecord.js';
import { eventItemAttribute, eventsOfItemChange } from '../../../core/recordChangeEvents.js';
import {
  acceptedIndex,
  acceptedIndexAttributes,
  acceptedIndexPartitions,
  awaitingSubmissionAttributes,
  awaitingSubmissionIndex,
  correlationKey,
  eventItemKeys,
  messageKey,
} from '../../../core/tableKeys.js';
import { clientConfig } from '../../../local/aws/AwsEmulator.js';
import { createFleetResources, type FleetResources } from '../../../local/aws/createFleetResources.js';
import type { DeliveryReceipt } from '../../../worker/receipts/deliveryReceipt.js';
import { DynamoDbMessageStore } from '../../../worker/records/DynamoDbMessageStore.js';
import { ClaimLostError } from '../../../worker/records/errors.js';
import type { AcceptedPart, ClaimResult } from '../../../worker/records/MessageStore.js';
import { initialRecord, planSend, validationFailureRecord } from '../../../worker/sending/SendPlanner.js';
import { settleSubmission } from '../../../worker/sending/settleSubmission.js';
import { useAwsEmulator } from '../aws/emulatorFixture.js';

const aws = useAwsEmulator();
const subAccount = 'acme';
let resources: FleetResources;
let store: DynamoDbMessageStore;
let counter = 0;

/**
 * The events the table's stream announces for one message (what its subscribers get), read from the
 * stream's start: every write to the record, in order, through the consumer's own rules.
 */
async function announcedFor(messageId: string): Promise<{ detailType: string; eventId: string }[]> {
  const streams = new DynamoDBStreamsClient({
    endpoint: aws().emulator.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  try {
    const streamArn = resources.recordStream.streamArn;
    const { StreamDescription } = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn }));
    const events: { detailType: string; eventId: string }[] = [];
    for (const shard of StreamDescription?.Shards ?? []) {
      let { ShardIterator: iterator } = await streams.send(
        new GetShardIteratorCommand({
          StreamArn: streamArn,
          ShardId: shard.ShardId,
          ShardIteratorType: 'TRIM_HORIZON',
        }),
      );
      while (iterator !== undefined) {
        const page = await streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
        for (const record of page.Records ?? []) {
          const image = (i: unknown) => (i === undefined ? undefined : unmarshall(i as never));
          const newItem = image(record.dynamodb?.NewImage);
          if (newItem?.messageId !== messageId) continue;
          const oldItem = image(record.dynamodb?.OldImage);
          for (const event of eventsOfItemChange({ ...(oldItem ? { oldItem } : {}), newItem })) {
            events.push({ detailType: event.detailType, eventId: event.detail.eventId });
          }
        }
        if ((page.Records ?? []).length === 0) break;
        iterator = page.NextShardIterator;
      }
    }
    return events;
  } finally {
    streams.destroy();
  }
}

beforeAll(async () => {
  resources = await createFleetResources(
    aws(),
    parseFleetConfig({ subAccounts: [{ id: subAccount, password: { env: 'X' } }] }),
    { prefix: 'records', subscriber: false },
  );
  store = new DynamoDbMessageStore({
    client: aws().documentClient,
    tables: { messages: resources.tables.messages, correlation: resources.tables.correlation },
  });
});

function sendPlan(text = 'hello', extra: Record<string, unknown> = {}) {
  counter += 1;
  const plan = planSend(
    {
      sqsMessageId: `sqs-${counter}`,
      queueUrl: 'q',
      body: JSON.stringify({ subAccount, to: '+6591234567', from: 'ACME', text, ...extra }),
      attributes: {},
      receiveCount: 1,
    },
    { subAccount, maxParts: 10 },
  );
  if (plan.kind !== 'send') throw new Error('expected a valid plan');
  return plan;
}

async function claimNew(text?: string, now = Date.now()) {
  const plan = sendPlan(text);
  const result = await store.claim({
    messageId: plan.messageId,
    initial: initialRecord(plan, 7, now),
    claimToken: `token-${counter}`,
    claimOwner: 'worker-a',
    now,
    claimTtlMs: 60_000,
  });
  if (result.kind !== 'claimed') throw new Error(`expected a claim, got ${result.kind}`);
  return { plan, record: result.record, token: `token-${counter}` };
}

function receipt(id: string, state: DeliveryReceipt['state'] = 'delivered'): DeliveryReceipt {
  return {
    smscMessageId: id,
    rawMessageId: id,
    state,
    final: state !== 'enroute' && state !== 'accepted',
    source: 'text',
    errorCode: '0',
  };
}

async function submitAll(record: MessageRecord, token: string, ids: string[], using = store) {
  const attempts = ids.map((id, index) => ({
    partNumber: index + 1,
    outcome: { kind: 'accepted' as const, smscMessageId: id, normalisedSmscMessageId: id, attempts: 1 },
  }));
  const accepted: AcceptedPart[] = ids.map((id, index) => ({
    partNumber: index + 1,
    smscMessageId: id,
    normalisedSmscMessageId: id,
  }));
  return using.recordSubmission({
    base: record,
    claimToken: token,
    accepted,
    now: Date.now(),
    settle: (base) => settleSubmission(base, attempts, { now: Date.now(), lastReceive: false }),
  });
}

describe('claim', () => {
  it('creates the record, then reports busy while the claim lives, and takes over an expired one as in doubt', async () => {
    const now = Date.now();
    const { plan, record } = await claimNew('hi', now);
    expect(record).toMatchObject({ status: 'submitting', attempts: 1, totalParts: 1, concatReference: 7 });

    const again = await store.claim({
      messageId: plan.messageId,
      initial: initialRecord(plan, 9, now),
      claimToken: 'other',
      claimOwner: 'worker-b',
      now: now + 1_000,
      claimTtlMs: 60_000,
    });
    expect(again.kind).toBe('busy');
    expect((again as Extract<ClaimResult, { kind: 'busy' }>).retryAfterMs).toBeGreaterThan(50_000);

    const later = await store.claim({
      messageId: plan.messageId,
      initial: initialRecord(plan, 9, now),
      claimToken: 'other',
      claimOwner: 'worker-b',
      now: now + 61_000,
      claimTtlMs: 60_000,
    });
    expect(later).toMatchObject({ kind: 'claimed', from: 'expired', previousOwner: 'worker-a' });
    // The reference of the first attempt is kept, so resent parts join the same concatenated message.
    expect((later as Extract<ClaimResult, { kind: 'claimed' }>).record).toMatchObject({
      attempts: 2,
      concatReference: 7,
    });
  });

  it('takes over a record the API wrote as accepted, keeping what the API recorded', async () => {
    const plan = sendPlan();
    await aws().documentClient.send(
      new PutCommand({
        TableName: resources.tables.messages,
        Item: {
          ...messageKey(plan.messageId),
          messageId: plan.messageId,
          subAccount,
          status: 'accepted',
          createdAt: 5,
          apiRequestId: 'r-1',
        },
      }),
    );
    const result = await store.claim({
      messageId: plan.messageId,
      initial: initialRecord(plan, 1, 1_000),
      claimToken: 't',
      claimOwner: 'w',
      now: 1_000,
      claimTtlMs: 60_000,
    });
    expect(result).toMatchObject({ kind: 'claimed', from: 'accepted' });
    const stored = await aws().documentClient.send(
      new GetCommand({ TableName: resources.tables.messages, Key: messageKey(plan.messageId) }),
    );
    expect(stored.Item).toMatchObject({
      status: 'submitting',
      createdAt: 5,
      apiRequestId: 'r-1',
      to: '+6591234567',
    });
  });

  it('creates a record accepted when its SQS message was sent, and a later claim keeps that acceptance', async () => {
    const plan = sendPlan();
    const sentAt = Date.UTC(2026, 11, 2, 12, 0, 0);
    const claimedAt = sentAt + 300_000;
    const first = await store.claim({
      messageId: plan.messageId,
      initial: initialRecord(plan, 1, claimedAt, sentAt),
      claimToken: 't1',
      claimOwner: 'w',
      now: claimedAt,
      claimTtlMs: 60_000,
    });
    expect(first).toMatchObject({ kind: 'claimed', from: 'none', record: { createdAt: sentAt } });
    // The claim ran out; a copy sent later (its own SentTimestamp) takes it over.
    const later = claimedAt + 120_000;
    const second = await store.claim({
      messageId: plan.messageId,
      initial: initialRecord(plan, 1, later, later - 1_000),
      claimToken: 't2',
      claimOwner: 'w',
      now: later,
      claimTtlMs: 60_000,
    });
    expect(second).toMatchObject({ kind: 'claimed', record: { createdAt: sentAt } });
    const stored = await aws().documentClient.send(
      new GetCommand({ TableName: resources.tables.messages, Key: messageKey(plan.messageId) }),
    );
    expect(stored.Item).toMatchObject({ createdAt: sentAt, updatedAt: later });
  });

  it('puts a message it creates into the acceptance-time index once: a claim and a validation failure', async () => {
    // A day no other test writes on, so the index partitions hold only these two.
    const now = Date.UTC(2030, 0, 15, 10);
    const { record, token } = await claimNew('indexed', now);
    const ids = [`IDX-${counter}`];
    await submitAll(record, token, ids);
    await store.applyReceipt({ subAccount, receipt: receipt(ids[0] ?? ''), now: now + 5_000 });

    const invalid = planSend(
      {
        sqsMessageId: 'bad-idx',
        queueUrl: 'q',
        body: '{"subAccount":"acme"}',
        attributes: {},
        receiveCount: 1,
      },
      { subAccount, maxParts: 10 },
    );
    if (invalid.kind !== 'invalid') throw new Error('expected invalid');
    const failed = validationFailureRecord(invalid, subAccount, now + 1_000);
    await store.recordValidationFailure(failed);

    // Delivered since, but its index keys are what its creation wrote: the receipt changed neither.
    const stored = await store.getMessage(record.messageId);
    expect(stored).toMatchObject({
      status: 'delivered',
      createdAt: now,
      ...acceptedIndexAttributes(record.messageId, now),
    });
    const found: string[] = [];
    for (const partition of acceptedIndexPartitions(now)) {
      const page = await aws().documentClient.send(
        new QueryCommand({
          TableName: resources.tables.messages,
          IndexName: acceptedIndex.indexName,
          KeyConditionExpression: 'acceptedShard = :shard',
          ExpressionAttributeValues: { ':shard': partition },
        }),
      );
      found.push(...(page.Items ?? []).map((item) => String(item.pk)));
    }
    expect(found.sort()).toEqual([messageKey(record.messageId).pk, messageKey(failed.messageId).pk].sort());
  });

  it('keeps the index keys of a record the API wrote when it claims it', async () => {
    const plan = sendPlan();
    const api = acceptedIndexAttributes(plan.messageId, 5);
    await aws().documentClient.send(
      new PutCommand({
        TableName: resources.tables.messages,
        Item: {
          ...messageKey(plan.messageId),
          messageId: plan.messageId,
          subAccount,
          status: 'accepted',
          createdAt: 5,
          ...api,
        },
      }),
    );
    await store.claim({
      messageId: plan.messageId,
      initial: initialRecord(plan, 1, Date.UTC(2026, 11, 3)),
      claimToken: 't-idx',
      claimOwner: 'w',
      now: Date.UTC(2026, 11, 3),
      claimTtlMs: 60_000,
    });
    expect(await store.getMessage(plan.messageId)).toMatchObject({ createdAt: 5, ...api });
  });

  it('reports a submitted record as done, and a released one is resumed', async () => {
    const { plan, record, token } = await claimNew();
    await submitAll(record, token, [`done-${counter}`]);
    const result = await store.claim({
      messageId: plan.messageId,
      initial: initialRecord(plan, 1, Date.now()),
      claimToken: 'x',
      claimOwner: 'w',
      now: Date.now(),
      claimTtlMs: 60_000,
    });
    expect(result.kind).toBe('done');
    expect(result.record.status).toBe('submitted');

    const waiting = await claimNew();
    await store.recordSubmission({
      base: waiting.record,
      claimToken: waiting.token,
      accepted: [],
      now: Date.now(),
      settle: (base) =>
        settleSubmission(
          base,
          [{ partNumber: 1, outcome: { kind: 'unsent', cause: 'no-bind', attempts: 0 } }],
          {
            now: Date.now(),
            lastReceive: false,
          },
        ),
    });
    const resumed = await store.claim({
      messageId: waiting.plan.messageId,
      initial: initialRecord(waiting.plan, 1, Date.now()),
      claimToken: 'y',
      claimOwner: 'w',
      now: Date.now(),
      claimTtlMs: 60_000,
    });
    expect(resumed).toMatchObject({ kind: 'claimed', from: 'released' });
  });
});

/** A store on its own client whose DynamoDB calls are listed: what an operation costs. */
function countedStore(options: { afterCall?: (command: string) => Promise<void> } = {}) {
  const client = DynamoDBDocumentClient.from(new DynamoDBClient(clientConfig(aws().emulator.endpoint)), {
    marshallOptions: { removeUndefinedValues: true },
  });
  const calls: string[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const command = String(context.commandName);
      calls.push(command);
      const result = await next(args);
      await options.afterCall?.(command);
      return result;
    },
    { step: 'initialize' },
  );
  const counted = new DynamoDbMessageStore({
    client,
    tables: { messages: resources.tables.messages, correlation: resources.tables.correlation },
  });
  return { store: counted, calls, client };
}

describe('recordSubmission and receipts', () => {
  it('records SMSC ids with SUBMIT items, and a receipt then delivers the message with one event', async () => {
    const { record, token } = await claimNew('x'.repeat(200));
    const ids = [`A-${counter}`, `B-${counter}`];
    const submitted = await submitAll(record, token, ids);
    expect(submitted.record.status).toBe('submitted');

    const first = await store.applyReceipt({ subAccount, receipt: receipt(ids[0] ?? ''), now: Date.now() });
    expect(first).toMatchObject({ kind: 'applied', changed: true });
    const second = await store.applyReceipt({ subAccount, receipt: receipt(ids[1] ?? ''), now: Date.now() });
    expect(second).toMatchObject({ kind: 'applied', changed: true });
    if (second.kind !== 'applied') return;
    expect(second.record.status).toBe('delivered');
    expect(await announcedFor(record.messageId)).toEqual([
      { detailType: detailTypes.submitted, eventId: messageEventId(record.messageId, 'submitted') },
      { detailType: detailTypes.delivered, eventId: messageEventId(record.messageId, 'delivered') },
    ]);

    const duplicate = await store.applyReceipt({
      subAccount,
      receipt: receipt(ids[1] ?? ''),
      now: Date.now(),
    });
    expect(duplicate).toMatchObject({ kind: 'applied', changed: false });
  });

  it('matches a receipt that arrives on another sub-account’s bind of the same system_id, before or after its submit', async () => {
    // Two sub-accounts binding as one system_id: 8x8 sends a receipt to any of their binds.
    const shared = new DynamoDbMessageStore({
      client: aws().documentClient,
      tables: { messages: resources.tables.messages, correlation: resources.tables.correlation },
      systemIds: { [subAccount]: 'acme-shared', 'acme-bulk': 'acme-shared' },
    });
    const before = await claimNew();
    const [early, late] = [`SYS-E-${counter}`, `SYS-L-${counter}`];
    expect(
      await shared.applyReceipt({ subAccount: 'acme-bulk', receipt: receipt(early), now: Date.now() }),
    ).toEqual({ kind: 'stored-early' });
    const submittedEarly = await submitAll(before.record, before.token, [early], shared);
    expect(submittedEarly.record.status).toBe('delivered');

    const after = await claimNew();
    const submitted = await submitAll(after.record, after.token, [late], shared);
    expect(submitted.record.status).toBe('submitted');
    const applied = await shared.applyReceipt({
      subAccount: 'acme-bulk',
      receipt: receipt(late),
      now: Date.now(),
    });
    expect(applied).toMatchObject({ kind: 'applied', changed: true, record: { status: 'delivered' } });
  });

  it('keeps an unreadable deliver_sm with its bytes under its system_id, one item per content', async () => {
    const detail = {
      eventId: 'e'.repeat(64),
      eventType: eventTypes.unreadable,
      subAccount,
      reason: 'receipt text has no id',
      esmClass: 4,
      dataCoding: 0,
      sourceAddress: '6591234567',
      destinationAddress: 'ACME',
      shortMessageBase64: Buffer.from('stat:DELIVRD').toString('base64'),
      eventTimestamp: Date.now(),
    } as const;
    const hash = `h-${counter}`;
    await store.announce({ kind: 'unreadable', detail, contentHash: hash });
    await store.announce({
      kind: 'unreadable',
      detail: { ...detail, eventTimestamp: detail.eventTimestamp + 1 },
      contentHash: hash,
    });
    const kept = await aws().documentClient.send(
      new QueryCommand({
        TableName: resources.tables.messages,
        KeyConditionExpression: 'pk = :pk AND sk = :sk',
        ExpressionAttributeValues: { ':pk': eventItemKeys.unreadable(subAccount, hash).pk, ':sk': hash },
      }),
    );
    // One item, the first copy's: a second put would be a second stream record (a duplicate event).
    expect(kept.Items).toHaveLength(1);
    expect(JSON.parse(kept.Items?.[0]?.[eventItemAttribute].detail)).toEqual(detail);
    expect(kept.Items?.[0]?.expiresAt).toBeGreaterThan(Date.now() / 1000);
  });

  it('records a one-part submission in two writes and its receipt in a read and a write, without reading the record', async () => {
    const { record, token } = await claimNew();
    const id = `one-${counter}`;
    const { store: counted, calls, client } = countedStore();
    await submitAll(record, token, [id], counted);
    // The correlation item and the record: no read to look for a receipt that came first.
    expect(calls).toEqual(['UpdateItemCommand', 'UpdateItemCommand']);
    // The receipt comes to another worker's bind: it reads the correlation item to find its message.
    const { store: other, calls: otherCalls, client: otherClient } = countedStore();
    const applied = await other.applyReceipt({
      subAccount,
      receipt: { ...receipt(id, 'undeliverable'), errorCode: '1' },
      now: Date.now(),
    });
    expect(applied).toMatchObject({ kind: 'applied', changed: true, record: { status: 'undeliverable' } });
    expect(otherCalls).toEqual(['GetItemCommand', 'UpdateItemCommand']);
    otherClient.destroy();
    // The same record a read-modify-write would have made.
    expect(await store.getMessage(record.messageId)).toMatchObject({
      status: 'undeliverable',
      reason: 'undeliverable',
      errorCode: '1',
      errorDescription: expect.stringContaining('Absent subscriber'),
      parts: [
        { status: 'undeliverable', receiptStatus: 'UNDELIV', receiptErrorCode: '1', smscMessageId: id },
      ],
      version: record.version + 2,
    });
    // A copy on the worker that recorded the submission needs no correlation read: it knows the message.
    // It finds the record no longer submitted, reads it, and changes nothing.
    calls.length = 0;
    const copy = await counted.applyReceipt({
      subAccount,
      receipt: receipt(id, 'undeliverable'),
      now: Date.now(),
    });
    expect(copy).toMatchObject({ kind: 'applied', changed: false });
    expect(calls).toEqual(['UpdateItemCommand', 'GetItemCommand']);
    client.destroy();
  });

  it('keeps a receipt that beats its submit, and the submission applies it', async () => {
    const { record, token } = await claimNew();
    const id = `early-${counter}`;
    expect(await store.applyReceipt({ subAccount, receipt: receipt(id), now: Date.now() })).toEqual({
      kind: 'stored-early',
    });
    expect(await store.applyReceipt({ subAccount, receipt: receipt(id), now: Date.now() })).toEqual({
      kind: 'already-stored',
    });
    expect(await store.checkEarlyReceipt(subAccount, id)).toMatchObject({ kind: 'unmatched' });

    const result = await submitAll(record, token, [id]);
    expect(result.record.status).toBe('delivered');
    expect((await announcedFor(record.messageId)).map((e) => e.detailType)).toEqual([
      detailTypes.submitted,
      detailTypes.delivered,
    ]);
    expect(await store.checkEarlyReceipt(subAccount, id)).toEqual({ kind: 'matched' });
    // One item per SMSC id: the submission, and the receipt that came before it.
    const items = await aws().documentClient.send(
      new QueryCommand({
        TableName: resources.tables.correlation,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': correlationKey(subAccount, id).pk },
      }),
    );
    expect(items.Items).toEqual([
      expect.objectContaining({
        messageId: record.messageId,
        earlyReceipt: expect.objectContaining({ state: 'delivered' }),
      }),
    ]);
    // A copy of the receipt that comes now finds the SUBMIT and changes nothing.
    expect(await store.applyReceipt({ subAccount, receipt: receipt(id), now: Date.now() })).toMatchObject({
      kind: 'applied',
      changed: false,
    });
  });

  it('applies a receipt whose submission is recorded between its read and its write', async () => {
    const { record, token } = await claimNew();
    const id = `between-${counter}`;
    const {
      store: counted,
      calls,
      client,
    } = countedStore({
      // The receipt's read of the correlation item finds nothing; the submission lands right after it.
      afterCall: async (command) => {
        if (command === 'GetItemCommand' && calls.filter((c) => c === command).length === 1)
          await submitAll(record, token, [id]);
      },
    });
    const applied = await counted.applyReceipt({ subAccount, receipt: receipt(id), now: Date.now() });
    expect(applied).toMatchObject({ kind: 'applied', changed: true, record: { status: 'delivered' } });
    expect((await store.getMessage(record.messageId))?.status).toBe('delivered');
    expect(await store.checkEarlyReceipt(subAccount, id)).toEqual({ kind: 'matched' });
    client.destroy();
  });

  it('applies a receipt exactly once when it races its submission', async () => {
    for (let round = 0; round < 8; round += 1) {
      const { record, token } = await claimNew();
      const id = `race-${counter}`;
      await Promise.all([
        submitAll(record, token, [id]),
        store.applyReceipt({ subAccount, receipt: receipt(id, 'undeliverable'), now: Date.now() }),
      ]);
      const final = await store.getMessage(record.messageId);
      expect(final?.status).toBe('undeliverable');
      // Whichever side applied it, subscribers hear of the outcome once (and of the submission once).
      expect((await announcedFor(record.messageId)).map((e) => e.detailType).sort()).toEqual(
        [detailTypes.submitted, detailTypes.failed].sort(),
      );
      expect(await store.checkEarlyReceipt(subAccount, id)).toEqual({ kind: 'matched' });
    }
  });

  it('recomputes the outcome when a receipt moved the record during a resumed attempt', async () => {
    const { plan, record, token } = await claimNew('y'.repeat(200));
    const firstId = `resume1-${counter}`;
    // First attempt: part 1 accepted, part 2 could not be sent.
    await store.recordSubmission({
      base: record,
      claimToken: token,
      accepted: [{ partNumber: 1, smscMessageId: firstId, normalisedSmscMessageId: firstId }],
      now: Date.now(),
      settle: (base) =>
        settleSubmission(
          base,
          [
            {
              partNumber: 1,
              outcome: {
                kind: 'accepted',
                smscMessageId: firstId,
                normalisedSmscMessageId: firstId,
                attempts: 1,
              },
            },
            { partNumber: 2, outcome: { kind: 'unsent', cause: 'no-bind', attempts: 0 } },
          ],
          { now: Date.now(), lastReceive: false },
        ),
    });
    const resumed = await store.claim({
      messageId: plan.messageId,
      initial: initialRecord(plan, 1, Date.now()),
      claimToken: 'resume',
      claimOwner: 'w',
      now: Date.now(),
      claimTtlMs: 60_000,
    });
    if (resumed.kind !== 'claimed') throw new Error('expected a claim');
    // Part 1's receipt arrives while the second attempt is sending part 2.
    await store.applyReceipt({ subAccount, receipt: receipt(firstId), now: Date.now() });
    const secondId = `resume2-${counter}`;
    const done = await store.recordSubmission({
      base: resumed.record,
      claimToken: 'resume',
      accepted: [{ partNumber: 2, smscMessageId: secondId, normalisedSmscMessageId: secondId }],
      now: Date.now(),
      settle: (base) =>
        settleSubmission(
          base,
          [
            {
              partNumber: 2,
              outcome: {
                kind: 'accepted',
                smscMessageId: secondId,
                normalisedSmscMessageId: secondId,
                attempts: 1,
              },
            },
          ],
          { now: Date.now(), lastReceive: false },
        ),
    });
    expect(done.record.parts.map((p) => p.status)).toEqual(['delivered', 'submitted']);
    expect(done.record.status).toBe('submitted');
  });

  it('refuses a submission whose claim another attempt took over', async () => {
    const now = Date.now();
    const { plan, record, token } = await claimNew('z', now);
    await store.claim({
      messageId: plan.messageId,
      initial: initialRecord(plan, 1, now),
      claimToken: 'thief',
      claimOwner: 'worker-b',
      now: now + 120_000,
      claimTtlMs: 60_000,
    });
    await expect(submitAll(record, token, [`lost-${counter}`])).rejects.toBeInstanceOf(ClaimLostError);
  });

  it('attaches a late SMSC id to its part, so its receipt matches', async () => {
    const { record, token } = await claimNew();
    await submitAll(record, token, [`first-${counter}`]);
    const lateId = `late-${counter}`;
    await store.attachLateSmscMessageId({
      messageId: record.messageId,
      subAccount,
      part: { partNumber: 1, smscMessageId: lateId, normalisedSmscMessageId: lateId },
      now: Date.now(),
    });
    const applied = await store.applyReceipt({ subAccount, receipt: receipt(lateId), now: Date.now() });
    expect(applied).toMatchObject({ kind: 'applied', changed: true });
    const stored = await store.getMessage(record.messageId);
    expect(stored?.parts[0]?.extraSmscMessageIds).toEqual([lateId]);
    expect(stored?.status).toBe('delivered');
  });
});

describe('validation failures and event items', () => {
  it('records a failed record once, and leaves an existing record alone', async () => {
    const plan = planSend(
      {
        sqsMessageId: 'bad-1',
        queueUrl: 'q',
        body: '{"subAccount":"acme"}',
        attributes: {},
        receiveCount: 1,
      },
      { subAccount, maxParts: 10 },
    );
    if (plan.kind !== 'invalid') throw new Error('expected invalid');
    const record = validationFailureRecord(plan, subAccount, Date.now());
    const first = await store.recordValidationFailure(record);
    expect(first.kind).toBe('recorded');
    const second = await store.recordValidationFailure(record);
    expect(second).toMatchObject({ kind: 'exists', record: { status: 'failed', reason: 'validation' } });

    // The stream announces it: nothing about events is kept on the record.
    const item = await aws().documentClient.send(
      new GetCommand({ TableName: resources.tables.messages, Key: messageKey(record.messageId) }),
    );
    expect(item.Item).not.toHaveProperty('pendingEvents');
  });

  it('writes one event item for an unmatched receipt, however often it is announced', async () => {
    const id = `unmatched-${counter++}`;
    await store.applyReceipt({
      subAccount,
      receipt: receipt(id),
      now: Date.now(),
      sourceAddress: '6591234567',
      destinationAddress: 'ACME',
    });
    const check = await store.checkEarlyReceipt(subAccount, id);
    expect(check).toMatchObject({ kind: 'unmatched', receipt: { sourceAddress: '6591234567' } });
    // Listed for the reconciler (in case this worker dies before it reports it) until it is reported.
    const listed = async () => {
      const { Items = [] } = await aws().documentClient.send(
        new QueryCommand({
          TableName: resources.tables.correlation,
          IndexName: awaitingSubmissionIndex.indexName,
          KeyConditionExpression: '#shard = :shard',
          ExpressionAttributeNames: { '#shard': awaitingSubmissionIndex.partitionKey.name },
          ExpressionAttributeValues: {
            ':shard': awaitingSubmissionAttributes(id, 0).awaitingShard,
          },
        }),
      );
      return Items.filter((item) => item.pk === correlationKey(subAccount, id).pk);
    };
    expect(await listed()).toHaveLength(1);
    const detail = {
      eventId: `unmatched-${id}`,
      eventType: eventTypes.receiptUnmatched,
      isFinal: true,
      subAccount,
      smscMessageId: id,
      receiptStatus: 'DELIVRD',
      sourceAddress: '6591234567',
      destinationAddress: 'ACME',
      eventTimestamp: Date.now(),
    } as const;
    await store.announce({ kind: 'unmatched', detail, normalisedSmscMessageId: id });
    await store.announce({ kind: 'unmatched', detail, normalisedSmscMessageId: id });
    const items = await aws().documentClient.send(
      new QueryCommand({
        TableName: resources.tables.messages,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': eventItemKeys.unmatched(subAccount, id, 'DELIVRD').pk },
      }),
    );
    expect(items.Items?.filter((item) => item.sk === `${id}#DELIVRD`)).toHaveLength(1);
    expect(await listed()).toEqual([]);
  });
});
