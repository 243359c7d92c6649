/** Where the API keeps message records (the port; DynamoDbMessageStore is the adapter). */
import type { AcceptedMessageItem } from '../../core/messageRecord.js';

export type CreateResult = { created: true } | { created: false; existing: Record<string, unknown> };

export interface MessageStore {
  /** Writes the record unless one with its id exists; then answers the existing one. */
  create(item: AcceptedMessageItem): Promise<CreateResult>;
  /** The stored item, read consistently, or undefined. */
  get(messageId: string): Promise<Record<string, unknown> | undefined>;
  /**
   * Removes a record this API wrote that never reached the queue (still `accepted`, source `api`), so a
   * request the caller retries under a new id leaves no orphan behind. Best effort: never throws.
   */
  deleteUnqueued(messageId: string): Promise<void>;
}
