import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SmscSimulator } from '../../../local/smsc-simulator/SmscSimulator.js';
import { bindModes } from '../../../worker/smpp/types.js';
import { nextEvent, withTimeout } from '../../support/waitFor.js';
import { closeAll, RawSmppClient } from './rawClient.js';

const simulator = new SmscSimulator({
  accounts: [
    { systemId: 'acme', password: 'secret' },
    { systemId: 'other', password: 'pw', maxBinds: 1 },
  ],
  tls: { port: 0 },
});
let port = 0;
let tlsPort = 0;
let clients: RawSmppClient[] = [];

const connect = async (tls = false): Promise<RawSmppClient> => {
  const client = await RawSmppClient.connect(
    tls ? { port: tlsPort, tlsCa: simulator.tlsCertificatePem! } : { port },
  );
  clients.push(client);
  return client;
};

beforeAll(async () => {
  const ports = await simulator.start();
  port = ports.port;
  tlsPort = ports.tlsPort!;
});
afterEach(async () => {
  await closeAll(clients);
  clients = [];
});
afterAll(() => simulator.stop());

describe('SmscSimulator binds', () => {
  it.each(bindModes)('accepts bind_%s on the plain listener', async (mode) => {
    const client = await connect();
    const bound = nextEvent(simulator, 'bind');
    const resp = await client.bind(mode, 'acme', 'secret');
    expect(resp.command_status).toBe(0);
    expect(resp.command).toBe(`bind_${mode}_resp`);
    expect(resp.system_id).toBe('SMSCSIM');
    await expect(bound).resolves.toMatchObject({ systemId: 'acme', mode, transport: 'plain' });
  });

  it('accepts a bind over TLS when the client trusts tlsCertificatePem as its CA, verification on', async () => {
    expect(simulator.tlsCertificatePem).toMatch(/^-----BEGIN CERTIFICATE-----/);
    const client = await connect(true);
    const socket = client.session.socket as import('node:tls').TLSSocket;
    expect(socket.authorized).toBe(true);
    expect(['TLSv1.2', 'TLSv1.3']).toContain(socket.getProtocol());
    const bound = nextEvent(simulator, 'bind');
    expect((await client.bind('transceiver', 'acme', 'secret')).command_status).toBe(0);
    await expect(bound).resolves.toMatchObject({ transport: 'tls' });
  });

  it('refuses a TLS client that does not trust the certificate', async () => {
    await expect(RawSmppClient.connect({ port: tlsPort, tlsCa: '' })).rejects.toThrow(/self[- ]signed/i);
  });

  it('answers a wrong password with 0x0E and an unknown system_id with 0x0F, closing each connection', async () => {
    const wrongPassword = await connect();
    expect((await wrongPassword.bind('transceiver', 'acme', 'nope')).command_status).toBe(0x0e);
    await withTimeout(wrongPassword.closed, 'close after a failed bind');
    const unknown = await connect();
    expect((await unknown.bind('transmitter', 'nobody', 'secret')).command_status).toBe(0x0f);
    await withTimeout(unknown.closed, 'close after a failed bind');
    const stats = simulator.stats();
    expect(stats.accounts.acme!.binds.rejected['invalid-password']).toBeGreaterThanOrEqual(1);
    expect(stats.unknownSystemIdBinds).toBeGreaterThanOrEqual(1);
  });

  it('rejects a fifth concurrent bind across both listeners with 0x0D, and accepts one after an unbind', async () => {
    const four = [await connect(), await connect(), await connect(true), await connect(true)];
    for (const [i, client] of four.entries()) {
      const resp = await client.bind(bindModes[i % 3]!, 'acme', 'secret');
      expect(resp.command_status).toBe(0);
    }
    const rejectedBefore = simulator.stats().accounts.acme!.binds.rejected['bind-limit'];
    const fifth = await connect(true);
    expect((await fifth.bind('receiver', 'acme', 'secret')).command_status).toBe(0x0d);
    await withTimeout(fifth.closed, 'the rejected connection closing');
    const full = simulator.stats().accounts.acme!;
    expect(full.binds.current).toBe(4);
    expect(full.binds.peak).toBe(4);
    expect(full.binds.rejected['bind-limit']).toBe(rejectedBefore + 1);

    await four[0]!.unbindAndClose();
    const again = await connect();
    expect((await again.bind('transceiver', 'acme', 'secret')).command_status).toBe(0);
    expect(simulator.stats().accounts.acme!.binds.current).toBe(4);
  });

  it('counts the cap per system_id, not per server', async () => {
    const first = await connect();
    expect((await first.bind('transceiver', 'other', 'pw')).command_status).toBe(0);
    const second = await connect();
    expect((await second.bind('transceiver', 'other', 'pw')).command_status).toBe(0x0d);
    const acme = await connect();
    expect((await acme.bind('transceiver', 'acme', 'secret')).command_status).toBe(0);
  });

  it('answers a second bind on a bound session with 0x05 and keeps the first bind', async () => {
    const client = await connect();
    expect((await client.bind('transceiver', 'acme', 'secret')).command_status).toBe(0);
    expect((await client.bind('transmitter', 'acme', 'secret')).command_status).toBe(0x05);
    expect((await client.submit()).command_status).toBe(0);
  });

  it('answers PDUs before bind with 0x04, and submit_sm on a receiver bind with 0x04', async () => {
    const client = await connect();
    expect((await client.submit()).command_status).toBe(0x04);
    expect((await client.request('unbind')).command_status).toBe(0x04);
    expect((await client.bind('receiver', 'acme', 'secret')).command_status).toBe(0);
    expect((await client.submit()).command_status).toBe(0x04);
  });

  it('answers enquire_link, and generic_nack 0x03 for commands it does not support or know', async () => {
    const client = await connect();
    expect((await client.request('enquire_link')).command_status).toBe(0);
    expect((await client.bind('transceiver', 'acme', 'secret')).command_status).toBe(0);
    const querySm = await client.request('query_sm', { message_id: 'x' });
    expect(querySm.command).toBe('generic_nack');
    expect(querySm.command_status).toBe(0x03);

    // A command id the package does not know, written as raw bytes.
    const unknown = Buffer.alloc(16);
    unknown.writeUInt32BE(16, 0);
    unknown.writeUInt32BE(0x0000_0999, 4);
    unknown.writeUInt32BE(0, 8);
    unknown.writeUInt32BE(4242, 12);
    client.session.socket.write(unknown);
    const nack = await client.waitFor((pdu) => pdu.sequence_number === 4242, 'generic_nack for 4242');
    expect(nack.command).toBe('generic_nack');
    expect(nack.command_status).toBe(0x03);
    expect((await client.request('enquire_link')).command_status).toBe(0);
  });

  it('closes a connection that sends a malformed frame, without crashing', async () => {
    const client = await connect();
    const header = Buffer.alloc(4);
    header.writeUInt32BE(1_000_000, 0);
    const failed = nextEvent(simulator, 'connection-error');
    client.session.socket.write(header);
    await failed;
    await withTimeout(client.closed, 'close after a malformed frame');
  });

  it('unbindAll sends unbind to the clients of one system_id and frees their slots', async () => {
    const acme = [await connect(), await connect(true)];
    for (const client of acme)
      expect((await client.bind('transceiver', 'acme', 'secret')).command_status).toBe(0);
    const other = await connect();
    expect((await other.bind('transceiver', 'other', 'pw')).command_status).toBe(0);

    await withTimeout(simulator.unbindAll('acme'), 'unbindAll');
    for (const client of acme) {
      expect(client.received.some((entry) => entry.pdu.command === 'unbind')).toBe(true);
      await withTimeout(client.closed, 'close after server unbind');
    }
    expect(simulator.stats().accounts.acme!.binds.current).toBe(0);
    expect((await other.request('enquire_link')).command_status).toBe(0);
    expect(simulator.stats().accounts.other!.binds.current).toBe(1);
  });
});
