/**
 * Message states, the transitions between them, and how a long message's state follows its parts.
 *
 *   accepted → submitting → submitted → delivered | undeliverable | expired | rejected | failed | unknown
 *
 * - accepted: recorded (API or worker), not yet handed to an SMSC.
 * - submitting: a worker has started submit_sm for its parts and not yet recorded every resp. A message left
 *   here by a dead worker is "in doubt": it may or may not have been sent (the fleet's inDoubtPolicy decides).
 * - submitted: every part has an SMSC message id; receipts are awaited (when registeredDelivery was asked).
 * - delivered: the handset has it (receipt DELIVRD).
 * - undeliverable: the carrier gave up (receipt UNDELIV, or DELETED).
 * - expired: the validity period ran out (receipt EXPIRED), or ran out before any part was submitted (reason
 *   `expired-before-submit`: never sent).
 * - rejected: refused by 8x8 or the carrier (a final submit_sm_resp error such as an invalid destination, or
 *   receipt REJECTD).
 * - failed: the fleet could not send it (invalid request, too many parts, retries exhausted).
 * - unknown: the SMSC reported that it does not know the outcome (receipt UNKNOWN).
 *
 * The six outcomes are final. A later, less final report never overwrites a final state: a late ENROUTE
 * or a replayed submit_sm_resp after DELIVRD changes nothing. The one exception is `unknown`, which a later
 * definite receipt (delivered, undeliverable, expired, rejected) may replace, because it says strictly more.
 */

export const messageStates = [
  'accepted',
  'submitting',
  'submitted',
  'delivered',
  'undeliverable',
  'expired',
  'rejected',
  'failed',
  'unknown',
] as const;
export type MessageState = (typeof messageStates)[number];

export const finalStates = [
  'delivered',
  'undeliverable',
  'expired',
  'rejected',
  'failed',
  'unknown',
] as const satisfies readonly MessageState[];
export type FinalState = (typeof finalStates)[number];

/** Final states that mean the message (or part) did not reach the handset. */
export const failureStates = [
  'undeliverable',
  'expired',
  'rejected',
  'failed',
] as const satisfies readonly FinalState[];
export type FailureState = (typeof failureStates)[number];

/** Every allowed move. Anything not listed (including staying put) is not a transition. */
export const allowedTransitions = {
  accepted: ['submitting', 'rejected', 'failed'],
  // Back to accepted: returned to the queue on shutdown before any part was submitted. Straight to an
  // outcome: a receipt can be matched before the last submit_sm_resp is recorded.
  submitting: [
    'accepted',
    'submitted',
    'delivered',
    'undeliverable',
    'expired',
    'rejected',
    'failed',
    'unknown',
  ],
  submitted: ['delivered', 'undeliverable', 'expired', 'rejected', 'failed', 'unknown'],
  delivered: [],
  undeliverable: [],
  expired: [],
  rejected: [],
  failed: [],
  unknown: ['delivered', 'undeliverable', 'expired', 'rejected'],
} as const satisfies Record<MessageState, readonly MessageState[]>;

export function isFinalState(state: MessageState): state is FinalState {
  return (finalStates as readonly MessageState[]).includes(state);
}

export function canTransition(from: MessageState, to: MessageState): boolean {
  return (allowedTransitions[from] as readonly MessageState[]).includes(to);
}

/**
 * The state to record when `incoming` is reported for something now in `current`: `incoming` if the move
 * is allowed, else `current` unchanged (a stale or duplicate report is not an error, it is simply older news).
 */
export function nextState(
  current: MessageState,
  incoming: MessageState,
): { state: MessageState; changed: boolean } {
  return canTransition(current, incoming)
    ? { state: incoming, changed: true }
    : { state: current, changed: false };
}

/** Which failure names the message when parts failed differently: the one that says most about the cause. */
const failurePrecedence = [
  'failed',
  'rejected',
  'undeliverable',
  'expired',
] as const satisfies readonly FailureState[];
const progressOrder = ['accepted', 'submitting', 'submitted'] as const satisfies readonly MessageState[];

/**
 * A message's state from the states of its parts (a short message has one part). In order:
 * 1. Any part failed, rejected, undeliverable or expired → that failure, even while other parts are still
 *    on their way: the recipient can no longer get the whole text. When parts failed differently, the
 *    first of failed > rejected > undeliverable > expired names it.
 * 2. Else any part not final → the least advanced of those (e.g. one part submitted, one submitting →
 *    submitting): the message has only got as far as its slowest part.
 * 3. Else every part delivered → delivered.
 * 4. Else (parts delivered or unknown, at least one unknown) → unknown.
 * Order-independent; with no parts (nothing segmented yet) the message is still accepted. Record the result
 * through `nextState`, so a message that is already final keeps its first outcome.
 */
export function mergePartStates(parts: readonly MessageState[]): MessageState {
  for (const failure of failurePrecedence) {
    if (parts.includes(failure)) return failure;
  }
  for (const progress of progressOrder) {
    if (parts.includes(progress)) return progress;
  }
  if (parts.length === 0) return 'accepted';
  return parts.every((part) => part === 'delivered') ? 'delivered' : 'unknown';
}
