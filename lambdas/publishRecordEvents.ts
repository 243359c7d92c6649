/**
 * The records-stream consumer: DynamoDB Streams batches of the messages table → the events of each written
 * change (core/recordChangeEvents.ts) → EventBridge, PutEvents of up to 10 entries. The record write is the
 * commit; this is the only publisher of the fleet's events, so no event goes out for a change that was not
 * written and none is lost for one that was (docs/delivery-guarantees.md, "Events").
 *
 * Failures: a stream record whose events could not all be published (after the publisher's own retries) is
 * reported as a batch item failure (Powertools' BatchProcessor); Lambda then retries from it, bisecting the
 * batch, and after its retries hands it to the on-failure DLQ (infra). Records after it are processed again
 * too: their events go out a second time under the same ids, a copy subscribers drop.
 *
 * Locally the same handler runs over the emulator's stream API (local/recordStream).
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import type { SmsEvent } from '../core/events.js';
import { eventsOfItemChange } from '../core/recordChangeEvents.js';
import {
  type Env,
  readAwsClientSettings,
  readEventBusName,
  readObservabilityConfig,
} from './shared/apiConfig.js';
import { EventBridgePublisher } from './shared/EventBridgePublisher.js';
import { createApiLogger } from './shared/observability.js';

export type RecordEventsHandler = (
  event: DynamoDBStreamEvent,
  context?: Context,
) => Promise<DynamoDBBatchResponse>;

export interface PublishRecordEventsDeps {
  publish: (event: SmsEvent) => Promise<void>;
  logger: Pick<Logger, 'warn' | 'error'>;
}

export function createPublishRecordEventsHandler(deps: PublishRecordEventsDeps): RecordEventsHandler {
  const processor = new BatchProcessor(EventType.DynamoDBStreams);
  const publishRecord = async (record: DynamoDBRecord): Promise<void> => {
    const events = eventsOfItemChange({
      ...(record.dynamodb?.OldImage === undefined ? {} : { oldItem: itemOf(record.dynamodb.OldImage) }),
      ...(record.dynamodb?.NewImage === undefined ? {} : { newItem: itemOf(record.dynamodb.NewImage) }),
    });
    // Started together, so the publisher packs them (and the other records' events) into calls of 10.
    const results = await Promise.allSettled(events.map((event) => deps.publish(event)));
    const failed = results.filter((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failed.length > 0) {
      deps.logger.warn('events of a stream record could not be published; the record is retried', {
        sequenceNumber: record.dynamodb?.SequenceNumber,
        failed: failed.length,
        error: String(failed[0]?.reason),
      });
      throw failed[0]?.reason;
    }
  };
  return (event, context) =>
    processPartialResponse(event, publishRecord, processor, context === undefined ? {} : { context });
}

/** The Lambda event's images are DynamoDB JSON (the same shape the SDK's AttributeValue has). */
function itemOf(image: NonNullable<DynamoDBRecord['dynamodb']>['NewImage']): Record<string, unknown> {
  return unmarshall(image as Record<string, AttributeValue>);
}

/** The handler of one container (AWS) or one local runner, from its environment. */
export function publishRecordEventsHandlerFromEnv(env: Env): RecordEventsHandler {
  const logger = createApiLogger(readObservabilityConfig(env));
  const publisher = new EventBridgePublisher({
    client: new EventBridgeClient({
      ...readAwsClientSettings(env),
      requestHandler: { connectionTimeout: 1_000, requestTimeout: 5_000 },
    }),
    eventBusName: readEventBusName(env),
    // Every record's events are queued in the same tick: no need to wait for company.
    lingerMs: 0,
    logger: {
      debug: (message, attributes = {}) => logger.debug(message, attributes),
      info: (message, attributes = {}) => logger.info(message, attributes),
      warn: (message, attributes = {}) => logger.warn(message, attributes),
      error: (message, attributes = {}) => logger.error(message, attributes),
    },
  });
  return createPublishRecordEventsHandler({ publish: (e) => publisher.publish(e), logger });
}

let built: RecordEventsHandler | undefined;

export const handler: RecordEventsHandler = (event, context) => {
  built ??= publishRecordEventsHandlerFromEnv(process.env);
  return built(event, context);
};
