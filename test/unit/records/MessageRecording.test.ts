/**
 * The recording use case over fake tables: which table operations a claim, a submission and a receipt make,
 * and what it does when a condition refuses one. The same rules against DynamoDB itself (the conditions as
 * expressions, the race of a receipt and its submission) are in
 * test/integration/records/DynamoDbMessageStore.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { detailTypes } from '../../../core/events.js';
import { unmatchedReceiptEvent } from '../../../core/messageEvents.js';
import type { MessageRecord } from '../../../core/messageRecord.js';
import { ClaimLostError, MessageStoreError } from '../../../worker/records/errors.js';
import { MessageRecording } from '../../../worker/records/MessageRecording.js';
import type { ClaimInput, RecordedChange } from '../../../worker/records/MessageStore.js';
import type { RecordCondition } from '../../../worker/records/RecordTables.js';
import { InMemoryRecordTables } from './InMemoryRecordTables.js';

const now = 1_000_000;

function initial(messageId: string, parts = 1): MessageRecord {
  return {
    messageId,
    subAccount: 'acme',
    to: '+6591234567',
    status: 'submitting',
    totalParts: parts,
    parts: Array.from({ length: parts }, (_, index) => ({ partNumber: index + 1, status: 'submitting' })),
    createdAt: now,
    updatedAt: now,
    version: 0,
  } as MessageRecord;
}

function claimInput(messageId: string, token: string, at = now, parts = 1): ClaimInput {
  return {
    messageId,
    initial: initial(messageId, parts),
    claimToken: token,
    claimOwner: `worker-${token}`,
    now: at,
    claimTtlMs: 60_000,
  };
}

/** Every part accepted with the given ids, the message submitted. */
function submitted(ids: readonly string[]) {
  return (base: MessageRecord): RecordedChange => ({
    record: {
      ...base,
      status: 'submitted',
      submittedAt: now,
      claimExpiresAtMs: 0,
      parts: base.parts.map((part, index) => ({
        ...part,
        status: 'submitted',
        smscMessageId: ids[index],
        normalisedSmscMessageId: ids[index],
        submittedAt: now,
      })),
    },
  });
}

const receipt = (id: string, state: 'delivered' | 'undeliverable' = 'delivered') => ({
  smscMessageId: id,
  rawMessageId: id,
  state,
  final: true,
  source: 'text' as const,
  errorCode: state === 'delivered' ? '0' : '1',
});

async function claimAndSubmit(recording: MessageRecording, messageId: string, ids: string[]) {
  const claimed = await recording.claim(claimInput(messageId, 't1', now, ids.length));
  if (claimed.kind !== 'claimed') throw new Error(`expected a claim, got ${claimed.kind}`);
  return recording.recordSubmission({
    base: claimed.record,
    claimToken: 't1',
    accepted: ids.map((id, index) => ({
      partNumber: index + 1,
      smscMessageId: id,
      normalisedSmscMessageId: id,
    })),
    settle: submitted(ids),
    now,
  });
}

describe('MessageRecording', () => {
  it('claims a message once: busy while the claim lives, taken over as expired after it, done once submitted', async () => {
    const tables = new InMemoryRecordTables();
    const recording = new MessageRecording({ tables });
    expect(await recording.claim(claimInput('m', 'a'))).toMatchObject({ kind: 'claimed', from: 'none' });
    expect(await recording.claim(claimInput('m', 'b', now + 1_000))).toMatchObject({
      kind: 'busy',
      retryAfterMs: 59_500,
    });
    const late = await recording.claim(claimInput('m', 'c', now + 61_000));
    expect(late).toMatchObject({ kind: 'claimed', from: 'expired', previousOwner: 'worker-a' });
    if (late.kind !== 'claimed') return;
    await recording.recordSubmission({
      base: late.record,
      claimToken: 'c',
      accepted: [{ partNumber: 1, smscMessageId: 'X1', normalisedSmscMessageId: 'x1' }],
      settle: submitted(['x1']),
      now,
    });
    expect(await recording.claim(claimInput('m', 'd', now + 200_000))).toMatchObject({
      kind: 'done',
      record: { status: 'submitted' },
    });
  });

  it('refuses a submission whose claim another attempt took, naming who has it', async () => {
    const tables = new InMemoryRecordTables();
    const recording = new MessageRecording({ tables });
    const first = await recording.claim(claimInput('m', 'a'));
    await recording.claim(claimInput('m', 'b', now + 61_000));
    if (first.kind !== 'claimed') throw new Error('expected a claim');
    const lost = recording.recordSubmission({
      base: first.record,
      claimToken: 'a',
      accepted: [],
      settle: submitted(['x']),
      now,
    });
    await expect(lost).rejects.toBeInstanceOf(ClaimLostError);
    await expect(lost).rejects.toMatchObject({ found: { status: 'submitting', claimOwner: 'worker-b' } });
  });

  it('applies a receipt kept before its submission in the submission’s own write, reading nothing for it', async () => {
    const tables = new InMemoryRecordTables();
    const recording = new MessageRecording({ tables });
    expect(await recording.applyReceipt({ subAccount: 'acme', receipt: receipt('e1'), now })).toEqual({
      kind: 'stored-early',
    });
    expect(tables.correlation.get('acme#e1')?.listed).toBe(true);
    tables.calls.length = 0;
    const { record } = await claimAndSubmit(recording, 'm', ['e1']);
    expect(record.status).toBe('delivered');
    expect(tables.calls).toEqual(['claim', 'setSubmission', 'updateRecord']);
    expect(tables.correlation.get('acme#e1')?.listed).toBe(false);
    expect(tables.announced.map((event) => event.detailType)).toEqual([
      detailTypes.submitted,
      detailTypes.delivered,
    ]);
  });

  it('writes no correlation item for a message sent without a receipt request; a receipt for it is kept unmatched', async () => {
    const tables = new InMemoryRecordTables();
    const recording = new MessageRecording({ tables });
    const input = claimInput('m', 't1');
    const claimed = await recording.claim({
      ...input,
      initial: { ...input.initial, registeredDelivery: false },
    });
    if (claimed.kind !== 'claimed') throw new Error('expected a claim');
    const { record } = await recording.recordSubmission({
      base: claimed.record,
      claimToken: 't1',
      accepted: [{ partNumber: 1, smscMessageId: 'N1', normalisedSmscMessageId: 'n1' }],
      settle: submitted(['n1']),
      now,
    });
    expect(record).toMatchObject({ status: 'submitted', parts: [{ smscMessageId: 'n1' }] });
    expect(tables.calls).toEqual(['claim', 'updateRecord']);
    expect(tables.correlation.has('acme#n1')).toBe(false);
    expect(await recording.applyReceipt({ subAccount: 'acme', receipt: receipt('n1'), now })).toEqual({
      kind: 'stored-early',
    });
    expect((await recording.getMessage('m'))?.status).toBe('submitted');
  });

  it('applies at once a receipt whose submission was recorded between its read and its keep', async () => {
    const tables = new InMemoryRecordTables();
    const recording = new MessageRecording({ tables });
    await claimAndSubmit(recording, 'm', ['r1']);
    // The read found no submission (it had not landed yet); the keep is refused with the one that beat it.
    const getCorrelation = tables.getCorrelation.bind(tables);
    tables.getCorrelation = async (ref) => {
      await getCorrelation(ref);
      return {};
    };
    const applied = await recording.applyReceipt({ subAccount: 'acme', receipt: receipt('r1'), now });
    expect(applied).toMatchObject({ kind: 'applied', changed: true, record: { status: 'delivered' } });
    expect(tables.correlation.get('acme#r1')?.earlyReceipt).toBeUndefined();
  });

  it('records a one-part receipt with one write and no read of the record; a long message’s by read-modify-write', async () => {
    const tables = new InMemoryRecordTables();
    const recording = new MessageRecording({ tables });
    await claimAndSubmit(recording, 'short', ['s1']);
    await claimAndSubmit(recording, 'long', ['l1', 'l2']);
    // Receipts on another worker's binds: it reads each correlation item to find the message.
    const otherWorker = new MessageRecording({ tables });
    tables.calls.length = 0;
    await otherWorker.applyReceipt({ subAccount: 'acme', receipt: receipt('s1', 'undeliverable'), now });
    expect(tables.calls).toEqual(['getCorrelation', 'updateOnePartSubmitted']);
    expect(tables.records.get('short')).toMatchObject({ status: 'undeliverable', errorCode: '1' });
    tables.calls.length = 0;
    await otherWorker.applyReceipt({ subAccount: 'acme', receipt: receipt('l1'), now });
    expect(tables.calls).toEqual(['getCorrelation', 'getRecord', 'updateRecord']);
    expect(tables.records.get('long')?.parts.map((part) => part.status)).toEqual(['delivered', 'submitted']);
  });

  it('finds a receipt’s message without a read when this worker recorded the submission, and forgets the oldest', async () => {
    const tables = new InMemoryRecordTables();
    const recording = new MessageRecording({ tables, recentSubmissions: 2 });
    await claimAndSubmit(recording, 'first', ['f1']);
    await claimAndSubmit(recording, 'second', ['s1']);
    await claimAndSubmit(recording, 'third', ['t1']);
    tables.calls.length = 0;
    await recording.applyReceipt({ subAccount: 'acme', receipt: receipt('t1'), now });
    expect(tables.calls).toEqual(['updateOnePartSubmitted']);
    tables.calls.length = 0;
    await recording.applyReceipt({ subAccount: 'acme', receipt: receipt('f1'), now });
    expect(tables.calls).toEqual(['getCorrelation', 'updateOnePartSubmitted']);
    expect([...tables.records.values()].map((record) => record.status)).toEqual([
      'delivered',
      'submitted',
      'delivered',
    ]);
  });

  it('settles a submission again on the record a receipt moved meanwhile, keeping both', async () => {
    const tables = new InMemoryRecordTables();
    const recording = new MessageRecording({ tables });
    const claimed = await recording.claim(claimInput('m', 't', now, 2));
    if (claimed.kind !== 'claimed') throw new Error('expected a claim');
    // Part 1 was recorded by an earlier write of this attempt, and its receipt delivered it since.
    await recording.attachLateSmscMessageId({
      messageId: 'm',
      subAccount: 'acme',
      part: { partNumber: 1, smscMessageId: 'p1', normalisedSmscMessageId: 'p1' },
      now,
    });
    await recording.applyReceipt({ subAccount: 'acme', receipt: receipt('p1'), now });
    const { record } = await recording.recordSubmission({
      base: claimed.record, // the version before both writes: refused once, then settled on what is there
      claimToken: 't',
      accepted: [{ partNumber: 2, smscMessageId: 'p2', normalisedSmscMessageId: 'p2' }],
      settle: (base) => ({
        record: {
          ...base,
          parts: base.parts.map((part) =>
            part.partNumber === 2 ? { ...part, status: 'submitted', smscMessageId: 'p2' } : part,
          ),
          status: 'submitted',
        },
      }),
      now,
    });
    expect(record.parts.map((part) => part.status)).toEqual(['delivered', 'submitted']);
    expect(tables.records.get('m')?.parts.map((part) => part.status)).toEqual(['delivered', 'submitted']);
  });

  it('gives up on a receipt whose record keeps changing, so the SMSC is asked to redeliver it', async () => {
    const tables = new InMemoryRecordTables();
    const recording = new MessageRecording({ tables, maxConflictRetries: 3 });
    await claimAndSubmit(recording, 'm', ['a1', 'a2']);
    const updateRecord = tables.updateRecord.bind(tables);
    let refused = 0;
    tables.updateRecord = async (record: MessageRecord, condition: RecordCondition) => {
      refused += 1;
      return updateRecord(record, { ...condition, version: -1 });
    };
    await expect(
      recording.applyReceipt({ subAccount: 'acme', receipt: receipt('a1'), now }),
    ).rejects.toBeInstanceOf(MessageStoreError);
    expect(refused).toBe(3);
  });

  it('takes an unmatched receipt off the reconciler’s list when it reports it, and writes its event item once', async () => {
    const tables = new InMemoryRecordTables();
    const recording = new MessageRecording({ tables, systemIds: { acme: 'acme-sys' } });
    await recording.applyReceipt({ subAccount: 'acme', receipt: receipt('u1'), now });
    const check = await recording.checkEarlyReceipt('acme', 'u1');
    if (check.kind !== 'unmatched') throw new Error(`expected unmatched, got ${check.kind}`);
    const { detail } = unmatchedReceiptEvent('acme', check.receipt, now);
    await recording.announce({ kind: 'unmatched', detail, normalisedSmscMessageId: 'u1' });
    await recording.announce({ kind: 'unmatched', detail, normalisedSmscMessageId: 'u1' });
    expect(tables.correlation.get('acme-sys#u1')?.listed).toBe(false);
    expect(tables.announced.map((event) => event.detailType)).toEqual([detailTypes.receiptUnmatched]);
  });
});
