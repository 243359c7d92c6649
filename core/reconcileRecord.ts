/**
 * The reconciler's decision for one message record (docs/delivery-guarantees.md, "A message whose SQS
 * message is gone"). Pure: a record and a clock in, what to write out.
 *
 * A record moves on only while an SQS message carries it: the worker claims, sends and records when it
 * receives that message. When the message is gone — its retention ran out during a long outage, its queue
 * was deleted, or it sat in the DLQ past that time — nothing would ever move the record again. So:
 *
 * - Only `accepted` and `submitting` are looked at; every other state is someone's outcome or waits for a
 *   receipt.
 * - A live claim (`claimExpiresAtMs` in the future) means a worker is sending it now: left alone.
 * - Younger than the send queue's retention plus a margin: its SQS message may still be in the queue, or in
 *   the DLQ waiting for a redrive, and can still send it: left alone. One rule for both: a message whose
 *   handling went to the DLQ is not failed early, so an operator has the whole retention to redrive it
 *   (a record can also sit in `submitting` for hours legitimately, e.g. while no bind is up).
 * - Older: every part already accepted by 8x8 (all have an SMSC id) → `submitted` (receipts decide the
 *   rest); else → `failed`, reason `failed`, errorCode `NEVER_SENT` (no part reached 8x8 and no attempt was
 *   made) or `QUEUE_EXPIRED` (attempts were made, or some parts went); parts without an SMSC id are failed
 *   too. The records-stream consumer announces the change (`SMS Failed` / `SMS Submitted`).
 */
import type { MessageRecord, PartRecord } from './messageRecord.js';
import { queueSettings } from './tableKeys.js';

/** Past the queue's retention, so a message received at its last moment has finished (claim, send, record). */
export const reconcileMarginMs = 3_600_000;

/** How old an `accepted`/`submitting` record must be before its SQS message can no longer move it. */
export const queueReachMs = queueSettings.messageRetentionSeconds * 1_000 + reconcileMarginMs;

export const reconcileErrorCodes = {
  /** Accepted, never claimed by a worker: its SQS message was never received. */
  neverSent: 'NEVER_SENT',
  /** Claimed at least once, but no SQS message is left to finish it (retention ran out, or the DLQ). */
  queueExpired: 'QUEUE_EXPIRED',
} as const;

/** The attributes a decision writes on the record (it is read back whole for the condition). */
export type ReconcileChange = Pick<MessageRecord, 'status' | 'parts' | 'updatedAt' | 'claimExpiresAtMs'> &
  Partial<Pick<MessageRecord, 'reason' | 'errorCode' | 'errorDescription' | 'finalAt' | 'submittedAt'>>;

export type ReconcileDecision =
  | { readonly action: 'leave'; readonly why: 'not-pending' | 'claimed' | 'within-reach' }
  | { readonly action: 'fail'; readonly change: ReconcileChange }
  | { readonly action: 'submitted'; readonly change: ReconcileChange };

export interface ReconcileContext {
  readonly nowMs: number;
  /** @default queueReachMs */
  readonly reachMs?: number;
}

const hasSmscId = (part: PartRecord) => part.smscMessageId !== undefined && part.smscMessageId !== '';

export function reconcileRecord(record: MessageRecord, context: ReconcileContext): ReconcileDecision {
  const { nowMs } = context;
  const reachMs = context.reachMs ?? queueReachMs;
  if (record.status !== 'accepted' && record.status !== 'submitting')
    return { action: 'leave', why: 'not-pending' };
  if ((record.claimExpiresAtMs ?? 0) > nowMs) return { action: 'leave', why: 'claimed' };
  if (nowMs - record.createdAt < reachMs) return { action: 'leave', why: 'within-reach' };

  const expectedParts = Math.max(record.totalParts ?? 0, record.parts.length);
  const accepted = record.parts.filter(hasSmscId);
  if (expectedParts > 0 && accepted.length === expectedParts) {
    // 8x8 has every part: only the record of it was lost. Receipts will decide the outcome.
    const submittedAt = Math.max(...accepted.map((part) => part.submittedAt ?? 0)) || nowMs;
    return {
      action: 'submitted',
      change: {
        status: 'submitted',
        parts: record.parts.map((part) =>
          part.status === 'submitting' ? { ...part, status: 'submitted' } : part,
        ),
        submittedAt: record.submittedAt ?? submittedAt,
        updatedAt: nowMs,
        claimExpiresAtMs: 0,
      },
    };
  }

  const tried = (record.attempts ?? 0) > 0 || accepted.length > 0;
  const hours = Math.round(reachMs / 3_600_000);
  const errorCode = tried ? reconcileErrorCodes.queueExpired : reconcileErrorCodes.neverSent;
  const errorDescription = tried
    ? `Not finished: no SQS message was left to send it ${hours} h after it was accepted (the send queue's retention ran out, or it went to the DLQ and was not redriven); ${accepted.length} of ${expectedParts} parts reached 8x8` +
      (record.inDoubt === true ? '; some parts may have been sent (inDoubt)' : '')
    : `Never sent: no worker received its SQS message within ${hours} h of acceptance (the send queue's retention ran out, or the queue was deleted)`;
  return {
    action: 'fail',
    change: {
      status: 'failed',
      parts: record.parts.map((part) =>
        hasSmscId(part) || part.status !== 'submitting' ? part : { ...part, status: 'failed' },
      ),
      reason: 'failed',
      errorCode,
      errorDescription,
      finalAt: nowMs,
      updatedAt: nowMs,
      claimExpiresAtMs: 0,
    },
  };
}

/** The UTC days (epoch ms of a moment in each, oldest first) that the window [fromMs, toMs] touches. */
export function utcDaysBetween(fromMs: number, toMs: number): number[] {
  const dayMs = 86_400_000;
  const days: number[] = [];
  for (let day = fromMs - (fromMs % dayMs); day <= toMs; day += dayMs) days.push(Math.max(day, fromMs));
  return days;
}
