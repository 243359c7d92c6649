/**
 * UCS-2 as SMPP data_coding 8 carries it (UTF-16 big-endian; characters beyond the BMP as surrogate pairs),
 * through iconv-lite rather than the worker's own code, so the two ends are not the same implementation.
 */
import iconv from 'iconv-lite';

export function encodeUtf16Be(text: string): Buffer {
  return iconv.encode(text, 'utf16be', { addBOM: false });
}

/** A leading U+FEFF is text here, not a byte-order mark: SMPP fixes the byte order. */
export function decodeUtf16Be(octets: Buffer): string {
  return iconv.decode(octets, 'utf16be', { stripBOM: false });
}
