import { describe, expect, it } from 'vitest';
import { normaliseSmscId } from '../../../core/smscId.js';

describe('normaliseSmscId', () => {
  it('matches a hex resp id with a decimal receipt id', () => {
    expect(normaliseSmscId('00FF', 'hex')).toBe(normaliseSmscId('255', 'decimal'));
    expect(normaliseSmscId('0xff', 'hex')).toBe('255');
  });

  it('ignores leading zeros in decimal ids', () => {
    expect(normaliseSmscId('000123', 'decimal')).toBe('123');
  });

  it('handles ids too large for a double', () => {
    expect(normaliseSmscId('ffffffffffffffffffff', 'hex')).toBe('1208925819614629174706175');
  });

  it('ignores case, spaces and NUL padding in text ids such as 8x8’s UUIDs', () => {
    expect(normaliseSmscId(' 3F2504E0-4F89-11D3-9A0C-0305E82C3301\0\0', 'text')).toBe(
      '3f2504e0-4f89-11d3-9a0c-0305e82c3301',
    );
  });

  it('keeps an id that is not a number in its declared format as text, so it still matches itself', () => {
    expect(normaliseSmscId('abc-1', 'decimal')).toBe(normaliseSmscId('ABC-1', 'decimal'));
  });
});
