import { describe, expect, it } from 'vitest';
import { validateSendRequest } from '../../../lambdas/shared/validateSendRequest.js';
import { subAccounts } from './fakes.js';

const valid = { subAccount: 'acme', to: '+6591234567', from: 'ACME', text: 'hello' };

function errorsOf(input: unknown, headerIdempotencyKey?: string) {
  const result = validateSendRequest(
    input,
    subAccounts,
    headerIdempotencyKey === undefined ? {} : { headerIdempotencyKey },
  );
  if (result.ok) throw new Error('expected errors');
  return result.errors;
}

describe('validateSendRequest', () => {
  it('accepts a valid request and plans its encoding and parts against the sub-account’s maxParts', () => {
    expect(validateSendRequest({ ...valid, text: 'x'.repeat(161) }, subAccounts)).toEqual({
      ok: true,
      request: { ...valid, text: 'x'.repeat(161), registeredDelivery: true },
      plan: { encoding: 'GSM7', totalParts: 2, units: 161, maxParts: 2 },
    });
  });

  it('refuses a number its sub-account’s country rules do not allow, naming `to`', () => {
    const ruled = new Map([
      ['acme', { maxParts: 2, destinationRule: { kind: 'allow', prefixes: ['65'] } as const }],
    ]);
    expect(validateSendRequest(valid, ruled).ok).toBe(true);
    expect(validateSendRequest({ ...valid, to: '+447912345678' }, ruled)).toEqual({
      ok: false,
      errors: [
        {
          field: 'to',
          message: 'is not a destination this sub-account may send to (allowed prefixes: +65)',
        },
      ],
    });
  });

  it('refuses a sub-account the fleet does not have, listing the known ones', () => {
    expect(errorsOf({ ...valid, subAccount: 'zeta' })).toEqual([
      { field: 'subAccount', message: 'is not a sub-account of this fleet (known: acme, beta)' },
    ]);
  });

  it('does not repeat the schema’s complaint about a malformed sub-account id', () => {
    expect(errorsOf({ ...valid, subAccount: 'no spaces allowed' }).map((error) => error.field)).toEqual([
      'subAccount',
    ]);
  });

  it('refuses more parts than the sub-account allows, naming the character that forced UCS-2', () => {
    const [error] = errorsOf({ ...valid, text: `${'a'.repeat(140)}€ж` });
    expect(error?.field).toBe('text');
    expect(error?.message).toBe(
      'needs 3 SMS parts as UCS2 (142 UTF-16 units); sub-account acme allows at most 2 (it is sent as UCS-2, 70 characters a part, because of "ж", which GSM 7-bit cannot carry)',
    );
    expect(
      validateSendRequest({ ...valid, subAccount: 'beta', text: `${'a'.repeat(140)}€ж` }, subAccounts).ok,
    ).toBe(true);
  });

  it('checks the parts even when other fields are bad, so one answer lists everything', () => {
    expect(errorsOf({ ...valid, to: 'nope', text: 'y'.repeat(400) }).map((error) => error.field)).toEqual([
      'to',
      'text',
    ]);
  });

  it('takes the idempotency key from the header when the body has none', () => {
    const result = validateSendRequest(valid, subAccounts, { headerIdempotencyKey: 'k-1' });
    expect(result.ok && result.request.idempotencyKey).toBe('k-1');
  });

  it('accepts the same key in header and body, refuses two different ones', () => {
    expect(
      validateSendRequest({ ...valid, idempotencyKey: 'k' }, subAccounts, { headerIdempotencyKey: 'k' }).ok,
    ).toBe(true);
    expect(errorsOf({ ...valid, idempotencyKey: 'k' }, 'j')).toEqual([
      {
        field: 'idempotencyKey',
        message: 'differs from the Idempotency-Key header: give the key once, or the same in both',
      },
    ]);
  });

  it('names the header when the header’s key is the bad one', () => {
    expect(errorsOf(valid, 'two words')).toEqual([
      { field: 'Idempotency-Key (header)', message: expect.any(String) },
    ]);
  });

  it('points a dryRun body field at the query parameter', () => {
    expect(errorsOf({ ...valid, dryRun: true })).toEqual([
      { field: 'dryRun', message: 'is a query parameter, not a body field: POST /messages?dryRun=true' },
    ]);
  });

  it('refuses what is not an object with one root error', () => {
    for (const input of [null, 'text', 42, [valid]]) {
      expect(errorsOf(input)).toEqual([{ field: '(root)', message: expect.any(String) }]);
    }
  });
});
