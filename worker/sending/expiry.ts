/**
 * Pure: when a message stops being worth sending, and the record of one that expired before it was sent.
 *
 * A message's validity counts from its acceptance, the record's `createdAt`: the API's acceptance, or, for a
 * message put straight on SQS, the SQS SentTimestamp of its first copy (SendPlanner initialRecord). Not the
 * first claim: a message that waited behind a backlog before any worker claimed it has used up that time too,
 * and SentTimestamp is when the producer handed it over (SQS's own retention counts from it as well).
 *
 * Checked once, before the first part is submitted. A message any part of which may already be at 8x8 is
 * always finished, never half-sent because its time ran out between parts: its remaining parts carry the
 * same absolute validity_period and 8x8 decides (docs/delivery-guarantees.md).
 */
import type { MessageRecord } from '../../core/messageRecord.js';
import { sendRequestLimits } from '../../core/sendRequest.js';

/**
 * The validity used when a request gives none: 48 h, the longest 8x8 documents keeping a message (it waits
 * up to 48 h for the carrier's receipt). It is sent explicitly, so the fleet's cut-off before submit and
 * 8x8's after it are the same time.
 */
export const defaultValidityPeriodSeconds = 48 * 3_600;

/** Epoch ms after which the message must not be sent: acceptance + its validity period (or the default). */
export function validUntilOf(record: Pick<MessageRecord, 'createdAt' | 'validityPeriod'>): number {
  const seconds = record.validityPeriod ?? defaultValidityPeriodSeconds;
  if (
    !Number.isInteger(seconds) ||
    seconds < sendRequestLimits.minValidityPeriodSeconds ||
    seconds > sendRequestLimits.maxValidityPeriodSeconds
  ) {
    throw new RangeError(
      `validityPeriod must be ${sendRequestLimits.minValidityPeriodSeconds}..${sendRequestLimits.maxValidityPeriodSeconds} whole seconds, got ${seconds}`,
    );
  }
  return record.createdAt + seconds * 1_000;
}

/**
 * True when some part may already be at 8x8: it has an SMSC id, or an attempt that may have sent it ended
 * in doubt (`inDoubt` on the part, or `claimedFromExpired`: a previous attempt died holding the claim).
 */
export function mayHaveReachedSmsc(
  record: Pick<MessageRecord, 'parts'>,
  claimedFromExpired: boolean,
): boolean {
  return (
    claimedFromExpired ||
    record.parts.some((part) => part.smscMessageId !== undefined || part.inDoubt === true)
  );
}

/** Whether to give the message up now rather than submit it. */
export function isExpiredBeforeSubmit(
  record: Pick<MessageRecord, 'createdAt' | 'validityPeriod' | 'parts'>,
  claimedFromExpired: boolean,
  now: number,
): boolean {
  return now >= validUntilOf(record) && !mayHaveReachedSmsc(record, claimedFromExpired);
}

/** A claimed record that is never submitted: `expired`, reason `expired-before-submit`, the claim released. */
export function expiredBeforeSubmitRecord(base: MessageRecord, now: number): MessageRecord {
  const validUntil = validUntilOf(base);
  return {
    ...base,
    status: 'expired',
    reason: 'expired-before-submit',
    errorCode: 'EXPIRED_BEFORE_SUBMIT',
    errorDescription:
      `The validity period (${base.validityPeriod ?? defaultValidityPeriodSeconds} s from acceptance at ` +
      `${new Date(base.createdAt).toISOString()}) ran out at ${new Date(validUntil).toISOString()}, ` +
      `before any part could be sent (a worker came to send it ${Math.round((now - validUntil) / 1_000)} s later); it was not sent`,
    parts: base.parts.map((part) => ({ ...part, status: 'expired' })),
    updatedAt: now,
    finalAt: now,
    claimExpiresAtMs: 0,
  };
}
