/** Engine benchmarks: the SmppBind ceiling against a bare loop on the smpp package, and rate adherence. */
import { performance } from 'node:perf_hooks';
import { connectSmpp, newPdu, type SmppPdu } from '../core/smpp/smppPackage.js';
import { SmppBind } from '../worker/smpp/SmppBind.js';
import type { SubmitSmRequest } from '../worker/smpp/types.js';
import { type PerSecondCounts, SimulatorProcess } from './SimulatorProcess.js';

const systemId = 'bench';
const password = 'bench123';

/** One short GSM part; registered_delivery 0 so the ceiling measures submits, not receipts. */
function benchPart(i: number, registeredDelivery = 0): SubmitSmRequest {
  return {
    sourceAddr: 'BENCH',
    sourceAddrTon: 5,
    sourceAddrNpi: 0,
    destinationAddr: `6590${String(i % 1_000_000).padStart(6, '0')}`,
    destAddrTon: 1,
    destAddrNpi: 1,
    esmClass: 0,
    dataCoding: 0,
    shortMessage: Buffer.from(`Your code is ${String(i % 1_000_000).padStart(6, '0')}`, 'latin1'),
    registeredDelivery,
  };
}

function cpuMs(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

async function boundBinds(
  port: number,
  count: number,
  tuning: { window: number; submitsPerSecond: number },
): Promise<SmppBind[]> {
  const binds = Array.from(
    { length: count },
    (_, i) =>
      new SmppBind({
        name: `${systemId}#${i}`,
        endpoint: { host: '127.0.0.1', port, tls: false },
        credentials: { systemId, password },
        bindMode: 'transceiver',
        ...tuning,
      }),
  );
  await Promise.all(
    binds.map(
      (bind) =>
        new Promise<void>((resolve) => {
          bind.on('status', (change) => {
            if (change.to === 'bound') resolve();
          });
          bind.start();
        }),
    ),
  );
  return binds;
}

export interface CeilingResult {
  binds: number;
  window: number;
  messages: number;
  submitsPerSecond: number;
  cpuMsPerMessage: number;
}

/** SmppBind with the rate limit off: how fast the session layer itself goes. */
export async function sessionCeiling(
  binds: number,
  window: number,
  messages: number,
): Promise<CeilingResult> {
  const { simulator, port } = await SimulatorProcess.start({
    accounts: [{ systemId, password, maxBinds: Math.max(binds, 4), submitsPerSecond: 1_000_000 }],
    maxSubmittedMessages: messages,
  });
  try {
    const held = await boundBinds(port, binds, { window, submitsPerSecond: 1_000_000 });
    const cpuStart = process.cpuUsage();
    const started = performance.now();
    const outcomes = await Promise.all(
      Array.from({ length: messages }, (_, i) => (held[i % binds] as SmppBind).submit(benchPart(i))),
    );
    const elapsedMs = performance.now() - started;
    const cpu = cpuMs(cpuStart);
    const accepted = outcomes.filter((o) => o.accepted).length;
    if (accepted !== messages) throw new Error(`only ${accepted} of ${messages} submits were accepted`);
    await Promise.all(held.map((bind) => bind.stop()));
    return {
      binds,
      window,
      messages,
      submitsPerSecond: messages / (elapsedMs / 1000),
      cpuMsPerMessage: cpu / messages,
    };
  } finally {
    await simulator.stop();
  }
}

/** The baseline: a minimal loop written straight on the smpp package, same window, no session layer. */
export async function bareLoopCeiling(window: number, messages: number): Promise<CeilingResult> {
  const { simulator, port } = await SimulatorProcess.start({
    accounts: [{ systemId, password, submitsPerSecond: 1_000_000 }],
    maxSubmittedMessages: messages,
  });
  try {
    const session = await new Promise<ReturnType<typeof connectSmpp>>((resolve, reject) => {
      const s = connectSmpp({ host: '127.0.0.1', port }, () => {
        s.send(newPdu('bind_transceiver', { system_id: systemId, password }), (resp: SmppPdu) =>
          resp.command_status === 0 ? resolve(s) : reject(new Error(`bind failed: ${resp.command_status}`)),
        );
      });
      s.on('error', reject);
    });
    session.socket.setNoDelay(true);
    const cpuStart = process.cpuUsage();
    const started = performance.now();
    await new Promise<void>((resolve) => {
      let sent = 0;
      let answered = 0;
      const sendOne = () => {
        const part = benchPart(sent++);
        session.send(
          newPdu('submit_sm', {
            source_addr_ton: part.sourceAddrTon,
            source_addr_npi: part.sourceAddrNpi,
            source_addr: part.sourceAddr,
            dest_addr_ton: part.destAddrTon,
            dest_addr_npi: part.destAddrNpi,
            destination_addr: part.destinationAddr,
            data_coding: part.dataCoding,
            short_message: part.shortMessage,
          }),
          () => {
            answered += 1;
            if (answered === messages) resolve();
            else if (sent < messages) sendOne();
          },
        );
      };
      for (let i = 0; i < Math.min(window, messages); i++) sendOne();
    });
    const elapsedMs = performance.now() - started;
    const cpu = cpuMs(cpuStart);
    session.destroy();
    return {
      binds: 1,
      window,
      messages,
      submitsPerSecond: messages / (elapsedMs / 1000),
      cpuMsPerMessage: cpu / messages,
    };
  } finally {
    await simulator.stop();
  }
}

export interface AdherenceResult {
  binds: number;
  ratePerBind: number;
  latencyMs: number;
  seconds: number;
  messages: number;
  /** Accepted per second per bind over the whole run (including the first partial second). */
  achievedPerBind: number[];
  /** Mean of the full seconds in the middle of the run, per bind: the sustained rate. */
  sustainedPerBind: number[];
  /** The SMSC's own count: the most accepted submits any bind had in any sliding 1000 ms. */
  maxInAnySlidingSecond: number;
  /**
   * The most accepted submits any bind had in one clock second (epoch-aligned, the chart's buckets). Not a
   * sliding maximum: a burst across a second boundary splits between two buckets, so this is never above
   * `maxInAnySlidingSecond` and can be below it.
   */
  maxInAnyClockSecond: number;
  throttled: number;
  /** How late the binds' pump timers granted after the limiter's earliest time (the event-loop lag it sees). */
  pumpTimerLag: { timerGrants: number; meanMs: number; maxMs: number };
  perSecond: PerSecondCounts;
}

/** `binds` binds at `rate`/s with a backlog of `seconds` worth of parts, against an SMSC enforcing that rate. */
export async function rateAdherence(
  binds: number,
  rate: number,
  seconds: number,
  latencyMs: number,
): Promise<AdherenceResult> {
  const messages = binds * rate * seconds;
  const { simulator, port } = await SimulatorProcess.start({
    accounts: [{ systemId, password, maxBinds: binds, submitsPerSecond: rate }],
    faults: { latencyMs },
    maxSubmittedMessages: messages,
  });
  try {
    const held = await boundBinds(port, binds, { window: 30, submitsPerSecond: rate });
    const started = performance.now();
    const outcomes = await Promise.all(
      Array.from({ length: messages }, (_, i) => (held[i % binds] as SmppBind).submit(benchPart(i))),
    );
    const elapsedSeconds = (performance.now() - started) / 1000;
    const lags = held.map((bind) => bind.pumpTimerLag());
    const timerGrants = lags.reduce((sum, lag) => sum + lag.timerGrants, 0);
    const pumpTimerLag = {
      timerGrants,
      meanMs:
        timerGrants > 0 ? lags.reduce((sum, lag) => sum + lag.meanMs * lag.timerGrants, 0) / timerGrants : 0,
      maxMs: Math.max(0, ...lags.map((lag) => lag.maxMs)),
    };
    await Promise.all(held.map((bind) => bind.stop()));
    const { stats, perSecond } = await simulator.stats();
    const account = stats.accounts[systemId];
    const accepted = outcomes.filter((o) => o.accepted).length;
    if (!account || accepted !== messages)
      throw new Error(`only ${accepted} of ${messages} parts were accepted`);
    const sustainedPerBind = perSecond.map((bind) => {
      const middle = bind.seconds.slice(1, -1).map((s) => s.accepted);
      return middle.length > 0 ? middle.reduce((a, b) => a + b, 0) / middle.length : 0;
    });
    return {
      binds,
      ratePerBind: rate,
      latencyMs,
      seconds,
      messages,
      achievedPerBind: held.map(() => messages / binds / elapsedSeconds),
      sustainedPerBind,
      maxInAnySlidingSecond: account.submits.maxAcceptedInAnyWindowPerBind,
      maxInAnyClockSecond: Math.max(0, ...perSecond.flatMap((bind) => bind.seconds.map((s) => s.accepted))),
      throttled: account.submits.throttled,
      pumpTimerLag,
      perSecond,
    };
  } finally {
    await simulator.stop();
  }
}
