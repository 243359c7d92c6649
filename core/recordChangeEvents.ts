/**
 * What the messages table's change stream publishes (docs/delivery-guarantees.md, "Events"): the record
 * write is the commit, and the records-stream consumer (lambdas/publishRecordEvents.ts) turns each written
 * change into its events here. Pure: the same images give the same events, with the same deterministic ids,
 * so a stream record processed twice publishes copies subscribers drop.
 *
 * Two kinds of item announce something:
 * - a message record (`MSG#…`): one event per state the message entered between the old and the new image
 *   (none for a write that moved no state: a claim, a part's ENROUTE, a released claim);
 * - an event item (an inbound message, an unmatched receipt, an unreadable deliver_sm): an item written only
 *   to be announced, carrying its event; published when it is inserted. A suppression item (`SUP#…`,
 *   core/suppressions.ts) carries its `SMS Opted Out` the same way: published when the number is put on
 *   the list, not when the item is overwritten or deleted.
 */
import { type DetailType, detailTypes, type SmsEvent } from './events.js';
import { stateChangeEvent } from './messageEvents.js';
import { type MessageRecord, messageRecordFromItem } from './messageRecord.js';
import type { MessageState } from './messageState.js';
import { expiresAtSeconds, type ItemKey, retentionSeconds } from './tableKeys.js';

/** The attribute an event item keeps its event in. */
export const eventItemAttribute = 'announces';

/** An event item's payload: the event exactly as it is published. */
export interface AnnouncedEvent {
  detailType: DetailType;
  /** The detail as JSON, so a copy republished later is byte-identical. */
  detail: string;
}

/** The attributes that make an item an event item (spread into the item's put). */
export function eventItemAttributes(event: SmsEvent): { [eventItemAttribute]: AnnouncedEvent } {
  return { [eventItemAttribute]: { detailType: event.detailType, detail: JSON.stringify(event.detail) } };
}

/** An event item as put: its key, the event, its sub-account and its TTL. */
export function eventItem(key: ItemKey, event: SmsEvent): Record<string, unknown> {
  return {
    ...key,
    ...eventItemAttributes(event),
    subAccount: event.detail.subAccount,
    expiresAt: expiresAtSeconds(event.detail.eventTimestamp, retentionSeconds.eventItems),
  };
}

const announcedDetailTypes = new Set<string>([
  detailTypes.receiptUnmatched,
  detailTypes.inbound,
  detailTypes.unreadable,
  detailTypes.optedOut,
]);

/** One change as a stream record shows it: the item before and after (unmarshalled), absent when none. */
export interface ItemChange {
  oldItem?: Record<string, unknown>;
  newItem?: Record<string, unknown>;
}

/** The events one written change publishes, in the order the message went through its states. */
export function eventsOfItemChange(change: ItemChange): SmsEvent[] {
  const { oldItem, newItem } = change;
  if (newItem === undefined) return []; // a removal (TTL, a deleted record) announces nothing
  const announced = newItem[eventItemAttribute];
  if (announced !== undefined) return oldItem === undefined ? [announcedEvent(announced)] : [];
  const record = messageRecordFromItem(newItem);
  if (record === undefined) return [];
  return messageEvents(messageRecordFromItem(oldItem), record);
}

function announcedEvent(value: unknown): SmsEvent {
  const { detailType, detail } = (value ?? {}) as Partial<AnnouncedEvent>;
  if (typeof detailType !== 'string' || !announcedDetailTypes.has(detailType) || typeof detail !== 'string') {
    throw new TypeError(`an event item's ${eventItemAttribute} is not an event: ${JSON.stringify(value)}`);
  }
  return { detailType, detail: JSON.parse(detail) } as SmsEvent;
}

function messageEvents(before: MessageRecord | undefined, after: MessageRecord): SmsEvent[] {
  const from: MessageState | undefined = before?.status;
  const events: SmsEvent[] = [];
  // A message that reached its outcome by a receipt before its submission was recorded (the receipt came
  // first: recorded with the submission, or applied as soon as the SUBMIT item existed) still announces the
  // submission, when the write that records it sets `submittedAt` (set only when a message was submitted).
  const passedSubmitted =
    after.status !== 'submitted' && after.submittedAt !== undefined && before?.submittedAt === undefined;
  if (passedSubmitted) {
    const submitted = stateChangeEvent(after, 'submitted', after.submittedAt ?? after.updatedAt);
    if (submitted !== undefined) events.push(submitted);
  }
  if (from === after.status) return events;
  const at = (after.status === 'submitted' ? after.submittedAt : after.finalAt) ?? after.updatedAt;
  const event = stateChangeEvent(after, after.status, at, decidingReceipt(after));
  if (event !== undefined) events.push(event);
  return events;
}

/**
 * The receipt that moved the message to its state, as the event names it: among the parts in that state
 * with a receipt, the last one for `delivered` (the last part delivered decides it), the first for a failure
 * (the first failure decides it). None when no receipt did (a refusal in submit_sm_resp, validation).
 */
function decidingReceipt(record: MessageRecord): { receiptStatus?: string; receiptErrorCode?: string } {
  const withReceipt = record.parts
    .filter((part) => part.status === record.status && part.receiptStatus !== undefined)
    .sort((a, b) => (a.receiptAt ?? 0) - (b.receiptAt ?? 0));
  const part = record.status === 'delivered' ? withReceipt.at(-1) : withReceipt[0];
  if (part === undefined) return {};
  return {
    ...(part.receiptStatus === undefined ? {} : { receiptStatus: part.receiptStatus }),
    ...(part.receiptErrorCode === undefined ? {} : { receiptErrorCode: part.receiptErrorCode }),
  };
}
