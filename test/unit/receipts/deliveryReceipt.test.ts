import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  isFinalReceiptState,
  parseReceiptText,
  receiptStateOfMessageState,
  receiptStateOfStat,
  toDeliveryReceipt,
} from '../../../worker/receipts/deliveryReceipt.js';
import type { DeliverSm } from '../../../worker/smpp/types.js';

const example8x8 =
  'id:0123456789 sub:001 dlvrd:001 submit date:2401021530 done date:2401021531 stat:DELIVRD err:000 Text:Hello world';

function receiptPdu(fields: Partial<DeliverSm> & { text?: string } = {}): DeliverSm {
  const { text, ...rest } = fields;
  return {
    sequenceNumber: 7,
    serviceType: '',
    sourceAddr: '6591234567',
    sourceAddrTon: 1,
    sourceAddrNpi: 1,
    destinationAddr: 'ACME',
    destAddrTon: 5,
    destAddrNpi: 0,
    esmClass: 0x04,
    dataCoding: 0,
    shortMessage: Buffer.from(text ?? '', 'latin1'),
    vendorTlvs: {},
    ...rest,
  };
}

describe('parseReceiptText', () => {
  it('reads the 8x8 example', () => {
    expect(parseReceiptText(example8x8)).toEqual({
      ok: true,
      fields: {
        id: '0123456789',
        submitted: 1,
        delivered: 1,
        submitDate: '2024-01-02T15:30:00.000Z',
        doneDate: '2024-01-02T15:31:00.000Z',
        stat: 'DELIVRD',
        state: 'delivered',
        err: '000',
        text: 'Hello world',
        extra: {},
      },
    });
  });

  it('accepts lower-case text:, 12-digit dates with seconds and a 4-digit err', () => {
    const result = parseReceiptText(
      'id:abc sub:001 dlvrd:000 submit date:240102153005 done date:240102153159 stat:UNDELIV err:0043 text:hi: there',
    );
    expect(result).toMatchObject({
      ok: true,
      fields: {
        submitDate: '2024-01-02T15:30:05.000Z',
        doneDate: '2024-01-02T15:31:59.000Z',
        state: 'undeliverable',
        err: '0043',
        text: 'hi: there',
      },
    });
  });

  it('reads keys in any case and order, ignoring a missing Text', () => {
    const result = parseReceiptText('STAT:expired ID:77 Submit Date:2312312359 Err:036');
    expect(result).toMatchObject({
      ok: true,
      fields: {
        id: '77',
        stat: 'EXPIRED',
        state: 'expired',
        submitDate: '2023-12-31T23:59:00.000Z',
        err: '036',
      },
    });
    expect(result.ok && result.fields.text).toBeUndefined();
  });

  it('keeps unknown keys aside instead of failing', () => {
    const result = parseReceiptText('id:1 stat:DELIVRD err:000 mccmnc:52501 Foo:bar baz Text:x');
    expect(result).toMatchObject({
      ok: true,
      fields: { id: '1', extra: { mccmnc: '52501', foo: 'bar baz' } },
    });
  });

  it('does not let the message text after Text: override receipt fields', () => {
    const result = parseReceiptText('id:1 stat:DELIVRD err:000 Text:stat:REJECTD id:2');
    expect(result).toMatchObject({
      ok: true,
      fields: { id: '1', state: 'delivered', text: 'stat:REJECTD id:2' },
    });
  });

  it('omits a date that is not a calendar date rather than inventing one', () => {
    const result = parseReceiptText('id:1 submit date:2402301200 done date:24010 stat:DELIVRD');
    expect(result.ok && [result.fields.submitDate, result.fields.doneDate]).toEqual([undefined, undefined]);
  });

  it.each([
    ['', 'no id'],
    ['hello, this is an ordinary SMS', 'no id'],
    ['stat:DELIVRD err:000', 'no id'],
    ['id:5 err:000', 'no stat'],
    ['id:5 stat:WHATEVER', 'unknown stat "WHATEVER"'],
    ['\0\0\0', 'no id'],
  ])('explains why %j is not a receipt', (text, reason) => {
    const result = parseReceiptText(text);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toContain(reason);
  });

  it('never throws, whatever the text', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary' }), fc.string()), (text) => {
        const result = parseReceiptText(text);
        expect(typeof result.ok).toBe('boolean');
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws on texts built from receipt-like pieces, and finds the id whenever id: leads', () => {
    const piece = fc.constantFrom(
      'id:',
      'stat:',
      'submit date:',
      'done date:',
      'err:',
      'Text:',
      ' ',
      ':',
      '\0',
      'DELIVRD',
      '2401021530',
      '0x',
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 30 }), fc.stringMatching(/^[0-9a-f]{1,12}$/), (pieces, id) => {
        const result = parseReceiptText(`id:${id} ${pieces.join('')}`);
        if (result.ok) expect(result.fields.id).toBe(id);
      }),
      // Found by a CI-like run: a token after the id that is not a key once became part of the id.
      { examples: [[['0x', ' ', 'stat:', 'DELIVRD'], 'a']] },
    );
  });
});

describe('receipt states', () => {
  it('maps every stat value 8x8 and SMPP use', () => {
    const stats = ['DELIVRD', 'EXPIRED', 'UNDELIV', 'REJECTD', 'DELETED', 'UNKNOWN', 'ACCEPTD', 'ENROUTE'];
    expect(stats.map(receiptStateOfStat)).toEqual([
      'delivered',
      'expired',
      'undeliverable',
      'rejected',
      'deleted',
      'unknown',
      'accepted',
      'enroute',
    ]);
  });

  it('maps message_state 1-8 to the same states and nothing else', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8].map(receiptStateOfMessageState)).toEqual([
      'enroute',
      'delivered',
      'expired',
      'deleted',
      'undeliverable',
      'accepted',
      'unknown',
      'rejected',
    ]);
    expect([0, 9, 1.5].map(receiptStateOfMessageState)).toEqual([undefined, undefined, undefined]);
  });

  it('treats only ACCEPTD and ENROUTE as not final', () => {
    expect(isFinalReceiptState('accepted')).toBe(false);
    expect(isFinalReceiptState('enroute')).toBe(false);
    for (const state of [
      'delivered',
      'expired',
      'undeliverable',
      'rejected',
      'deleted',
      'unknown',
    ] as const) {
      expect(isFinalReceiptState(state)).toBe(true);
    }
  });
});

describe('toDeliveryReceipt', () => {
  it('builds a receipt from the 8x8 text alone', () => {
    expect(toDeliveryReceipt(receiptPdu({ text: example8x8 }))).toEqual({
      ok: true,
      receipt: {
        smscMessageId: '123456789',
        rawMessageId: '0123456789',
        state: 'delivered',
        final: true,
        errorCode: '0',
        submitDate: '2024-01-02T15:30:00.000Z',
        doneDate: '2024-01-02T15:31:00.000Z',
        submitted: 1,
        delivered: 1,
        source: 'text',
      },
    });
  });

  it('builds a receipt from TLVs alone when there is no text', () => {
    const result = toDeliveryReceipt(receiptPdu({ receiptedMessageId: 'AB12', messageState: 5 }));
    expect(result).toEqual({
      ok: true,
      receipt: {
        smscMessageId: 'ab12',
        rawMessageId: 'AB12',
        state: 'undeliverable',
        final: true,
        source: 'tlv',
      },
    });
  });

  it('prefers the TLVs when they disagree with the text, and still takes dates and err from the text', () => {
    const text =
      'id:999 sub:001 dlvrd:000 submit date:2401021530 done date:2401021531 stat:DELIVRD err:015 Text:x';
    const result = toDeliveryReceipt(receiptPdu({ text, receiptedMessageId: 'FF00', messageState: 8 }));
    expect(result).toMatchObject({
      ok: true,
      receipt: {
        smscMessageId: 'ff00',
        rawMessageId: 'FF00',
        state: 'rejected',
        errorCode: '15',
        doneDate: '2024-01-02T15:31:00.000Z',
        source: 'tlv+text',
      },
    });
  });

  it('fills a missing TLV from the text', () => {
    const result = toDeliveryReceipt(receiptPdu({ text: 'id:1 stat:ENROUTE', receiptedMessageId: 'abc' }));
    expect(result).toMatchObject({
      ok: true,
      receipt: { rawMessageId: 'abc', state: 'enroute', final: false, source: 'tlv+text' },
    });
  });

  it('reads 8x8 vendor TLVs: the 36-byte UUID without a NUL, the MCC and the MNC', () => {
    const uuid = '3F2504E0-4F89-11D3-9A0C-0305E82C3301';
    const result = toDeliveryReceipt(
      receiptPdu({
        text: example8x8,
        vendorTlvs: {
          5378: Buffer.from(uuid, 'ascii'),
          5379: Buffer.from('525'),
          5380: Buffer.from([0x00, 0x01]),
        },
      }),
    );
    expect(Buffer.byteLength(uuid)).toBe(36);
    expect(result).toMatchObject({
      ok: true,
      receipt: { vendorMessageId: '3f2504e0-4f89-11d3-9a0c-0305e82c3301', mcc: '525', mnc: '1' },
    });
  });

  it('reads the network_error_code TLV', () => {
    const result = toDeliveryReceipt(
      receiptPdu({ text: 'id:1 stat:UNDELIV err:001', networkErrorCode: Buffer.from([0x03, 0x00, 0x01]) }),
    );
    expect(result).toMatchObject({
      ok: true,
      receipt: { errorCode: '1', networkError: { type: 3, code: 1 } },
    });
  });

  it('reads receipt text from message_payload when short_message is empty', () => {
    const result = toDeliveryReceipt(receiptPdu({ messagePayload: Buffer.from(example8x8) }));
    expect(result).toMatchObject({ ok: true, receipt: { rawMessageId: '0123456789', source: 'text' } });
  });

  it('reads receipt text sent as UCS-2', () => {
    const utf16be = Buffer.from(example8x8, 'utf16le').swap16();
    const result = toDeliveryReceipt(receiptPdu({ dataCoding: 8, shortMessage: utf16be }));
    expect(result).toMatchObject({ ok: true, receipt: { state: 'delivered', rawMessageId: '0123456789' } });
  });

  it('normalises the id with the configured format so it matches the resp id', () => {
    const result = toDeliveryReceipt(receiptPdu({ text: 'id:1715004 stat:DELIVRD' }), 'decimal');
    expect(result.ok && result.receipt.smscMessageId).toBe('1a2b3c');
  });

  it('explains what is missing instead of throwing', () => {
    expect(toDeliveryReceipt(receiptPdu({ text: 'garbage' }))).toEqual({
      ok: false,
      reason: expect.stringContaining('no message id'),
    });
    expect(toDeliveryReceipt(receiptPdu({ text: '' }))).toMatchObject({ ok: false });
    expect(toDeliveryReceipt(receiptPdu({ receiptedMessageId: 'x', messageState: 0 }))).toEqual({
      ok: false,
      reason: expect.stringContaining('no usable state'),
    });
  });
});
