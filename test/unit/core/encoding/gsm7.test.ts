import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NotGsm7EncodableError } from '../../../../core/encoding/errors.js';
import {
  decodeGsm7,
  encodeGsm7,
  gsm7SeptetCount,
  gsm7SeptetsOf,
  isGsm7Encodable,
} from '../../../../core/encoding/gsm7.js';

/** GSM 03.38 default alphabet as Unicode code points, written out from the spec independently of the source. */
// biome-ignore format: rows of eight, as the spec lays the table out
const defaultAlphabetCodePoints: Record<number, number> = {
  0: 0x40, 1: 0xa3, 2: 0x24, 3: 0xa5, 4: 0xe8, 5: 0xe9, 6: 0xf9, 7: 0xec,
  8: 0xf2, 9: 0xc7, 10: 0x0a, 11: 0xd8, 12: 0xf8, 13: 0x0d, 14: 0xc5, 15: 0xe5,
  16: 0x394, 17: 0x5f, 18: 0x3a6, 19: 0x393, 20: 0x39b, 21: 0x3a9, 22: 0x3a0, 23: 0x3a8,
  24: 0x3a3, 25: 0x398, 26: 0x39e, 28: 0xc6, 29: 0xe6, 30: 0xdf, 31: 0xc9,
  36: 0xa4, 64: 0xa1, 91: 0xc4, 92: 0xd6, 93: 0xd1, 94: 0xdc, 95: 0xa7,
  96: 0xbf, 123: 0xe4, 124: 0xf6, 125: 0xf1, 126: 0xfc, 127: 0xe0,
};

function expectedCharAt(code: number): string {
  // Codes not listed above are the ASCII characters with the same value.
  return String.fromCodePoint(defaultAlphabetCodePoints[code] ?? code);
}

const extensionTable: ReadonlyArray<[number, string]> = [
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
];

function hex(code: number): string {
  return code.toString(16).padStart(2, '0');
}

const gsmCodes = Array.from({ length: 128 }, (_, code) => code).filter((code) => code !== 0x1b);

describe('GSM 03.38 default alphabet', () => {
  it.each(gsmCodes.map((code) => [hex(code), code] as const))(
    'maps code 0x%s both ways as the spec table does',
    (_hex, code) => {
      const char = expectedCharAt(code);
      expect(decodeGsm7(Uint8Array.of(code))).toBe(char);
      expect([...encodeGsm7(char)]).toEqual([code]);
      expect(gsm7SeptetsOf(char)).toBe(1);
    },
  );

  it('places the characters that differ from ASCII where 03.38 puts them', () => {
    expect([...encodeGsm7('@$_¤¡¿')]).toEqual([0x00, 0x02, 0x11, 0x24, 0x40, 0x60]);
  });

  it('encodes a known string to the exact unpacked bytes', () => {
    expect(encodeGsm7('Hello @£$ {€}').toString('hex')).toBe('48656c6c6f20000102201b281b651b29');
  });

  it('keeps CR and LF as single septets in order', () => {
    expect([...encodeGsm7('a\r\nb')]).toEqual([0x61, 0x0d, 0x0a, 0x62]);
  });
});

describe('GSM 03.38 extension table', () => {
  it.each(extensionTable.map(([code, char]) => [hex(code), code, char] as const))(
    'encodes extension code 0x%s as ESC + code and decodes it back',
    (_hex, code, char) => {
      expect([...encodeGsm7(char)]).toEqual([0x1b, code]);
      expect(decodeGsm7(Uint8Array.of(0x1b, code))).toBe(char);
      expect(gsm7SeptetsOf(char)).toBe(2);
    },
  );

  it('counts each extension character as two septets', () => {
    expect(gsm7SeptetCount('€')).toBe(2);
    expect(gsm7SeptetCount('a€b[]')).toBe(8);
  });
});

describe('isGsm7Encodable', () => {
  it('accepts text made only of GSM characters, including the empty text', () => {
    expect(isGsm7Encodable('Price: 5€ [ok] Ç ΔΩ')).toBe(true);
    expect(isGsm7Encodable('')).toBe(true);
  });

  it.each([
    ['lowercase c-cedilla', 'ç'],
    ['Polish l-stroke', 'ł'],
    ['Cyrillic', 'Привет'],
    ['an emoji', '😀'],
    ['a backtick', '`'],
    ['a raw ESC control character', '\u001b'],
    ['a decomposed é (e + combining acute)', 'e\u0301'],
  ])('rejects %s', (_label, text) => {
    expect(isGsm7Encodable(`abc${text}`)).toBe(false);
  });
});

describe('encodeGsm7 and gsm7SeptetCount', () => {
  it('throw NotGsm7EncodableError naming the character and its index', () => {
    const error = (() => {
      try {
        encodeGsm7('ab😀c');
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(NotGsm7EncodableError);
    expect(error).toMatchObject({ name: 'NotGsm7EncodableError', character: '😀', index: 2 });
    expect(() => gsm7SeptetCount('ç')).toThrow(/U\+00E7/);
  });

  it('returns an empty buffer for empty text', () => {
    expect(encodeGsm7('')).toHaveLength(0);
  });
});

describe('decodeGsm7 on unexpected bytes', () => {
  it('decodes ESC followed by an undefined extension code as the default-alphabet character', () => {
    expect(decodeGsm7(Uint8Array.of(0x1b, 0x41, 0x62))).toBe('Ab');
  });

  it('decodes a trailing lone ESC as a space', () => {
    expect(decodeGsm7(Uint8Array.of(0x41, 0x1b))).toBe('A ');
  });

  it('decodes ESC ESC as one space and carries on', () => {
    expect(decodeGsm7(Uint8Array.of(0x1b, 0x1b, 0x41))).toBe(' A');
  });

  it('decodes an octet above 0x7F as U+FFFD', () => {
    expect(decodeGsm7(Uint8Array.of(0x41, 0x80, 0xff))).toBe('A\uFFFD\uFFFD');
  });
});

describe('GSM 7-bit round trip', () => {
  const gsmChars = [...gsmCodes.map(expectedCharAt), ...extensionTable.map(([, char]) => char)];

  it('decodes what it encodes, with one octet per septet', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...gsmChars), maxLength: 400 }), (text) => {
        const bytes = encodeGsm7(text);
        expect(bytes.length).toBe(gsm7SeptetCount(text));
        expect(decodeGsm7(bytes)).toBe(text);
      }),
    );
  });
});
