/**
 * POST /messages: validate one send request, record it, queue it on its sub-account's SQS queue, and only
 * then answer 202. `?dryRun=true` validates and answers encoding and parts without recording or sending.
 * With an idempotency key (body field or Idempotency-Key header) the answer is made idempotent by
 * Powertools: the same key and request answer the first answer again; a different request is a 409.
 */
import type { APIGatewayProxyResult } from 'aws-lambda';
import { messageIdForIdempotencyKey, newMessageId } from '../core/messageId.js';
import {
  type AcceptedResponse,
  apiErrorCodes,
  apiOperations,
  type DryRunResponse,
  idempotencyKeyHeader,
  idempotentReplayedHeader,
} from '../core/openApi.js';
import type { Suppression } from '../core/suppressions.js';
import { ApiResources } from './shared/ApiResources.js';
import { type AcceptDeps, type Accepted, acceptDeps, acceptMessage } from './shared/acceptMessages.js';
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
import { IdempotentSend, type SendIdempotency } from './shared/IdempotentSend.js';
import { statusUrlFor, toAcceptedResponse } from './shared/messageItem.js';
import { apiMetricNames } from './shared/observability.js';
import type { SuppressionStore } from './shared/SuppressionStore.js';
import { answerForSendError } from './shared/sendErrors.js';
import { suppressionStorageAnswer } from './shared/suppressionAnswers.js';
import { checksSuppressions, optedOutError, requireSuppressionStore } from './shared/suppressionCheck.js';
import type { VelocityCounter } from './shared/VelocityCounter.js';
import { validateSendRequest } from './shared/validateSendRequest.js';
import {
  checkVelocity,
  rateLimitedResponse,
  requireVelocityCounter,
  type VelocityRefusal,
  velocityStorageAnswer,
} from './shared/velocityCheck.js';

export interface PostMessageDeps {
  runtime: ApiRuntime;
  subAccounts: ReadonlyMap<string, SubAccountRoute>;
  accept: AcceptDeps;
  idempotency: SendIdempotency<AcceptedResponse>;
  publicBaseUrl: string | undefined;
  /** Required when a sub-account keeps a suppression list (fleet config `optOuts`). */
  suppressions?: Pick<SuppressionStore, 'get'>;
  /** Required when a sub-account has velocity limits (fleet config `velocityLimits`). */
  velocity?: VelocityCounter;
  newMessageId?: () => string;
  /** Epoch ms, for the velocity windows. @default Date.now */
  now?: () => number;
}

const route = apiOperations.postMessage;

export function createPostMessageHandler(deps: PostMessageDeps): ApiHandler {
  const makeId = deps.newMessageId ?? newMessageId;
  const suppressions = requireSuppressionStore(deps.subAccounts, deps.suppressions);
  const velocity = requireVelocityCounter(deps.subAccounts, deps.velocity);
  const now = deps.now ?? Date.now;
  return createApiHandler(route, deps.runtime, async (event, scope): Promise<APIGatewayProxyResult> => {
    const { requestId, metrics } = scope;
    const body = readJsonBody(event, bodyLimits.single, requestId);
    if (!body.ok) {
      metrics.count(apiMetricNames.rejected);
      scope.annotate({ outcome: 'rejected' });
      return body.response;
    }
    const dryRun = readBooleanQuery(event, 'dryRun');
    const headerKey = headerValue(event, idempotencyKeyHeader);
    const validation = validateSendRequest(
      body.value,
      deps.subAccounts,
      headerKey === undefined ? {} : { headerIdempotencyKey: headerKey },
    );
    const errors = [...(dryRun.ok ? [] : [dryRun.error]), ...(validation.ok ? [] : validation.errors)];
    if (!validation.ok || errors.length > 0) {
      metrics.count(apiMetricNames.rejected);
      scope.annotate({ outcome: 'rejected', errors: errors.map((error) => error.field) });
      return errorResponse(
        400,
        apiErrorCodes.invalidRequest,
        `The send request is invalid: ${errors.length === 1 ? '1 problem' : `${errors.length} problems`}, listed in errors`,
        { errors, requestId },
      );
    }
    const { request, plan } = validation;
    scope.annotate({ subAccount: request.subAccount, to: request.to, parts: plan.totalParts });

    if (suppressions !== undefined && checksSuppressions(deps.subAccounts, request.subAccount)) {
      let suppression: Suppression | undefined;
      try {
        suppression = await suppressions.get({ subAccount: request.subAccount, phoneNumber: request.to });
      } catch (error) {
        const answer = suppressionStorageAnswer(error, requestId);
        if (answer === undefined) throw error;
        metrics.count(apiMetricNames.failed);
        scope.logger.error({ message: 'could not read the suppression list' }, error as Error);
        return answer;
      }
      if (suppression !== undefined) {
        metrics.count(apiMetricNames.rejected);
        scope.annotate({ outcome: 'opted-out' });
        return errorResponse(
          400,
          apiErrorCodes.destinationOptedOut,
          'The destination opted out of this sub-account’s messages: nothing was sent',
          { errors: [optedOutError(request.to, suppression)], requestId },
        );
      }
    }

    if (dryRun.ok && dryRun.value) {
      metrics.count(apiMetricNames.dryRuns);
      scope.annotate({ outcome: 'dryRun' });
      const answer: DryRunResponse = {
        dryRun: true,
        subAccount: request.subAccount,
        encoding: plan.encoding,
        parts: plan.totalParts,
        units: plan.units,
        maxParts: plan.maxParts,
      };
      return jsonResponse(200, answer);
    }

    const key = request.idempotencyKey;
    const messageId = key === undefined ? makeId() : messageIdForIdempotencyKey(request.subAccount, key);
    const statusUrl = statusUrlFor(baseUrlOf(event, deps.publicBaseUrl, route.path), messageId);
    scope.annotate({ messageId });

    // Counted once per message id (a retry with the same key is not counted again), before it is recorded.
    let refusal: VelocityRefusal | undefined;
    try {
      refusal = await checkVelocity(
        velocity,
        deps.subAccounts.get(request.subAccount),
        { subAccount: request.subAccount, messageId, to: request.to },
        now(),
      );
    } catch (error) {
      const answer = velocityStorageAnswer(error, requestId);
      if (answer === undefined) throw error;
      metrics.count(apiMetricNames.failed);
      scope.logger.error(
        { message: 'could not count the message against its velocity limits' },
        error as Error,
      );
      return answer;
    }
    if (refusal !== undefined) {
      metrics.count(apiMetricNames.rejected);
      scope.annotate({ outcome: 'rate-limited' });
      return rateLimitedResponse(refusal, requestId);
    }

    const accept = async (): Promise<{ answer: AcceptedResponse; replayed: boolean }> => {
      const accepted: Accepted = await acceptMessage(deps.accept, {
        messageId,
        request,
        plan,
        correlationId: requestId,
      });
      return { answer: toAcceptedResponse(accepted, statusUrl), replayed: accepted.replayed };
    };

    try {
      let answer: AcceptedResponse;
      let replayed: boolean;
      if (key === undefined) {
        ({ answer, replayed } = await accept());
      } else {
        let recordReplayed = false;
        const run = await deps.idempotency.run(
          { subAccount: request.subAccount, idempotencyKey: key, request },
          scope.context,
          async () => {
            const accepted = await accept();
            recordReplayed = accepted.replayed;
            return accepted.answer;
          },
        );
        answer = run.result;
        replayed = run.replayed || recordReplayed;
      }
      metrics.count(replayed ? apiMetricNames.idempotentReplays : apiMetricNames.accepted);
      scope.annotate({ outcome: replayed ? 'replayed' : 'accepted' });
      return jsonResponse(202, answer, {
        Location: answer.statusUrl,
        ...(replayed ? { [idempotentReplayedHeader]: 'true' } : {}),
      });
    } catch (error) {
      const known = answerForSendError(error, {
        requestId,
        messageId,
        ...(key === undefined ? {} : { idempotencyKey: key }),
      });
      if (known === undefined) throw error;
      if (known.kind === 'conflict') metrics.count(apiMetricNames.idempotencyConflicts);
      if (known.kind === 'unavailable') {
        metrics.count(apiMetricNames.failed);
        scope.logger.error({ message: 'could not accept a message', messageId }, error as Error);
      }
      scope.annotate({ outcome: known.kind });
      return known.response;
    }
  });
}

export function postMessageDeps(resources: ApiResources): PostMessageDeps {
  return {
    runtime: resources.runtime,
    subAccounts: resources.subAccounts,
    accept: acceptDeps(resources),
    idempotency: new IdempotentSend<AcceptedResponse>(resources.idempotencyStore),
    publicBaseUrl: resources.publicBaseUrl,
    suppressions: resources.suppressionStore,
    ...([...resources.subAccounts.values()].some((route) => route.velocityLimits !== undefined)
      ? { velocity: resources.velocityCounter }
      : {}),
  };
}

export const handler: ApiHandler = lazyApiHandler(() =>
  createPostMessageHandler(postMessageDeps(new ApiResources(process.env))),
);
