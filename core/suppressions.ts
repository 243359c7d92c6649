/**
 * Opt-outs (issue 15): a sub-account's suppression list, its stop keywords, and the item that holds one
 * number on the list (in the messages table, keyed by core/tableKeys.ts `suppressionKey`, carrying its
 * `SMS Opted Out` event so the table's stream publishes it). Pure: the worker's and the API's adapters
 * write and read these items, and decide nothing themselves.
 */
import { z } from 'zod';
import {
  detailTypes,
  eventTypes,
  type OptedOutDetail,
  type OptOutSource,
  optedOutEventId,
  type SmsEvent,
} from './events.js';
import { eventItemAttributes } from './recordChangeEvents.js';
import { suppressionKey } from './tableKeys.js';

/** The keywords the carriers' and regulators' guidance lists (CTIA, and what AWS End User Messaging honours). */
export const defaultStopKeywords = [
  'STOP',
  'STOPALL',
  'UNSUBSCRIBE',
  'CANCEL',
  'END',
  'QUIT',
  'OPTOUT',
  'OPT-OUT',
  'REMOVE',
] as const;

/** How a keyword and an inbound text are compared: surrounding space and case ignored. */
export function normaliseKeyword(text: string): string {
  return text.trim().toUpperCase();
}

const stopKeywordSchema = z
  .string({ error: 'must be a string' })
  .transform(normaliseKeyword)
  .pipe(
    z.string().min(1, { error: 'must not be blank' }).max(30, { error: 'must be at most 30 characters' }),
  );

/**
 * A sub-account's `optOuts` in the fleet config. Present (even `{}`): inbound stop keywords put the sender
 * on the list and every send is checked against it (one read per message). Absent: neither.
 */
export const optOutsConfigSchema = z
  .strictObject({
    stopKeywords: z
      .array(stopKeywordSchema)
      .min(1, { error: 'list at least one keyword, or leave the field out for the defaults' })
      .max(100)
      .default([...defaultStopKeywords]),
  })
  .transform(({ stopKeywords }) => ({ stopKeywords: [...new Set(stopKeywords)] }));

export type OptOutsConfig = z.output<typeof optOutsConfigSchema>;

/** The keyword an inbound text is, or undefined when it is not one (only the whole text counts). */
export function stopKeywordOf(text: string, stopKeywords: readonly string[]): string | undefined {
  const normalised = normaliseKeyword(text);
  return stopKeywords.includes(normalised) ? normalised : undefined;
}

const e164Pattern = /^\+[1-9][0-9]{7,14}$/;

export function isE164(value: string): boolean {
  return e164Pattern.test(value);
}

/**
 * The E.164 number of an SMPP source address ("6591234567" or "+6591234567"), or undefined for an address
 * that is not a phone number (an alphanumeric sender cannot be sent to, so it has nothing to opt out of).
 */
export function phoneNumberOfAddress(address: string): string | undefined {
  const trimmed = address.trim();
  const number = trimmed.startsWith('+') ? trimmed : `+${trimmed}`;
  return isE164(number) ? number : undefined;
}

/** One number on one sub-account's suppression list. */
export interface Suppression {
  subAccount: string;
  /** E.164. */
  phoneNumber: string;
  source: OptOutSource;
  /** Epoch ms. */
  optedOutAt: number;
  /** For `inbound-keyword`: the keyword (normalised) and the inbound message that carried it. */
  keyword?: string;
  inboundMessageId?: string;
}

/** The `SMS Opted Out` a new suppression publishes. */
export function optedOutEvent(suppression: Suppression): SmsEvent {
  const { subAccount, phoneNumber, source, optedOutAt, keyword, inboundMessageId } = suppression;
  const detail: OptedOutDetail = {
    eventId: optedOutEventId(
      subAccount,
      phoneNumber,
      inboundMessageId === undefined ? { optedOutAt } : { inboundMessageId },
    ),
    eventType: eventTypes.optedOut,
    isFinal: true,
    subAccount,
    phoneNumber,
    source,
    ...(keyword === undefined ? {} : { keyword }),
    ...(inboundMessageId === undefined ? {} : { inboundMessageId }),
    eventTimestamp: optedOutAt,
  };
  return { detailType: detailTypes.optedOut, detail };
}

/** The item as put: its key, the suppression, and the event the table's stream publishes when it is new. */
export function suppressionItem(suppression: Suppression): Record<string, unknown> {
  return {
    ...suppressionKey(suppression.subAccount, suppression.phoneNumber),
    ...suppression,
    ...eventItemAttributes(optedOutEvent(suppression)),
  };
}

/** The suppression an item holds, or undefined when the item is not one. */
export function suppressionFromItem(item: Record<string, unknown> | undefined): Suppression | undefined {
  if (item === undefined || typeof item.pk !== 'string' || !item.pk.startsWith('SUP#')) return undefined;
  const { subAccount, phoneNumber, source, optedOutAt, keyword, inboundMessageId } = item;
  if (typeof subAccount !== 'string' || typeof phoneNumber !== 'string') return undefined;
  return {
    subAccount,
    phoneNumber,
    source: source === 'inbound-keyword' ? 'inbound-keyword' : 'api',
    optedOutAt: typeof optedOutAt === 'number' ? optedOutAt : 0,
    ...(typeof keyword === 'string' ? { keyword } : {}),
    ...(typeof inboundMessageId === 'string' ? { inboundMessageId } : {}),
  };
}

/** What a refused send says about the opt-out, for the API's error and the record's errorDescription. */
export function describeOptOut(suppression: Pick<Suppression, 'subAccount' | 'source' | 'keyword'>): string {
  const how =
    suppression.source === 'inbound-keyword'
      ? `by replying ${suppression.keyword ?? 'a stop keyword'}`
      : 'through PUT /suppressions';
  return `opted out of messages from sub-account ${suppression.subAccount} (${how}); DELETE /suppressions/{number} lifts it`;
}
