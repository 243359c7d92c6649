import { describe, expect, it } from 'vitest';
import { destinationRefusal } from '../../../core/destinationRules.js';
import { parseFleetConfig } from '../../../core/fleetConfig.js';

const account = (extra: Record<string, unknown>) => ({ id: 'acme', password: { env: 'PW' }, ...extra });

describe('country rules in the fleet config', () => {
  it('reads prefixes with or without "+" as digits', () => {
    const [parsed] = parseFleetConfig({
      subAccounts: [account({ allowedDestinations: ['+65', '4479'] })],
    }).subAccounts;
    expect(parsed?.destinationRule).toEqual({ kind: 'allow', prefixes: ['65', '4479'] });
  });

  it('has no rule when neither list is given', () => {
    expect(parseFleetConfig({ subAccounts: [account({})] }).subAccounts[0]?.destinationRule).toBeUndefined();
  });

  it('refuses both lists on one sub-account, naming the field', () => {
    expect(() =>
      parseFleetConfig({
        subAccounts: [account({ allowedDestinations: ['65'], blockedDestinations: ['44'] })],
      }),
    ).toThrow(
      /subAccounts\[0\]\.blockedDestinations: give either allowedDestinations or blockedDestinations/,
    );
  });

  it('refuses a prefix that is not digits, naming its path', () => {
    expect(() =>
      parseFleetConfig({ subAccounts: [account({ blockedDestinations: ['+65', 'UK'] })] }),
    ).toThrow(/subAccounts\[0\]\.blockedDestinations\[1\]: must be a calling code or number prefix/);
  });

  it('refuses an empty list', () => {
    expect(() => parseFleetConfig({ subAccounts: [account({ allowedDestinations: [] })] })).toThrow(
      /allowedDestinations: list at least one prefix/,
    );
  });
});

describe('destinationRefusal', () => {
  const allow = { kind: 'allow', prefixes: ['65', '4479'] } as const;
  const block = { kind: 'block', prefixes: ['882', '44'] } as const;

  it('allows every number when the sub-account has no rule', () => {
    expect(destinationRefusal('+8821234567', undefined)).toBeUndefined();
  });

  it('allows a number under an allowed prefix and refuses others, listing the allowed prefixes', () => {
    expect(destinationRefusal('+6591234567', allow)).toBeUndefined();
    expect(destinationRefusal('+447912345678', allow)).toBeUndefined();
    expect(destinationRefusal('+447012345678', allow)).toBe(
      'is not a destination this sub-account may send to (allowed prefixes: +65, +4479)',
    );
  });

  it('refuses a number under a blocked prefix, naming the prefix, and allows others', () => {
    expect(destinationRefusal('+8821234567', block)).toBe(
      'is a blocked destination for this sub-account (prefix +882 is on its block-list)',
    );
    expect(destinationRefusal('+6591234567', block)).toBeUndefined();
  });
});
