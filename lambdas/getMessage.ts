/** GET /messages/{id}: the message record (DESIGN.md contract 2), 404 when no message has the id. */
import type { APIGatewayProxyResult } from 'aws-lambda';
import { apiErrorCodes, apiOperations, messageIdPattern } from '../core/openApi.js';
import { ApiResources } from './shared/ApiResources.js';
import { type ApiHandler, type ApiRuntime, createApiHandler, lazyApiHandler } from './shared/apiHandler.js';
import { StorageUnavailableError } from './shared/errors.js';
import { errorResponse, jsonResponse } from './shared/http.js';
import type { MessageStore } from './shared/MessageStore.js';
import { toMessageRecord } from './shared/messageItem.js';

export interface GetMessageDeps {
  runtime: ApiRuntime;
  store: Pick<MessageStore, 'get'>;
}

const route = apiOperations.getMessage;

/** The id from the path, percent-decoded if it still is, or undefined when it is not a message id. */
export function messageIdFromPath(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  let id = raw;
  if (id.includes('%')) {
    try {
      id = decodeURIComponent(id);
    } catch {
      return undefined;
    }
  }
  return messageIdPattern.test(id) ? id.toLowerCase() : undefined;
}

export function createGetMessageHandler(deps: GetMessageDeps): ApiHandler {
  return createApiHandler(route, deps.runtime, async (event, scope): Promise<APIGatewayProxyResult> => {
    const { requestId } = scope;
    const messageId = messageIdFromPath(event.pathParameters?.id);
    if (messageId === undefined) {
      return errorResponse(400, apiErrorCodes.invalidRequest, 'The path does not hold a message id', {
        errors: [
          {
            field: 'id',
            message: 'must be a message id: a UUID such as 3f1c0b6e-8d5a-4c1e-9b2f-7a6d5e4c3b2a',
          },
        ],
        requestId,
      });
    }
    scope.annotate({ messageId });
    let item: Record<string, unknown> | undefined;
    try {
      item = await deps.store.get(messageId);
    } catch (error) {
      if (!(error instanceof StorageUnavailableError)) throw error;
      scope.logger.error({ message: 'could not read a message record', messageId }, error);
      return errorResponse(503, apiErrorCodes.storageUnavailable, 'The record could not be read: retry', {
        requestId,
        retryable: true,
        headers: { 'Retry-After': '1' },
      });
    }
    if (item === undefined) {
      return errorResponse(404, apiErrorCodes.messageNotFound, `No message has the id ${messageId}`, {
        messageId,
        requestId,
      });
    }
    scope.annotate({ status: item.status });
    return jsonResponse(200, toMessageRecord(item));
  });
}

export function getMessageDeps(resources: ApiResources): GetMessageDeps {
  return { runtime: resources.runtime, store: resources.messageStore };
}

export const handler: ApiHandler = lazyApiHandler(() =>
  createGetMessageHandler(getMessageDeps(new ApiResources(process.env))),
);
