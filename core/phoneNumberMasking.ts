/**
 * Phone numbers out of log lines (MASK_PHONE_NUMBERS, on by default for the worker): a JSON replacer for
 * Powertools Logger that both the API handlers and the worker use. It masks a number-like value under a key
 * that holds phone numbers (E.164 or the bare digits SMPP carries), any string that is an E.164 number, and
 * E.164 numbers inside free text (an error message that quotes an address). Alphanumeric senders, ids and
 * plain numbers stay as they are.
 */

/** Keys whose values are phone numbers wherever they appear in a log line. */
const phoneNumberKeys = new Set([
  'to',
  'from',
  'destination',
  'destinationPhoneNumber',
  'destinationNumber',
  'originationNumber',
  'phoneNumber',
  'sourceAddr',
  'destinationAddr',
  'sourceAddress',
  'destinationAddress',
]);
const numberLike = /^\+?[0-9]{5,}$/;
const e164Like = /^\+[0-9]{6,15}$/;
const e164InText = /\+[0-9]{6,15}(?![0-9])/g;

/** `+6591234567` → `+******4567`: keeps the + and the last 4 digits. */
export function maskPhoneNumber(value: string): string {
  const plus = value.startsWith('+') ? '+' : '';
  const digits = value.slice(plus.length);
  return `${plus}${'*'.repeat(Math.max(0, digits.length - 4))}${digits.slice(-4)}`;
}

/** A JSON replacer for the Logger: see the file comment. */
export function maskPhoneNumbersReplacer(key: string, value: unknown): unknown {
  if (typeof value !== 'string') return value;
  if ((phoneNumberKeys.has(key) && numberLike.test(value)) || e164Like.test(value))
    return maskPhoneNumber(value);
  return value.includes('+') ? value.replace(e164InText, maskPhoneNumber) : value;
}
