import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SmscSimulator } from '../../../local/smsc-simulator/SmscSimulator.js';
import { nextEvent } from '../../support/waitFor.js';
import { closeAll, RawSmppClient, receiptText } from './rawClient.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** 2026-11-25T17:20:42Z: receipt dates are YYMMDDhhmm in UTC. */
const FIXED_NOW = Date.UTC(2026, 10, 25, 17, 20, 42);

const simulator = new SmscSimulator({
  accounts: [
    { systemId: 'acme', password: 'pw' },
    { systemId: 'relay', password: 'pw' },
  ],
  receiptDelayMs: 5,
  receiptRedeliveryMs: 100,
  now: () => FIXED_NOW,
  outcomeRules: [
    { prefix: '3370', outcome: 'undeliverable' },
    { regex: /^3371\d+$/, outcome: 'expired' },
    { prefix: '3372', outcome: 'rejected' },
    { prefix: '3373', outcome: 'invalid-destination' },
    { prefix: '3374', outcome: 'throttled' },
    { prefix: '3375', outcome: 'submit-error', status: 0x14 },
    { prefix: '3376', outcome: 'no-receipt' },
    { prefix: '3377', outcome: 'undeliverable', err: 15 },
    { prefix: '3378', systemId: 'relay', outcome: 'rejected' },
  ],
});
let port = 0;
let clients: RawSmppClient[] = [];

const bound = async (mode: 'transceiver' | 'transmitter' | 'receiver', systemId = 'acme') => {
  const client = await RawSmppClient.connect({ port });
  clients.push(client);
  expect((await client.bind(mode, systemId, 'pw')).command_status).toBe(0);
  return client;
};

const acceptedId = async (client: RawSmppClient, fields: Record<string, unknown> = {}): Promise<string> => {
  const resp = await client.submit(fields);
  expect(resp.command_status).toBe(0);
  expect(resp.message_id).toMatch(UUID);
  return resp.message_id as string;
};

beforeAll(async () => {
  port = (await simulator.start()).port;
});
afterEach(async () => {
  await closeAll(clients);
  clients = [];
});
afterAll(() => simulator.stop());

describe('SmscSimulator receipts', () => {
  it('sends a DELIVRD receipt in 8x8 text format, with receipted_message_id and message_state', async () => {
    const client = await bound('transceiver');
    const id = await acceptedId(client, {
      source_addr: 'Fleet',
      destination_addr: '447700900123',
      short_message: Buffer.from('Your code is 123456, valid 5 minutes', 'latin1'),
    });
    const receipt = await client.waitForReceipt(id);
    expect(receiptText(receipt)).toBe(
      `id:${id} sub:001 dlvrd:001 submit date:2611251720 done date:2611251720 stat:DELIVRD err:000 ` +
        'Text:Your code is 123456,',
    );
    expect(receipt).toMatchObject({
      esm_class: 0x04,
      data_coding: 0,
      source_addr: '447700900123',
      source_addr_ton: 1,
      destination_addr: 'Fleet',
      dest_addr_ton: 5,
      receipted_message_id: id,
      message_state: 2,
    });
  });

  it('leaves Text: empty for UCS-2 and writes non-ASCII GSM characters as ?', async () => {
    const client = await bound('transceiver');
    const ucs2 = await acceptedId(client, {
      data_coding: 8,
      short_message: Buffer.from('Привет', 'utf16le').swap16(),
    });
    // GSM 03.38 unpacked: 'Caf' + é (0x05) + ' £5' (£ is 0x01).
    const gsm = await acceptedId(client, {
      short_message: Buffer.from([0x43, 0x61, 0x66, 0x05, 0x20, 0x01, 0x35]),
    });
    expect(receiptText(await client.waitForReceipt(ucs2))).toMatch(/ stat:DELIVRD err:000 Text:$/);
    expect(receiptText(await client.waitForReceipt(gsm))).toMatch(/ Text:Caf\? \?5$/);
    const recorded = simulator.submittedMessages().find((message) => message.messageId === ucs2)!;
    expect(recorded.text).toBe('Привет');
  });

  it('sends the receipt to another bind of the same system_id when the submitting bind is a transmitter', async () => {
    const transmitter = await bound('transmitter');
    const receiver = await bound('receiver');
    const id = await acceptedId(transmitter);
    const receipt = await receiver.waitForReceipt(id);
    expect(receiptText(receipt)).toContain('stat:DELIVRD');
    expect(transmitter.receiptsFor(id)).toHaveLength(0);
  });

  it('keeps a receipt until a receiving bind of the system_id appears', async () => {
    const transmitter = await bound('transmitter', 'relay');
    const waiting = nextEvent(simulator, 'submit');
    const id = await acceptedId(transmitter);
    await waiting;
    const sentLater = nextEvent<{ id: string }>(simulator, 'deliver', (event) => event.id === id);
    const receiver = await bound('receiver', 'relay');
    await sentLater;
    await receiver.waitForReceipt(id);
  });

  it('sends a receipt again until a bind answers it with status 0', async () => {
    const client = await bound('transceiver');
    client.deliverSmStatus = null; // first: no deliver_sm_resp at all
    const before = simulator.stats().accounts.acme!.receipts;
    const id = await acceptedId(client);
    await client.waitForReceipt(id);
    client.deliverSmStatus = 0x08; // then an error status
    await client.waitFor(() => client.receiptsFor(id).length >= 2, 'the second copy of the receipt');
    const answered = nextEvent<{ id: string; status: number }>(
      simulator,
      'deliver-resp',
      (event) => event.id === id && event.status === 0,
    );
    client.deliverSmStatus = 0;
    await answered;

    expect(client.receiptsFor(id)).toHaveLength(3);
    const after = simulator.stats().accounts.acme!.receipts;
    expect(after.redelivered - before.redelivered).toBe(2);
    expect(after.answeredError - before.answeredError).toBe(1);
    expect(after.answeredOk - before.answeredOk).toBe(1);
    expect(after.outstanding).toBe(0);
  });

  it('sends no receipt when registered_delivery is 0, and one only for failures when it is 2', async () => {
    const client = await bound('transceiver');
    const none = await acceptedId(client, { registered_delivery: 0 });
    const failureOnlyDelivered = await acceptedId(client, { registered_delivery: 2 });
    const failureOnlyFailed = await acceptedId(client, {
      registered_delivery: 2,
      destination_addr: '3370111',
    });
    const always = await acceptedId(client, { registered_delivery: 1 });
    // Receipts leave in submit order with the same delay, so once the last one is here the others would be.
    await client.waitForReceipt(always);
    await client.waitForReceipt(failureOnlyFailed);
    expect(client.receiptsFor(none)).toHaveLength(0);
    expect(client.receiptsFor(failureOnlyDelivered)).toHaveLength(0);
  });

  it('gives each part of a concatenated message its own id and receipt', async () => {
    const client = await bound('transceiver');
    const udh = (sequence: number) => Buffer.from([0x05, 0x00, 0x03, 0x7a, 0x02, sequence]);
    const first = await acceptedId(client, {
      esm_class: 0x40,
      short_message: Buffer.concat([udh(1), Buffer.from('Part one of the text ', 'latin1')]),
    });
    const second = await acceptedId(client, {
      esm_class: 0x40,
      short_message: Buffer.concat([udh(2), Buffer.from('and part two', 'latin1')]),
    });
    expect(first).not.toBe(second);
    expect(receiptText(await client.waitForReceipt(first))).toMatch(/ Text:Part one of the text$/);
    expect(receiptText(await client.waitForReceipt(second))).toMatch(/ Text:and part two$/);
    const parts = simulator
      .submittedMessages()
      .filter((m) => m.messageId === first || m.messageId === second);
    expect(parts.map((m) => m.concat)).toEqual([
      { reference: 0x7a, total: 2, sequence: 1 },
      { reference: 0x7a, total: 2, sequence: 2 },
    ]);
    expect(parts[0]!.shortMessage.subarray(0, 6)).toEqual(udh(1));
  });

  it('applies outcome rules in order: receipt stat and err, or a submit error without receipt', async () => {
    const client = await bound('transceiver');
    const cases = [
      { to: '337012', stat: 'UNDELIV', err: '001', state: 5 },
      { to: '337112', stat: 'EXPIRED', err: '036', state: 3 },
      { to: '337212', stat: 'REJECTD', err: '043', state: 8 },
      { to: '337712', stat: 'UNDELIV', err: '015', state: 5 },
      { to: '337812', stat: 'DELIVRD', err: '000', state: 2 }, // the rule is for another system_id
    ];
    const ids: string[] = [];
    for (const c of cases) ids.push(await acceptedId(client, { destination_addr: c.to }));
    for (const [i, c] of cases.entries()) {
      const receipt = await client.waitForReceipt(ids[i]!);
      const dlvrd = c.stat === 'DELIVRD' ? '001' : '000';
      expect(receiptText(receipt)).toMatch(
        new RegExp(` dlvrd:${dlvrd} .* stat:${c.stat} err:${c.err} Text:`),
      );
      expect(receipt.message_state).toBe(c.state);
    }

    expect((await client.submit({ destination_addr: '337312' })).command_status).toBe(0x0b);
    expect((await client.submit({ destination_addr: '337412' })).command_status).toBe(0x58);
    expect((await client.submit({ destination_addr: '337512' })).command_status).toBe(0x14);
    const silent = await acceptedId(client, { destination_addr: '337612' });
    const last = await acceptedId(client);
    await client.waitForReceipt(last);
    expect(client.receiptsFor(silent)).toHaveLength(0);
    expect(client.received.filter((e) => e.pdu.command === 'deliver_sm')).toHaveLength(cases.length + 1);
    expect(simulator.stats().accounts.acme!.submits.errors).toMatchObject({ '0x0b': 1, '0x14': 1 });
  });

  it('sends MO messages as GSM 03.38 with data_coding 0, or UCS-2 with data_coding 8', async () => {
    const client = await bound('receiver');
    simulator.sendMobileOriginated('acme', { from: '+447700900555', to: '12345', text: 'STOP @ once' });
    const gsm = await client.waitFor(
      (pdu) => pdu.command === 'deliver_sm' && pdu.data_coding === 0,
      'GSM MO',
    );
    expect(gsm).toMatchObject({
      esm_class: 0,
      source_addr: '447700900555',
      source_addr_ton: 1,
      destination_addr: '12345',
    });
    // Letters and spaces are their ASCII codes in GSM 03.38; '@' is 0x00.
    expect(gsm.short_message).toEqual(
      Buffer.from([...Buffer.from('STOP ', 'latin1'), 0x00, ...Buffer.from(' once')]),
    );

    const answered = nextEvent<{ kind: string; status: number }>(
      simulator,
      'deliver-resp',
      (e) => e.kind === 'mo',
    );
    simulator.sendMobileOriginated('acme', { from: '447700900555', to: '12345', text: 'Привет 👋' });
    const ucs2 = await client.waitFor(
      (pdu) => pdu.command === 'deliver_sm' && pdu.data_coding === 8,
      'UCS-2 MO',
    );
    expect((ucs2.short_message as Buffer).swap16().toString('utf16le')).toBe('Привет 👋');
    await answered;
    expect(simulator.stats().accounts.acme!.mo).toMatchObject({ generated: 2, sent: 2, outstanding: 0 });
  });
});

describe('SmscSimulator receipts without TLVs', () => {
  it('leaves out receipted_message_id and message_state when receiptTlvs is false', async () => {
    const plain = new SmscSimulator({ accounts: [{ systemId: 'acme', password: 'pw' }], receiptTlvs: false });
    try {
      const client = await RawSmppClient.connect({ port: (await plain.start()).port });
      clients.push(client);
      expect((await client.bind('transceiver', 'acme', 'pw')).command_status).toBe(0);
      const id = await acceptedId(client);
      const receipt = await client.waitForReceipt(id);
      expect(receipt.receipted_message_id).toBeUndefined();
      expect(receipt.message_state).toBeUndefined();
      expect(receiptText(receipt)).toMatch(
        new RegExp(`^id:${id} sub:001 dlvrd:001 .* stat:DELIVRD err:000 Text:`),
      );
    } finally {
      await plain.stop();
    }
  });
});
