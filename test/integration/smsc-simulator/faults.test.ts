import { performance } from 'node:perf_hooks';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { noFaults } from '../../../local/smsc-simulator/options.js';
import { SmscSimulator } from '../../../local/smsc-simulator/SmscSimulator.js';
import { nextEvent, withTimeout } from '../../support/waitFor.js';
import { closeAll, isReceiptFor, RawSmppClient, submitFields } from './rawClient.js';

/** Scripted random(): each submit_sm under missingRespRate takes the next value. */
const randomValues: number[] = [];
const simulator = new SmscSimulator({
  accounts: [{ systemId: 'acme', password: 'pw' }],
  tls: { port: 0 },
  receiptDelayMs: 5,
  receiptRedeliveryMs: 2000,
  random: () => randomValues.shift() ?? 0.99,
});
let port = 0;
let tlsPort = 0;
let clients: RawSmppClient[] = [];

const bound = async (mode: 'transceiver' | 'transmitter' | 'receiver', tls = false) => {
  const client = await RawSmppClient.connect(
    tls ? { port: tlsPort, tlsCa: simulator.tlsCertificatePem! } : { port },
  );
  clients.push(client);
  expect((await client.bind(mode, 'acme', 'pw')).command_status).toBe(0);
  return client;
};

beforeAll(async () => {
  ({ port, tlsPort = 0 } = await simulator.start());
});
beforeEach(() => simulator.setFaults(noFaults));
afterEach(async () => {
  await closeAll(clients);
  clients = [];
});
afterAll(() => simulator.stop());

describe('SmscSimulator faults', () => {
  it('earlyReceipts: the receipt arrives before the submit_sm_resp on the same bind', async () => {
    const client = await bound('transceiver');
    simulator.setFaults({ earlyReceipts: true });
    const resp = await client.submit();
    const id = resp.message_id as string;
    const receiptOrder = client.orderOf((pdu) => isReceiptFor(pdu, id));
    const respOrder = client.orderOf((pdu) => pdu.command === 'submit_sm_resp' && pdu.message_id === id);
    expect(receiptOrder).toBeDefined();
    expect(receiptOrder!).toBeLessThan(respOrder!);
  });

  it('earlyReceipts: on another bind, the resp waits until the receipt has been answered', async () => {
    const transmitter = await bound('transmitter');
    const receiver = await bound('receiver', true);
    simulator.setFaults({ earlyReceipts: true });
    const resp = await transmitter.submit();
    const receipt = receiver.received.find((entry) => isReceiptFor(entry.pdu, resp.message_id as string));
    expect(receipt).toBeDefined();
    const respOrder = transmitter.orderOf((pdu) => pdu.command === 'submit_sm_resp');
    expect(receipt!.order).toBeLessThan(respOrder!);
  });

  it('missingRespRate: withholds the resp of the submits random() picks, and still sends their receipts', async () => {
    const client = await bound('transceiver');
    simulator.setFaults({ missingRespRate: 0.5 });
    randomValues.push(0.2, 0.7); // 0.2 < 0.5: first withheld; 0.7: second answered
    const withheldBefore = simulator.stats().accounts.acme!.submits.respsWithheld;
    const lost = client.send('submit_sm', submitFields({ destination_addr: '447700900701' }));
    const answered = await client.submit({ destination_addr: '447700900702' });
    expect(answered.command_status).toBe(0);
    // Resps leave in arrival order, so the first one would be here by now.
    expect(
      client.received.some((e) => e.pdu.command === 'submit_sm_resp' && e.pdu.sequence_number === lost),
    ).toBe(false);
    expect(simulator.stats().accounts.acme!.submits.respsWithheld).toBe(withheldBefore + 1);
    const message = simulator.submittedMessages().find((m) => m.destination === '447700900701')!;
    expect(message.respWithheld).toBe(true);
    await client.waitForReceipt(message.messageId);
  });

  it('dropConnections: destroys every socket on both listeners, and binds work again afterwards', async () => {
    const plain = await bound('transceiver');
    const tls = await bound('receiver', true);
    let unbinds = 0;
    const released = nextEvent(simulator, 'unbind', () => ++unbinds === 2);
    simulator.dropConnections();
    await withTimeout(Promise.all([plain.closed, tls.closed]), 'both clients closing');
    await released;
    expect(simulator.stats().accounts.acme!.binds.current).toBe(0);
    await bound('transceiver');
  });

  it('latencyMs: delays every response by at least that long', async () => {
    const client = await bound('transceiver');
    const latencyMs = 500;
    simulator.setFaults({ latencyMs });
    const started = performance.now();
    expect((await client.request('enquire_link')).command_status).toBe(0);
    expect((await client.submit()).command_status).toBe(0);
    // Timers may fire a millisecond early by the monotonic clock; allow for it.
    expect(performance.now() - started).toBeGreaterThanOrEqual(2 * latencyMs - 2);
    // Cleared: the next answer comes sooner than the delay would allow. The delay is long enough that a
    // loaded machine's round trip (tens of ms) cannot reach it.
    simulator.setFaults({ latencyMs: 0 });
    const quick = performance.now();
    await client.request('enquire_link');
    expect(performance.now() - quick).toBeLessThan(latencyMs);
  });

  it('refuseBinds: answers every bind with 0x08 and closes, until cleared', async () => {
    simulator.setFaults({ refuseBinds: true });
    const refused = await RawSmppClient.connect({ port });
    clients.push(refused);
    expect((await refused.bind('transceiver', 'acme', 'pw')).command_status).toBe(0x08);
    await withTimeout(refused.closed, 'close after a refused bind');
    expect(simulator.stats().accounts.acme!.binds.rejected.refused).toBeGreaterThanOrEqual(1);
    simulator.setFaults({ refuseBinds: false });
    await bound('transceiver');
  });

  it('submitErrorStatus: answers the next N submits with that status, then clears itself', async () => {
    const client = await bound('transmitter');
    simulator.setFaults({ submitErrorStatus: { status: 0x14, count: 2 } });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await client.submit()).command_status);
    expect(statuses).toEqual([0x14, 0x14, 0]);
    expect(simulator.faults.submitErrorStatus).toBeNull();
  });

  it('dropOnSubmit: closes the connection on the first N submits to each matching destination, unanswered and not taken', async () => {
    simulator.setFaults({ dropOnSubmit: { destinationPrefix: '4477009', timesEach: 2 } });
    const before = simulator.stats().accounts.acme!.submits;
    for (let drop = 0; drop < 2; drop++) {
      const client = await bound('transmitter');
      client.send('submit_sm', submitFields({ destination_addr: '447700900001' }));
      await withTimeout(client.closed, 'the connection closed after the submit');
    }
    const client = await bound('transmitter');
    // Another destination is not dropped; the dropped one is taken on its third submit.
    expect((await client.submit({ destination_addr: '447700800001' })).command_status).toBe(0);
    expect((await client.submit({ destination_addr: '447700900001' })).command_status).toBe(0);
    const after = simulator.stats().accounts.acme!.submits;
    expect(after.dropped - before.dropped).toBe(2);
    expect(after.accepted - before.accepted).toBe(2);
  });

  it('duplicateReceipts: sends each receipt twice', async () => {
    const client = await bound('transceiver');
    simulator.setFaults({ duplicateReceipts: true });
    const id = (await client.submit()).message_id as string;
    await client.waitFor(() => client.receiptsFor(id).length === 2, 'two copies of the receipt');
    const [a, b] = client.receiptsFor(id);
    expect(a!.pdu.short_message).toEqual(b!.pdu.short_message);
    expect(a!.pdu.sequence_number).not.toBe(b!.pdu.sequence_number);
  });

  it('holdBinds: keeps a bind unanswered and uncounted until cleared, then answers it', async () => {
    const acceptedBefore = simulator.stats().accounts.acme!.binds.accepted;
    simulator.setFaults({ holdBinds: true });
    const client = await RawSmppClient.connect({ port });
    clients.push(client);
    const held = nextEvent(simulator, 'bind-held');
    const resp = client.bind('transceiver', 'acme', 'pw');
    expect(await held).toMatchObject({ systemId: 'acme', mode: 'transceiver', transport: 'plain' });
    // An enquire_link sent after the bind is answered: the connection is alive, only the bind waits.
    expect((await client.request('enquire_link')).command_status).toBe(0);
    expect(client.received.some((entry) => entry.pdu.command === 'bind_transceiver_resp')).toBe(false);
    expect(simulator.stats().accounts.acme!.binds).toMatchObject({ current: 0, accepted: acceptedBefore });
    simulator.setFaults({ holdBinds: false });
    expect((await resp).command_status).toBe(0);
    expect(simulator.stats().accounts.acme!.binds).toMatchObject({
      current: 1,
      accepted: acceptedBefore + 1,
    });
  });

  it('holdBinds: a held bind whose client hangs up is never bound, not even once the fault is cleared', async () => {
    const acceptedBefore = simulator.stats().accounts.acme!.binds.accepted;
    simulator.setFaults({ holdBinds: true });
    const client = await RawSmppClient.connect({ port });
    clients.push(client);
    const held = nextEvent<{ connectionId: string }>(simulator, 'bind-held');
    void client.bind('transceiver', 'acme', 'pw').catch(() => undefined);
    const { connectionId } = await held;
    const closed = nextEvent<{ connectionId: string; bindId: string | undefined }>(
      simulator,
      'connection-closed',
      (event) => event.connectionId === connectionId,
    );
    client.destroy();
    expect((await closed).bindId).toBeUndefined();
    let binds = 0;
    const countBind = () => binds++;
    simulator.on('bind', countBind);
    simulator.setFaults({ holdBinds: false });
    simulator.off('bind', countBind);
    expect(binds).toBe(0);
    expect(simulator.stats().accounts.acme!.binds).toMatchObject({ current: 0, accepted: acceptedBefore });
  });

  it('ignoreEnquireLink: stops answering enquire_link until cleared', async () => {
    const client = await bound('transceiver');
    simulator.setFaults({ ignoreEnquireLink: true });
    const unanswered = client.send('enquire_link');
    expect((await client.submit()).command_status).toBe(0);
    expect(client.received.some((e) => e.pdu.sequence_number === unanswered)).toBe(false);
    simulator.setFaults({ ignoreEnquireLink: false });
    expect((await client.request('enquire_link')).command_status).toBe(0);
  });
});
