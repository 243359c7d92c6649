import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeUcs2, encodeUcs2 } from '../../../../core/encoding/ucs2.js';

describe('encodeUcs2', () => {
  it('writes each UTF-16 unit big-endian', () => {
    expect(encodeUcs2('Aж€').toString('hex')).toBe('00410436' + '20ac');
  });

  it('writes a character outside the BMP as a surrogate pair of two units', () => {
    expect(encodeUcs2('😀').toString('hex')).toBe('d83dde00');
  });

  it('keeps a lone surrogate as one unit instead of replacing it', () => {
    expect(encodeUcs2('a\ud800').toString('hex')).toBe('0061d800');
  });
});

describe('decodeUcs2', () => {
  it('reads UTF-16BE, joining surrogate pairs', () => {
    expect(decodeUcs2(Buffer.from('0048d83dde00', 'hex'))).toBe('H😀');
  });

  it('ignores an odd trailing byte', () => {
    expect(decodeUcs2(Buffer.from('004800', 'hex'))).toBe('H');
  });

  it('leaves the input buffer unchanged', () => {
    const bytes = Buffer.from('0048', 'hex');
    decodeUcs2(bytes);
    expect(bytes.toString('hex')).toBe('0048');
  });

  it('decodes what encodeUcs2 encodes, for any UTF-16 units including lone surrogates', () => {
    const anyUnits = fc
      .array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 300 })
      .map((units) => String.fromCharCode(...units));
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary' }), anyUnits), (text) => {
        const bytes = encodeUcs2(text);
        expect(bytes.length).toBe(text.length * 2);
        expect(decodeUcs2(bytes)).toBe(text);
      }),
    );
  });
});
