import { afterEach, describe, expect, it, vi } from 'vitest';
import { detailTypes, eventDetailSchemas, messageEventId } from '../../../core/events.js';
import type { MessageRecord } from '../../../core/messageRecord.js';
import { ReceiptRecorder, type ReceiptRecorderOptions } from '../../../worker/receipts/ReceiptRecorder.js';
import type { DeliverSm } from '../../../worker/smpp/types.js';
import { InMemorySuppressionList } from '../guardrails/InMemorySuppressionList.js';
import { inMemoryMessageStore } from '../records/InMemoryRecordTables.js';

const ok = 0;
const temporaryError = 0x64;
const now = 5_000_000;

afterEach(() => {
  vi.useRealTimers();
});

function deliverSm(overrides: Partial<DeliverSm>): DeliverSm {
  return {
    sequenceNumber: 1,
    serviceType: '',
    sourceAddr: '6591234567',
    sourceAddrTon: 1,
    sourceAddrNpi: 1,
    destinationAddr: 'ACME',
    destAddrTon: 5,
    destAddrNpi: 0,
    esmClass: 0x04,
    dataCoding: 0,
    shortMessage: Buffer.alloc(0),
    vendorTlvs: {},
    ...overrides,
  };
}

function receipt(id: string, stat = 'DELIVRD', err = '000'): DeliverSm {
  return deliverSm({
    shortMessage: Buffer.from(
      `id:${id} sub:001 dlvrd:001 submit date:2611251200 done date:2611251201 stat:${stat} err:${err} Text:hello`,
      'latin1',
    ),
  });
}

function submittedRecord(messageId: string, ids: string[]): MessageRecord {
  return {
    messageId,
    subAccount: 'acme',
    to: '+6591234567',
    from: 'ACME',
    context: {},
    registeredDelivery: true,
    status: 'submitted',
    encoding: 'GSM7',
    totalParts: ids.length,
    parts: ids.map((id, index) => ({
      partNumber: index + 1,
      status: 'submitted',
      smscMessageId: id,
      normalisedSmscMessageId: id,
    })),
    createdAt: 0,
    updatedAt: 0,

    version: 2,
  };
}

function setUp(options: { unmatchedGraceMs?: number; optOuts?: ReceiptRecorderOptions['optOuts'] } = {}) {
  const { store, tables } = inMemoryMessageStore();
  // What subscribers get: the events the table's stream publishes for the writes made.
  const publisher = {
    published: tables.announced,
    detailTypes: () => tables.announced.map((event) => event.detailType),
  };
  const recorder = new ReceiptRecorder({
    subAccount: 'acme',
    receiptIdFormat: 'text',
    store,
    now: () => now,
    ...options,
  });
  const sent = (messageId: string, ...ids: string[]) => {
    tables.records.set(messageId, submittedRecord(messageId, ids));
    ids.forEach((id, index) => {
      tables.correlation.set(`acme#${id}`, {
        submission: { messageId, partNumber: index + 1, totalParts: ids.length, smscMessageId: id },
      });
    });
  };
  return { store: tables, publisher, recorder, sent };
}

describe('ReceiptRecorder', () => {
  it('records a matched receipt, publishes SMS Delivered, and answers 0', async () => {
    const { recorder, publisher, store, sent } = setUp();
    sent('m-1', 'abc');
    expect(await recorder.onDeliverSm(receipt('ABC'))).toBe(ok);
    expect(store.records.get('m-1')?.status).toBe('delivered');
    expect(publisher.detailTypes()).toEqual([detailTypes.delivered]);
    expect(publisher.published[0]?.detail.eventId).toBe(messageEventId('m-1', 'delivered'));
  });

  it('says how long after its recorded submission a receipt changed its part (the ReceiptLag metric)', async () => {
    const { recorder, store, sent } = setUp();
    sent('m-1', 'abc');
    const record = store.records.get('m-1');
    if (!record) throw new Error('expected the record');
    store.records.set('m-1', {
      ...record,
      parts: record.parts.map((p) => ({ ...p, submittedAt: now - 2_500 })),
    });
    const handled: Array<{ outcome: string; receiptLagMs?: number }> = [];
    recorder.on('handled', (info) => handled.push(info));
    await recorder.onDeliverSm(receipt('abc'));
    await recorder.onDeliverSm(receipt('abc'));
    expect(handled).toMatchObject([{ outcome: 'applied', receiptLagMs: 2_500 }, { outcome: 'duplicate' }]);
    expect(handled[1]).not.toHaveProperty('receiptLagMs');
  });

  it('publishes nothing for a duplicate receipt, and answers it 0', async () => {
    const { recorder, publisher, sent } = setUp();
    sent('m-1', 'abc');
    const answers = await Promise.all([
      recorder.onDeliverSm(receipt('abc')),
      recorder.onDeliverSm(receipt('abc')),
    ]);
    expect(answers).toEqual([ok, ok]);
    expect(publisher.published).toHaveLength(1);
  });

  it('publishes the message event only when all parts of a long message are in', async () => {
    const { recorder, publisher, sent } = setUp();
    sent('m-2', 'p1', 'p2');
    await recorder.onDeliverSm(receipt('p1'));
    expect(publisher.published).toEqual([]);
    await recorder.onDeliverSm(receipt('p2'));
    expect(publisher.detailTypes()).toEqual([detailTypes.delivered]);
  });

  it('keeps a receipt that came before its submit and answers 0', async () => {
    const { recorder, store, publisher } = setUp();
    expect(await recorder.onDeliverSm(receipt('early'))).toBe(ok);
    expect(store.correlation.get('acme#early')?.earlyReceipt).toMatchObject({
      state: 'delivered',
      final: true,
      sourceAddress: '6591234567',
    });
    expect(publisher.published).toEqual([]);
  });

  it('publishes SMS Delivery Receipt Unmatched for a receipt still unmatched after the grace period', async () => {
    vi.useFakeTimers();
    const { recorder, store, publisher } = setUp({ unmatchedGraceMs: 1_000 });
    await recorder.onDeliverSm(receipt('stranger', 'UNDELIV', '001'));
    await vi.advanceTimersByTimeAsync(1_000);
    expect(publisher.detailTypes()).toEqual([detailTypes.receiptUnmatched]);
    const detail = eventDetailSchemas[detailTypes.receiptUnmatched].parse(publisher.published[0]?.detail);
    expect(detail).toMatchObject({
      smscMessageId: 'stranger',
      receiptStatus: 'UNDELIV',
      receiptErrorCode: '1',
      sourceAddress: '6591234567',
    });
    expect(store.eventItems.size).toBe(1);
  });

  it('does not report an early receipt unmatched once its submit was recorded', async () => {
    vi.useFakeTimers();
    const { recorder, publisher, sent } = setUp({ unmatchedGraceMs: 1_000 });
    await recorder.onDeliverSm(receipt('soon'));
    sent('m-3', 'soon');
    await vi.advanceTimersByTimeAsync(1_000);
    expect(publisher.published).toEqual([]);
  });

  it('joins a copy of a receipt to the recording in progress instead of recording it again', async () => {
    const { recorder, publisher, store, sent } = setUp();
    sent('m-1', 'abc');
    // 8x8 redelivered it (or sent it on two binds) while the first was still being recorded.
    const answers = await Promise.all([
      recorder.onDeliverSm(receipt('abc')),
      recorder.onDeliverSm(receipt('abc')),
    ]);
    expect(answers).toEqual([ok, ok]);
    expect(store.calls.filter((call) => call === 'getCorrelation')).toHaveLength(1);
    expect(publisher.detailTypes()).toEqual([detailTypes.delivered]);
  });

  it('answers a joined copy "later" too when the recording it joined failed, and records the next one', async () => {
    const { recorder, store, sent } = setUp();
    sent('m-1', 'abc');
    store.failNext('getCorrelation');
    const answers = await Promise.all([
      recorder.onDeliverSm(receipt('abc')),
      recorder.onDeliverSm(receipt('abc')),
    ]);
    expect(answers).toEqual([temporaryError, temporaryError]);
    expect(store.calls.filter((call) => call === 'getCorrelation')).toHaveLength(1);
    expect(await recorder.onDeliverSm(receipt('abc'))).toBe(ok);
    expect(store.records.get('m-1')?.status).toBe('delivered');
  });

  it('applies a different receipt for the same id after the one in progress, not joined to it', async () => {
    const { recorder, store, sent } = setUp();
    sent('m-1', 'abc');
    const answers = await Promise.all([
      recorder.onDeliverSm(receipt('abc', 'ENROUTE')),
      recorder.onDeliverSm(receipt('abc', 'DELIVRD')),
    ]);
    expect(answers).toEqual([ok, ok]);
    expect(store.calls.filter((call) => call === 'getCorrelation')).toHaveLength(2);
    expect(store.records.get('m-1')?.parts[0]).toMatchObject({
      status: 'delivered',
      receiptStatus: 'DELIVRD',
    });
  });

  it('answers a temporary error when the record cannot be written, so the SMSC redelivers', async () => {
    const { recorder, store, sent } = setUp();
    sent('m-1', 'abc');
    store.failNext('getCorrelation');
    expect(await recorder.onDeliverSm(receipt('abc'))).toBe(temporaryError);
    expect(await recorder.onDeliverSm(receipt('abc'))).toBe(ok);
  });

  it('publishes an inbound message as SMS Inbound Message', async () => {
    const { recorder, publisher } = setUp();
    const mo = deliverSm({
      esmClass: 0,
      shortMessage: Buffer.from('STOP', 'latin1'),
      sourceAddr: '6598765432',
      destinationAddr: '72000',
    });
    expect(await recorder.onDeliverSm(mo)).toBe(ok);
    const detail = eventDetailSchemas[detailTypes.inbound].parse(publisher.published[0]?.detail);
    expect(detail).toMatchObject({
      originationNumber: '6598765432',
      destinationNumber: '72000',
      messageBody: 'STOP',
      messageEncoding: 'GSM7',
    });
    // The same MO delivered again has the same event id.
    await recorder.onDeliverSm(mo);
    expect(publisher.published).toHaveLength(1);
  });

  it('puts the sender of a stop keyword on the list, once, and still publishes the inbound message', async () => {
    const list = new InMemorySuppressionList();
    const { recorder, publisher } = setUp({ optOuts: { stopKeywords: ['STOP', 'ARRET'], list } });
    const mo = deliverSm({
      esmClass: 0,
      shortMessage: Buffer.from(' Arret ', 'latin1'),
      sourceAddr: '6598765432',
    });
    expect(await recorder.onDeliverSm(mo)).toBe(ok);
    expect(await recorder.onDeliverSm(mo)).toBe(ok);
    expect([...list.entries.values()]).toEqual([
      expect.objectContaining({ phoneNumber: '+6598765432', source: 'inbound-keyword', keyword: 'ARRET' }),
    ]);
    expect(publisher.detailTypes()).toEqual([detailTypes.inbound]);
  });

  it('answers a stop keyword with the temporary error when the list cannot be written, so it comes back', async () => {
    const list = new InMemorySuppressionList();
    let failing = true;
    const add = list.add.bind(list);
    list.add = async (suppression) => {
      if (failing) throw new Error('DynamoDB unavailable');
      return add(suppression);
    };
    const { recorder } = setUp({ optOuts: { stopKeywords: ['STOP'], list } });
    const mo = deliverSm({
      esmClass: 0,
      shortMessage: Buffer.from('STOP', 'latin1'),
      sourceAddr: '6598765432',
    });
    expect(await recorder.onDeliverSm(mo)).toBe(temporaryError);
    expect(list.entries.size).toBe(0);
    failing = false;
    expect(await recorder.onDeliverSm(mo)).toBe(ok);
    expect(list.entries.size).toBe(1);
  });

  it('ignores stop keywords when the sub-account keeps no list, and an alphanumeric sender', async () => {
    const list = new InMemorySuppressionList();
    const { recorder: without } = setUp();
    expect(await without.onDeliverSm(deliverSm({ esmClass: 0, shortMessage: Buffer.from('STOP') }))).toBe(ok);
    const { recorder } = setUp({ optOuts: { stopKeywords: ['STOP'], list } });
    const alpha = deliverSm({
      esmClass: 0,
      shortMessage: Buffer.from('STOP'),
      sourceAddr: 'ACME',
      sourceAddrTon: 5,
    });
    expect(await recorder.onDeliverSm(alpha)).toBe(ok);
    expect(list.entries.size).toBe(0);
  });

  it('keeps an unreadable deliver_sm with its bytes, publishes it, then answers 0; a copy changes nothing', async () => {
    const { recorder, publisher, store } = setUp();
    const handled: string[] = [];
    recorder.on('handled', (info) => handled.push(info.outcome));
    // A receipt (esm_class 0x04) whose text carries no id: its message would wait for it in vain.
    const unreadable = deliverSm({ esmClass: 0x04, shortMessage: Buffer.from('stat:DELIVRD garbage') });
    expect(await recorder.onDeliverSm(unreadable)).toBe(ok);
    expect(handled).toEqual(['unparseable']);
    const detail = eventDetailSchemas[detailTypes.unreadable].parse(publisher.published[0]?.detail);
    expect(detail).toMatchObject({
      subAccount: 'acme',
      esmClass: 0x04,
      shortMessageBase64: Buffer.from('stat:DELIVRD garbage').toString('base64'),
      reason: expect.any(String),
    });
    expect([...store.eventItems.values()]).toMatchObject([{ detailType: detailTypes.unreadable, detail }]);

    expect(await recorder.onDeliverSm(unreadable)).toBe(ok);
    expect(publisher.published).toHaveLength(1);
    expect(store.eventItems.size).toBe(1);
  });

  it('asks the SMSC to redeliver an unreadable deliver_sm it could not keep, rather than lose it', async () => {
    const { recorder, publisher, store } = setUp();
    store.failNext('putEventItem');
    const unreadable = deliverSm({ shortMessage: Buffer.from('x'), esmClass: 0x08 });
    expect(await recorder.onDeliverSm(unreadable)).toBe(temporaryError);
    expect(await recorder.onDeliverSm(unreadable)).toBe(ok);
    expect(publisher.detailTypes()).toEqual([detailTypes.unreadable]);
  });

  it('finishes what is in progress on stop and then asks the SMSC to redeliver elsewhere', async () => {
    const { recorder, sent } = setUp();
    sent('m-1', 'abc');
    const inProgress = recorder.onDeliverSm(receipt('abc'));
    await recorder.stop();
    expect(await inProgress).toBe(ok);
    expect(await recorder.onDeliverSm(receipt('abc'))).toBe(temporaryError);
  });
});
