/**
 * One canonical form for SMSC message ids, so the id from submit_sm_resp and the id in its receipt compare
 * equal however the SMSC wrote each of them.
 *
 * Policy (every format):
 * - NUL characters are removed (C-string terminators and padding), surrounding whitespace is trimmed,
 *   letters are lower-cased.
 * - 'text' (the default): the id is opaque, except that an id made only of hex digits has its leading
 *   zeros removed ("000A1F" → "a1f"), because such an id is a number in some base and zeros in front carry
 *   nothing. UUIDs and other ids with non-hex characters keep everything else, hyphens included.
 * - 'hex': a hexadecimal number, optionally with a "0x" prefix: canonical lower-case hex without leading
 *   zeros ("0"-only becomes "0"). 'text' and 'hex' agree on every pure-hex id.
 * - 'decimal': a decimal number, converted exactly (BigInt) to canonical hex, so a receipt written in
 *   decimal matches a resp written in hex ("4660" → "1234").
 * An id that does not fit its declared format (a UUID configured as 'decimal') falls back to the 'text'
 * form instead of failing: two ids written the same way still compare equal.
 *
 * The formats are configured per sub-account, one for submit_sm_resp and one for receipts, because some
 * gateways answer the submit in hex and write the receipt in decimal.
 */

import type { MessageIdFormat } from '../../core/fleetConfig.js';

/** How the SMSC writes an id; the fleet config names one for resps and one for receipts. */
export type SmscIdFormat = MessageIdFormat;

const hexDigits = /^[0-9a-f]+$/;
const decimalDigits = /^[0-9]+$/;

const withoutLeadingZeros = (digits: string): string => digits.replace(/^0+(?=.)/, '');

/** The canonical form of `id` as the SMSC wrote it in `format` (see the policy above). Never throws. */
export function normaliseSmscMessageId(id: string, format: SmscIdFormat = 'text'): string {
  const cleaned = id.replaceAll('\0', '').trim().toLowerCase();
  if (format === 'decimal' && decimalDigits.test(cleaned)) return BigInt(cleaned).toString(16);
  if (format === 'hex') {
    const digits = cleaned.startsWith('0x') ? cleaned.slice(2) : cleaned;
    if (hexDigits.test(digits)) return withoutLeadingZeros(digits);
  }
  return hexDigits.test(cleaned) ? withoutLeadingZeros(cleaned) : cleaned;
}
