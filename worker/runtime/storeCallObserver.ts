/**
 * The SDK side of AdaptiveInFlightLimit: a middleware on a DynamoDB client that reports every call's
 * latency as its caller saw it (waiting for a socket and the SDK's own retries included) and whether it
 * failed for lack of capacity. A refused condition is an answer, not a sign of overload.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

const capacityErrorNames = new Set([
  'AbortError',
  'TimeoutError',
  'ThrottlingException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'InternalServerError',
  'ServiceUnavailable',
]);

/** A timeout, an abort, throttling or a 5xx: the store (or the way to it) is short of capacity. */
export function isCapacityError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (capacityErrorNames.has(error.name)) return true;
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return status !== undefined && status >= 500;
}

export function observeStoreCalls(
  client: DynamoDBDocumentClient,
  observe: (latencyMs: number, overloaded: boolean) => void,
): void {
  client.middlewareStack.add(
    (next) => async (args) => {
      const started = performance.now();
      try {
        const result = await next(args);
        observe(performance.now() - started, false);
        return result;
      } catch (error) {
        observe(performance.now() - started, isCapacityError(error));
        throw error;
      }
    },
    { step: 'initialize', name: 'storeCallObserver', priority: 'high' },
  );
}
