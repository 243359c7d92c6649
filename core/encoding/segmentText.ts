/**
 * Text → the short_message parts of one SMS: GSM 7-bit when every character fits, else UCS-2, split into
 * concatenated parts with an 8-bit-reference UDH when it does not fit in one.
 */
import { concatInformationElements, dataCodings, esmClassUdhIndicator, partCapacity } from './constants.js';
import { EmptyTextError, InvalidEncodingOptionError, TextTooLongError } from './errors.js';
import { encodeGsm7, gsm7SeptetsOf, isGsm7Encodable } from './gsm7.js';
import { encodeUcs2 } from './ucs2.js';

export type TextEncoding = 'GSM7' | 'UCS2';

export interface SegmentOptions {
  /** Most parts one message may take; 1–255 (the UDH's part count is one octet). */
  maxParts: number;
  /** 8-bit concatenation reference, 0–255 (see ConcatReferenceCounter); unused for a single part. */
  concatReference: number;
  /** data_coding for GSM 7-bit text: 0 (SMSC default) or 1 (IA5; 8x8 reads both as GSM). @default 0 */
  gsmDataCoding?: 0 | 1;
}

export interface EncodedPart {
  shortMessage: Buffer;
  esmClass: number;
  dataCoding: number;
  /** 1-based. */
  partNumber: number;
  totalParts: number;
}

export interface SegmentedText {
  encoding: TextEncoding;
  dataCoding: number;
  totalParts: number;
  /** Septets (GSM7) or UTF-16 code units (UCS2) of the whole text, without UDHs. */
  units: number;
  parts: EncodedPart[];
}

/** Length of the concatenation UDH `05 00 03 ref total seq`. */
const concatUdhLength = 6;

interface Chunk {
  text: string;
  units: number;
}

/** Encoding, part count and unit count of `text` without building any bytes; never throws. Empty text → 0 parts. */
export function planText(text: string): { encoding: TextEncoding; totalParts: number; units: number } {
  const encoding = encodingOf(text);
  const chunks = splitIntoParts(text, encoding);
  return { encoding, totalParts: chunks.length, units: unitsOf(chunks) };
}

/**
 * The parts to submit for `text`, in order. Throws EmptyTextError for '', TextTooLongError when more than
 * `maxParts` parts are needed (the text is never truncated) and InvalidEncodingOptionError for bad options.
 */
export function segmentText(text: string, options: SegmentOptions): SegmentedText {
  const { maxParts, concatReference, gsmDataCoding = 0 } = options;
  if (!Number.isInteger(maxParts) || maxParts < 1 || maxParts > 255) {
    throw new InvalidEncodingOptionError('maxParts', maxParts, 'an integer from 1 to 255');
  }
  if (!Number.isInteger(concatReference) || concatReference < 0 || concatReference > 255) {
    throw new InvalidEncodingOptionError('concatReference', concatReference, 'an integer from 0 to 255');
  }
  if (gsmDataCoding !== 0 && gsmDataCoding !== 1) {
    throw new InvalidEncodingOptionError('gsmDataCoding', gsmDataCoding, '0 or 1');
  }
  if (text.length === 0) throw new EmptyTextError();

  const encoding = encodingOf(text);
  const chunks = splitIntoParts(text, encoding);
  const units = unitsOf(chunks);
  const totalParts = chunks.length;
  if (totalParts > maxParts) {
    throw new TextTooLongError({ partsNeeded: totalParts, maxParts, encoding, units });
  }

  const dataCoding = encoding === 'GSM7' ? gsmDataCoding : dataCodings.ucs2;
  const encode = encoding === 'GSM7' ? encodeGsm7 : encodeUcs2;
  const parts = chunks.map((chunk, index): EncodedPart => {
    const payload = encode(chunk.text);
    const partNumber = index + 1;
    if (totalParts === 1) {
      return { shortMessage: payload, esmClass: 0, dataCoding, partNumber, totalParts };
    }
    const udh = Buffer.from([
      concatUdhLength - 1,
      concatInformationElements.eightBitReference,
      0x03,
      concatReference,
      totalParts,
      partNumber,
    ]);
    return {
      shortMessage: Buffer.concat([udh, payload]),
      esmClass: esmClassUdhIndicator,
      dataCoding,
      partNumber,
      totalParts,
    };
  });
  return { encoding, dataCoding, totalParts, units, parts };
}

function encodingOf(text: string): TextEncoding {
  return isGsm7Encodable(text) ? 'GSM7' : 'UCS2';
}

function unitsOf(chunks: readonly Chunk[]): number {
  return chunks.reduce((sum, chunk) => sum + chunk.units, 0);
}

/**
 * Splits by whole code points, so an ESC pair or a surrogate pair never straddles two parts; a part that
 * would end mid-pair carries one unit fewer instead. One split rule serves planText and segmentText, so
 * their part counts cannot disagree.
 */
function splitIntoParts(text: string, encoding: TextEncoding): Chunk[] {
  // In GSM7 mode every character is known to encode, so `?? 1` is never taken.
  const unitsOfChar =
    encoding === 'GSM7' ? (char: string): number => gsm7SeptetsOf(char) ?? 1 : (char: string) => char.length;
  const capacity = partCapacity[encoding];

  let total = 0;
  for (const char of text) total += unitsOfChar(char);
  if (total === 0) return [];
  if (total <= capacity.single) return [{ text, units: total }];

  const chunks: Chunk[] = [];
  let start = 0;
  let end = 0;
  let units = 0;
  for (const char of text) {
    const charUnits = unitsOfChar(char);
    if (units + charUnits > capacity.multipart) {
      chunks.push({ text: text.slice(start, end), units });
      start = end;
      units = 0;
    }
    units += charUnits;
    end += char.length;
  }
  chunks.push({ text: text.slice(start, end), units });
  return chunks;
}
