/**
 * One SQS send message from body to outcome (the sending pipeline), for one sub-account:
 *
 *   plan (validate, message id, fits?, country rules) → suppression list (only for a sub-account with
 *   optOuts: one read) → claim the record → velocity limits (only for a sub-account with velocityLimits and
 *   a message the API did not count: one transaction) → segment → submit each part over the BindPool
 *   → record the part outcomes (the record, and one correlation item per SMSC id) → delete from SQS
 *
 * and what to do with the SQS message (`MessageDisposition`): delete it once its outcome is recorded, or
 * leave it for a later delivery (a part could not be sent now, another attempt holds it, no bind is up).
 * It publishes nothing: the messages table's stream announces each write (core/recordChangeEvents.ts). It
 * never throws for a bad message; it throws only when recording (or reading the suppression list) failed,
 * and then the SQS message comes back by itself. A request a guardrail refuses is recorded `failed` with
 * the guardrail's reason and never submitted. The steps, the in-doubt policy (fleet config
 * `inDoubtPolicy`) and late resps: docs/delivery-guarantees.md.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { z } from 'zod';
import { exponentialBackoff } from '../../core/backoff.js';
import type { DestinationRule } from '../../core/destinationRules.js';
import { segmentText } from '../../core/encoding/segmentText.js';
import { type InDoubtPolicy, inDoubtPolicies } from '../../core/fleetConfig.js';
import { errorAttributes, silentLog, type WorkerLog } from '../../core/log.js';
import type { MessageRecord } from '../../core/messageRecord.js';
import { isFinalState } from '../../core/messageState.js';
import { BackgroundTasks } from '../../core/runtime/BackgroundTasks.js';
import { parseOptions } from '../../core/runtime/parseOptions.js';
import type { OptOutsConfig } from '../../core/suppressions.js';
import { queueSettings } from '../../core/tableKeys.js';
import {
  countWithConflictRetries,
  describeVelocityRefusal,
  type VelocityLimitsConfig,
  velocityCount,
} from '../../core/velocityLimits.js';
import { ConcatReferenceCounter } from '../encoding/ConcatReferenceCounter.js';
import type { SuppressionList } from '../guardrails/SuppressionList.js';
import type { VelocityCounter } from '../guardrails/VelocityCounter.js';
import type { SmscIdFormat } from '../receipts/smscMessageId.js';
import { normaliseSmscMessageId } from '../receipts/smscMessageId.js';
import { ClaimLostError } from '../records/errors.js';
import type { AcceptedPart, MessageStore } from '../records/MessageStore.js';
import { KeyedSerialQueue } from '../runtime/KeyedSerialQueue.js';
import type { SubmitSmOutcome } from '../smpp/SmppBind.js';
import type { SubmitSmRequest } from '../smpp/types.js';
import { absoluteValidityPeriod } from '../smpp/validityPeriod.js';
import type { BindPool } from './BindPool.js';
import { expiredBeforeSubmitRecord, isExpiredBeforeSubmit, validUntilOf } from './expiry.js';
import type { PartAttempt, PartOutcome } from './PartOutcome.js';
import {
  idempotencyConflictRecord,
  initialRecord,
  optedOutRefusal,
  planSend,
  type Refusal,
  refusedRecord,
  type SendPlan,
  type SendQueueMessage,
  validationFailureRecord,
} from './SendPlanner.js';
import { settleSubmission } from './settleSubmission.js';
import { submitPart } from './submitPart.js';

/** What the consumer does with the SQS message. */
export type MessageDisposition =
  | { action: 'delete'; outcome: SendOutcome }
  | {
      action: 'retry';
      delaySeconds: number;
      outcome: SendOutcome;
      /**
       * Set when this delivery only waited (no bind up, the worker stopping, another attempt's claim) and
       * tried nothing that failed: it must not use up the queue's receive count, so the consumer may put the
       * message back as a fresh copy under this message id (SqsSendConsumer).
       */
      waitedOnly?: { messageId: string };
    };

/** How a message's handling ended, for logs and metrics. */
export type SendOutcome =
  /** Every part accepted (the record is `submitted`, or already final through an early receipt). */
  | 'submitted'
  /** Ended in a final failure now (refused, retries exhausted on the last delivery, unknown). */
  | 'failed'
  /** Invalid request: recorded `failed` with reason `validation`. */
  | 'invalid'
  /** Refused by a guardrail (country rules, opt-outs): recorded `failed` with its reason, nothing submitted. */
  | 'refused'
  /** Its validity ran out before any part was sent: recorded `expired` (`expired-before-submit`), nothing submitted. */
  | 'expired'
  /** Already submitted or final (a duplicate SQS message, a reused idempotency key). */
  | 'duplicate'
  /** Another attempt holds it now. */
  | 'busy'
  /** Some part could not be sent now (retryable status, no bind, stopping); the record says which. */
  | 'waiting';

/**
 * The most parts the sender takes for one message, whatever the config's `maxParts` says (the limit
 * docs/delivery-guarantees.md states). It was a transaction's size once; the record's one item now holds
 * every part far inside DynamoDB's 400 KB, so raising it is a decision, not a limit.
 */
export const maxPartsPerMessage = 49;

export const messageSenderOptionsSchema = z.object({
  workerId: z.string().min(1),
  inDoubtPolicy: z.enum(inDoubtPolicies).default('at-least-once'),
  /** The queue's maxReceiveCount: on that delivery, parts that keep failing fail for good. */
  maxReceiveCount: z.int().min(1).default(queueSettings.maxReceiveCount),
  /** How long a claim keeps other attempts off; keep it ≥ the queue's visibility timeout. */
  claimTtlMs: z
    .int()
    .min(1_000)
    .default(queueSettings.visibilityTimeoutSeconds * 1_000),
  /** No retry starts after this much time on one message; well inside claimTtlMs. */
  maxProcessingMs: z.int().min(100).default(40_000),
  /** submit_sm per part and delivery for retryable refusals and in-doubt resends, the first included. */
  maxSubmitAttempts: z.int().min(1).max(20).default(3),
  retryInitialMs: z.int().min(1).default(250),
  retryMaxMs: z.int().min(1).default(2_000),
  /** How long an unanswered submit waits for a late resp before the in-doubt policy applies. */
  lateResponseGraceMs: z.int().min(0).default(1_000),
  /** Delay before the SQS message comes back when no bind was up. */
  noBindRetrySeconds: z.int().min(0).max(43_200).default(5),
  /**
   * Delay before the SQS message of a part still refused after maxSubmitAttempts comes back: this, doubled
   * per receive, at most 300 s.
   */
  refusedRetrySeconds: z.int().min(0).max(300).default(10),
  /** Tries of the write that records sent parts (the parts are out: giving up means resending them). */
  recordAttempts: z.int().min(1).max(20).default(5),
});

export type MessageSenderOptions = z.input<typeof messageSenderOptionsSchema> & {
  /** The sub-account whose queue this sender serves. */
  subAccount: {
    id: string;
    maxParts: number;
    respIdFormat: SmscIdFormat;
    /** Country rules, if the sub-account has any. */
    destinationRule?: DestinationRule | undefined;
    /** Set when the sub-account keeps a suppression list: every send is checked against it. */
    optOuts?: OptOutsConfig | undefined;
    /** Set when the sub-account has velocity limits: each message is counted once before it is sent. */
    velocityLimits?: VelocityLimitsConfig | undefined;
  };
  /** The suppression list; required when `subAccount.optOuts` is set. */
  suppressions?: SuppressionList;
  /** The velocity counters; required when `subAccount.velocityLimits` is set. */
  velocity?: VelocityCounter;
  store: MessageStore;
  pool: Pick<BindPool, 'submit'>;
  concatReferences?: ConcatReferenceCounter;
  /** Epoch ms. @default Date.now */
  now?: () => number;
  random?: () => number;
  logger?: WorkerLog;
};

export interface MessageSenderEvents {
  /** A message's handling ended (one per SQS delivery). */
  handled: [
    info: {
      messageId: string;
      sqsMessageId: string;
      outcome: SendOutcome;
      parts: number;
      durationMs: number;
    },
  ];
  /** A late submit_sm_resp settled a part that had been given up on or resent. */
  lateResponse: [info: { messageId: string; partNumber: number; accepted: boolean }];
}

interface Active {
  /** Late resps that came while this attempt was still submitting: recorded with its outcome. */
  late: AcceptedPart[];
  recording: boolean;
}

export class MessageSender extends EventEmitter<MessageSenderEvents> {
  readonly #options: z.output<typeof messageSenderOptionsSchema>;
  readonly #subAccount: MessageSenderOptions['subAccount'];
  readonly #maxParts: number;
  readonly #store: MessageStore;
  readonly #suppressions: SuppressionList | undefined;
  readonly #velocity: { counter: VelocityCounter; limits: VelocityLimitsConfig } | undefined;
  readonly #pool: Pick<BindPool, 'submit'>;
  readonly #references: ConcatReferenceCounter;
  readonly #now: () => number;
  readonly #backoff: ReturnType<typeof exponentialBackoff>;
  readonly #log: WorkerLog;
  readonly #attempts = new KeyedSerialQueue();
  /** The attempt running now per message id, for the late resps that come while it submits. */
  readonly #active = new Map<string, Active>();
  readonly #background = new BackgroundTasks();

  constructor(options: MessageSenderOptions) {
    super();
    const o = parseOptions(messageSenderOptionsSchema, options, 'message sender');
    if (o.retryMaxMs < o.retryInitialMs)
      throw new TypeError('invalid message sender options: retryMaxMs < retryInitialMs');
    if (o.maxProcessingMs >= o.claimTtlMs) {
      throw new TypeError(
        `invalid message sender options: maxProcessingMs (${o.maxProcessingMs}) must be less than claimTtlMs (${o.claimTtlMs}), or a slow attempt's claim could run out while it still submits`,
      );
    }
    this.#options = o;
    this.#subAccount = options.subAccount;
    this.#maxParts = Math.min(options.subAccount.maxParts, maxPartsPerMessage);
    this.#store = options.store;
    if (options.subAccount.optOuts !== undefined && options.suppressions === undefined) {
      throw new TypeError(
        `invalid message sender options: sub-account ${options.subAccount.id} has optOuts but no suppression list was given`,
      );
    }
    this.#suppressions = options.subAccount.optOuts === undefined ? undefined : options.suppressions;
    const limits = options.subAccount.velocityLimits;
    if (limits !== undefined && options.velocity === undefined) {
      throw new TypeError(
        `invalid message sender options: sub-account ${options.subAccount.id} has velocityLimits but no velocity counter was given`,
      );
    }
    this.#velocity =
      limits === undefined || options.velocity === undefined
        ? undefined
        : { counter: options.velocity, limits };
    this.#pool = options.pool;
    this.#references = options.concatReferences ?? new ConcatReferenceCounter();
    this.#now = options.now ?? Date.now;
    this.#log = options.logger ?? silentLog;
    this.#backoff = exponentialBackoff({
      initialMs: o.retryInitialMs,
      maxMs: o.retryMaxMs,
      jitter: 'equal',
      ...(options.random ? { random: options.random } : {}),
    });
    if (options.subAccount.maxParts > maxPartsPerMessage) {
      this.#log.warn(
        `maxParts above ${maxPartsPerMessage} is not supported by the sender; using ${maxPartsPerMessage}`,
        {
          subAccount: options.subAccount.id,
        },
      );
    }
  }

  /** Handles one delivery of an SQS message. `signal` aborts when the worker stops: retries end early. */
  async handle(message: SendQueueMessage, signal: AbortSignal): Promise<MessageDisposition> {
    const started = performance.now();
    const planned = planSend(message, {
      subAccount: this.#subAccount.id,
      maxParts: this.#maxParts,
      destinationRule: this.#subAccount.destinationRule,
    });
    const plan = await this.#checkSuppression(planned, signal);
    let disposition: MessageDisposition;
    let parts = 0;
    if (plan.kind === 'invalid') {
      disposition = await this.#recordInvalid(plan);
    } else {
      parts = plan.totalParts;
      // One attempt per message id at a time in this process: a duplicate waits and then finds it done.
      disposition = await this.#attempts.run(plan.messageId, async () => {
        const active: Active = { late: [], recording: false };
        this.#active.set(plan.messageId, active);
        try {
          return await this.#send(plan, message, signal, active);
        } finally {
          this.#active.delete(plan.messageId);
        }
      });
    }
    this.emit('handled', {
      messageId: plan.messageId,
      sqsMessageId: message.sqsMessageId,
      outcome: disposition.outcome,
      parts,
      durationMs: performance.now() - started,
    });
    return disposition;
  }

  /**
   * The plan, refused when its number is on the sub-account's suppression list: one read, made only for a
   * sub-account that keeps a list and a request no other rule refused. A failed read throws (the SQS message
   * comes back), never sends unchecked.
   */
  async #checkSuppression(plan: SendPlan, signal: AbortSignal): Promise<SendPlan> {
    if (this.#suppressions === undefined || plan.kind !== 'send' || plan.refusal !== undefined) return plan;
    const { subAccount, to } = plan.request;
    const suppression = await this.#suppressions.find(subAccount, to, signal);
    return suppression === undefined ? plan : { ...plan, refusal: optedOutRefusal(to, suppression) };
  }

  /**
   * Counts the message against the sub-account's velocity limits (one transaction, only for a sub-account
   * with limits): the refusal when it is over one. Called only for a message the API did not record (the API
   * counted those: claim from `accepted`) and before any part is sent; a copy of one already counted (a
   * retried SQS message, another worker) finds its marker and is not counted again (core/velocityLimits.ts).
   */
  async #countVelocity(
    plan: Extract<SendPlan, { kind: 'send' }>,
    signal: AbortSignal,
  ): Promise<Refusal | undefined> {
    if (this.#velocity === undefined) return undefined;
    const { counter, limits } = this.#velocity;
    const now = this.#now();
    const count = velocityCount(
      { subAccount: this.#subAccount.id, messageId: plan.messageId, to: plan.request.to, now },
      limits,
    );
    const decision = await countWithConflictRetries(() => counter.count(count, plan.messageId, signal));
    if (decision.kind === 'allowed') return undefined;
    return {
      reason: decision.reason,
      errorCode: decision.reason === 'daily-cap' ? 'DAILY_CAP' : 'RATE_LIMITED_DESTINATION',
      description: `The destination ${plan.request.to} is ${describeVelocityRefusal(decision, limits, now)}; it was not sent`,
    };
  }

  /** Lets go of a claim under which nothing was sent; a failure is logged (the claim then runs out). */
  async #releaseUnsent(messageId: string, base: MessageRecord, claimToken: string): Promise<void> {
    const now = this.#now();
    try {
      await this.#store.recordSubmission({
        base,
        claimToken,
        accepted: [],
        now,
        settle: (current) => ({ record: { ...current, updatedAt: now, claimExpiresAtMs: 0 } }),
      });
    } catch (error) {
      this.#log.warn('could not release the claim of an unsent message', {
        messageId,
        ...errorAttributes(error),
      });
    }
  }

  /** Resolves when background work (recording late resps) has finished. */
  async idle(): Promise<void> {
    await this.#background.settled();
  }

  async #recordInvalid(plan: Extract<SendPlan, { kind: 'invalid' }>): Promise<MessageDisposition> {
    const record = validationFailureRecord(plan, this.#subAccount.id, this.#now());
    const result = await this.#store.recordValidationFailure(record);
    if (result.kind === 'exists') return this.#finishExisting();
    this.#log.info('invalid send request recorded as failed', {
      messageId: plan.messageId,
      fields: plan.errors.map((error) => error.field),
    });
    return { action: 'delete', outcome: 'invalid' };
  }

  /** The first request under the key stands; this one ends as its own failed record, with its event. */
  async #recordConflict(
    plan: Extract<SendPlan, { kind: 'send' }>,
    message: SendQueueMessage,
  ): Promise<MessageDisposition> {
    const record = idempotencyConflictRecord(plan, message, this.#now());
    const result = await this.#store.recordValidationFailure(record);
    if (result.kind === 'exists') return this.#finishExisting();
    this.#log.warn('idempotency key reused with a different request: recorded as failed, not sent', {
      messageId: record.messageId,
      firstMessageId: plan.messageId,
    });
    return { action: 'delete', outcome: 'invalid' };
  }

  /**
   * Settles a claimed record that will not be sent (a guardrail refused it, or its validity ran out): through
   * the claim rather than a create, so a record the API accepted ends final too, not left `accepted`.
   */
  async #recordUnsent(
    plan: Extract<SendPlan, { kind: 'send' }>,
    base: MessageRecord,
    claimToken: string,
    unsent: { outcome: 'refused'; refusal: Refusal } | { outcome: 'expired' },
  ): Promise<MessageDisposition> {
    const now = this.#now();
    await this.#recordWithRetries(plan.messageId, () =>
      this.#store.recordSubmission({
        base,
        claimToken,
        settle: (current) => ({
          record:
            unsent.outcome === 'refused'
              ? refusedRecord(current, unsent.refusal, now)
              : expiredBeforeSubmitRecord(current, now),
        }),
        accepted: [],
        now,
      }),
    );
    if (unsent.outcome === 'refused')
      this.#log.info('send request refused by a guardrail: recorded as failed, not sent', {
        messageId: plan.messageId,
        reason: unsent.refusal.reason,
      });
    else
      this.#log.info('validity period ran out before submit: recorded as expired, not sent', {
        messageId: plan.messageId,
        validUntil: validUntilOf(base),
      });
    return { action: 'delete', outcome: unsent.outcome };
  }

  async #send(
    plan: Extract<SendPlan, { kind: 'send' }>,
    message: SendQueueMessage,
    signal: AbortSignal,
    active: Active,
  ): Promise<MessageDisposition> {
    const startedAt = this.#now();
    const claimToken = randomUUID();
    // Retried with the same token: a claim whose answer was lost is found and taken again.
    const claim = await this.#recordWithRetries(plan.messageId, () =>
      this.#store.claim({
        messageId: plan.messageId,
        initial: initialRecord(
          plan,
          this.#references.next(plan.destination.addr),
          startedAt,
          message.sentAt ?? startedAt,
        ),
        claimToken,
        claimOwner: this.#options.workerId,
        now: startedAt,
        claimTtlMs: this.#options.claimTtlMs,
      }),
    );
    if (claim.kind === 'done') {
      if (claim.record.requestHash !== undefined && claim.record.requestHash !== plan.requestHash) {
        return this.#recordConflict(plan, message);
      }
      return this.#finishExisting();
    }
    if (claim.kind === 'busy') {
      return {
        action: 'retry',
        delaySeconds: Math.ceil(claim.retryAfterMs / 1_000),
        outcome: 'busy',
        waitedOnly: { messageId: plan.messageId },
      };
    }
    // A record some part of which 8x8 already took (before the rule existed) goes on; others are refused.
    const nothingSent = claim.record.parts.every((part) => part.smscMessageId === undefined);
    if (plan.refusal !== undefined && nothingSent) {
      return this.#recordUnsent(plan, claim.record, claimToken, {
        outcome: 'refused',
        refusal: plan.refusal,
      });
    }
    // Checked once, before anything is sent: a message some part of which may be at 8x8 is finished.
    if (isExpiredBeforeSubmit(claim.record, claim.from === 'expired', startedAt)) {
      return this.#recordUnsent(plan, claim.record, claimToken, { outcome: 'expired' });
    }
    let overLimit: Refusal | undefined;
    try {
      overLimit =
        nothingSent && claim.from !== 'accepted' ? await this.#countVelocity(plan, signal) : undefined;
    } catch (error) {
      // Nothing was sent: the claim is let go, so the next delivery finds it released, not in doubt.
      await this.#releaseUnsent(plan.messageId, claim.record, claimToken);
      throw error;
    }
    if (overLimit !== undefined)
      return this.#recordUnsent(plan, claim.record, claimToken, { outcome: 'refused', refusal: overLimit });

    const base = claim.record;
    const toSend = base.parts.filter(
      (part) => part.smscMessageId === undefined && part.status === 'submitting',
    );
    let messageDoubt: string | undefined;
    if (claim.from === 'expired') {
      messageDoubt =
        `attempt ${(base.attempts ?? 2) - 1} by ${claim.previousOwner ?? 'an unknown worker'} ended without recording its outcome ` +
        `(its claim expired); it may have sent part${toSend.length === 1 ? '' : 's'} ${toSend.map((p) => p.partNumber).join(', ')}`;
      this.#log.warn('message found in doubt', {
        messageId: plan.messageId,
        policy: this.#options.inDoubtPolicy,
      });
    }

    let attempts: PartAttempt[];
    if (claim.from === 'expired' && this.#options.inDoubtPolicy === 'at-most-once') {
      attempts = toSend.map((part) => ({
        partNumber: part.partNumber,
        outcome: { kind: 'unknown', attempts: 0, doubt: `${messageDoubt}; not sent again (at-most-once)` },
      }));
    } else {
      attempts = await this.#submitParts(
        plan,
        base,
        toSend.map((p) => p.partNumber),
        signal,
        active,
        startedAt,
      );
      if (messageDoubt !== undefined) {
        attempts = attempts.map(({ partNumber, outcome }) => ({
          partNumber,
          outcome: {
            ...outcome,
            doubt:
              outcome.doubt ??
              'sent again after a previous attempt ended without recording its outcome (at-least-once)',
          },
        }));
      }
    }

    active.recording = true;
    const late = [...active.late];
    attempts = resolvedByLateIds(attempts, late);
    const lateExtras = late.filter((l) =>
      attempts.some(
        (a) =>
          a.partNumber === l.partNumber &&
          a.outcome.kind === 'accepted' &&
          a.outcome.smscMessageId !== l.smscMessageId,
      ),
    );
    const lastReceive = message.receiveCount >= this.#options.maxReceiveCount;
    const accepted: AcceptedPart[] = [...lateExtras];
    for (const { partNumber, outcome } of attempts) {
      if (outcome.kind === 'accepted') {
        accepted.push({
          partNumber,
          smscMessageId: outcome.smscMessageId,
          normalisedSmscMessageId: outcome.normalisedSmscMessageId,
        });
      }
    }
    let recorded: Awaited<ReturnType<MessageStore['recordSubmission']>>;
    try {
      recorded = await this.#recordWithRetries(plan.messageId, () => {
        // One time for the write and its settle: the store applies receipts that came early at `now`, and a
        // settle run later (slow store) would stamp submittedAt after that receipt's finalAt.
        const now = this.#now();
        return this.#store.recordSubmission({
          base,
          claimToken,
          accepted,
          now,
          settle: (current) => {
            const settled = settleSubmission(current, attempts, {
              now,
              lastReceive,
              ...(messageDoubt === undefined ? {} : { messageDoubt }),
            });
            return { record: withLateIds(settled.record, lateExtras) };
          },
        });
      });
    } catch (error) {
      if (!(error instanceof ClaimLostError)) throw error;
      // Another attempt took the message over while this one ran too long: what this one learnt still
      // matters for receipts, so its ids are attached to the parts; the other attempt finishes the message.
      this.#log.error('claim lost while submitting; attaching the SMSC ids learnt', {
        messageId: plan.messageId,
        ...errorAttributes(error),
      });
      for (const part of accepted) this.#attachInBackground(plan.messageId, part);
      return { action: 'retry', delaySeconds: this.#options.noBindRetrySeconds, outcome: 'busy' };
    }

    const status = recorded.record.status;
    if (status === 'submitted' || status === 'delivered') return { action: 'delete', outcome: 'submitted' };
    if (isFinalState(status)) return { action: 'delete', outcome: 'failed' };
    const waitedOnly = attempts.every(
      ({ outcome }) =>
        outcome.kind === 'accepted' ||
        (outcome.kind === 'unsent' && (outcome.cause === 'no-bind' || outcome.cause === 'stopping')),
    );
    return {
      action: 'retry',
      delaySeconds: this.#retryDelaySeconds(attempts, message.receiveCount),
      outcome: 'waiting',
      ...(waitedOnly ? { waitedOnly: { messageId: plan.messageId } } : {}),
    };
  }

  async #submitParts(
    plan: Extract<SendPlan, { kind: 'send' }>,
    base: MessageRecord,
    partNumbers: readonly number[],
    signal: AbortSignal,
    active: Active,
    startedAt: number,
  ): Promise<PartAttempt[]> {
    const segmented = segmentText(plan.request.text, {
      maxParts: this.#maxParts,
      concatReference: base.concatReference ?? 0,
    });
    const { request } = plan;
    // The same absolute time on every part, whenever it is sent: acceptance + validity (expiry.ts).
    const validityPeriod = absoluteValidityPeriod(validUntilOf(base));
    return Promise.all(
      partNumbers.map(async (partNumber): Promise<PartAttempt> => {
        const part = segmented.parts[partNumber - 1];
        if (part === undefined) {
          // The record was split differently (the config changed between attempts): nothing sane to send.
          const outcome: PartOutcome = {
            kind: 'refused',
            commandStatus: 0,
            statusName: 'PART_MISMATCH',
            attempts: 0,
          };
          return { partNumber, outcome };
        }
        const submit: SubmitSmRequest = {
          sourceAddr: plan.source.addr,
          sourceAddrTon: plan.source.ton,
          sourceAddrNpi: plan.source.npi,
          destinationAddr: plan.destination.addr,
          destAddrTon: plan.destination.ton,
          destAddrNpi: plan.destination.npi,
          esmClass: part.esmClass,
          dataCoding: part.dataCoding,
          shortMessage: part.shortMessage,
          registeredDelivery: request.registeredDelivery ? 1 : 0,
          validityPeriod,
        };
        const outcome = await submitPart({
          pool: this.#pool,
          request: submit,
          normalise: (id) => normaliseSmscMessageId(id, this.#subAccount.respIdFormat),
          inDoubtPolicy: this.#options.inDoubtPolicy as InDoubtPolicy,
          maxAttempts: this.#options.maxSubmitAttempts,
          backoff: this.#backoff,
          lateResponseGraceMs: this.#options.lateResponseGraceMs,
          deadlineAt: startedAt + this.#options.maxProcessingMs,
          now: this.#now,
          signal,
          onLateResponse: (late) => this.#onLateResponse(plan.messageId, partNumber, late, active),
        });
        return { partNumber, outcome };
      }),
    );
  }

  /**
   * A claim or record write that failed is retried for a while: after the submits, losing the record would
   * make the next delivery resend the parts (in doubt); before them, a claim taken but unanswered would
   * keep the message busy until it expired. A lost claim is final and not retried.
   */
  async #recordWithRetries<T>(messageId: string, write: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await write();
      } catch (error) {
        if (error instanceof ClaimLostError || attempt + 1 >= this.#options.recordAttempts) throw error;
        this.#log.warn('recording the submission failed; retrying', {
          messageId,
          attempt,
          ...errorAttributes(error),
        });
        await new Promise((resolve) => setTimeout(resolve, this.#backoff(attempt) * 4));
      }
    }
  }

  #onLateResponse(messageId: string, partNumber: number, late: SubmitSmOutcome, active: Active): void {
    this.emit('lateResponse', { messageId, partNumber, accepted: late.accepted });
    if (!late.accepted) return;
    const part: AcceptedPart = {
      partNumber,
      smscMessageId: late.messageId,
      normalisedSmscMessageId: normaliseSmscMessageId(late.messageId, this.#subAccount.respIdFormat),
    };
    this.#log.info('late submit_sm_resp: recording its id', { messageId, partNumber });
    if (!active.recording && this.#active.get(messageId) === active) {
      active.late.push(part);
      return;
    }
    this.#attachInBackground(messageId, part);
  }

  #attachInBackground(messageId: string, part: AcceptedPart): void {
    const work = (async () => {
      const change = await this.#store.attachLateSmscMessageId({
        messageId,
        subAccount: this.#subAccount.id,
        part,
        now: this.#now(),
      });
      if (change !== undefined)
        this.#log.debug('late SMSC id recorded', { messageId, partNumber: part.partNumber });
    })().catch((error: unknown) => {
      this.#log.error('could not record a late SMSC id', {
        messageId,
        partNumber: part.partNumber,
        ...errorAttributes(error),
      });
    });
    void this.#background.track(work);
  }

  /** A record that needs nothing sent (its events are the stream's to publish): let the SQS message go. */
  #finishExisting(): MessageDisposition {
    return { action: 'delete', outcome: 'duplicate' };
  }

  #retryDelaySeconds(attempts: readonly PartAttempt[], receiveCount: number): number {
    const causes = attempts.flatMap(({ outcome }) => (outcome.kind === 'unsent' ? [outcome.cause] : []));
    if (causes.includes('stopping')) return 0;
    if (causes.includes('retries-exhausted'))
      return Math.min(300, this.#options.refusedRetrySeconds * 2 ** Math.max(0, receiveCount - 1));
    return this.#options.noBindRetrySeconds;
  }
}

/**
 * A late resp that came during the attempt settles its part: a part given up on (unknown, or unsent after
 * a resend that also failed) is accepted under the late id after all.
 */
function resolvedByLateIds(attempts: readonly PartAttempt[], late: readonly AcceptedPart[]): PartAttempt[] {
  return attempts.map((attempt) => {
    const { outcome } = attempt;
    if (outcome.kind === 'accepted' || outcome.kind === 'refused') return attempt;
    const answer = late.find((l) => l.partNumber === attempt.partNumber);
    if (answer === undefined) return attempt;
    return {
      partNumber: attempt.partNumber,
      outcome: {
        kind: 'accepted',
        smscMessageId: answer.smscMessageId,
        normalisedSmscMessageId: answer.normalisedSmscMessageId,
        attempts: outcome.attempts,
        ...(outcome.kind === 'unknown' || outcome.doubt === undefined ? {} : { doubt: outcome.doubt }),
      },
    };
  });
}

/** Late ids learnt during the attempt for parts accepted anyway: extra ids (their SUBMIT items go in the same write). */
function withLateIds(record: MessageRecord, late: readonly AcceptedPart[]): MessageRecord {
  if (late.length === 0) return record;
  const parts = record.parts.map((part) => {
    const ids = late
      .filter((l) => l.partNumber === part.partNumber && l.smscMessageId !== part.smscMessageId)
      .map((l) => l.smscMessageId)
      .filter((id) => !part.extraSmscMessageIds?.includes(id));
    return ids.length === 0
      ? part
      : { ...part, extraSmscMessageIds: [...(part.extraSmscMessageIds ?? []), ...ids] };
  });
  return { ...record, parts };
}
