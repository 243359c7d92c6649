/** What became of one part in one attempt: the sending path's vocabulary between submitting and recording. */

export type PartOutcome =
  /** 8x8 took it: submit_sm_resp 0 with its message id. */
  | {
      kind: 'accepted';
      smscMessageId: string;
      normalisedSmscMessageId: string;
      attempts: number;
      /** Set when an earlier submit of this part went unanswered and it was sent again (at-least-once). */
      doubt?: string;
    }
  /** 8x8 refused it with a final status: it will not be sent. */
  | { kind: 'refused'; commandStatus: number; statusName: string; attempts: number; doubt?: string }
  /** Not accepted this time, for a reason that may pass: try again on a later delivery of the SQS message. */
  | {
      kind: 'unsent';
      cause: 'retries-exhausted' | 'no-bind' | 'stopping';
      attempts: number;
      lastStatus?: { commandStatus: number; statusName: string };
      doubt?: string;
    }
  /** Maybe sent, maybe not, and not resent (at-most-once): recorded as `unknown`. */
  | { kind: 'unknown'; attempts: number; doubt: string };

export interface PartAttempt {
  partNumber: number;
  outcome: PartOutcome;
}
