import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SmscSimulator } from '../../../local/smsc-simulator/SmscSimulator.js';
import { withTimeout } from '../../support/waitFor.js';
import { closeAll, RawSmppClient, submitFields } from './rawClient.js';

/** A clock the tests move by hand, so window edges are exact. */
let clock = 1_800_000_000_000;

const simulator = new SmscSimulator({
  accounts: [
    { systemId: 'realtime', password: 'pw' },
    { systemId: 'manual', password: 'pw', submitsPerSecond: 5 },
  ],
  receiptDelayMs: 0,
});
const manualClock = new SmscSimulator({
  accounts: [{ systemId: 'manual', password: 'pw', submitsPerSecond: 5 }],
  now: () => clock,
});
let clients: RawSmppClient[] = [];

const boundClient = async (port: number, systemId: string): Promise<RawSmppClient> => {
  const client = await RawSmppClient.connect({ port });
  clients.push(client);
  expect((await client.bind('transceiver', systemId, 'pw')).command_status).toBe(0);
  return client;
};

let port = 0;
let manualPort = 0;
beforeAll(async () => {
  port = (await simulator.start()).port;
  manualPort = (await manualClock.start()).port;
});
afterEach(async () => {
  await closeAll(clients);
  clients = [];
});
afterAll(async () => {
  await simulator.stop();
  await manualClock.stop();
});

describe('SmscSimulator rate limit', () => {
  it('accepts exactly 50 of 60 submits sent at once on one bind and answers the other 10 with 0x58', async () => {
    const client = await boundClient(port, 'realtime');
    const responses = await withTimeout(
      Promise.all(Array.from({ length: 60 }, (_, i) => client.submit({ destination_addr: `4477009${i}` }))),
      '60 submit_sm_resp',
    );
    const statuses = responses.map((resp) => resp.command_status);
    expect(statuses.filter((status) => status === 0)).toHaveLength(50);
    expect(statuses.filter((status) => status === 0x58)).toHaveLength(10);
    // The window fills in arrival order: the first 50 pass, the last 10 are throttled.
    expect(statuses.slice(0, 50).every((status) => status === 0)).toBe(true);

    const stats = simulator.stats().accounts.realtime!;
    expect(stats.submits).toMatchObject({
      received: 60,
      accepted: 50,
      throttled: 10,
      errors: { '0x58': 10 },
    });
    expect(stats.submits.maxAcceptedInAnyWindowPerBind).toBe(50);
    const [bind] = stats.perBind;
    expect(bind).toMatchObject({ accepted: 50, throttled: 10, maxAcceptedInAnyWindow: 50 });

    const counts = simulator.perSecondCounts().find((entry) => entry.bindId === bind!.bindId)!;
    expect(counts.seconds.reduce((sum, s) => sum + s.accepted, 0)).toBe(50);
    expect(counts.seconds.reduce((sum, s) => sum + s.throttled, 0)).toBe(10);
    expect(simulator.submittedMessages()).toHaveLength(50);
  });

  it('slides the window over arrival times: a submit 1000 ms after the oldest accepted one passes', async () => {
    const client = await boundClient(manualPort, 'manual');
    const start = clock;
    for (let i = 0; i < 5; i++) {
      expect((await client.submit()).command_status).toBe(0);
      clock += 100;
    }
    // Accepted at start … start+400; now start+500.
    expect((await client.submit()).command_status).toBe(0x58);
    clock = start + 999;
    expect((await client.submit()).command_status).toBe(0x58);
    clock = start + 1000;
    expect((await client.submit()).command_status).toBe(0);
    expect((await client.submit()).command_status).toBe(0x58);
    clock = start + 1100;
    expect((await client.submit()).command_status).toBe(0);

    const bind = manualClock.stats().accounts.manual!.perBind.at(-1)!;
    expect(bind).toMatchObject({ accepted: 7, throttled: 3, maxAcceptedInAnyWindow: 5 });
  });

  it('limits each bind separately', async () => {
    const first = await boundClient(port, 'manual');
    const second = await boundClient(port, 'manual');
    const sendSix = (client: RawSmppClient) =>
      Promise.all(Array.from({ length: 6 }, () => client.request('submit_sm', submitFields())));
    const [a, b] = await Promise.all([sendSix(first), sendSix(second)]);
    for (const responses of [a, b]) {
      expect(responses.filter((resp) => resp.command_status === 0)).toHaveLength(5);
      expect(responses.filter((resp) => resp.command_status === 0x58)).toHaveLength(1);
    }
    const stats = simulator.stats().accounts.manual!;
    expect(stats.submits.accepted).toBe(10);
    expect(stats.submits.maxAcceptedInAnyWindowPerBind).toBe(5);
  });
});
