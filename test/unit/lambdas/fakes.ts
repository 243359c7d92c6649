/** Fakes of the API's own ports (MessageStore, SendQueue, metrics, idempotency) and an event builder. */
import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import type { AcceptedMessageItem } from '../../../core/messageRecord.js';
import type { AcceptDeps } from '../../../lambdas/shared/acceptMessages.js';
import type { ApiRuntime } from '../../../lambdas/shared/apiHandler.js';
import type { SendIdempotencyPayload } from '../../../lambdas/shared/DynamoDbSendIdempotencyStore.js';
import { QueueUnavailableError, StorageUnavailableError } from '../../../lambdas/shared/errors.js';
import type { SendIdempotency } from '../../../lambdas/shared/IdempotentSend.js';
import type { CreateResult, MessageStore } from '../../../lambdas/shared/MessageStore.js';
import type { OutgoingMessage } from '../../../lambdas/shared/messageItem.js';
import type { ApiMetricName, ApiMetrics } from '../../../lambdas/shared/observability.js';
import type { BatchSendResult, SendQueue } from '../../../lambdas/shared/SendQueue.js';

export class FakeMessageStore implements MessageStore {
  readonly items = new Map<string, Record<string, unknown>>();
  failCreate = false;
  deleted: string[] = [];

  async create(item: AcceptedMessageItem): Promise<CreateResult> {
    if (this.failCreate) throw new StorageUnavailableError('PutItem');
    const existing = this.items.get(item.messageId);
    if (existing !== undefined) return { created: false, existing };
    this.items.set(item.messageId, { ...item });
    return { created: true };
  }

  async get(messageId: string) {
    if (this.failCreate) throw new StorageUnavailableError('GetItem');
    return this.items.get(messageId);
  }

  async deleteUnqueued(messageId: string) {
    const item = this.items.get(messageId);
    if (item?.status === 'accepted' && item.source === 'api') {
      this.items.delete(messageId);
      this.deleted.push(messageId);
    }
  }
}

export class FakeSendQueue implements SendQueue {
  readonly sent: { queueUrl: string; message: OutgoingMessage }[] = [];
  readonly failingQueues = new Set<string>();
  batchCalls: { queueUrl: string; size: number }[] = [];

  async send(queueUrl: string, message: OutgoingMessage) {
    if (this.failingQueues.has(queueUrl)) throw new QueueUnavailableError(message.messageId, queueUrl);
    this.sent.push({ queueUrl, message });
  }

  async sendBatch(queueUrl: string, messages: readonly OutgoingMessage[]) {
    this.batchCalls.push({ queueUrl, size: messages.length });
    const results = new Map<string, BatchSendResult>();
    for (const message of messages) {
      if (this.failingQueues.has(queueUrl)) {
        results.set(message.messageId, { ok: false, retryable: true, reason: 'queue down' });
      } else {
        this.sent.push({ queueUrl, message });
        results.set(message.messageId, { ok: true });
      }
    }
    return results;
  }
}

export class RecordingMetrics implements ApiMetrics {
  readonly counts = new Map<ApiMetricName, number>();
  flushes = 0;
  count(name: ApiMetricName, value = 1) {
    this.counts.set(name, (this.counts.get(name) ?? 0) + value);
  }
  flush() {
    this.flushes++;
  }
}

/** Keyed sends run once per (sub-account, key); a different request under a key throws like Powertools. */
export class InMemoryIdempotency<R> implements SendIdempotency<R> {
  readonly answers = new Map<string, { request: string; result: R }>();
  async run(
    payload: SendIdempotencyPayload,
    _context: unknown,
    execute: (p: SendIdempotencyPayload) => Promise<R>,
  ) {
    const key = `${payload.subAccount}#${payload.idempotencyKey}`;
    const stored = this.answers.get(key);
    if (stored !== undefined) {
      if (stored.request !== JSON.stringify(payload.request)) {
        const { IdempotencyValidationError } = await import('@aws-lambda-powertools/idempotency');
        throw new IdempotencyValidationError('different payload');
      }
      return { result: stored.result, replayed: true };
    }
    const result = await execute(payload);
    this.answers.set(key, { request: JSON.stringify(payload.request), result });
    return { result, replayed: false };
  }
}

export function silentRuntime(metrics: ApiMetrics = new RecordingMetrics()): ApiRuntime {
  return { logger: new Logger({ logLevel: 'SILENT' }), metrics };
}

export const subAccounts = new Map([
  ['acme', { maxParts: 2, queueUrl: 'https://sqs.local/acme' }],
  ['beta', { maxParts: 10, queueUrl: 'https://sqs.local/beta' }],
]);

export function acceptDepsWith(
  store: FakeMessageStore,
  queue: FakeSendQueue,
  now = 1_700_000_000_000,
): AcceptDeps {
  return {
    store,
    queue,
    queueUrlOf: (subAccount) => subAccounts.get(subAccount)?.queueUrl ?? 'https://sqs.local/unknown',
    now: () => now,
  };
}

export function lambdaContext(): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: 'test',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:test',
    memoryLimitInMB: '128',
    awsRequestId: 'request-1',
    logGroupName: '/aws/lambda/test',
    logStreamName: 'test',
    getRemainingTimeInMillis: () => 10_000,
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

export function proxyEvent(overrides: Partial<APIGatewayProxyEvent> = {}): APIGatewayProxyEvent {
  return {
    resource: '/messages',
    path: '/messages',
    httpMethod: 'POST',
    headers: { 'Content-Type': 'application/json', Host: 'abc.execute-api.eu-west-1.amazonaws.com' },
    multiValueHeaders: {},
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    body: null,
    isBase64Encoded: false,
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc',
      authorizer: null,
      protocol: 'HTTP/1.1',
      httpMethod: overrides.httpMethod ?? 'POST',
      identity: {} as APIGatewayProxyEvent['requestContext']['identity'],
      domainName: 'abc.execute-api.eu-west-1.amazonaws.com',
      path: `/prod${overrides.path ?? '/messages'}`,
      stage: 'prod',
      requestId: 'req-123',
      requestTimeEpoch: 0,
      resourceId: 'r',
      resourcePath: overrides.resource ?? '/messages',
    },
    ...overrides,
  };
}
