import { describe, expect, it } from 'vitest';
import { maskPhoneNumber, maskPhoneNumbersReplacer } from '../../../core/phoneNumberMasking.js';

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

describe('maskPhoneNumbersReplacer on what the worker logs', () => {
  const logged = (value: unknown) => JSON.parse(JSON.stringify(value, maskPhoneNumbersReplacer));

  it('masks the bare digits SMPP carries under the deliver_sm address keys', () => {
    expect(
      logged({ sourceAddr: '6598765432', destinationAddr: '72000', sourceAddress: '6598765433' }),
    ).toEqual({
      sourceAddr: '******5432',
      destinationAddr: '*2000',
      sourceAddress: '******5433',
    });
  });

  it('masks E.164 numbers inside free text, such as an error message that quotes an address', () => {
    expect(
      logged({
        error: 'Invalid destination address "+6591234567": expected an E.164 number; retry +65 later',
      }),
    ).toEqual({
      error: 'Invalid destination address "+******4567": expected an E.164 number; retry +65 later',
    });
  });
});
