/**
 * Pure: an attempt's part outcomes applied to the message record — part states and SMSC ids, the
 * message state rolled up from the parts, error and in-doubt fields, and the claim released. The store calls it again on a fresh record if a receipt moved the record meanwhile.
 */

import type { MessageRecord, PartRecord } from '../../core/messageRecord.js';
import { isFinalState, nextState } from '../../core/messageState.js';
import { describeCommandStatus } from '../../core/smpp/commandStatus.js';
import type { RecordedChange } from '../records/MessageStore.js';
import { rollUp } from '../records/recordTransitions.js';
import type { PartAttempt } from './PartOutcome.js';

export interface SettleContext {
  now: number;
  /** This is the last delivery SQS makes before the DLQ: parts still unsent fail now. */
  lastReceive: boolean;
  /** Why the whole message is in doubt (a previous attempt's claim expired), if it is. */
  messageDoubt?: string;
}

export interface SettledSubmission extends RecordedChange {
  /** Submitted or final: the SQS message can go. Otherwise some part waits for a later delivery. */
  done: boolean;
}

export function settleSubmission(
  base: MessageRecord,
  attempts: readonly PartAttempt[],
  context: SettleContext,
): SettledSubmission {
  const { now } = context;
  const byPart = new Map(attempts.map((attempt) => [attempt.partNumber, attempt.outcome]));
  const doubts: string[] = context.messageDoubt === undefined ? [] : [context.messageDoubt];
  let refusal: { commandStatus: number; statusName: string } | undefined;
  let exhausted: { commandStatus: number; statusName: string } | undefined;
  let exhaustedAttempts = 0;
  let unknownReason: string | undefined;
  let waiting = false;

  const parts = base.parts.map((part): PartRecord => {
    const outcome = byPart.get(part.partNumber);
    if (outcome === undefined) return part;
    let next: PartRecord = { ...part, submitAttempts: (part.submitAttempts ?? 0) + outcome.attempts };
    if (outcome.doubt !== undefined) {
      next = { ...next, inDoubt: true, inDoubtReason: outcome.doubt };
      doubts.push(`part ${part.partNumber}: ${outcome.doubt}`);
    }
    switch (outcome.kind) {
      case 'accepted':
        if (next.smscMessageId !== undefined && next.smscMessageId !== outcome.smscMessageId) {
          // A late resp already gave this part an id: this one is a second copy of it.
          return {
            ...next,
            status: nextState(next.status, 'submitted').state,
            extraSmscMessageIds: [...(next.extraSmscMessageIds ?? []), outcome.smscMessageId],
          };
        }
        return {
          ...next,
          status: nextState(next.status, 'submitted').state,
          smscMessageId: outcome.smscMessageId,
          normalisedSmscMessageId: outcome.normalisedSmscMessageId,
          submittedAt: now,
        };
      case 'refused':
        refusal ??= { commandStatus: outcome.commandStatus, statusName: outcome.statusName };
        return {
          ...next,
          status: nextState(next.status, 'rejected').state,
          smppCommandStatus: outcome.commandStatus,
          smppCommandStatusName: outcome.statusName,
        };
      case 'unknown':
        unknownReason ??= outcome.doubt;
        return { ...next, status: nextState(next.status, 'unknown').state };
      default: {
        // 'unsent'
        const last = outcome.lastStatus;
        if (last !== undefined)
          next = { ...next, smppCommandStatus: last.commandStatus, smppCommandStatusName: last.statusName };
        // Only a part that kept failing gives up on the last delivery; "no bind" or "stopping" is not its fault.
        if (context.lastReceive && outcome.cause === 'retries-exhausted') {
          exhausted ??= last;
          exhaustedAttempts = Math.max(exhaustedAttempts, next.submitAttempts ?? 0);
          return { ...next, status: nextState(next.status, 'failed').state };
        }
        waiting = true;
        return next;
      }
    }
  });

  let record: MessageRecord = { ...base, parts, updatedAt: now, claimExpiresAtMs: 0 };
  if (doubts.length > 0) {
    record.inDoubt = true;
    record.inDoubtReasons = [...new Set([...(base.inDoubtReasons ?? []), ...doubts])];
  }
  if (refusal !== undefined) {
    record = {
      ...record,
      reason: 'rejected',
      errorCode: refusal.statusName,
      errorDescription: `Refused by 8x8: ${describeCommandStatus(refusal.commandStatus).description} (${refusal.statusName}, 0x${refusal.commandStatus.toString(16).padStart(8, '0')})`,
      smppCommandStatus: refusal.commandStatus,
      smppCommandStatusName: refusal.statusName,
    };
  } else if (parts.some((part) => part.status === 'failed')) {
    const last: { commandStatus: number; statusName: string } | undefined = exhausted;
    record = {
      ...record,
      reason: 'failed',
      errorCode: last?.statusName ?? 'RETRIES_EXHAUSTED',
      errorDescription:
        `Gave up after ${exhaustedAttempts} submit attempts over ${base.attempts ?? 1} deliveries of the SQS message` +
        (last === undefined
          ? ''
          : `; last answer ${last.statusName}: ${describeCommandStatus(last.commandStatus).description}`),
      ...(last === undefined
        ? {}
        : { smppCommandStatus: last.commandStatus, smppCommandStatusName: last.statusName }),
    };
  } else if (unknownReason !== undefined) {
    record = {
      ...record,
      reason: 'unknown',
      errorCode: 'IN_DOUBT',
      errorDescription: `Not known whether 8x8 received it: ${unknownReason}`,
    };
  }

  let settled = rollUp(record, now).record;
  // A receipt can be recorded before the submission is (it applies to the part as soon as the SUBMIT item
  // exists). The message then went straight to its outcome; it was still submitted first, and says so.
  if (settled.submittedAt === undefined && settled.parts.every((part) => part.smscMessageId !== undefined)) {
    // It was submitted before its outcome was recorded.
    // (`submittedAt` appearing is what the stream announces as SMS Submitted: core/recordChangeEvents.ts.)
    settled = { ...settled, submittedAt: Math.min(now, settled.finalAt ?? now) };
  }
  const done = !waiting || isFinalState(settled.status) || settled.status === 'submitted';
  return { record: settled, done };
}
