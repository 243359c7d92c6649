import { EventEmitter } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { CommandStatus } from '../../../core/smpp/commandStatus.js';
import { newPdu, parsePdu } from '../../../core/smpp/smppPackage.js';
import { SmscSimulator } from '../../../local/smsc-simulator/SmscSimulator.js';
import { trustedCertificates } from '../../../worker/runtime/workerSettings.js';
import {
  SmppConnectionClosedError,
  SmppError,
  SmppNotBoundError,
  SmppResponseTimeoutError,
} from '../../../worker/smpp/errors.js';
import type { SmppBind, SubmitSmOutcome } from '../../../worker/smpp/SmppBind.js';
import type { BindMode, DeliverSm } from '../../../worker/smpp/types.js';
import { throttledAllowance } from '../../support/throttledAllowance.js';
import { nextEvent, withTimeout } from '../../support/waitFor.js';
import { bindTo, password, startBound, systemId, textPart } from './bindFixture.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function simulator(options: Partial<ConstructorParameters<typeof SmscSimulator>[0]> = {}) {
  const sim = new SmscSimulator({
    accounts: [{ systemId, password }],
    tls: { port: 0 },
    receiptDelayMs: 20,
    ...options,
  });
  const ports = await sim.start();
  cleanups.push(() => sim.stop());
  return { sim, ports };
}

function track(bind: SmppBind): SmppBind {
  cleanups.push(() => bind.stop());
  return bind;
}

describe('SmppBind against the 8x8 simulator', () => {
  it.each<[BindMode, boolean]>([
    ['transceiver', false],
    ['transmitter', false],
    ['receiver', false],
    ['transceiver', true],
    ['transmitter', true],
    ['receiver', true],
  ])('binds as %s (TLS: %s) and the SMSC sees that bind', async (bindMode, tls) => {
    const { sim, ports } = await simulator();
    const port = tls ? (ports.tlsPort ?? 0) : ports.port;
    const bind = track(
      bindTo(port, {
        bindMode,
        // TLS trusts what a worker trusts: Node's bundled CAs plus the sub-account's (the simulator's).
        endpoint: {
          host: 'localhost',
          port,
          tls,
          ...(tls
            ? {
                caPem: trustedCertificates({
                  caCertificatePem: sim.tlsCertificatePem,
                  caReplacesSystemStore: false,
                }),
              }
            : {}),
        },
      }),
    );
    await startBound(bind);
    const account = sim.stats().accounts[systemId];
    expect(account?.binds.current).toBe(1);
    expect(account?.perBind[0]?.mode).toBe(bindMode);
    expect(account?.perBind[0]?.transport).toBe(tls ? 'tls' : 'plain');
  });

  it('refuses a TLS SMSC whose certificate it cannot verify', async () => {
    const { ports } = await simulator();
    const port = ports.tlsPort ?? 0;
    const bind = track(bindTo(port, { endpoint: { host: 'localhost', port, tls: true } }));
    const closed = nextEvent<{ to: string; reason: string }>(bind, 'status', (c) => c.to === 'closed');
    bind.start();
    const change = await closed;
    expect(change.reason).toMatch(/certificate/i);
    expect(bind.status).not.toBe('bound');
  });

  it('reports a 5th bind as rejected by the SMSC and backs off with growing delays', async () => {
    const { sim, ports } = await simulator();
    for (let i = 0; i < 4; i++) await startBound(track(bindTo(ports.port)));
    const fifth = track(
      bindTo(ports.port, {
        reconnectInitialMs: 40,
        reconnectMaxMs: 10_000,
        capacityRetryMs: 30,
        random: () => 0.999,
      }),
    );
    const rejections: Array<{ commandStatus: number; statusName: string; retryInMs: number }> = [];
    const thirdRejection = new Promise<void>((resolve) => {
      fifth.on('bindRejected', (info) => {
        rejections.push(info);
        if (rejections.length === 3) resolve();
      });
    });
    fifth.start();
    await withTimeout(thirdRejection, 'three rejected binds', 5000);
    expect(rejections.map((r) => r.statusName)).toEqual([
      'ESME_RBINDFAIL',
      'ESME_RBINDFAIL',
      'ESME_RBINDFAIL',
    ]);
    const delays = rejections.map((r) => r.retryInMs);
    expect(delays[1]).toBeGreaterThan(delays[0] ?? 0);
    expect(delays[2]).toBeGreaterThan(delays[1] ?? 0);
    expect(sim.stats().accounts[systemId]?.binds.peak).toBe(4);
  });

  it('waits longer than its ordinary backoff before retrying a bind refused for the bind limit', async () => {
    const { ports } = await simulator();
    for (let i = 0; i < 4; i++) await startBound(track(bindTo(ports.port)));
    // The test binds' ordinary backoff is well under a second (bindTo).
    const fifth = track(bindTo(ports.port));
    const rejected = nextEvent<{ statusName: string; retryInMs: number }>(fifth, 'bindRejected');
    fifth.start();
    const info = await rejected;
    expect(info.statusName).toBe('ESME_RBINDFAIL');
    expect(info.retryInMs).toBeGreaterThanOrEqual(5_000);
  });

  it('waits much longer before retrying a bind the SMSC refused for bad credentials', async () => {
    const { ports } = await simulator();
    const bind = track(
      bindTo(ports.port, { credentials: { systemId, password: 'wrong' }, credentialsRetryMs: 120_000 }),
    );
    const rejected = nextEvent<{ statusName: string; retryInMs: number }>(bind, 'bindRejected');
    bind.start();
    const info = await rejected;
    expect(info.statusName).toBe('ESME_RINVPASWD');
    expect(info.retryInMs).toBeGreaterThanOrEqual(120_000);
  });

  it('submits 250 parts (five seconds at the full rate) on one bind without the SMSC ever seeing more than 50 in a second', async () => {
    const parts = 250;
    const { sim, ports } = await simulator();
    const bind = track(await startBound(bindTo(ports.port, { submitsPerSecond: 50 })));
    const outcomes = await Promise.all(
      Array.from({ length: parts }, (_, i) =>
        bind.submit(textPart(`6591${String(i).padStart(6, '0')}`, `otp ${i}`)),
      ),
    );
    expect(outcomes.filter((o) => o.accepted)).toHaveLength(parts);
    const account = sim.stats().accounts[systemId];
    expect(account?.submits.accepted).toBe(parts);
    // Any part the SMSC throttled was resent: all of them are accepted above, each once (distinct ids below).
    expect(account?.submits.throttled).toBeLessThanOrEqual(throttledAllowance(parts));
    expect(account?.submits.maxAcceptedInAnyWindowPerBind).toBeLessThanOrEqual(50);
    expect(new Set(outcomes.map((o) => (o.accepted ? o.messageId : ''))).size).toBe(parts);
  }, 60_000);

  it('fills the whole rate when the SMSC answers after 300 ms, throttled only by arrival jitter', async () => {
    const { sim, ports } = await simulator({ faults: { latencyMs: 300 } });
    const bind = track(await startBound(bindTo(ports.port)));
    const outcomes = await Promise.all(
      Array.from({ length: 150 }, (_, i) => bind.submit(textPart('6591000001', `slow ${i}`))),
    );
    expect(outcomes.every((o) => o.accepted)).toBe(true);
    const account = sim.stats().accounts[systemId];
    // A window that starved the bind over a 300 ms round trip would never get 50 into one second.
    expect(account?.submits.maxAcceptedInAnyWindowPerBind).toBe(50);
    expect(account?.submits.throttled).toBeLessThanOrEqual(throttledAllowance(150));
  }, 30_000);

  describe('priority lanes (issue 14)', () => {
    // The SMSC allows more than the bind sends: what orders the parts is the bind, not throttling.
    const fastSmsc = { accounts: [{ systemId, password, submitsPerSecond: 5_000 }] };
    const lanePart = (lane: 'high' | 'normal', i: number) => ({
      ...textPart(`6592${String(i).padStart(6, '0')}`, `${lane} ${i}`),
      lane,
    });
    const laneOf = (text: string | undefined) => (text?.startsWith('high') ? 'high' : 'normal');

    it('sends high parts queued behind a normal backlog to the SMSC before the rest of the backlog', async () => {
      const normalShare = 0.2;
      const { sim, ports } = await simulator(fastSmsc);
      const bind = track(await startBound(bindTo(ports.port, { submitsPerSecond: 1_000, normalShare })));
      const normal = Array.from({ length: 200 }, (_, i) => bind.submit(lanePart('normal', i)));
      await nextEvent(sim, 'submit', () => sim.stats().accounts[systemId]!.submits.received >= 20);
      // Every part written so far was sent ahead of the high ones; the rest of the backlog is still queued.
      const writtenBefore = bind.snapshot().submitted;
      const high = Array.from({ length: 10 }, (_, i) => bind.submit(lanePart('high', i)));
      const outcomes = await Promise.all([...normal, ...high]);
      expect(outcomes.every((o) => o.accepted)).toBe(true);

      const order = sim.submittedMessages().map((m) => laneOf(m.text));
      const lastHigh = order.lastIndexOf('high');
      const normalBeforeLastHigh = order.slice(0, lastHigh).filter((lane) => lane === 'normal').length;
      // Between the 10 high parts normal gets only its share (10 · 0.2 / 0.8 = 2.5 turns), plus any part the
      // SMSC throttled and the bind resent (each resend is a submit of its own).
      const throttled = sim.stats().accounts[systemId]!.submits.throttled;
      expect(normalBeforeLastHigh).toBeLessThanOrEqual(writtenBefore + 3 + throttled);
      expect(order.length - lastHigh - 1).toBeGreaterThan(100);
    }, 15_000);

    it('leaves normal parts at least normalShare of the submits while high parts saturate the bind', async () => {
      const normalShare = 0.25;
      const { sim, ports } = await simulator(fastSmsc);
      const bind = track(await startBound(bindTo(ports.port, { submitsPerSecond: 1_000, normalShare })));
      const outcomes = await Promise.all([
        ...Array.from({ length: 200 }, (_, i) => bind.submit(lanePart('normal', i))),
        ...Array.from({ length: 200 }, (_, i) => bind.submit(lanePart('high', i))),
      ]);
      expect(outcomes.every((o) => o.accepted)).toBe(true);

      const order = sim.submittedMessages().map((m) => laneOf(m.text));
      // From the first high part the SMSC saw to the last, both lanes were waiting at the bind.
      const saturated = order.slice(order.indexOf('high'), order.lastIndexOf('high') + 1);
      const normalParts = saturated.filter((lane) => lane === 'normal').length;
      const window = Math.ceil(1 / normalShare);
      const share = normalParts / saturated.length;
      console.log(
        `lanes: normal ${normalParts}/${saturated.length} of the accepted submits while high saturated (${share.toFixed(3)}, normalShare ${normalShare})`,
      );
      expect(share).toBeGreaterThanOrEqual(normalShare - window / saturated.length);
      // High still went first: the normal backlog outlasted it.
      expect(order.at(-1)).toBe('normal');
    }, 15_000);

    it('refuses a normalShare that would leave the high lane nothing worth having, naming the option', () => {
      expect(() => bindTo(0, { normalShare: 0.95 })).toThrow(/normalShare/);
      expect(() => bindTo(0, { normalShare: -0.1 })).toThrow(/normalShare/);
      expect(bindTo(0, { normalShare: 0 }).snapshot()).toMatchObject({ queued: 0, queuedHigh: 0 });
    });
  });

  it('pauses on ESME_RTHROTTLED and resends the part instead of failing it', async () => {
    const { sim, ports } = await simulator({ accounts: [{ systemId, password, submitsPerSecond: 10 }] });
    const bind = track(await startBound(bindTo(ports.port, { submitsPerSecond: 50, throttlePauseMs: 200 })));
    const outcomes = await Promise.all(
      Array.from({ length: 30 }, (_, i) => bind.submit(textPart('6591000002', `burst ${i}`))),
    );
    expect(outcomes.every((o) => o.accepted)).toBe(true);
    expect(sim.stats().accounts[systemId]?.submits.throttled).toBeGreaterThan(0);
    expect(outcomes.some((o) => o.throttledRetries > 0)).toBe(true);
    expect(sim.stats().accounts[systemId]?.submits.accepted).toBe(30);
  }, 30_000);

  it('pauses on ESME_RMSGQFUL (the SMSC queue is full) and resends the part, as on a throttle', async () => {
    const { sim, ports } = await simulator({
      faults: { submitErrorStatus: { status: CommandStatus.ESME_RMSGQFUL, count: 2 } },
    });
    const bind = track(await startBound(bindTo(ports.port, { queueFullPauseMs: 150 })));
    const pauses: number[] = [];
    bind.on('queueFull', ({ pauseMs }) => pauses.push(pauseMs));
    const outcome = await bind.submit(textPart('6591000011', 'queue full'));
    expect(outcome).toMatchObject({ accepted: true, throttledRetries: 2 });
    expect(pauses).toEqual([150, 150]);
    expect(sim.stats().accounts[systemId]?.submits.accepted).toBe(1);
  });

  it('returns final SMSC rejections with the status name and whether a retry can help', async () => {
    const { ports } = await simulator({
      outcomeRules: [{ prefix: '999', outcome: 'invalid-destination' }],
    });
    const bind = track(await startBound(bindTo(ports.port)));
    const outcome = await bind.submit(textPart('9991234567', 'nowhere'));
    expect(outcome).toMatchObject({ accepted: false, statusName: 'ESME_RINVDSTADR', retryable: false });
  });

  it('hands receipts that arrive on another bind of the same system_id to that bind and acknowledges them', async () => {
    const { sim, ports } = await simulator();
    const received: DeliverSm[] = [];
    const transmitter = track(await startBound(bindTo(ports.port, { bindMode: 'transmitter' })));
    const receiver = track(
      await startBound(
        bindTo(ports.port, {
          bindMode: 'receiver',
          onDeliverSm: async (deliverSm) => {
            received.push(deliverSm);
            return CommandStatus.ESME_ROK;
          },
        }),
      ),
    );
    const outcome = (await transmitter.submit(textPart('6591000003', 'hello'))) as SubmitSmOutcome & {
      messageId: string;
    };
    await withTimeout(
      (async () => {
        while (sim.stats().accounts[systemId]?.receipts.answeredOk !== 1) {
          await nextEvent(sim, 'deliver-resp');
        }
      })(),
      'the receipt to be answered',
    );
    expect(received).toHaveLength(1);
    expect(received[0]?.esmClass).toBe(0x04);
    expect(received[0]?.receiptedMessageId).toBe(outcome.messageId);
    expect(received[0]?.shortMessage.toString('latin1')).toContain(`id:${outcome.messageId}`);
    expect(receiver.snapshot().bindMode).toBe('receiver');
  });

  it('answers a receipt it cannot record with a temporary error so the SMSC sends it again', async () => {
    const { sim, ports } = await simulator({ receiptRedeliveryMs: 100 });
    let calls = 0;
    const bind = track(
      await startBound(
        bindTo(ports.port, {
          onDeliverSm: async () => {
            calls += 1;
            if (calls === 1) throw new Error('DynamoDB unavailable');
            return CommandStatus.ESME_ROK;
          },
        }),
      ),
    );
    await bind.submit(textPart('6591000004', 'retry me'));
    await withTimeout(
      (async () => {
        while (sim.stats().accounts[systemId]?.receipts.answeredOk !== 1)
          await nextEvent(sim, 'deliver-resp');
      })(),
      'the redelivered receipt to be answered',
    );
    const receipts = sim.stats().accounts[systemId]?.receipts;
    expect(receipts?.answeredError).toBe(1);
    expect(receipts?.redelivered).toBeGreaterThanOrEqual(1);
  });

  it('fails every in-flight submit with a typed, in-doubt error when the SMSC drops the link, then binds again', async () => {
    const { sim, ports } = await simulator({ faults: { latencyMs: 200 } });
    const bind = track(await startBound(bindTo(ports.port)));
    const pending = Array.from({ length: 20 }, (_, i) =>
      bind.submit(textPart('6591000005', `in flight ${i}`)).then(
        (outcome) => ({ outcome }),
        (error: unknown) => ({ error }),
      ),
    );
    await nextEvent(sim, 'submit');
    const rebound = nextEvent<{ to: string }>(bind, 'status', (c) => c.to === 'bound');
    sim.dropConnections();
    const settled = await withTimeout(Promise.all(pending), 'every submit to settle');
    const errors = settled.flatMap((s) => ('error' in s ? [s.error] : []));
    expect(errors.length).toBeGreaterThan(0);
    for (const error of errors) expect(error).toBeInstanceOf(SmppError);
    const written = errors.filter((e) => e instanceof SmppConnectionClosedError);
    expect(written.length).toBeGreaterThan(0);
    for (const error of written) expect((error as SmppError).inDoubt).toBe(true);
    await rebound;
    sim.setFaults({ latencyMs: 0 });
    await expect(bind.submit(textPart('6591000005', 'after reconnect'))).resolves.toMatchObject({
      accepted: true,
    });
  });

  it('rejects a submit while not bound without sending it', async () => {
    const { ports } = await simulator();
    const bind = track(bindTo(ports.port));
    await expect(bind.submit(textPart('6591000006', 'too early'))).rejects.toBeInstanceOf(SmppNotBoundError);
    await expect(bind.submit(textPart('6591000006', 'too early'))).rejects.toMatchObject({ inDoubt: false });
  });

  it('times out a submit the SMSC never answers, marking it in doubt', async () => {
    const { ports } = await simulator({ faults: { missingRespRate: 1 } });
    const bind = track(await startBound(bindTo(ports.port, { requestTimeoutMs: 300 })));
    const error = await bind.submit(textPart('6591000007', 'lost resp')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SmppResponseTimeoutError);
    expect((error as SmppResponseTimeoutError).inDoubt).toBe(true);
  });

  it('times out each unanswered submit on its own while answered ones around it succeed', async () => {
    // One timer serves every request's timeout: it must re-arm for the next deadline after each expiry.
    const { sim, ports } = await simulator({ faults: { missingRespRate: 1 } });
    const bind = track(await startBound(bindTo(ports.port, { requestTimeoutMs: 300 })));
    const first = bind.submit(textPart('6591000010', 'lost 1')).catch((e: unknown) => e);
    await new Promise((resolve) => setTimeout(resolve, 100));
    sim.setFaults({ missingRespRate: 0 });
    const answered = await bind.submit(textPart('6591000010', 'answered'));
    sim.setFaults({ missingRespRate: 1 });
    const third = bind.submit(textPart('6591000010', 'lost 2')).catch((e: unknown) => e);
    expect(answered).toMatchObject({ accepted: true });
    for (const error of [await first, await third]) {
      expect(error).toBeInstanceOf(SmppResponseTimeoutError);
      expect((error as SmppResponseTimeoutError).inDoubt).toBe(true);
    }
    expect(bind.status).toBe('bound');
  });

  it('declares a link dead when enquire_link goes unanswered, and binds again', async () => {
    const { sim, ports } = await simulator();
    const bind = track(
      await startBound(bindTo(ports.port, { enquireLinkIntervalMs: 100, requestTimeoutMs: 200 })),
    );
    sim.setFaults({ ignoreEnquireLink: true });
    const dead = await nextEvent<{ to: string; reason: string }>(bind, 'status', (c) => c.to === 'closed');
    expect(dead.reason).toMatch(/enquire_link/);
    sim.setFaults({ ignoreEnquireLink: false });
    await nextEvent(bind, 'status', (c: { to: string }) => c.to === 'bound');
  });

  it('answers the SMSC unbind and binds again', async () => {
    const { sim, ports } = await simulator();
    const bind = track(await startBound(bindTo(ports.port)));
    const closed = nextEvent<{ to: string; reason: string }>(bind, 'status', (c) => c.to === 'closed');
    const rebound = nextEvent(bind, 'status', (c: { to: string }) => c.to === 'bound');
    await sim.unbindAll(systemId);
    expect((await closed).reason).toMatch(/unbind/);
    await rebound;
  });

  it('on stop waits for outstanding responses, unbinds and does not reconnect', async () => {
    const { sim, ports } = await simulator({ faults: { latencyMs: 150 } });
    const bind = bindTo(ports.port);
    await startBound(bind);
    const parts = Promise.allSettled(
      Array.from({ length: 5 }, (_, i) => bind.submit(textPart('6591000008', `drain ${i}`))),
    );
    await nextEvent(sim, 'submit');
    const unbound = nextEvent(sim, 'unbind');
    await bind.stop();
    const outcomes = await parts;
    expect(outcomes.filter((o) => o.status === 'fulfilled' && o.value.accepted).length).toBeGreaterThan(0);
    for (const o of outcomes) if (o.status === 'rejected') expect(o.reason).toMatchObject({ inDoubt: false });
    await unbound;
    expect(bind.status).toBe('closed');
    expect(sim.stats().accounts[systemId]?.binds.current).toBe(0);
    await expect(bind.submit(textPart('6591000008', 'after stop'))).rejects.toBeInstanceOf(SmppNotBoundError);
  });
});

describe('SmppBind.abort', () => {
  it('drops the connection at once and fails waiting parts, in doubt where they were sent', async () => {
    const { sim, ports } = await simulator({ faults: { latencyMs: 300 } });
    const bind = track(await startBound(bindTo(ports.port)));
    const pending = Array.from({ length: 5 }, (_, i) =>
      bind.submit(textPart('6591000009', `abort ${i}`)).catch((error: unknown) => error),
    );
    await nextEvent(sim, 'submit');
    bind.abort('lease lost');
    const results = await withTimeout(Promise.all(pending), 'every part to fail');
    for (const result of results) expect(result).toBeInstanceOf(SmppError);
    expect(results.some((r) => (r as SmppError).inDoubt)).toBe(true);
    expect(bind.status).toBe('closed');
    await withTimeout(
      (async () => {
        while (sim.stats().accounts[systemId]?.binds.current !== 0)
          await new Promise((r) => setTimeout(r, 10));
      })(),
      'the SMSC to see the bind gone',
    );
    await expect(bind.submit(textPart('6591000009', 'after abort'))).rejects.toBeInstanceOf(
      SmppNotBoundError,
    );
  });
});

/**
 * Resolves with `label` once `ms` have passed: the moment a bind's own timeout would fire when started just
 * before the bind, so racing an outcome against it says "before the timeout" without a wall-clock number.
 */
function timeoutOf(ms: number, label: string): Promise<string> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(label), ms);
    cleanups.push(async () => clearTimeout(timer));
  });
}

/** Every status change of `bind` from now on, in order. */
function statusesOf(bind: SmppBind): string[] {
  const seen: string[] = [];
  bind.on('status', (change) => seen.push(change.to));
  return seen;
}

/**
 * A TCP listener that accepts and never says a word: a TLS client's handshake, and so its connect, never
 * completes. Emits `connection` and `close` (the client hung up) per socket.
 */
async function silentListener(): Promise<{ port: number; sockets: EventEmitter; accepted: () => number }> {
  const sockets = new EventEmitter();
  const open = new Set<Socket>();
  let accepted = 0;
  const server: Server = createServer((socket) => {
    accepted += 1;
    open.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => {
      open.delete(socket);
      sockets.emit('close');
    });
    sockets.emit('connection');
  });
  return { port: await listenUntilCleanup(server, open), sockets, accepted: () => accepted };
}

/** Listens on a free local port; the cleanup destroys `sockets` (the ones still open) and closes it. */
async function listenUntilCleanup(server: Server, sockets: Set<Socket>): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  );
  const address = server.address();
  return typeof address === 'object' && address ? address.port : 0;
}

describe('SmppBind.abort before the bind is up', () => {
  // Long enough that a loaded machine cannot confuse "at once" with "at the timeout"; the reconnect delay
  // is 0 (random 0, full jitter), so a reconnect would show within the rest of that time.
  const bindTimeoutMs = 1000;

  it('stops a TLS connect the SMSC never answers: the socket closes before the connect timeout, and it never connects again', async () => {
    const listener = await silentListener();
    const bind = track(
      bindTo(listener.port, {
        endpoint: { host: '127.0.0.1', port: listener.port, tls: true, servername: 'localhost' },
        connectTimeoutMs: bindTimeoutMs,
        random: () => 0,
      }),
    );
    const statuses = statusesOf(bind);
    const connected = nextEvent(listener.sockets, 'connection');
    const connectTimeout = timeoutOf(bindTimeoutMs, 'connect timeout');
    bind.start();
    await connected;
    expect(bind.status).toBe('connecting');
    const hungUp = nextEvent(listener.sockets, 'close').then(() => 'socket closed');
    bind.abort('lease lost');
    expect(bind.status).toBe('closed');
    expect(await Promise.race([hungUp, connectTimeout])).toBe('socket closed');
    await expect(bind.submit(textPart('6591000012', 'aborted'))).rejects.toBeInstanceOf(SmppNotBoundError);
    // Past the moment the aborted connect would have timed out, and any reconnect would have come.
    await connectTimeout;
    await timeoutOf(50, 'a reconnect at delay 0');
    expect(listener.accepted()).toBe(1);
    expect(statuses).toEqual(['connecting', 'closed']);
  });

  it('stops a bind whose bind_resp the SMSC holds: the SMSC sees the link close before the bind timeout and never counts the bind', async () => {
    const { sim, ports } = await simulator({ faults: { holdBinds: true } });
    const bind = track(bindTo(ports.port, { requestTimeoutMs: bindTimeoutMs, random: () => 0 }));
    const statuses = statusesOf(bind);
    let bindRequests = 0;
    sim.on('bind-held', () => bindRequests++);
    const held = nextEvent<{ connectionId: string }>(sim, 'bind-held');
    const bindTimeout = timeoutOf(bindTimeoutMs, 'bind timeout');
    bind.start();
    const { connectionId } = await held;
    expect(bind.status).toBe('binding');
    const linkClosed = nextEvent<{ connectionId: string }>(
      sim,
      'connection-closed',
      (event) => event.connectionId === connectionId,
    ).then(() => 'link closed');
    bind.abort('lease lost');
    expect(await Promise.race([linkClosed, bindTimeout])).toBe('link closed');
    // The SMSC answering now finds nobody to bind.
    sim.setFaults({ holdBinds: false });
    await expect(bind.submit(textPart('6591000013', 'aborted'))).rejects.toBeInstanceOf(SmppNotBoundError);
    await bindTimeout;
    await timeoutOf(50, 'a reconnect at delay 0');
    expect(bindRequests).toBe(1);
    expect(sim.stats().accounts[systemId]?.binds).toMatchObject({ current: 0, accepted: 0 });
    expect(statuses).toEqual(['connecting', 'binding', 'closed']);
  });

  it('drops a bind whose bind_resp crosses the abort: the SMSC sees the link close, not an unbind, and the bind never reports bound', async () => {
    const { sim, ports } = await simulator({ faults: { holdBinds: true } });
    const bind = track(bindTo(ports.port, { requestTimeoutMs: bindTimeoutMs, random: () => 0 }));
    const statuses = statusesOf(bind);
    let binds = 0;
    sim.on('bind', () => binds++);
    const held = nextEvent(sim, 'bind-held');
    const bindTimeout = timeoutOf(bindTimeoutMs, 'bind timeout');
    bind.start();
    await held;
    const unbound = nextEvent<{ reason: string }>(sim, 'unbind').then(({ reason }) => reason);
    // The SMSC binds and writes its bind_resp; the abort comes before the bind has read it.
    sim.setFaults({ holdBinds: false });
    bind.abort('lease lost');
    expect(binds).toBe(1);
    expect(await Promise.race([unbound, bindTimeout])).toBe('connection-closed');
    await expect(bind.submit(textPart('6591000014', 'aborted'))).rejects.toBeInstanceOf(SmppNotBoundError);
    await bindTimeout;
    await timeoutOf(50, 'a reconnect at delay 0');
    expect(binds).toBe(1);
    expect(sim.stats().accounts[systemId]?.binds).toMatchObject({ current: 0, accepted: 1 });
    expect(sim.stats().accounts[systemId]?.submits.received).toBe(0);
    expect(statuses).toEqual(['connecting', 'binding', 'closed']);
  });

  it('stop() during a held bind ends the attempt at once, so the slot can be given up with no bind behind it', async () => {
    const { sim, ports } = await simulator({ faults: { holdBinds: true } });
    const bind = bindTo(ports.port, { requestTimeoutMs: bindTimeoutMs, random: () => 0 });
    const statuses = statusesOf(bind);
    const held = nextEvent<{ connectionId: string }>(sim, 'bind-held');
    const bindTimeout = timeoutOf(bindTimeoutMs, 'bind timeout');
    bind.start();
    const { connectionId } = await held;
    const linkClosed = nextEvent<{ connectionId: string }>(
      sim,
      'connection-closed',
      (event) => event.connectionId === connectionId,
    ).then(() => 'link closed');
    const stopped = bind.stop().then(() => 'stopped');
    expect(await Promise.race([stopped, bindTimeout])).toBe('stopped');
    expect(await Promise.race([linkClosed, bindTimeout])).toBe('link closed');
    sim.setFaults({ holdBinds: false });
    await bindTimeout;
    await timeoutOf(50, 'a reconnect at delay 0');
    expect(sim.stats().accounts[systemId]?.binds).toMatchObject({ current: 0, accepted: 0 });
    expect(statuses).toEqual(['connecting', 'binding', 'closed']);
  });
});

/**
 * A bare TCP "SMSC" for behaviour the simulator does not do: it accepts the bind, then `afterBind` says
 * what the connection does next; `onPdu` sees every later PDU from the client. Closed after each test.
 */
async function bareSmsc(options: {
  afterBind: (socket: Socket) => void;
  onPdu?: (pdu: ReturnType<typeof parsePdu>) => void;
}): Promise<{ port: number; connections: EventEmitter }> {
  const connections = new EventEmitter();
  const sockets = new Set<Socket>();
  let count = 0;
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    connections.emit('connection', ++count);
    socket.on('error', () => {});
    let bound = false;
    socket.on('data', (bytes) => {
      const pdu = parsePdu(bytes);
      if (bound) {
        options.onPdu?.(pdu);
        return;
      }
      bound = true;
      socket.write(pdu.response({ system_id: 'smsc' }).toBuffer());
      options.afterBind(socket);
    });
  });
  return { port: await listenUntilCleanup(server, sockets), connections };
}

describe('SmppBind answering the SMSC', () => {
  it("answers the SMSC's own enquire_link with an enquire_link_resp of the same sequence number", async () => {
    const answered = new EventEmitter();
    const { port } = await bareSmsc({
      afterBind: (socket) => socket.write(newPdu('enquire_link', { sequence_number: 77 }).toBuffer()),
      onPdu: (pdu) => answered.emit('pdu', pdu),
    });
    const response = nextEvent<{ command: string; sequence_number: number; command_status: number }>(
      answered,
      'pdu',
    );
    await startBound(track(bindTo(port)));
    expect(await response).toMatchObject({
      command: 'enquire_link_resp',
      sequence_number: 77,
      command_status: 0,
    });
  });
});

describe('SmppBind against a misbehaving SMSC', () => {
  it.each([
    [
      'a malformed frame',
      Buffer.from([0x00, 0x00, 0xff, 0xff, 0x00, 0x00, 0x00, 0x05, 0, 0, 0, 0, 0, 0, 0, 1]),
    ],
    ['a generic_nack', newPdu('generic_nack', { sequence_number: 99, command_status: 0x03 }).toBuffer()],
    ['an unknown command', Buffer.from([0, 0, 0, 16, 0x00, 0x00, 0x0f, 0xff, 0, 0, 0, 0, 0, 0, 0, 7])],
  ])('closes the connection after %s and connects again, without crashing', async (_label, garbage) => {
    const rogue = await bareSmsc({ afterBind: (socket) => socket.write(garbage) });
    const bind = track(bindTo(rogue.port, { reconnectInitialMs: 20, reconnectMaxMs: 50 }));
    const closed = nextEvent<{ to: string; reason: string }>(bind, 'status', (c) => c.to === 'closed');
    const reconnected = nextEvent<number>(rogue.connections, 'connection', (n) => n === 2, 5000);
    bind.start();
    expect((await closed).reason).not.toBe('');
    await reconnected;
    expect(bind.status).not.toBe('bound');
  });
});
