/**
 * UCS-2 as SMPP data_coding 8 carries it: UTF-16 big-endian. Characters outside the BMP go as surrogate pairs
 * (two units); handsets that only know UCS-2 show them as two unknowns, which is still better than dropping.
 */

/** UTF-16BE bytes of `text`, two per code unit. Lone surrogates are kept as they are. */
export function encodeUcs2(text: string): Buffer {
  // Node writes UTF-16 little-endian; swapping each pair gives big-endian.
  return Buffer.from(text, 'utf16le').swap16();
}

/**
 * UTF-16BE bytes → text. An odd trailing byte cannot be a code unit and is ignored; callers that need to know
 * check `bytes.length % 2` themselves (decodeShortMessage does).
 */
export function decodeUcs2(bytes: Uint8Array): string {
  const evenLength = bytes.length - (bytes.length % 2);
  // Copy: swap16 works in place and the input may be a view the caller still owns.
  const littleEndian = Buffer.from(bytes.subarray(0, evenLength)).swap16();
  return littleEndian.toString('utf16le');
}
