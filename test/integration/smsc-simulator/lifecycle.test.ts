import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { SmscSimulatorConfigError, SmscSimulatorStateError } from '../../../local/smsc-simulator/errors.js';
import { SmscSimulator } from '../../../local/smsc-simulator/SmscSimulator.js';
import { nextEvent, withTimeout } from '../../support/waitFor.js';
import { RawSmppClient } from './rawClient.js';

const account = { systemId: 'acme', password: 'pw' };

const configError = (build: () => unknown): SmscSimulatorConfigError => {
  try {
    build();
  } catch (error) {
    if (error instanceof SmscSimulatorConfigError) return error;
    throw error;
  }
  throw new Error('expected a SmscSimulatorConfigError');
};

describe('SmscSimulator options', () => {
  it('names the bad field when options do not validate', () => {
    expect(configError(() => new SmscSimulator({ accounts: [{ ...account, maxBinds: 0 }] })).message).toMatch(
      /accounts\.0\.maxBinds/,
    );
    expect(configError(() => new SmscSimulator({ accounts: [] })).message).toMatch(/accounts:/);
    expect(
      configError(() => new SmscSimulator({ accounts: [account], recieptDelayMs: 5 } as never)).message,
    ).toMatch(/recieptDelayMs: unknown option/);
    expect(configError(() => new SmscSimulator({ accounts: [account, account] })).message).toMatch(
      /accounts\.1\.systemId: duplicate systemId/,
    );
    expect(
      configError(
        () =>
          new SmscSimulator({
            accounts: [account],
            outcomeRules: [{ prefix: '44', regex: '^44', outcome: 'delivered' }],
          }),
      ).message,
    ).toMatch(/outcomeRules\.0\.prefix: give exactly one of prefix or regex/);
    expect(
      configError(
        () =>
          new SmscSimulator({
            accounts: [account],
            outcomeRules: [{ prefix: '44', outcome: 'submit-error' }],
          }),
      ).message,
    ).toMatch(/outcomeRules\.0\.status/);
    const simulator = new SmscSimulator({ accounts: [account] });
    expect(configError(() => simulator.setFaults({ missingRespRate: 2 })).message).toMatch(
      /faults\.missingRespRate/,
    );
  });

  it('applies the documented defaults', () => {
    const simulator = new SmscSimulator({ accounts: [account] });
    expect(simulator.faults).toEqual({
      latencyMs: 0,
      refuseBinds: false,
      missingRespRate: 0,
      submitErrorStatus: null,
      dropOnSubmit: null,
      duplicateReceipts: false,
      earlyReceipts: false,
      ignoreEnquireLink: false,
      holdBinds: false,
    });
    expect(simulator.simulatorStatus).toBe('idle');
  });
});

describe('SmscSimulator lifecycle', () => {
  it('stop() closes client sockets and clears every timer, even with receipts and latency pending', async () => {
    const simulator = new SmscSimulator({
      accounts: [account],
      tls: { port: 0 },
      receiptDelayMs: 60_000,
      receiptRedeliveryMs: 60_000,
    });
    const { port, tlsPort } = await simulator.start();
    expect(await simulator.start()).toEqual({ port, tlsPort });
    const client = await RawSmppClient.connect({ port });
    expect((await client.bind('transceiver', 'acme', 'pw')).command_status).toBe(0);
    expect((await client.submit()).command_status).toBe(0); // its receipt timer: 60 s
    client.deliverSmStatus = null; // left unanswered, so its redelivery stays pending
    simulator.sendMobileOriginated('acme', { from: '447700900555', to: '12345', text: 'hi' });
    await client.waitFor((pdu) => pdu.command === 'deliver_sm', 'the MO'); // its redelivery timer: 60 s
    simulator.setFaults({ latencyMs: 60_000 });
    const seen = nextEvent(simulator, 'enquire-link');
    client.send('enquire_link'); // its response timer: 60 s
    await seen;
    expect(simulator.pendingTimerCount).toBe(3);

    await withTimeout(simulator.stop(), 'stop()');
    await withTimeout(client.closed, 'the client socket closing');
    expect(simulator.simulatorStatus).toBe('stopped');
    expect(simulator.pendingTimerCount).toBe(0);
    await simulator.stop();
    await expect(simulator.start()).rejects.toBeInstanceOf(SmscSimulatorStateError);
  });

  it('rejects start() with a clear error when the port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as import('node:net').AddressInfo;
    const simulator = new SmscSimulator({ accounts: [account], port });
    try {
      await expect(simulator.start()).rejects.toThrow(/could not listen: .*EADDRINUSE/);
      expect(simulator.simulatorStatus).toBe('stopped');
    } finally {
      await simulator.stop();
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('stop() before start() resolves at once', async () => {
    const simulator = new SmscSimulator({ accounts: [account] });
    await withTimeout(simulator.stop(), 'stop()');
    expect(simulator.simulatorStatus).toBe('stopped');
  });
});
