/**
 * The EventBridge adapter: BatchingEventPublisher with PutEvents as its transport. Build one per container
 * (the records-stream consumer, lambdas/publishRecordEvents.ts) from one EventBridgeClient.
 */
import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { EventEntry } from '../../core/events.js';
import {
  BatchingEventPublisher,
  type BatchingEventPublisherOptions,
  type EntryResult,
} from './BatchingEventPublisher.js';

export type EventBridgePublisherOptions = Omit<BatchingEventPublisherOptions, 'sendBatch'> & {
  client: EventBridgeClient;
};

export class EventBridgePublisher extends BatchingEventPublisher {
  constructor(options: EventBridgePublisherOptions) {
    const { client, ...rest } = options;
    super({ ...rest, sendBatch: (entries, signal) => putEvents(client, entries, signal) });
  }
}

async function putEvents(
  client: EventBridgeClient,
  entries: readonly EventEntry[],
  signal: AbortSignal,
): Promise<EntryResult[]> {
  const response = await client.send(new PutEventsCommand({ Entries: [...entries] }), {
    abortSignal: signal,
  });
  const results = response.Entries ?? [];
  return entries.map((_, index): EntryResult => {
    const result = results[index];
    if (result === undefined) return { ok: false, errorCode: 'MissingResult' };
    if (result.ErrorCode === undefined || result.ErrorCode === null || result.ErrorCode === '') {
      return result.EventId === undefined ? { ok: false, errorCode: 'MissingEventId' } : { ok: true };
    }
    return {
      ok: false,
      errorCode: result.ErrorCode,
      ...(result.ErrorMessage === undefined ? {} : { errorMessage: result.ErrorMessage }),
    };
  });
}
