/**
 * The records-stream consumer (issue 12): DynamoDB Streams batches of the messages table → the events of
 * each state change, published to EventBridge. Being written; this stub fixes the entry point the stack
 * bundles and local/recordStream runs.
 */
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';

export async function handler(_event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> {
  return { batchItemFailures: [] };
}
