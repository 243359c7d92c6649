/** The port through which the records-stream consumer publishes events (EventBridgePublisher in production). */
import type { SmsEvent } from '../../core/events.js';

/** What this process knows of an event id. */
export type KnownEventState =
  | { state: 'published' }
  | { state: 'in-flight'; settled: Promise<void> }
  | undefined;

export interface EventPublisher {
  /**
   * Resolves once THIS event was accepted by the bus; rejects if it could not be published after retries.
   * Publishing an id that is already in flight or was published recently by this process does not publish
   * it again: it resolves with the first publish.
   */
  publish(event: SmsEvent): Promise<void>;
  /** Whether this process published `eventId` recently or is publishing it now. */
  knownState(eventId: string): KnownEventState;
}
