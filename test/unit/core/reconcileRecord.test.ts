import { describe, expect, it } from 'vitest';
import type { MessageRecord } from '../../../core/messageRecord.js';
import { queueReachMs, reconcileRecord, utcDaysBetween } from '../../../core/reconcileRecord.js';
import { eventsOfItemChange } from '../../../core/recordChangeEvents.js';
import { queueSettings } from '../../../core/tableKeys.js';

const nowMs = Date.UTC(2026, 11, 10, 12);
const old = nowMs - queueReachMs - 60_000;

function record(extra: Partial<MessageRecord> = {}): MessageRecord {
  return {
    messageId: 'm-1',
    subAccount: 'acme',
    to: '+6591234567',
    from: 'ACME',
    status: 'accepted',
    parts: [],
    createdAt: old,
    updatedAt: old,
    version: 1,
    ...extra,
  };
}

describe('reconcileRecord', () => {
  it('reaches past the send queue’s retention before it touches anything', () => {
    expect(queueReachMs).toBeGreaterThan(queueSettings.messageRetentionSeconds * 1_000);
  });

  it('fails an accepted record older than the queue’s reach as never sent, with an SMS Failed event', () => {
    const before = record();
    const decision = reconcileRecord(before, { nowMs });
    expect(decision.action).toBe('fail');
    if (decision.action !== 'fail') return;
    expect(decision.change).toMatchObject({
      status: 'failed',
      reason: 'failed',
      errorCode: 'NEVER_SENT',
      finalAt: nowMs,
      claimExpiresAtMs: 0,
    });
    expect(decision.change.errorDescription).toMatch(/retention/);
    const events = eventsOfItemChange({
      oldItem: { ...before },
      newItem: { ...before, ...decision.change, version: 2 },
    });
    expect(events.map((event) => event.detailType)).toEqual(['SMS Failed']);
    expect(events[0]?.detail).toMatchObject({
      reason: 'failed',
      isFinal: true,
      messageStatusDescription: decision.change.errorDescription,
    });
  });

  it('fails a submitting record whose claim expired as queue-expired, failing only the parts 8x8 lacks', () => {
    const decision = reconcileRecord(
      record({
        status: 'submitting',
        attempts: 5,
        claimExpiresAtMs: old + 60_000,
        totalParts: 2,
        parts: [
          { partNumber: 1, status: 'submitted', smscMessageId: 'a1', submittedAt: old },
          { partNumber: 2, status: 'submitting' },
        ],
      }),
      { nowMs },
    );
    expect(decision.action).toBe('fail');
    if (decision.action !== 'fail') return;
    expect(decision.change.errorCode).toBe('QUEUE_EXPIRED');
    expect(decision.change.errorDescription).toMatch(/1 of 2 parts reached 8x8/);
    expect(decision.change.parts.map((part) => part.status)).toEqual(['submitted', 'failed']);
  });

  it('records as submitted a message whose parts all have SMSC ids, instead of failing it', () => {
    const before = record({
      status: 'submitting',
      attempts: 1,
      totalParts: 1,
      parts: [{ partNumber: 1, status: 'submitted', smscMessageId: 'a1', submittedAt: old + 5 }],
    });
    const decision = reconcileRecord(before, { nowMs });
    expect(decision.action).toBe('submitted');
    if (decision.action !== 'submitted') return;
    expect(decision.change).toMatchObject({ status: 'submitted', submittedAt: old + 5 });
    const events = eventsOfItemChange({ oldItem: { ...before }, newItem: { ...before, ...decision.change } });
    expect(events.map((event) => event.detailType)).toEqual(['SMS Submitted']);
  });

  it('leaves a record younger than the queue’s reach: its SQS message (or a DLQ redrive) can still send it', () => {
    expect(reconcileRecord(record({ createdAt: nowMs - queueReachMs + 60_000 }), { nowMs })).toEqual({
      action: 'leave',
      why: 'within-reach',
    });
  });

  it('leaves a record whose claim is live', () => {
    expect(
      reconcileRecord(record({ status: 'submitting', claimExpiresAtMs: nowMs + 1_000 }), { nowMs }),
    ).toEqual({ action: 'leave', why: 'claimed' });
  });

  it('leaves every state past submitting', () => {
    for (const status of ['submitted', 'delivered', 'failed', 'unknown'] as const)
      expect(reconcileRecord(record({ status }), { nowMs }).action).toBe('leave');
  });
});

describe('utcDaysBetween', () => {
  it('names each UTC day a window touches, once', () => {
    const day = 86_400_000;
    const start = Date.UTC(2026, 11, 1, 23);
    expect(utcDaysBetween(start, start + 2 * 3_600_000).map((ms) => Math.floor(ms / day))).toEqual([
      Math.floor(start / day),
      Math.floor(start / day) + 1,
    ]);
    expect(utcDaysBetween(start, start + 1_000)).toHaveLength(1);
  });
});
