/**
 * The GSM 03.38 (3GPP TS 23.038) 7-bit default alphabet and its extension table, in the UNPACKED form SMPP
 * carries with data_coding 0/1: one septet per octet. Packing to 7 bits is the SMSC's job on the air side.
 */
import { NotGsm7EncodableError } from './errors.js';

/** Escape to the extension table; an extension character costs ESC + its code. */
export const GSM7_ESCAPE = 0x1b;

/**
 * The default alphabet indexed by code 0x00–0x7F. Position 0x1B is the escape and holds a placeholder that is
 * never matched when encoding (a literal U+001B in text is not a GSM character).
 */
const defaultAlphabet =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\u001bÆæßÉ' +
  ' !"#¤%&\'()*+,-./0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§' +
  '¿abcdefghijklmnopqrstuvwxyzäöñüà';

/** The extension table: code after ESC → character. Codes not listed here are undefined. */
const extensionTable: ReadonlyMap<number, string> = new Map([
  [0x0a, '\f'],
  [0x14, '^'],
  [0x28, '{'],
  [0x29, '}'],
  [0x2f, '\\'],
  [0x3c, '['],
  [0x3d, '~'],
  [0x3e, ']'],
  [0x40, '|'],
  [0x65, '€'],
]);

/** Character → the octets that encode it (one code, or ESC + code). */
const encodeTable: ReadonlyMap<string, readonly number[]> = (() => {
  const table = new Map<string, readonly number[]>();
  for (let code = 0; code < defaultAlphabet.length; code++) {
    if (code !== GSM7_ESCAPE) table.set(defaultAlphabet.charAt(code), [code]);
  }
  for (const [code, char] of extensionTable) table.set(char, [GSM7_ESCAPE, code]);
  return table;
})();

/**
 * Septets one character costs: 1 for the default alphabet, 2 for the extension table, undefined when it is not
 * a GSM character. `char` is one code point (as `for…of` over a string yields).
 */
export function gsm7SeptetsOf(char: string): 1 | 2 | undefined {
  const codes = encodeTable.get(char);
  if (codes === undefined) return undefined;
  return codes.length === 2 ? 2 : 1;
}

/** True when every character of `text` has a GSM 03.38 code (empty text is encodable). */
export function isGsm7Encodable(text: string): boolean {
  for (const char of text) {
    if (!encodeTable.has(char)) return false;
  }
  return true;
}

/** Septets `text` needs, extension characters counting two. Throws NotGsm7EncodableError on a non-GSM char. */
export function gsm7SeptetCount(text: string): number {
  let septets = 0;
  let index = 0;
  for (const char of text) {
    const codes = encodeTable.get(char);
    if (codes === undefined) throw new NotGsm7EncodableError(char, index);
    septets += codes.length;
    index += char.length;
  }
  return septets;
}

/** Unpacked GSM 7-bit: one septet per octet. Throws NotGsm7EncodableError on a non-GSM char. */
export function encodeGsm7(text: string): Buffer {
  const bytes = Buffer.alloc(gsm7SeptetCount(text));
  let offset = 0;
  for (const char of text) {
    // gsm7SeptetCount has already rejected any character without codes.
    for (const code of encodeTable.get(char) ?? []) bytes[offset++] = code;
  }
  return bytes;
}

/**
 * Unpacked GSM 7-bit → text. Never throws; what it does with bytes that are not a valid sequence:
 * - ESC + a code the extension table does not define → the default-alphabet character of that code, as
 *   03.38 tells a receiver to display it;
 * - ESC + ESC (reserved for a further extension table) and a trailing lone ESC → a space, as 03.38 tells a
 *   receiver that does not understand the escape to display it;
 * - an octet above 0x7F (not a septet) → U+FFFD.
 */
export function decodeGsm7(bytes: Uint8Array): string {
  let text = '';
  for (let i = 0; i < bytes.length; i++) {
    const code = bytes[i] as number;
    if (code === GSM7_ESCAPE) {
      const next = bytes[i + 1];
      if (next === undefined || next === GSM7_ESCAPE) {
        text += ' ';
      } else {
        text += extensionTable.get(next) ?? defaultCharOf(next);
      }
      i++;
    } else {
      text += defaultCharOf(code);
    }
  }
  return text;
}

function defaultCharOf(code: number): string {
  return code < defaultAlphabet.length ? defaultAlphabet.charAt(code) : '\uFFFD';
}
