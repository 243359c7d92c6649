/**
 * How the simulator reads a short_message and writes an MO one, with its own codec (see gsm0338.ts for why it
 * does not use the worker's). SMPP 3.4 §5.2.19 data_coding values: 0 (SMSC default) and 1 (IA5) are GSM 03.38
 * at 8x8, 3 Latin-1, 8 UCS-2; anything else is kept as bytes. UDH: GSM 03.40 §9.2.3.24.
 */
import { decodeGsm0338, encodeGsm0338 } from './gsm0338.js';
import { decodeUtf16Be, encodeUtf16Be } from './ucs2.js';

export type ShortMessageEncoding = 'GSM7' | 'LATIN1' | 'UCS2' | 'BINARY';

/** data_coding values the simulator writes. */
export const simulatorDataCodings = { gsm: 0, ucs2: 8 } as const;

/** esm_class bit saying short_message starts with a user data header. */
export const udhIndicator = 0x40;

export interface ConcatInfo {
  /** 8- or 16-bit reference, as sent. */
  readonly reference: number;
  readonly total: number;
  /** 1-based. */
  readonly sequence: number;
}

export interface ReadShortMessage {
  readonly encoding: ShortMessageEncoding;
  /** The UDH, length octet included, when esm_class says there is one and it fits. */
  readonly udh: Buffer | undefined;
  readonly concat: ConcatInfo | undefined;
  /** The user data after the UDH, still encoded (reassembly joins these before decoding). */
  readonly payload: Buffer;
  /** The payload decoded; undefined for BINARY. */
  readonly text: string | undefined;
}

export function encodingOfDataCoding(dataCoding: number): ShortMessageEncoding {
  switch (dataCoding) {
    case 0:
    case 1:
      return 'GSM7';
    case 3:
      return 'LATIN1';
    case 8:
      return 'UCS2';
    default:
      return 'BINARY';
  }
}

export function decodePayload(encoding: ShortMessageEncoding, payload: Buffer): string | undefined {
  switch (encoding) {
    case 'GSM7':
      return decodeGsm0338(payload);
    case 'LATIN1':
      return payload.toString('latin1');
    case 'UCS2':
      return decodeUtf16Be(payload);
    case 'BINARY':
      return undefined;
  }
}

export function readShortMessage(input: {
  dataCoding: number;
  esmClass: number;
  userData: Buffer;
}): ReadShortMessage {
  const encoding = encodingOfDataCoding(input.dataCoding);
  const udh = (input.esmClass & udhIndicator) === 0 ? undefined : udhOf(input.userData);
  const payload = udh === undefined ? input.userData : input.userData.subarray(udh.length);
  return {
    encoding,
    udh,
    concat: udh === undefined ? undefined : concatOf(udh),
    payload,
    text: decodePayload(encoding, payload),
  };
}

/** GSM 03.38 with data_coding 0 when every character has a code, else UCS-2 with data_coding 8. */
export function encodeMobileOriginated(text: string): { dataCoding: number; shortMessage: Buffer } {
  const gsm = encodeGsm0338(text);
  return gsm === undefined
    ? { dataCoding: simulatorDataCodings.ucs2, shortMessage: encodeUtf16Be(text) }
    : { dataCoding: simulatorDataCodings.gsm, shortMessage: gsm };
}

function udhOf(userData: Buffer): Buffer | undefined {
  const headerLength = userData[0];
  if (headerLength === undefined || 1 + headerLength > userData.length) return undefined;
  return userData.subarray(0, 1 + headerLength);
}

/** The first concatenation element (IEI 0x00: 8-bit reference, 0x08: 16-bit) that is well formed. */
function concatOf(udh: Buffer): ConcatInfo | undefined {
  let offset = 1;
  while (offset + 2 <= udh.length) {
    const id = udh[offset] as number;
    const length = udh[offset + 1] as number;
    const data = udh.subarray(offset + 2, offset + 2 + length);
    if (data.length !== length) return undefined;
    const concat =
      id === 0x00 && length === 3
        ? { reference: data[0] as number, total: data[1] as number, sequence: data[2] as number }
        : id === 0x08 && length === 4
          ? { reference: data.readUInt16BE(0), total: data[2] as number, sequence: data[3] as number }
          : undefined;
    if (concat !== undefined && concat.total > 0 && concat.sequence >= 1 && concat.sequence <= concat.total) {
      return concat;
    }
    offset += 2 + length;
  }
  return undefined;
}
