/** A Lambda `Context` for a local invocation: what the handlers and Powertools read from it. */
import type { Context } from 'aws-lambda';

/** API Gateway's integration timeout: the longest a REST API waits for a Lambda proxy integration. */
export const integrationTimeoutMs = 29_000;

export function localLambdaContext(
  functionName: string,
  requestId: string,
  startedAtMs = Date.now(),
): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, startedAtMs + integrationTimeoutMs - Date.now()),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}
