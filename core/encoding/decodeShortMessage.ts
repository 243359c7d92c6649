/**
 * A received short_message (an MO deliver_sm, or our own parts in tests) → text and concatenation info.
 *
 * It never throws: input comes from the network, and one odd message must not stop a receiver. It decodes
 * what it can and says what was wrong in `malformed`:
 * - UDHI set but the UDH length runs past the end → the flag is taken to be wrong and the whole
 *   short_message is decoded as text, without `concat`;
 * - an information element that runs past the UDH → the rest of the UDH is skipped; the UDH is still removed;
 * - a concatenation IE of the wrong length, or with total 0 or a sequence outside 1..total → no `concat`;
 * - UCS-2 with an odd length → the last byte is dropped.
 */
import { concatInformationElements, dataCodings, esmClassUdhIndicator } from './constants.js';
import { decodeGsm7 } from './gsm7.js';
import { decodeUcs2 } from './ucs2.js';

export type ShortMessageEncoding = 'GSM7' | 'LATIN1' | 'UCS2' | 'BINARY';

export interface ConcatInfo {
  /** 8- or 16-bit reference, as sent. */
  reference: number;
  total: number;
  /** 1-based. */
  sequence: number;
}

export interface DecodedShortMessage {
  /** The text; for BINARY, the payload as lowercase hex. */
  text: string;
  encoding: ShortMessageEncoding;
  concat?: ConcatInfo;
  /** Present when part of the input was not well formed; says what and how it was handled. */
  malformed?: string;
}

export function decodeShortMessage(input: {
  dataCoding: number;
  esmClass: number;
  shortMessage: Buffer;
}): DecodedShortMessage {
  const { dataCoding, esmClass, shortMessage } = input;
  const problems: string[] = [];
  let payload = shortMessage;
  let concat: ConcatInfo | undefined;

  if ((esmClass & esmClassUdhIndicator) !== 0) {
    const header = parseUserDataHeader(shortMessage);
    if (header === undefined) {
      problems.push('UDH indicator set but the UDH length runs past the end; decoded it all as text');
    } else {
      payload = shortMessage.subarray(header.length);
      concat = header.concat;
      problems.push(...header.problems);
    }
  }

  const encoding = encodingOf(dataCoding);
  let text: string;
  switch (encoding) {
    case 'GSM7':
      text = decodeGsm7(payload);
      break;
    case 'LATIN1':
      text = payload.toString('latin1');
      break;
    case 'UCS2':
      if (payload.length % 2 !== 0) problems.push('UCS-2 payload has an odd length; dropped the last byte');
      text = decodeUcs2(payload);
      break;
    case 'BINARY':
      text = payload.toString('hex');
      break;
  }

  const decoded: DecodedShortMessage = { text, encoding };
  if (concat !== undefined) decoded.concat = concat;
  if (problems.length > 0) decoded.malformed = problems.join('; ');
  return decoded;
}

/**
 * SMPP 3.4 values first; beyond them SMSCs often pass the GSM 03.38 data coding scheme through, so its
 * coding groups are read for the alphabet. Anything else (JIS, Cyrillic, Hebrew, pictogram, Kanji, KS C 5601,
 * reserved) we cannot decode and hand on losslessly as BINARY hex.
 */
function encodingOf(dataCoding: number): ShortMessageEncoding {
  switch (dataCoding) {
    case dataCodings.smscDefault:
    case dataCodings.ia5:
      return 'GSM7';
    case dataCodings.latin1:
      return 'LATIN1';
    case dataCodings.ucs2:
      return 'UCS2';
  }
  // 03.38 general data coding (00xxxxxx) and its automatic-deletion variant (01xxxxxx); 0x00–0x0F are
  // SMPP's own and handled above. Bit 5 set means compressed, which we do not decode.
  if (dataCoding >= 0x10 && dataCoding <= 0x7f) {
    if ((dataCoding & 0x20) !== 0) return 'BINARY';
    return alphabetBits(dataCoding);
  }
  // 03.38 message waiting groups: 1100/1101 GSM 7-bit, 1110 UCS-2.
  if (dataCoding >= 0xc0 && dataCoding <= 0xdf) return 'GSM7';
  if (dataCoding >= 0xe0 && dataCoding <= 0xef) return 'UCS2';
  // 03.38 data coding/message class group: bit 2 chooses 8-bit data over GSM 7-bit.
  if (dataCoding >= 0xf0 && dataCoding <= 0xff) return (dataCoding & 0x04) !== 0 ? 'BINARY' : 'GSM7';
  return 'BINARY';
}

/** 03.38 alphabet bits 3..2: 00 GSM 7-bit, 01 8-bit data, 10 UCS-2, 11 reserved. */
function alphabetBits(dataCoding: number): ShortMessageEncoding {
  switch ((dataCoding >> 2) & 0x03) {
    case 0:
      return 'GSM7';
    case 2:
      return 'UCS2';
    default:
      return 'BINARY';
  }
}

/** The UDH's total length (UDHL octet included), or undefined when it runs past the end. */
function parseUserDataHeader(
  bytes: Buffer,
): { length: number; concat: ConcatInfo | undefined; problems: string[] } | undefined {
  const headerLength = bytes[0];
  if (headerLength === undefined || 1 + headerLength > bytes.length) return undefined;

  const end = 1 + headerLength;
  const problems: string[] = [];
  let concat: ConcatInfo | undefined;
  let offset = 1;
  while (offset < end) {
    const id = bytes[offset] as number;
    const length = bytes[offset + 1];
    const data = offset + 2;
    if (length === undefined || data > end || data + length > end) {
      problems.push(`UDH information element 0x${hex(id)} runs past the UDH; skipped the rest`);
      break;
    }
    const isConcat =
      id === concatInformationElements.eightBitReference ||
      id === concatInformationElements.sixteenBitReference;
    if (isConcat && concat === undefined) {
      const parsed = parseConcat(id, bytes.subarray(data, data + length));
      if (typeof parsed === 'string') problems.push(parsed);
      else concat = parsed;
    }
    // Other elements (ports, special SMS indication, text formatting, …) carry nothing we use.
    offset = data + length;
  }
  return { length: end, concat, problems };
}

/** A concatenation IE's data → ConcatInfo, or a description of what is wrong with it. */
function parseConcat(id: number, data: Buffer): ConcatInfo | string {
  const sixteenBit = id === concatInformationElements.sixteenBitReference;
  const expectedLength = sixteenBit ? 4 : 3;
  if (data.length !== expectedLength) {
    return `concatenation element 0x${hex(id)} has length ${data.length}, not ${expectedLength}; ignored it`;
  }
  const reference = sixteenBit ? data.readUInt16BE(0) : data.readUInt8(0);
  const total = data.readUInt8(expectedLength - 2);
  const sequence = data.readUInt8(expectedLength - 1);
  if (total === 0 || sequence === 0 || sequence > total) {
    return `concatenation element says part ${sequence} of ${total}; ignored it`;
  }
  return { reference, total, sequence };
}

function hex(byte: number): string {
  return byte.toString(16).padStart(2, '0');
}
