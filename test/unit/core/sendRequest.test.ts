import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseSendRequest, sendRequestJsonSchema, sendRequestLimits } from '../../../core/sendRequest.js';

const valid = { subAccount: 'acme_hq', to: '+6591234567', from: 'ACME', text: 'Your code is 123456' };

function fieldsRejected(input: unknown): string[] {
  const result = parseSendRequest(input);
  if (result.ok) throw new Error('expected the request to be rejected');
  return result.errors.map((error) => error.field);
}

function messageFor(input: unknown, field: string): string | undefined {
  const result = parseSendRequest(input);
  return result.ok ? undefined : result.errors.find((error) => error.field === field)?.message;
}

describe('parseSendRequest', () => {
  it('accepts a minimal request and asks for a receipt by default', () => {
    expect(parseSendRequest(valid)).toEqual({ ok: true, request: { ...valid, registeredDelivery: true } });
  });

  it('accepts every optional field', () => {
    const full = {
      ...valid,
      from: '+6580001111',
      idempotencyKey: '8c1f5b7e-3b7a-4bb0-9d5c-3c1b0f6a0a11',
      clientReference: 'order-42',
      validityPeriod: 259_200,
      registeredDelivery: false,
      context: { orderId: '42', channel: 'checkout' },
    };
    expect(parseSendRequest(full)).toEqual({ ok: true, request: full });
  });

  it('lists every bad field at once', () => {
    expect(
      fieldsRejected({
        subAccount: '',
        to: '6591234567',
        from: 'A sender that is far too long',
        text: '',
        idempotencyKey: '',
        clientReference: 'x'.repeat(129),
        validityPeriod: 59,
        registeredDelivery: 'yes',
        context: { a: 1 },
      }),
    ).toEqual([
      'subAccount',
      'to',
      'from',
      'text',
      'idempotencyKey',
      'clientReference',
      'validityPeriod',
      'registeredDelivery',
      'context.a',
    ]);
  });

  it('names missing required fields', () => {
    expect(fieldsRejected({})).toEqual(['subAccount', 'to', 'from', 'text']);
  });

  it('rejects unknown fields, each by name, and suggests the field meant', () => {
    const result = parseSendRequest({ ...valid, message: 'hi', colour: 'red' });
    expect(result).toEqual({
      ok: false,
      errors: [
        { field: 'message', message: 'is not a field of a send request: did you mean "text"?' },
        {
          field: 'colour',
          message: expect.stringMatching(/^is not a field of a send request \(fields: subAccount, to/),
        },
      ],
    });
  });

  it('rejects anything that is not an object', () => {
    for (const input of [null, [], 'text', 42, true, undefined]) {
      expect(parseSendRequest(input)).toEqual({
        ok: false,
        errors: [{ field: '(root)', message: 'must be a JSON object with subAccount, to, from and text' }],
      });
    }
  });

  describe('to', () => {
    it.each([
      ['6591234567', /must start with \+/],
      ['+65 9123 4567', /digits only/],
      ['+0591234567', /must not have a 0/],
      ['+1234567', /8 to 15 digits.*has 7/],
      ['+1234567890123456', /8 to 15 digits.*has 16/],
      [6591234567, /must be a string/],
    ])('rejects %j with a reason', (to, reason) => {
      expect(messageFor({ ...valid, to }, 'to')).toMatch(reason);
    });

    it.each(['+12345678', '+123456789012345', '+447700900123'])('accepts %s', (to) => {
      expect(parseSendRequest({ ...valid, to }).ok).toBe(true);
    });
  });

  describe('from', () => {
    it.each(['ACME', 'Acme Co.', 'A-B_C&D 1.2', 'X1234567890', '12345', '+6580001111', '123456789012345'])(
      'accepts %j',
      (from) => {
        expect(parseSendRequest({ ...valid, from }).ok).toBe(true);
      },
    );

    it.each([
      ['ACME Corporation', /at most 11 characters.*has 16/],
      ['ACME!', /contains "!"/],
      ['Café', /contains "é"/],
      ['1234567890123456', /at most 15 digits/],
      ['', /must not be empty/],
      ['12 34', /alphanumeric sender ID .* or a number/],
    ])('rejects %j with a reason', (from, reason) => {
      expect(messageFor({ ...valid, from }, 'from')).toMatch(reason);
    });
  });

  it('caps the text length', () => {
    expect(parseSendRequest({ ...valid, text: 'x'.repeat(sendRequestLimits.maxTextLength) }).ok).toBe(true);
    expect(messageFor({ ...valid, text: 'x'.repeat(sendRequestLimits.maxTextLength + 1) }, 'text')).toMatch(
      /at most 1600 characters/,
    );
  });

  it('bounds the validity period to 60 s .. 72 h in whole seconds', () => {
    expect(parseSendRequest({ ...valid, validityPeriod: 60 }).ok).toBe(true);
    expect(messageFor({ ...valid, validityPeriod: 259_201 }, 'validityPeriod')).toMatch(/72 hours/);
    expect(messageFor({ ...valid, validityPeriod: 90.5 }, 'validityPeriod')).toMatch(/whole number/);
  });

  it('limits idempotency keys to 128 visible characters', () => {
    expect(parseSendRequest({ ...valid, idempotencyKey: 'k'.repeat(128) }).ok).toBe(true);
    expect(fieldsRejected({ ...valid, idempotencyKey: 'k'.repeat(129) })).toEqual(['idempotencyKey']);
    expect(fieldsRejected({ ...valid, idempotencyKey: 'has space' })).toEqual(['idempotencyKey']);
  });

  it('limits context to 10 string entries with short keys and values', () => {
    const eleven = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`k${i}`, 'v']));
    expect(messageFor({ ...valid, context: eleven }, 'context')).toMatch(/at most 10 entries/);
    expect(fieldsRejected({ ...valid, context: { '': 'v' } })).toEqual(['context[""]']);
    expect(fieldsRejected({ ...valid, context: { k: 'v'.repeat(257) } })).toEqual(['context.k']);
    expect(fieldsRejected({ ...valid, context: ['a'] })).toEqual(['context']);
  });

  it('never throws on any JSON value, and always says why it refused', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const result = parseSendRequest(value);
        if (!result.ok) expect(result.errors.length).toBeGreaterThan(0);
      }),
      { numRuns: 2_000 },
    );
  });

  it('never throws on requests with arbitrary values in the known fields', () => {
    const field = fc.oneof(
      fc.string(),
      fc.integer(),
      fc.double(),
      fc.boolean(),
      fc.constant(null),
      fc.jsonValue(),
    );
    fc.assert(
      fc.property(
        fc.record(
          {
            subAccount: field,
            to: field,
            from: field,
            text: field,
            idempotencyKey: field,
            context: fc.oneof(field, fc.dictionary(fc.string(), field)),
            __proto__: field,
            constructor: field,
          },
          { requiredKeys: [] },
        ),
        (value) => {
          const result = parseSendRequest(JSON.parse(JSON.stringify(value)));
          if (!result.ok) {
            for (const error of result.errors) {
              expect(error.field).not.toBe('');
              expect(error.message).not.toBe('');
            }
          }
        },
      ),
      { numRuns: 1_000 },
    );
  });

  it('publishes a JSON Schema whose patterns are the ones it checks', () => {
    const schema = sendRequestJsonSchema() as {
      required: string[];
      additionalProperties: boolean;
      properties: Record<string, { pattern?: string }>;
    };
    expect(schema.required.sort()).toEqual(['from', 'subAccount', 'text', 'to']);
    expect(schema.additionalProperties).toBe(false);
    const to = new RegExp(schema.properties.to?.pattern ?? '');
    expect(to.test('+6591234567')).toBe(true);
    expect(to.test('6591234567')).toBe(false);
  });
});
