import { describe, expect, it } from 'vitest';
import { maskPhoneNumber, maskPhoneNumbersReplacer } from '../../../lambdas/shared/observability.js';

describe('maskPhoneNumber', () => {
  it('keeps the + and the last four digits', () => {
    expect(maskPhoneNumber('+6591234567')).toBe('+******4567');
    expect(maskPhoneNumber('91234567')).toBe('****4567');
    expect(maskPhoneNumber('123')).toBe('123');
  });
});

describe('maskPhoneNumbersReplacer', () => {
  const logged = (value: unknown) => JSON.parse(JSON.stringify(value, maskPhoneNumbersReplacer));

  it('masks numbers under phone keys and any E.164 string, wherever they sit', () => {
    expect(
      logged({
        to: '+6591234567',
        from: '12345678',
        nested: { list: ['+4915112345678'] },
        from2: 'ACME',
        note: 'ok',
      }),
    ).toEqual({
      to: '+******4567',
      from: '****5678',
      nested: { list: ['+*********5678'] },
      from2: 'ACME',
      note: 'ok',
    });
  });

  it('leaves alphanumeric senders, ids and numbers alone', () => {
    expect(logged({ from: 'ACME', messageId: '3f1c0b6e-8d5a', parts: 3, statusCode: 202 })).toEqual({
      from: 'ACME',
      messageId: '3f1c0b6e-8d5a',
      parts: 3,
      statusCode: 202,
    });
  });
});
