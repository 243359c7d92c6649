import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeShortMessage } from '../../../../core/encoding/decodeShortMessage.js';

function hex(text: string): Buffer {
  return Buffer.from(text.replaceAll(' ', ''), 'hex');
}

describe('decodeShortMessage by data_coding', () => {
  it.each([0, 1])('reads data_coding %i as unpacked GSM 7-bit', (dataCoding) => {
    expect(decodeShortMessage({ dataCoding, esmClass: 0, shortMessage: hex('48 69 20 1b65 00') })).toEqual({
      text: 'Hi €@',
      encoding: 'GSM7',
    });
  });

  it('reads data_coding 3 as Latin-1', () => {
    expect(
      decodeShortMessage({ dataCoding: 3, esmClass: 0, shortMessage: hex('63 61 66 e9 20 a3') }),
    ).toEqual({
      text: 'café £',
      encoding: 'LATIN1',
    });
  });

  it('reads data_coding 8 as UTF-16BE', () => {
    expect(
      decodeShortMessage({ dataCoding: 8, esmClass: 0, shortMessage: hex('043f 0440 d83d de00') }),
    ).toEqual({ text: 'пр😀', encoding: 'UCS2' });
  });

  it.each([2, 4])('returns data_coding %i (binary) as lowercase hex', (dataCoding) => {
    expect(decodeShortMessage({ dataCoding, esmClass: 0, shortMessage: hex('de ad BE ef') })).toEqual({
      text: 'deadbeef',
      encoding: 'BINARY',
    });
  });

  it.each([
    ['11', 'GSM7', 'a GSM 03.38 class 1 GSM scheme', 0x11],
    ['18', 'UCS2', 'a GSM 03.38 class 0 UCS-2 scheme', 0x18],
    ['15', 'BINARY', 'a GSM 03.38 8-bit scheme', 0x15],
    ['30', 'BINARY', 'a compressed GSM 03.38 scheme', 0x30],
    ['f0', 'GSM7', 'an 03.38 message class scheme with GSM 7-bit', 0xf0],
    ['f4', 'BINARY', 'an 03.38 message class scheme with 8-bit data', 0xf4],
    ['c8', 'GSM7', 'an 03.38 message waiting scheme', 0xc8],
    ['e0', 'UCS2', 'an 03.38 message waiting scheme with UCS-2', 0xe0],
    ['06', 'BINARY', 'Cyrillic, which it does not decode', 0x06],
    ['09', 'BINARY', 'pictogram, which it does not decode', 0x09],
    ['90', 'BINARY', 'a reserved value', 0x90],
  ])('reads data_coding 0x%s as %s (%s)', (_hex, encoding, _label, dataCoding) => {
    const decoded = decodeShortMessage({ dataCoding, esmClass: 0, shortMessage: hex('0041') });
    expect(decoded.encoding).toBe(encoding);
  });
});

describe('decodeShortMessage with a UDH', () => {
  it('parses an 8-bit concatenation reference and strips the UDH', () => {
    const decoded = decodeShortMessage({
      dataCoding: 0,
      esmClass: 0x40,
      shortMessage: hex('050003 2a 03 02 6869'),
    });
    expect(decoded).toEqual({
      text: 'hi',
      encoding: 'GSM7',
      concat: { reference: 0x2a, total: 3, sequence: 2 },
    });
  });

  it('parses a 16-bit concatenation reference', () => {
    const decoded = decodeShortMessage({
      dataCoding: 8,
      esmClass: 0x40,
      shortMessage: hex('06 08 04 1234 03 03 0068'),
    });
    expect(decoded).toEqual({
      text: 'h',
      encoding: 'UCS2',
      concat: { reference: 0x1234, total: 3, sequence: 3 },
    });
  });

  it('skips information elements it does not use', () => {
    // Application port addressing (0x05, 16-bit ports) before the concatenation element.
    const decoded = decodeShortMessage({
      dataCoding: 0,
      esmClass: 0x43,
      shortMessage: hex('0b 05 04 0b84 23f0 00 03 07 02 01 78'),
    });
    expect(decoded).toEqual({ text: 'x', encoding: 'GSM7', concat: { reference: 7, total: 2, sequence: 1 } });
  });

  it('strips a UDH without a concatenation element and reports no concat', () => {
    const decoded = decodeShortMessage({
      dataCoding: 3,
      esmClass: 0x40,
      shortMessage: hex('04 05 02 0b84 41'),
    });
    expect(decoded).toEqual({ text: 'A', encoding: 'LATIN1' });
  });

  it('leaves the bytes alone when esm_class has no UDH indicator', () => {
    const decoded = decodeShortMessage({ dataCoding: 2, esmClass: 0, shortMessage: hex('050003 2a 03 02') });
    expect(decoded).toEqual({ text: '0500032a0302', encoding: 'BINARY' });
  });
});

describe('decodeShortMessage on malformed input', () => {
  it('decodes the whole message as text when the UDH length runs past the end', () => {
    const decoded = decodeShortMessage({ dataCoding: 0, esmClass: 0x40, shortMessage: Buffer.from('Hello') });
    expect(decoded.text).toBe('Hello');
    expect(decoded.concat).toBeUndefined();
    expect(decoded.malformed).toMatch(/UDH length runs past the end/);
  });

  it('returns empty text for an empty message with the UDH indicator', () => {
    const decoded = decodeShortMessage({ dataCoding: 0, esmClass: 0x40, shortMessage: Buffer.alloc(0) });
    expect(decoded).toMatchObject({ text: '', encoding: 'GSM7' });
    expect(decoded.malformed).toBeDefined();
  });

  it('skips an information element that runs past the UDH but still strips the UDH', () => {
    const decoded = decodeShortMessage({
      dataCoding: 0,
      esmClass: 0x40,
      shortMessage: hex('03 00 03 2a 41'),
    });
    expect(decoded).toMatchObject({ text: 'A', encoding: 'GSM7' });
    expect(decoded.concat).toBeUndefined();
    expect(decoded.malformed).toMatch(/runs past the UDH/);
  });

  it.each([
    ['a sequence of 0', '050003 2a 02 00 41'],
    ['a sequence above the total', '050003 2a 02 03 41'],
    ['a total of 0', '050003 2a 00 00 41'],
    ['the wrong element length', '04 00 02 2a 02 41'],
  ])('ignores a concatenation element with %s', (_label, bytes) => {
    const decoded = decodeShortMessage({ dataCoding: 0, esmClass: 0x40, shortMessage: hex(bytes) });
    expect(decoded.text).toBe('A');
    expect(decoded.concat).toBeUndefined();
    expect(decoded.malformed).toMatch(/concatenation element/);
  });

  it('drops the odd last byte of UCS-2 and says so', () => {
    const decoded = decodeShortMessage({ dataCoding: 8, esmClass: 0, shortMessage: hex('0041 0042 00') });
    expect(decoded).toMatchObject({ text: 'AB', encoding: 'UCS2' });
    expect(decoded.malformed).toMatch(/odd length/);
  });

  it('never throws, whatever the bytes, data_coding and esm_class', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 255 }),
        fc.integer({ min: 0, max: 255 }),
        fc.uint8Array({ maxLength: 254 }),
        (dataCoding, esmClass, bytes) => {
          const decoded = decodeShortMessage({ dataCoding, esmClass, shortMessage: Buffer.from(bytes) });
          expect(typeof decoded.text).toBe('string');
        },
      ),
      { numRuns: 500 },
    );
  });
});
