/** Reading a submit_sm's message bytes: the UDH, concatenation info and (best effort) the text. */
import { decodeGsm7 } from './gsm7.js';

/** esm_class bit 6: short_message starts with a User Data Header. */
export const ESM_CLASS_UDHI = 0x40;

export interface ConcatInfo {
  readonly reference: number;
  readonly total: number;
  readonly sequence: number;
}

export interface UserData {
  /** The whole UDH including its length octet, when esm_class has UDHI and it is well formed. */
  readonly udh: Buffer | undefined;
  /** The message bytes after the UDH. */
  readonly payload: Buffer;
}

export function splitUserData(bytes: Buffer, esmClass: number): UserData {
  if ((esmClass & ESM_CLASS_UDHI) === 0 || bytes.length === 0) return { udh: undefined, payload: bytes };
  const udhLength = bytes[0]! + 1;
  if (udhLength > bytes.length) return { udh: undefined, payload: bytes };
  return { udh: bytes.subarray(0, udhLength), payload: bytes.subarray(udhLength) };
}

/** Concatenation from IE 0x00 (8-bit reference) or 0x08 (16-bit reference), if the UDH has one. */
export function concatInfoOf(udh: Buffer | undefined): ConcatInfo | undefined {
  if (!udh) return undefined;
  let offset = 1;
  while (offset + 2 <= udh.length) {
    const id = udh[offset]!;
    const length = udh[offset + 1]!;
    const data = udh.subarray(offset + 2, offset + 2 + length);
    if (data.length < length) return undefined;
    if (id === 0x00 && length === 3) return { reference: data[0]!, total: data[1]!, sequence: data[2]! };
    if (id === 0x08 && length === 4) {
      return { reference: data.readUInt16BE(0), total: data[2]!, sequence: data[3]! };
    }
    offset += 2 + length;
  }
  return undefined;
}

/** The text for the data codings the simulator understands; undefined for binary or unknown codings. */
export function decodeText(payload: Buffer, dataCoding: number): string | undefined {
  switch (dataCoding) {
    case 0:
      return decodeGsm7(payload);
    case 1:
      return payload.toString('ascii');
    case 3:
      return payload.toString('latin1');
    case 8: {
      const even = payload.subarray(0, payload.length - (payload.length % 2));
      return Buffer.from(even).swap16().toString('utf16le');
    }
    default:
      return undefined;
  }
}

/** Whether a data coding carries GSM-compatible text (as opposed to UCS-2 or binary). */
export function isGsmCompatibleCoding(dataCoding: number): boolean {
  return dataCoding === 0 || dataCoding === 1 || dataCoding === 3;
}
