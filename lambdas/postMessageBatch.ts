/**
 * POST /messages/batch: up to 100 send requests, each validated, recorded and queued on its own, each with
 * its own result in the answer (accepted, rejected, or failed and retryable). Records are conditional puts
 * in parallel; queueing is SendMessageBatch, 10 at a time. `?dryRun=true` validates only.
 *
 * Items with an idempotency key are idempotent through their derived message id and the record (not the
 * Powertools layer of POST /messages): the same key and request answer the same message again; the same
 * key with a different request is rejected with idempotency_key_reused. Two items in one batch with the
 * same key count as a first request and its retry.
 */
import type { APIGatewayProxyResult } from 'aws-lambda';
import { toFieldErrors } from '../core/fieldErrors.js';
import { messageIdForIdempotencyKey, newMessageId } from '../core/messageId.js';
import {
  apiErrorCodes,
  apiOperations,
  type BatchItemResult,
  type BatchResponse,
  batchEnvelopeSchema,
  idempotencyKeyHeader,
} from '../core/openApi.js';
import type { Suppression } from '../core/suppressions.js';
import { ApiResources } from './shared/ApiResources.js';
import {
  type AcceptDeps,
  type AcceptInput,
  acceptDeps,
  acceptMessages,
  type BatchOutcome,
} from './shared/acceptMessages.js';
import type { SubAccountRoute } from './shared/apiConfig.js';
import { type ApiHandler, type ApiRuntime, createApiHandler, lazyApiHandler } from './shared/apiHandler.js';
import {
  baseUrlOf,
  bodyLimits,
  errorResponse,
  headerValue,
  jsonResponse,
  readBooleanQuery,
  readJsonBody,
} from './shared/http.js';
import { isSameRequest, statusUrlFor } from './shared/messageItem.js';
import { apiMetricNames } from './shared/observability.js';
import type { SuppressionStore } from './shared/SuppressionStore.js';
import { idempotencyKeyReusedMessage } from './shared/sendErrors.js';
import { suppressionStorageAnswer } from './shared/suppressionAnswers.js';
import { checksSuppressions, optedOutError, requireSuppressionStore } from './shared/suppressionCheck.js';
import type { VelocityCounter } from './shared/VelocityCounter.js';
import { validateSendRequest } from './shared/validateSendRequest.js';
import { checkVelocity, requireVelocityCounter, velocityStorageAnswer } from './shared/velocityCheck.js';

export interface PostMessageBatchDeps {
  runtime: ApiRuntime;
  subAccounts: ReadonlyMap<string, SubAccountRoute>;
  accept: AcceptDeps;
  publicBaseUrl: string | undefined;
  /** Required when a sub-account keeps a suppression list (fleet config `optOuts`). */
  suppressions?: Pick<SuppressionStore, 'getMany'>;
  /** Required when a sub-account has velocity limits (fleet config `velocityLimits`). */
  velocity?: VelocityCounter;
  newMessageId?: () => string;
  /** Epoch ms, for the velocity windows. @default Date.now */
  now?: () => number;
}

const suppressionRefKey = (ref: { subAccount: string; to?: string; phoneNumber?: string }): string =>
  `${ref.subAccount}#${ref.phoneNumber ?? ref.to ?? ''}`;

const route = apiOperations.postMessageBatch;

function describeProblems(count: number): string {
  return `The send request is invalid: ${count === 1 ? '1 problem' : `${count} problems`}, listed in errors`;
}

/** One item's result from its accept outcome. */
export function toBatchItemResult(
  index: number,
  input: AcceptInput,
  outcome: BatchOutcome,
  statusUrl: string,
  duplicate: boolean,
): BatchItemResult {
  switch (outcome.kind) {
    case 'accepted': {
      const { messageId, status, encoding, parts, replayed } = outcome.accepted;
      return {
        index,
        result: 'accepted',
        messageId,
        status,
        encoding,
        parts,
        statusUrl,
        ...(replayed || duplicate ? { replayed: true } : {}),
      };
    }
    case 'conflict':
      return {
        index,
        result: 'rejected',
        code: apiErrorCodes.idempotencyKeyReused,
        error: idempotencyKeyReusedMessage(input.request.idempotencyKey ?? '', input.messageId),
        messageId: input.messageId,
      };
    case 'failed':
      return {
        index,
        result: 'failed',
        code: outcome.code === 'queue' ? apiErrorCodes.queueUnavailable : apiErrorCodes.storageUnavailable,
        error:
          outcome.code === 'queue'
            ? 'The message could not be queued; send this item again'
            : 'The message could not be recorded; send this item again',
        retryable: outcome.retryable,
        // Without a key the record was removed and a retry gets a new id: only a keyed id is worth keeping.
        ...(input.request.idempotencyKey === undefined ? {} : { messageId: input.messageId }),
      };
  }
}

export function createPostMessageBatchHandler(deps: PostMessageBatchDeps): ApiHandler {
  const makeId = deps.newMessageId ?? newMessageId;
  const suppressions = requireSuppressionStore(deps.subAccounts, deps.suppressions);
  const velocity = requireVelocityCounter(deps.subAccounts, deps.velocity);
  const now = deps.now ?? Date.now;

  /** The suppressions among the valid items' numbers, by sub-account and number. */
  async function findOptedOut(
    validations: readonly ReturnType<typeof validateSendRequest>[],
  ): Promise<ReadonlyMap<string, Suppression>> {
    if (suppressions === undefined) return new Map();
    const refs = validations.flatMap((validation) =>
      validation.ok && checksSuppressions(deps.subAccounts, validation.request.subAccount)
        ? [{ subAccount: validation.request.subAccount, phoneNumber: validation.request.to }]
        : [],
    );
    if (refs.length === 0) return new Map();
    const found = await suppressions.getMany(refs);
    return new Map(found.map((suppression) => [suppressionRefKey(suppression), suppression]));
  }

  return createApiHandler(route, deps.runtime, async (event, scope): Promise<APIGatewayProxyResult> => {
    const { requestId, metrics } = scope;
    const body = readJsonBody(event, bodyLimits.batch, requestId);
    if (!body.ok) return body.response;
    const dryRun = readBooleanQuery(event, 'dryRun');
    const envelope = batchEnvelopeSchema.safeParse(body.value);
    const errors = [
      ...(dryRun.ok ? [] : [dryRun.error]),
      ...(headerValue(event, idempotencyKeyHeader) === undefined
        ? []
        : [
            {
              field: `${idempotencyKeyHeader} (header)`,
              message: 'is not used by POST /messages/batch: give each item its own idempotencyKey',
            },
          ]),
      ...(envelope.success ? [] : toFieldErrors(envelope.error.issues)),
    ];
    if (!envelope.success || errors.length > 0) {
      scope.annotate({ outcome: 'rejected', errors: errors.map((error) => error.field) });
      return errorResponse(400, apiErrorCodes.invalidRequest, describeProblems(errors.length), {
        errors,
        requestId,
      });
    }

    const items = envelope.data.messages;
    const results: BatchItemResult[] = new Array(items.length);
    const baseUrl = baseUrlOf(event, deps.publicBaseUrl, route.path);
    /** First item of each message id, in order; later items with the same id point at it. */
    const firsts = new Map<string, { index: number; input: AcceptInput }>();
    const duplicates: { index: number; input: AcceptInput; first: number }[] = [];

    const validations = items.map((item) => validateSendRequest(item, deps.subAccounts));
    // One read for every item whose sub-account keeps a suppression list; none when no item's does.
    let optedOut: ReadonlyMap<string, Suppression>;
    try {
      optedOut = await findOptedOut(validations);
    } catch (error) {
      const answer = suppressionStorageAnswer(error, requestId);
      if (answer === undefined) throw error;
      scope.logger.error({ message: 'could not read the suppression list' }, error as Error);
      return answer;
    }

    validations.forEach((validation, index) => {
      if (!validation.ok) {
        results[index] = {
          index,
          result: 'rejected',
          code: apiErrorCodes.invalidRequest,
          error: describeProblems(validation.errors.length),
          errors: validation.errors,
        };
        return;
      }
      const { request, plan } = validation;
      const suppression = optedOut.get(suppressionRefKey(request));
      if (suppression !== undefined) {
        results[index] = {
          index,
          result: 'rejected',
          code: apiErrorCodes.destinationOptedOut,
          error: 'The destination opted out of this sub-account’s messages: nothing was sent',
          errors: [optedOutError(request.to, suppression)],
        };
        return;
      }
      if (dryRun.ok && dryRun.value) {
        results[index] = {
          index,
          result: 'valid',
          subAccount: request.subAccount,
          encoding: plan.encoding,
          parts: plan.totalParts,
          units: plan.units,
          maxParts: plan.maxParts,
        };
        return;
      }
      const key = request.idempotencyKey;
      const messageId = key === undefined ? makeId() : messageIdForIdempotencyKey(request.subAccount, key);
      const input: AcceptInput = { messageId, request, plan, correlationId: requestId };
      const first = firsts.get(messageId);
      if (first === undefined) firsts.set(messageId, { index, input });
      else duplicates.push({ index, input, first: first.index });
    });

    // Velocity limits: each item counted on its own, one after another in the batch's order (items to the same
    // number or sub-account update the same counters, and concurrent transactions on them would conflict).
    // An item over a limit is rejected with rate_limited; the others go on.
    let longestWait = 0;
    try {
      for (const [messageId, { index, input }] of [...firsts]) {
        const refusal = await checkVelocity(
          velocity,
          deps.subAccounts.get(input.request.subAccount),
          { subAccount: input.request.subAccount, messageId, to: input.request.to },
          now(),
        );
        if (refusal === undefined) continue;
        firsts.delete(messageId);
        longestWait = Math.max(longestWait, refusal.retryAfterSeconds);
        results[index] = {
          index,
          result: 'rejected',
          code: apiErrorCodes.rateLimited,
          error: refusal.message,
          errors: [refusal.error],
          retryAfterSeconds: refusal.retryAfterSeconds,
        };
      }
    } catch (error) {
      const answer = velocityStorageAnswer(error, requestId);
      if (answer === undefined) throw error;
      scope.logger.error(
        { message: 'could not count the batch against its velocity limits' },
        error as Error,
      );
      return answer;
    }
    for (let position = duplicates.length - 1; position >= 0; position--) {
      const duplicate = duplicates[position];
      if (duplicate === undefined || firsts.has(duplicate.input.messageId)) continue;
      // Its first item was rate limited: so is it (the same message).
      results[duplicate.index] = { ...(results[duplicate.first] as BatchItemResult), index: duplicate.index };
      duplicates.splice(position, 1);
    }

    const primaries = [...firsts.values()];
    const outcomes = await acceptMessages(
      deps.accept,
      primaries.map(({ input }) => input),
    );
    const outcomeByIndex = new Map<number, BatchOutcome>();
    primaries.forEach(({ index, input }, position) => {
      const outcome = outcomes[position] as BatchOutcome;
      outcomeByIndex.set(index, outcome);
      results[index] = toBatchItemResult(
        index,
        input,
        outcome,
        statusUrlFor(baseUrl, input.messageId),
        false,
      );
    });
    for (const { index, input, first } of duplicates) {
      const firstInput = firsts.get(input.messageId)?.input;
      const outcome = outcomeByIndex.get(first) as BatchOutcome;
      const same = firstInput !== undefined && isSameRequest(firstInput.request, input.request, true);
      results[index] = toBatchItemResult(
        index,
        input,
        same ? outcome : { kind: 'conflict' },
        statusUrlFor(baseUrl, input.messageId),
        true,
      );
    }

    const count = (result: BatchItemResult['result']) =>
      results.filter((item) => item.result === result).length;
    const answer: BatchResponse = {
      dryRun: dryRun.ok && dryRun.value,
      accepted: count('accepted'),
      rejected: count('rejected'),
      failed: count('failed'),
      results,
    };
    const replays = results.filter((item) => item.result === 'accepted' && item.replayed === true).length;
    metrics.count(apiMetricNames.accepted, answer.accepted - replays);
    metrics.count(apiMetricNames.idempotentReplays, replays);
    metrics.count(apiMetricNames.rejected, answer.rejected);
    metrics.count(apiMetricNames.failed, answer.failed);
    if (answer.dryRun) metrics.count(apiMetricNames.dryRuns, count('valid'));
    scope.annotate({
      outcome: 'batch',
      items: items.length,
      accepted: answer.accepted,
      rejected: answer.rejected,
      failed: answer.failed,
    });
    if (answer.failed > 0) {
      scope.logger.warn({
        message: 'batch items not queued',
        failures: results.flatMap((item) =>
          item.result === 'failed' ? [{ index: item.index, code: item.code }] : [],
        ),
        reasons: outcomes
          .flatMap((outcome) => (outcome.kind === 'failed' ? [outcome.reason] : []))
          .slice(0, 10),
      });
    }
    return jsonResponse(200, answer, longestWait > 0 ? { 'Retry-After': String(longestWait) } : {});
  });
}

export function postMessageBatchDeps(resources: ApiResources): PostMessageBatchDeps {
  return {
    runtime: resources.runtime,
    subAccounts: resources.subAccounts,
    accept: acceptDeps(resources),
    publicBaseUrl: resources.publicBaseUrl,
    suppressions: resources.suppressionStore,
    ...([...resources.subAccounts.values()].some((route) => route.velocityLimits !== undefined)
      ? { velocity: resources.velocityCounter }
      : {}),
  };
}

export const handler: ApiHandler = lazyApiHandler(() =>
  createPostMessageBatchHandler(postMessageBatchDeps(new ApiResources(process.env))),
);
