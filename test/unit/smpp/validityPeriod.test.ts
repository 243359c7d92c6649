import { describe, expect, it } from 'vitest';
import { absoluteValidityPeriod } from '../../../worker/smpp/validityPeriod.js';

describe('absoluteValidityPeriod', () => {
  it('writes SMPP 3.4 absolute time in UTC: YYMMDDhhmmss, tenths, 00 quarter-hours, +', () => {
    expect(absoluteValidityPeriod(Date.UTC(2026, 11, 2, 16, 5, 9, 730))).toBe('261202160509700+');
    expect(absoluteValidityPeriod(Date.UTC(2027, 0, 1, 0, 0, 0, 0))).toBe('270101000000000+');
  });

  it('refuses a time it cannot write unambiguously, naming it', () => {
    expect(() => absoluteValidityPeriod(Number.NaN)).toThrow(/epoch ms before 2070, got NaN/);
    expect(() => absoluteValidityPeriod(Date.UTC(2070, 0, 1))).toThrow(/before 2070/);
  });
});
