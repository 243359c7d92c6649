import { describe, expect, it } from 'vitest';
import { detailTypes, eventDetailSchemas } from '../../../core/events.js';
import type { MessageRecord } from '../../../core/messageRecord.js';
import { eventsOfItemChange } from '../../../core/recordChangeEvents.js';
import type { PartOutcome } from '../../../worker/sending/PartOutcome.js';
import { settleSubmission } from '../../../worker/sending/settleSubmission.js';

function claimed(parts = 2): MessageRecord {
  return {
    messageId: 'm-1',
    subAccount: 'acme',
    to: '+6591234567',
    from: 'ACME',
    context: {},
    registeredDelivery: true,
    status: 'submitting',
    encoding: 'GSM7',
    totalParts: parts,
    parts: Array.from({ length: parts }, (_, i) => ({ partNumber: i + 1, status: 'submitting' as const })),
    claimToken: 't',
    claimExpiresAtMs: 99_999,
    attempts: 1,
    createdAt: 1,
    updatedAt: 1,
    version: 1,
  };
}

const ok = (id: string, attempts = 1): PartOutcome => ({
  kind: 'accepted',
  smscMessageId: id,
  normalisedSmscMessageId: id,
  attempts,
});
const context = { now: 500, lastReceive: false };

/** What the table's stream announces when a settled record is written over the claimed one. */
const announced = (record: MessageRecord) =>
  eventsOfItemChange({
    oldItem: claimed(record.parts.length) as unknown as Record<string, unknown>,
    newItem: record as unknown as Record<string, unknown>,
  });

describe('settleSubmission', () => {
  it('makes a message whose parts were all accepted submitted, with the ids and SMS Submitted', () => {
    const settled = settleSubmission(
      claimed(),
      [
        { partNumber: 1, outcome: ok('a') },
        { partNumber: 2, outcome: ok('b') },
      ],
      context,
    );
    expect(settled.done).toBe(true);
    expect(settled.record).toMatchObject({ status: 'submitted', claimExpiresAtMs: 0, submittedAt: 500 });
    expect(settled.record.parts.map((p) => [p.status, p.smscMessageId, p.submitAttempts])).toEqual([
      ['submitted', 'a', 1],
      ['submitted', 'b', 1],
    ]);
    expect(announced(settled.record).map((e) => e.detailType)).toEqual([detailTypes.submitted]);
  });

  it('records a final refusal as rejected with the SMPP status name and code, and SMS Failed', () => {
    const settled = settleSubmission(
      claimed(1),
      [
        {
          partNumber: 1,
          outcome: { kind: 'refused', commandStatus: 0x0b, statusName: 'ESME_RINVDSTADR', attempts: 1 },
        },
      ],
      context,
    );
    expect(settled.record).toMatchObject({
      status: 'rejected',
      reason: 'rejected',
      errorCode: 'ESME_RINVDSTADR',
      smppCommandStatus: 0x0b,
      smppCommandStatusName: 'ESME_RINVDSTADR',
    });
    const event = announced(settled.record)[0]!;
    expect(eventDetailSchemas[detailTypes.failed].parse(event.detail)).toMatchObject({
      reason: 'rejected',
      smppCommandStatus: 0x0b,
      smppCommandStatusName: 'ESME_RINVDSTADR',
    });
  });

  it('keeps a message with an unsent part submitting, claim released, parts it sent recorded', () => {
    const settled = settleSubmission(
      claimed(),
      [
        { partNumber: 1, outcome: ok('a') },
        {
          partNumber: 2,
          outcome: {
            kind: 'unsent',
            cause: 'retries-exhausted',
            attempts: 3,
            lastStatus: { commandStatus: 0x14, statusName: 'ESME_RMSGQFUL' },
          },
        },
      ],
      context,
    );
    expect(settled.done).toBe(false);
    expect(announced(settled.record)).toEqual([]);
    expect(settled.record).toMatchObject({ status: 'submitting', claimExpiresAtMs: 0 });
    expect(settled.record.parts[1]).toMatchObject({
      status: 'submitting',
      smppCommandStatusName: 'ESME_RMSGQFUL',
      submitAttempts: 3,
    });
  });

  it('fails a part that keeps failing on the last delivery before the DLQ', () => {
    const settled = settleSubmission(
      claimed(1),
      [
        {
          partNumber: 1,
          outcome: {
            kind: 'unsent',
            cause: 'retries-exhausted',
            attempts: 3,
            lastStatus: { commandStatus: 0x14, statusName: 'ESME_RMSGQFUL' },
          },
        },
      ],
      { now: 500, lastReceive: true },
    );
    expect(settled.done).toBe(true);
    expect(settled.record).toMatchObject({ status: 'failed', reason: 'failed', errorCode: 'ESME_RMSGQFUL' });
    expect(announced(settled.record)[0]!.detail).toMatchObject({
      reason: 'failed',
      smppCommandStatusName: 'ESME_RMSGQFUL',
    });
  });

  it('does not fail a message on its last delivery only because no bind was up', () => {
    const settled = settleSubmission(
      claimed(1),
      [{ partNumber: 1, outcome: { kind: 'unsent', cause: 'no-bind', attempts: 0 } }],
      { now: 500, lastReceive: true },
    );
    expect(settled).toMatchObject({ done: false, record: { status: 'submitting' } });
  });

  it('names the in-doubt part on the part and the message', () => {
    const settled = settleSubmission(
      claimed(),
      [
        { partNumber: 1, outcome: ok('a') },
        { partNumber: 2, outcome: { ...ok('b', 2), doubt: 'no submit_sm_resp; sent again (at-least-once)' } },
      ],
      { ...context, messageDoubt: 'attempt 1 by w-1 ended without recording its outcome' },
    );
    expect(settled.record.inDoubt).toBe(true);
    expect(settled.record.parts[1]).toMatchObject({
      inDoubt: true,
      inDoubtReason: expect.stringContaining('at-least-once'),
    });
    expect(settled.record.inDoubtReasons).toEqual([
      'attempt 1 by w-1 ended without recording its outcome',
      'part 2: no submit_sm_resp; sent again (at-least-once)',
    ]);
  });

  it('makes a one-part message sent at most once and unanswered unknown, with the reason', () => {
    const settled = settleSubmission(
      claimed(1),
      [
        {
          partNumber: 1,
          outcome: {
            kind: 'unknown',
            attempts: 1,
            doubt: 'no submit_sm_resp; not sent again (at-most-once)',
          },
        },
      ],
      context,
    );
    expect(settled.record).toMatchObject({
      status: 'unknown',
      reason: 'unknown',
      errorCode: 'IN_DOUBT',
      inDoubt: true,
    });
    expect(announced(settled.record)[0]!.detail).toMatchObject({
      reason: 'unknown',
      eventType: 'TEXT_UNKNOWN',
    });
  });

  it('leaves parts it did not attempt as they were (a resumed message)', () => {
    const base = claimed();
    base.parts[0] = { partNumber: 1, status: 'delivered', smscMessageId: 'a' };
    const settled = settleSubmission(base, [{ partNumber: 2, outcome: ok('b') }], context);
    expect(settled.record.parts.map((p) => p.status)).toEqual(['delivered', 'submitted']);
    expect(settled.record.status).toBe('submitted');
  });
});
