/**
 * SMSC message ids normalised for correlation. Gateways disagree on how they write one id: the
 * submit_sm_resp may carry it in hex and the receipt in decimal (or the reverse), with leading zeros, in
 * either letter case, NUL-padded. The fleet config says which format each side uses (`respIdFormat`,
 * `receiptIdFormat`); both are normalised to the same canonical string before they meet in a table key.
 */
import type { MessageIdFormat } from './fleetConfig.js';

const hexPattern = /^(?:0x)?[0-9a-f]+$/;
const decimalPattern = /^[0-9]+$/;

/**
 * - `text`: trimmed (spaces and trailing NULs) and lower-cased (8x8's ids are UUIDs, whose case means nothing).
 * - `hex` / `decimal`: the number's value in decimal, so `00FF`, `ff` and `255` all become `255`.
 * An id that is not a number in its declared format is normalised as text, so it still matches itself.
 */
export function normaliseSmscId(id: string, format: MessageIdFormat): string {
  const text = id.replace(/\0+$/, '').trim().toLowerCase();
  if (format === 'hex' && hexPattern.test(text))
    return BigInt(text.startsWith('0x') ? text : `0x${text}`).toString(10);
  if (format === 'decimal' && decimalPattern.test(text)) return BigInt(text).toString(10);
  return text;
}
