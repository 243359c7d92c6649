/**
 * Accepting send requests: record first (conditional on the id being new), then queue. The record is the
 * cross-path meeting point: a request with an idempotency key has an id derived from it, so a retry, a
 * replay after the HTTP idempotency record expired, or the same key arriving straight through SQS all land
 * on the same record, and the worker's claim by id keeps it to one SMS. Re-queueing a record that is still
 * `accepted` is therefore harmless, and is what makes a retry after a failed SendMessage safe.
 */
import type { MessageState } from '../../core/messageState.js';
import type { SendRequest } from '../../core/sendRequest.js';
import type { ApiResources } from './ApiResources.js';
import { IdempotencyConflictError, StorageUnavailableError } from './errors.js';
import type { MessageStore } from './MessageStore.js';
import { isSameRequest, toMessageItem, toOutgoingMessage } from './messageItem.js';
import type { SendQueue } from './SendQueue.js';
import type { SendPlan } from './validateSendRequest.js';

export interface AcceptDeps {
  store: MessageStore;
  queue: SendQueue;
  queueUrlOf: (subAccount: string) => string;
  now: () => number;
}

/** The production AcceptDeps: the resources' store and queue, each sub-account's queue from the config. */
export function acceptDeps(resources: ApiResources): AcceptDeps {
  const subAccounts = resources.subAccounts;
  return {
    store: resources.messageStore,
    queue: resources.sendQueue,
    queueUrlOf: (subAccount) => {
      const route = subAccounts.get(subAccount);
      // Validation refuses unknown sub-accounts before anything is accepted.
      if (route === undefined) throw new Error(`no send queue for sub-account ${subAccount}`);
      return route.queueUrl;
    },
    now: Date.now,
  };
}

export interface AcceptInput {
  messageId: string;
  request: SendRequest;
  plan: Pick<SendPlan, 'encoding' | 'totalParts'>;
  correlationId: string;
}

export interface Accepted {
  messageId: string;
  status: MessageState;
  encoding: SendPlan['encoding'];
  parts: number;
  /** An earlier request with the same idempotency key made this record. */
  replayed: boolean;
}

type Recorded =
  | { kind: 'new'; accepted: Accepted }
  | { kind: 'existing'; accepted: Accepted; needsQueueing: boolean }
  | { kind: 'conflict' };

async function record(deps: AcceptDeps, input: AcceptInput): Promise<Recorded> {
  const { messageId, request, plan, correlationId } = input;
  const item = toMessageItem({ id: messageId, request, plan, correlationId, nowMs: deps.now() });
  const result = await deps.store.create(item);
  if (result.created) {
    return {
      kind: 'new',
      accepted: {
        messageId,
        status: 'accepted',
        encoding: plan.encoding,
        parts: plan.totalParts,
        replayed: false,
      },
    };
  }
  const { existing } = result;
  if (!isSameRequest(existing, request)) {
    return { kind: 'conflict' };
  }
  const status = (typeof existing.status === 'string' ? existing.status : 'accepted') as MessageState;
  return {
    kind: 'existing',
    accepted: {
      messageId,
      status,
      encoding:
        existing.encoding === 'GSM7' || existing.encoding === 'UCS2' ? existing.encoding : plan.encoding,
      parts: typeof existing.totalParts === 'number' ? existing.totalParts : plan.totalParts,
      replayed: true,
    },
    // Past `accepted`, a worker has had it: queueing again would only be dropped by its claim.
    needsQueueing: status === 'accepted',
  };
}

/**
 * One request: record, then SendMessage. Throws IdempotencyConflictError (the key names a different
 * request), StorageUnavailableError or QueueUnavailableError (both safe to retry with the same request).
 */
export async function acceptMessage(deps: AcceptDeps, input: AcceptInput): Promise<Accepted> {
  const recorded = await record(deps, input);
  if (recorded.kind === 'conflict') {
    throw new IdempotencyConflictError(input.messageId, input.request.idempotencyKey ?? '');
  }
  if (recorded.kind === 'existing' && !recorded.needsQueueing) return recorded.accepted;
  try {
    await deps.queue.send(
      deps.queueUrlOf(input.request.subAccount),
      toOutgoingMessage(input.messageId, input.request, input.correlationId),
    );
  } catch (error) {
    // Without a key the caller's retry gets a new id: drop the record that would otherwise stay `accepted`.
    if (recorded.kind === 'new' && input.request.idempotencyKey === undefined) {
      await deps.store.deleteUnqueued(input.messageId);
    }
    throw error;
  }
  return recorded.accepted;
}

export type BatchOutcome =
  | { kind: 'accepted'; accepted: Accepted }
  | { kind: 'conflict' }
  | { kind: 'failed'; code: 'storage' | 'queue'; retryable: boolean; reason: string };

/**
 * Many requests (distinct message ids): records written in parallel, then SendMessageBatch per queue in
 * tens. Each input gets its own outcome, in order; a failure of one never fails the others.
 */
export async function acceptMessages(
  deps: AcceptDeps,
  inputs: readonly AcceptInput[],
): Promise<BatchOutcome[]> {
  const recorded = await Promise.allSettled(inputs.map((input) => record(deps, input)));
  const outcomes: BatchOutcome[] = new Array(inputs.length);
  const toQueue = new Map<
    string,
    { index: number; input: AcceptInput; accepted: Accepted; isNew: boolean }[]
  >();
  recorded.forEach((result, index) => {
    const input = inputs[index] as AcceptInput;
    if (result.status === 'rejected') {
      const error = result.reason;
      outcomes[index] = {
        kind: 'failed',
        code: 'storage',
        retryable: true,
        reason: error instanceof StorageUnavailableError ? error.message : String(error),
      };
      return;
    }
    const value = result.value;
    if (value.kind === 'conflict') {
      outcomes[index] = value;
    } else if (value.kind === 'existing' && !value.needsQueueing) {
      outcomes[index] = { kind: 'accepted', accepted: value.accepted };
    } else {
      const queueUrl = deps.queueUrlOf(input.request.subAccount);
      const pending = toQueue.get(queueUrl) ?? [];
      pending.push({ index, input, accepted: value.accepted, isNew: value.kind === 'new' });
      toQueue.set(queueUrl, pending);
    }
  });

  await Promise.all(
    [...toQueue].map(async ([queueUrl, pending]) => {
      const sent = await deps.queue.sendBatch(
        queueUrl,
        pending.map(({ input }) => toOutgoingMessage(input.messageId, input.request, input.correlationId)),
      );
      const cleanups: Promise<void>[] = [];
      for (const { index, input, accepted, isNew } of pending) {
        const result = sent.get(input.messageId) ?? { ok: false, retryable: true, reason: 'not sent' };
        if (result.ok) {
          outcomes[index] = { kind: 'accepted', accepted };
          continue;
        }
        outcomes[index] = {
          kind: 'failed',
          code: 'queue',
          retryable: result.retryable,
          reason: result.reason,
        };
        if (isNew && input.request.idempotencyKey === undefined)
          cleanups.push(deps.store.deleteUnqueued(input.messageId));
      }
      await Promise.all(cleanups);
    }),
  );
  return outcomes;
}
