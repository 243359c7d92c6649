import { describe, expect, it } from 'vitest';
import { InvalidAddressError } from '../../../core/encoding/errors.js';
import { destinationAddressOf, sourceAddressOf } from '../../../worker/encoding/addresses.js';

describe('sourceAddressOf', () => {
  it.each([
    ['an alphanumeric sender', 'MyShop', { addr: 'MyShop', ton: 5, npi: 0 }],
    [
      'an 11-character alphanumeric sender with digits and a space',
      'Shop 24 Ltd',
      { addr: 'Shop 24 Ltd', ton: 5, npi: 0 },
    ],
    ['an alphanumeric sender that starts with digits', '8x8', { addr: '8x8', ton: 5, npi: 0 }],
    ['a number with +', '+6591234567', { addr: '6591234567', ton: 1, npi: 1 }],
    ['8 digits without +', '65912345', { addr: '65912345', ton: 1, npi: 1 }],
    ['15 digits without +', '123456789012345', { addr: '123456789012345', ton: 1, npi: 1 }],
    ['a 5-digit short code', '72345', { addr: '72345', ton: 3, npi: 0 }],
    ['a 7-digit short code', '1234567', { addr: '1234567', ton: 3, npi: 0 }],
  ])('maps %s', (_label, from, expected) => {
    expect(sourceAddressOf(from)).toEqual(expected);
  });

  it.each([
    ['an empty sender', ''],
    ['a 12-character alphanumeric sender', 'TwelveChars1'],
    ['a sender with a character carriers refuse', 'Shop!'],
    ['a sender with a non-ASCII letter', 'Café'],
    ['a sender with a leading space', ' Shop'],
    ['a national number with a leading 0', '091234567'],
    ['a number with spaces', '+65 9123 4567'],
    ['a + with too few digits', '+12345'],
    ['more than 15 digits', '1234567890123456'],
  ])('rejects %s with InvalidAddressError', (_label, from) => {
    expect(() => sourceAddressOf(from)).toThrow(InvalidAddressError);
    expect(() => sourceAddressOf(from)).toThrow(expect.objectContaining({ role: 'source', address: from }));
  });
});

describe('destinationAddressOf', () => {
  it('maps E.164 to international TON 1 / NPI 1 without the +', () => {
    expect(destinationAddressOf('+6591234567')).toEqual({ addr: '6591234567', ton: 1, npi: 1 });
  });

  it.each([
    ['a number without +, which could be local', '6591234567'],
    ['a country code starting with 0', '+0591234567'],
    ['letters', '+65CALLME'],
    ['more than 15 digits', '+1234567890123456'],
    ['an empty string', ''],
  ])('rejects %s with an error naming the address', (_label, to) => {
    expect(() => destinationAddressOf(to)).toThrow(InvalidAddressError);
    expect(() => destinationAddressOf(to)).toThrow(`Invalid destination address ${JSON.stringify(to)}`);
  });
});
