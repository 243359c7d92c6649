/**
 * Sender and recipient strings → SMPP address fields (addr, TON, NPI). Input is taken as given: no trimming,
 * no removal of spaces or dashes; normalising user input is the API's job, and guessing here could send to
 * the wrong country.
 */
import { InvalidAddressError } from '../../core/encoding/errors.js';

export interface SmppAddress {
  addr: string;
  ton: number;
  npi: number;
}

/** SMPP 3.4 type of number values we use. */
export const typesOfNumber = {
  unknown: 0,
  international: 1,
  /** Used for short codes: 8x8 does not say which TON it wants, and 3 is what SMSCs commonly route them by. */
  networkSpecific: 3,
  alphanumeric: 5,
} as const;

/** SMPP 3.4 numbering plan indicator values we use. */
export const numberingPlans = {
  unknown: 0,
  /** ISDN/telephone, E.164. */
  isdn: 1,
} as const;

/** `+` then a country code (no leading 0) and up to 15 digits in all (E.164); 7 digits is the shortest in use. */
const e164WithPlus = /^\+([1-9]\d{6,14})$/;
/** Digits only, 8–15, no leading 0 (that would be a national or IDD prefix, not a country code). */
const internationalDigits = /^[1-9]\d{7,14}$/;
const shortCode = /^\d{1,7}$/;
/**
 * GSM 03.40 alphanumeric sender: up to 11 characters. Limited to ASCII letters, digits, space and `.-_&`,
 * which carriers accept widely; at least one letter, so it is not mistaken for a number.
 */
const alphanumericSender = /^(?=.*[A-Za-z])[A-Za-z0-9 .\-_&]{1,11}$/;

const sourceForms =
  'an alphanumeric sender (1–11 of A–Z a–z 0–9 space . - _ &, with a letter), an international number ' +
  '(+ and 7–15 digits, or 8–15 digits without a leading 0) or a short code (1–7 digits)';

/**
 * - alphanumeric sender (has a letter, ≤ 11 chars, no leading/trailing space) → TON 5 / NPI 0;
 * - `+` and digits, or 8–15 digits → international, TON 1 / NPI 1, without the `+`;
 * - 1–7 digits without `+` → short code, TON 3 (network specific) / NPI 0.
 * Anything else throws InvalidAddressError.
 */
export function sourceAddressOf(from: string): SmppAddress {
  const withPlus = e164WithPlus.exec(from);
  if (withPlus?.[1] !== undefined) {
    return { addr: withPlus[1], ton: typesOfNumber.international, npi: numberingPlans.isdn };
  }
  if (internationalDigits.test(from)) {
    return { addr: from, ton: typesOfNumber.international, npi: numberingPlans.isdn };
  }
  if (shortCode.test(from)) {
    return { addr: from, ton: typesOfNumber.networkSpecific, npi: numberingPlans.unknown };
  }
  if (alphanumericSender.test(from) && from.trim() === from) {
    return { addr: from, ton: typesOfNumber.alphanumeric, npi: numberingPlans.unknown };
  }
  throw new InvalidAddressError('source', from, sourceForms);
}

/**
 * E.164 with its `+` (`+6591234567`) → `{ addr: '6591234567', ton: 1, npi: 1 }`. The `+` is required: a
 * bare `91234567` could be a local number and would be read as a country code. Anything else throws
 * InvalidAddressError.
 */
export function destinationAddressOf(to: string): SmppAddress {
  const match = e164WithPlus.exec(to);
  if (match?.[1] === undefined) {
    throw new InvalidAddressError('destination', to, 'an E.164 number: + and 7–15 digits, no leading 0');
  }
  return { addr: match[1], ton: typesOfNumber.international, npi: numberingPlans.isdn };
}
