import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeShortMessage } from '../../../../core/encoding/decodeShortMessage.js';
import {
  EmptyTextError,
  InvalidEncodingOptionError,
  TextTooLongError,
} from '../../../../core/encoding/errors.js';
import type { EncodedPart, SegmentOptions } from '../../../../core/encoding/segmentText.js';
import { planText, segmentText } from '../../../../core/encoding/segmentText.js';

const options: SegmentOptions = { maxParts: 10, concatReference: 0x2a };

/** Payload after the 6-octet concatenation UDH of a multipart part. */
function payloadOf(part: EncodedPart): Buffer {
  return part.esmClass === 0x40 ? part.shortMessage.subarray(6) : part.shortMessage;
}

/**
 * Octets the part takes on the air interface, where GSM septets are packed and the UDH is padded to a septet
 * boundary. This, not short_message's length, is what the 140-octet limit is about.
 */
function airOctetsOf(part: EncodedPart): number {
  const udhOctets = part.esmClass === 0x40 ? (part.shortMessage[0] ?? 0) + 1 : 0;
  if (part.dataCoding === 8) return part.shortMessage.length;
  const udhSeptets = Math.ceil((udhOctets * 8) / 7);
  const textSeptets = part.shortMessage.length - udhOctets;
  return Math.ceil(((udhSeptets + textSeptets) * 7) / 8);
}

describe('segmentText with GSM 7-bit text', () => {
  it('sends 160 GSM characters as one part without a UDH', () => {
    const result = segmentText('a'.repeat(160), options);
    expect(result).toMatchObject({ encoding: 'GSM7', dataCoding: 0, totalParts: 1, units: 160 });
    expect(result.parts).toHaveLength(1);
    expect(result.parts[0]).toMatchObject({ esmClass: 0, dataCoding: 0, partNumber: 1, totalParts: 1 });
    expect(result.parts[0]?.shortMessage).toEqual(Buffer.alloc(160, 0x61));
  });

  it('splits 161 GSM characters into 153 + 8 behind a concatenation UDH', () => {
    const result = segmentText('a'.repeat(161), options);
    expect(result.totalParts).toBe(2);
    expect(result.parts.map((part) => payloadOf(part).length)).toEqual([153, 8]);
    expect(result.parts.map((part) => part.esmClass)).toEqual([0x40, 0x40]);
  });

  it('writes the UDH 05 00 03 ref total seq at the start of each part', () => {
    const result = segmentText('a'.repeat(161), options);
    expect(result.parts[0]?.shortMessage.subarray(0, 6).toString('hex')).toBe('0500032a0201');
    expect(result.parts[1]?.shortMessage.toString('hex')).toBe(`0500032a0202${'61'.repeat(8)}`);
  });

  it('fits 153 * 2 characters in two parts and needs three for one more', () => {
    expect(segmentText('a'.repeat(306), options).totalParts).toBe(2);
    const three = segmentText('a'.repeat(307), options);
    expect(three.totalParts).toBe(3);
    expect(three.parts.map((part) => payloadOf(part).length)).toEqual([153, 153, 1]);
  });

  it('counts € as two septets', () => {
    expect(planText('€')).toEqual({ encoding: 'GSM7', totalParts: 1, units: 2 });
    expect(segmentText('€', options).parts[0]?.shortMessage.toString('hex')).toBe('1b65');
  });

  it('counts an extension character at the 160 boundary as two', () => {
    expect(planText(`${'a'.repeat(158)}€`)).toEqual({ encoding: 'GSM7', totalParts: 1, units: 160 });
    expect(planText(`${'a'.repeat(159)}€`)).toEqual({ encoding: 'GSM7', totalParts: 2, units: 161 });
  });

  it('moves an extension character that would straddle the 153 boundary whole into the next part', () => {
    const result = segmentText(`${'a'.repeat(152)}€${'b'.repeat(10)}`, options);
    expect(result.units).toBe(164);
    const [first, second] = result.parts.map(payloadOf);
    expect(first).toEqual(Buffer.alloc(152, 0x61));
    expect(second?.subarray(0, 2).toString('hex')).toBe('1b65');
    expect(second).toHaveLength(12);
  });

  it('keeps an extension character that ends exactly on the 153 boundary in its part', () => {
    const result = segmentText(`${'a'.repeat(151)}€${'b'.repeat(10)}`, options);
    expect(result.parts.map((part) => payloadOf(part).length)).toEqual([153, 10]);
  });

  it('uses data_coding 1 for GSM text when asked', () => {
    const result = segmentText('a'.repeat(200), { ...options, gsmDataCoding: 1 });
    expect(result.dataCoding).toBe(1);
    expect(result.parts.map((part) => part.dataCoding)).toEqual([1, 1]);
  });

  it('keeps GSM text with Ç in GSM 7-bit', () => {
    expect(segmentText('Ça va', options).encoding).toBe('GSM7');
  });
});

describe('segmentText with UCS-2 text', () => {
  it.each([
    ['a lowercase ç, which GSM lacks', 'Garçon'],
    ['an ł', 'Łódź i ł'],
  ])('switches to UCS-2 for %s', (_label, text) => {
    const result = segmentText(text, options);
    expect(result).toMatchObject({ encoding: 'UCS2', dataCoding: 8, units: text.length });
    expect(result.parts[0]?.shortMessage).toEqual(Buffer.from(text, 'utf16le').swap16());
  });

  it('sends 70 UCS-2 units as one part and splits 71 into 67 + 4', () => {
    const single = segmentText('ж'.repeat(70), options);
    expect(single).toMatchObject({ encoding: 'UCS2', totalParts: 1, units: 70 });
    expect(single.parts[0]?.shortMessage).toHaveLength(140);
    expect(single.parts[0]?.esmClass).toBe(0);

    const two = segmentText('ж'.repeat(71), options);
    expect(two.totalParts).toBe(2);
    expect(two.parts.map((part) => payloadOf(part).length)).toEqual([134, 8]);
    expect(two.parts[0]?.shortMessage.subarray(0, 6).toString('hex')).toBe('0500032a0201');
  });

  it('fits 67 * 2 units in two parts and needs three for one more', () => {
    expect(planText('ж'.repeat(134)).totalParts).toBe(2);
    expect(planText('ж'.repeat(135)).totalParts).toBe(3);
  });

  it('counts an emoji as two units at the 70 boundary', () => {
    expect(planText(`${'ж'.repeat(68)}😀`)).toEqual({ encoding: 'UCS2', totalParts: 1, units: 70 });
    expect(planText(`${'ж'.repeat(69)}😀`)).toEqual({ encoding: 'UCS2', totalParts: 2, units: 71 });
  });

  it('moves an emoji that would straddle the 67 boundary whole into the next part', () => {
    const result = segmentText(`${'ж'.repeat(66)}😀${'ж'.repeat(5)}`, options);
    const [first, second] = result.parts.map(payloadOf);
    expect(first).toHaveLength(132);
    expect(second?.subarray(0, 4).toString('hex')).toBe('d83dde00');
  });

  it('encodes mixed Latin, Cyrillic and CJK text as UCS-2', () => {
    const text = 'Hello Привет 你好';
    const result = segmentText(text, options);
    expect(result).toMatchObject({ encoding: 'UCS2', dataCoding: 8, totalParts: 1, units: text.length });
    expect(decodeShortMessage(result.parts[0] as EncodedPart).text).toBe(text);
  });
});

describe('segmentText refusals', () => {
  it('throws TextTooLongError with the parts needed and the maximum instead of truncating', () => {
    const text = 'a'.repeat(307);
    let thrown: unknown;
    try {
      segmentText(text, { maxParts: 2, concatReference: 1 });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(TextTooLongError);
    expect(thrown).toMatchObject({ name: 'TextTooLongError', partsNeeded: 3, maxParts: 2, encoding: 'GSM7' });
    expect((thrown as Error).message).toMatch(/3 parts.*at most 2/);
  });

  it('accepts a text that needs exactly maxParts parts', () => {
    expect(segmentText('a'.repeat(306), { maxParts: 2, concatReference: 1 }).totalParts).toBe(2);
  });

  it('throws EmptyTextError for empty text, while planText reports zero parts', () => {
    expect(() => segmentText('', options)).toThrow(EmptyTextError);
    expect(planText('')).toEqual({ encoding: 'GSM7', totalParts: 0, units: 0 });
  });

  it.each([
    ['concatReference', { maxParts: 5, concatReference: 256 }],
    ['concatReference', { maxParts: 5, concatReference: -1 }],
    ['concatReference', { maxParts: 5, concatReference: 1.5 }],
    ['maxParts', { maxParts: 0, concatReference: 0 }],
    ['maxParts', { maxParts: 256, concatReference: 0 }],
    ['gsmDataCoding', { maxParts: 5, concatReference: 0, gsmDataCoding: 3 as 0 }],
  ])('rejects an out-of-range %s', (option, badOptions) => {
    expect(() => segmentText('hi', badOptions)).toThrow(InvalidEncodingOptionError);
    expect(() => segmentText('hi', badOptions)).toThrow(expect.objectContaining({ option }));
  });
});

describe('segmentText round trip', () => {
  const gsmChars = [
    ...'@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
    ...'\f^{}\\[~]|€',
  ];
  // size 'large' lets lengths reach maxLength; fast-check's default size keeps strings to a few dozen units,
  // which would never leave a single part.
  const anyUnits = fc
    .array(fc.integer({ min: 0, max: 0xffff }), { minLength: 1, maxLength: 400, size: 'large' })
    .map((units) => String.fromCharCode(...units));
  const texts = fc.oneof(
    fc.string({ unit: fc.constantFrom(...gsmChars), minLength: 1, maxLength: 1200, size: 'large' }),
    fc.string({ unit: fc.constantFrom(...'€[]{}a'), minLength: 150, maxLength: 480 }),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 400, size: 'large' }),
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 300, size: 'large' }),
    fc.string({ unit: 'grapheme', minLength: 1 }),
    fc.string({ unit: fc.constantFrom('ж', '😀', 'a'), minLength: 60, maxLength: 300 }),
    anyUnits,
  );

  it('decodes the parts, joined by sequence, back to the original text within 140 air octets each', () => {
    fc.assert(
      fc.property(texts, fc.integer({ min: 0, max: 255 }), (text, concatReference) => {
        const result = segmentText(text, { maxParts: 255, concatReference });
        const plan = planText(text);
        expect(result.totalParts).toBe(plan.totalParts);
        expect(result.units).toBe(plan.units);
        expect(result.encoding).toBe(plan.encoding);

        const decoded = result.parts.map((part) => decodeShortMessage(part));
        for (const [index, part] of result.parts.entries()) {
          expect(airOctetsOf(part)).toBeLessThanOrEqual(140);
          expect(decoded[index]?.malformed).toBeUndefined();
          if (result.totalParts > 1) {
            expect(decoded[index]?.concat).toEqual({
              reference: concatReference,
              total: result.totalParts,
              sequence: part.partNumber,
            });
          }
        }
        const joined = decoded
          .map((message, index) => ({ sequence: message.concat?.sequence ?? index + 1, text: message.text }))
          .sort((a, b) => a.sequence - b.sequence)
          .map((message) => message.text)
          .join('');
        expect(joined).toBe(text);
      }),
      { numRuns: 300 },
    );
  });

  it('carries GSM text unpacked: 160 octets for a full single part and 6 + 153 for a full multipart part', () => {
    expect(segmentText('a'.repeat(160), options).parts[0]?.shortMessage).toHaveLength(160);
    expect(segmentText('a'.repeat(400), options).parts[0]?.shortMessage).toHaveLength(159);
  });
});
