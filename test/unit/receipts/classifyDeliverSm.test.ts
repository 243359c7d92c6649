import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeGsm7 } from '../../../core/encoding/gsm7.js';
import { encodeUcs2 } from '../../../core/encoding/ucs2.js';
import { classifyDeliverSm } from '../../../worker/receipts/classifyDeliverSm.js';
import type { DeliverSm } from '../../../worker/smpp/types.js';

const options = { receiptIdFormat: 'text' } as const;
const receiptText =
  'id:00AB12 sub:001 dlvrd:001 submit date:2401021530 done date:2401021531 stat:DELIVRD err:000 Text:Hi';

function deliverSm(fields: Partial<DeliverSm> = {}): DeliverSm {
  return {
    sequenceNumber: 1,
    serviceType: '',
    sourceAddr: '6591234567',
    sourceAddrTon: 1,
    sourceAddrNpi: 1,
    destinationAddr: '6580001111',
    destAddrTon: 1,
    destAddrNpi: 1,
    esmClass: 0,
    dataCoding: 0,
    shortMessage: Buffer.alloc(0),
    vendorTlvs: {},
    ...fields,
  };
}

describe('classifyDeliverSm', () => {
  it('reads an SMSC delivery receipt (esm_class 0x04) as a receipt', () => {
    const result = classifyDeliverSm(
      deliverSm({ esmClass: 0x04, shortMessage: Buffer.from(receiptText) }),
      options,
    );
    expect(result).toMatchObject({
      kind: 'receipt',
      receipt: { smscMessageId: 'ab12', state: 'delivered', final: true, source: 'text' },
    });
  });

  it('looks only at the message-type bits, so mode or UDHI bits do not hide a receipt', () => {
    const result = classifyDeliverSm(
      deliverSm({ esmClass: 0x04 | 0x03, shortMessage: Buffer.from(receiptText) }),
      options,
    );
    expect(result.kind).toBe('receipt');
  });

  it('reads an intermediate notification (0x20) as a receipt that is not final', () => {
    const text = 'id:77 sub:001 dlvrd:000 submit date:2401021530 done date:2401021530 stat:ENROUTE err:000';
    const result = classifyDeliverSm(deliverSm({ esmClass: 0x20, shortMessage: Buffer.from(text) }), options);
    expect(result).toMatchObject({ kind: 'receipt', receipt: { state: 'enroute', final: false } });
  });

  it('reads an SME delivery acknowledgement (0x08) in receipt format as a receipt', () => {
    const result = classifyDeliverSm(
      deliverSm({ esmClass: 0x08, shortMessage: Buffer.from(receiptText) }),
      options,
    );
    expect(result.kind).toBe('receipt');
  });

  it('uses the configured receipt id format', () => {
    const result = classifyDeliverSm(
      deliverSm({ esmClass: 0x04, shortMessage: Buffer.from('id:4660 stat:DELIVRD') }),
      { receiptIdFormat: 'decimal' },
    );
    expect(result).toMatchObject({ kind: 'receipt', receipt: { smscMessageId: '1234' } });
  });

  it('reports a receipt it cannot read as unparseable, with the reason', () => {
    const result = classifyDeliverSm(
      deliverSm({ esmClass: 0x04, shortMessage: Buffer.from('garbage') }),
      options,
    );
    expect(result).toEqual({ kind: 'unparseable', reason: expect.stringContaining('no message id') });
  });

  it('reads a TLV-only receipt with an empty short_message', () => {
    const result = classifyDeliverSm(
      deliverSm({ esmClass: 0x04, receiptedMessageId: 'AB12', messageState: 2 }),
      options,
    );
    expect(result).toMatchObject({
      kind: 'receipt',
      receipt: { smscMessageId: 'ab12', state: 'delivered', source: 'tlv' },
    });
  });

  it('decodes an inbound GSM message with its addresses', () => {
    const result = classifyDeliverSm(deliverSm({ shortMessage: encodeGsm7('STOP @ {now}') }), options);
    expect(result).toEqual({
      kind: 'inbound',
      message: { from: '6591234567', to: '6580001111', text: 'STOP @ {now}', encoding: 'GSM7' },
    });
  });

  it('decodes one UCS-2 part of a concatenated inbound message and says which part it is', () => {
    const udh = Buffer.from([0x05, 0x00, 0x03, 0x2a, 0x02, 0x01]);
    const result = classifyDeliverSm(
      deliverSm({
        esmClass: 0x40,
        dataCoding: 8,
        shortMessage: Buffer.concat([udh, encodeUcs2('Привет 👋')]),
      }),
      options,
    );
    expect(result).toMatchObject({
      kind: 'inbound',
      message: { text: 'Привет 👋', encoding: 'UCS2', concat: { reference: 0x2a, total: 2, sequence: 1 } },
    });
  });

  it('reads an inbound message from message_payload when short_message is empty', () => {
    const long = 'x'.repeat(300);
    const result = classifyDeliverSm(
      deliverSm({ dataCoding: 3, messagePayload: Buffer.from(long, 'latin1') }),
      options,
    );
    expect(result).toMatchObject({ kind: 'inbound', message: { text: long, encoding: 'LATIN1' } });
  });

  it('does not mistake other message types for inbound text', () => {
    const result = classifyDeliverSm(
      deliverSm({ esmClass: 0x10, shortMessage: Buffer.from('yes') }),
      options,
    );
    expect(result).toEqual({ kind: 'unparseable', reason: 'unsupported esm_class message type 0x10' });
  });

  it('turns a failure while reading into unparseable instead of throwing', () => {
    const broken = deliverSm();
    Object.defineProperty(broken, 'shortMessage', {
      get() {
        throw new Error('boom');
      },
    });
    expect(classifyDeliverSm(broken, options)).toEqual({
      kind: 'unparseable',
      reason: 'could not read deliver_sm: Error: boom',
    });
  });

  it('never throws, nor needs its safety net, on arbitrary deliver_sm contents', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 255 }),
        fc.integer({ min: 0, max: 255 }),
        fc.uint8Array({ maxLength: 200 }),
        fc.option(fc.uint8Array({ maxLength: 300 }), { nil: undefined }),
        fc.option(fc.string(), { nil: undefined }),
        fc.option(fc.integer({ min: 0, max: 255 }), { nil: undefined }),
        fc.constantFrom('text' as const, 'hex' as const, 'decimal' as const),
        (esmClass, dataCoding, bytes, payload, receiptedMessageId, messageState, receiptIdFormat) => {
          const result = classifyDeliverSm(
            deliverSm({
              esmClass,
              dataCoding,
              shortMessage: Buffer.from(bytes),
              ...(payload ? { messagePayload: Buffer.from(payload) } : {}),
              ...(receiptedMessageId === undefined ? {} : { receiptedMessageId }),
              ...(messageState === undefined ? {} : { messageState }),
              vendorTlvs: { 5378: Buffer.from(bytes.slice(0, 36)), 5379: Buffer.from(bytes.slice(0, 3)) },
            }),
            { receiptIdFormat },
          );
          expect(['receipt', 'inbound', 'unparseable']).toContain(result.kind);
          // The safety net stays unused: the decoders themselves cope with anything.
          if (result.kind === 'unparseable') expect(result.reason).not.toMatch(/^could not read/);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
