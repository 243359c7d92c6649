import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normaliseSmscMessageId } from '../../../worker/receipts/smscMessageId.js';

describe('normaliseSmscMessageId', () => {
  it('strips NUL padding and whitespace and lower-cases', () => {
    expect(normaliseSmscMessageId(' AbC-xyz\0\0')).toBe('abc-xyz');
  });

  it('keeps a UUID whole, lower-cased with its hyphens, whatever format is configured', () => {
    const uuid = 'F47AC10B-58CC-4372-A567-0E02B2C3D479';
    for (const format of ['text', 'hex', 'decimal'] as const) {
      expect(normaliseSmscMessageId(uuid, format)).toBe('f47ac10b-58cc-4372-a567-0e02b2c3d479');
    }
  });

  it('makes ids that differ only in leading zeros or letter case compare equal', () => {
    expect(normaliseSmscMessageId('000A1F')).toBe(normaliseSmscMessageId('a1f'));
    expect(normaliseSmscMessageId('0x000A1F', 'hex')).toBe(normaliseSmscMessageId('A1F', 'hex'));
    expect(normaliseSmscMessageId('0000', 'hex')).toBe('0');
  });

  it('matches a resp id in hex with a receipt id in decimal', () => {
    expect(normaliseSmscMessageId('1A2B3C', 'hex')).toBe(normaliseSmscMessageId('1715004', 'decimal'));
    expect(normaliseSmscMessageId('00FF', 'hex')).toBe(normaliseSmscMessageId('000255', 'decimal'));
  });

  it('converts decimal ids beyond 2^53 exactly', () => {
    expect(normaliseSmscMessageId('18446744073709551615', 'decimal')).toBe('ffffffffffffffff');
    expect(normaliseSmscMessageId('9007199254740993', 'decimal')).toBe('20000000000001');
  });

  it('falls back to the text form when an id does not fit its declared format', () => {
    expect(normaliseSmscMessageId('ABC123', 'decimal')).toBe('abc123');
    expect(normaliseSmscMessageId('msg-42', 'hex')).toBe('msg-42');
    expect(normaliseSmscMessageId('', 'decimal')).toBe('');
  });

  it('gives the same canonical id for any number written in hex or in decimal', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }),
        fc.nat(5),
        fc.boolean(),
        (n, zeros, upper) => {
          const hex = '0'.repeat(zeros) + n.toString(16);
          const written = upper ? hex.toUpperCase() : hex;
          expect(normaliseSmscMessageId(written, 'hex')).toBe(
            normaliseSmscMessageId(n.toString(10), 'decimal'),
          );
        },
      ),
    );
  });

  it('returns a canonical id that normalises to itself', () => {
    fc.assert(
      fc.property(
        fc.string(),
        fc.constantFrom('text' as const, 'hex' as const, 'decimal' as const),
        (id, format) => {
          const once = normaliseSmscMessageId(id, format);
          expect(normaliseSmscMessageId(once, 'text')).toBe(once);
        },
      ),
    );
  });
});
