/**
 * `npm run bench` (`-- --quick` for a short run): the six sections of issue 7, a summary table, and
 * bench/results/<date>.json (+ the adherence chart as SVG). It never fails on a time — only when a section
 * could not run, and then the other sections still run and the exit code is 1. Ratios measured side by side
 * in one run mean more than absolute times on these small, noisy machines; the load average is printed at
 * the start and the end for that reason.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { defaultLeasePeriodMs } from '../core/fleetConfig.js';
import { apiHandlerTimes, type HandlerTiming } from './api.js';
import { adherenceChartSvg } from './chart.js';
import {
  type AdherenceResult,
  bareLoopCeiling,
  type CeilingResult,
  rateAdherence,
  sessionCeiling,
} from './engine.js';
import { type FailoverResult, failover } from './failover.js';
import { type PipelineResult, pipelineCost } from './pipeline.js';
import { type ScaleResult, scaleOnPaper } from './scale.js';
import { type SdkCallCost, sdkCallCost } from './sdkCallCost.js';

const quick = process.argv.includes('--quick');
/** `--only <number>` (repeatable): run just those sections, e.g. `-- --only 5` for failover alone. */
const only = process.argv.flatMap((arg, index) =>
  arg === '--only'
    ? [Number(process.argv[index + 1])]
    : arg.startsWith('--only=')
      ? [Number(arg.slice(7))]
      : [],
);
const wanted = (sectionNumber: number) => only.length === 0 || only.includes(sectionNumber);
const scale = quick
  ? {
      ceilingMessages: 5_000,
      adherenceSeconds: 5,
      api: { iterations: 2_000, warmup: 300 },
      pipeline: { messages: 100, ratePerSecond: 10, warmupMessages: 20, idleSeconds: 2 },
      calibrationCalls: 500,
      failover: { leasePeriodMs: 6_000, rounds: 1 },
    }
  : {
      ceilingMessages: 20_000,
      adherenceSeconds: 30,
      api: { iterations: 5_000, warmup: 1_000 },
      pipeline: { messages: 400, ratePerSecond: 10, warmupMessages: 50, idleSeconds: 5 },
      calibrationCalls: 2_000,
      // The fleet config's default lease period, heartbeat a third of it, as a deployed fleet runs.
      failover: { leasePeriodMs: defaultLeasePeriodMs, rounds: 3 },
    };
const window = 100;

const fmt = (n: number, digits = 1) => n.toFixed(digits);
const ms = (n: number) => n.toFixed(n < 0.1 ? 4 : 3);
const load = () =>
  loadavg()
    .map((n) => n.toFixed(2))
    .join(' ');

const failures: string[] = [];
const sectionNumbers: Record<string, number> = {
  'engine ceiling': 1,
  'rate adherence': 2,
  'pipeline cost': 3,
  'API handler time': 4,
  failover: 5,
};

/** Runs one section; if it cannot run, says why and carries on (the exit code becomes 1). */
async function section<T>(name: string, run: () => Promise<T>): Promise<T | undefined> {
  const number = sectionNumbers[name];
  if (number !== undefined && !wanted(number)) {
    console.log('  skipped (--only)\n');
    return undefined;
  }
  const started = performance.now();
  try {
    return await run();
  } catch (error) {
    failures.push(`${name}: ${(error as Error).message}`);
    console.error(`  ${name} could not run: ${(error as Error).stack ?? String(error)}`);
    return undefined;
  } finally {
    console.log(`  (section took ${fmt((performance.now() - started) / 1000)} s, load average ${load()})\n`);
  }
}

function printTiming(timing: HandlerTiming): void {
  const { perRequest: r, perItem } = timing;
  console.log(
    `  ${timing.scenario.padEnd(34)} p50 ${ms(r.p50Ms)}  p99 ${ms(r.p99Ms)}  mean ${ms(r.meanMs)} ms; ` +
      `CPU ${ms(r.cpuMs)} ms/request  [${timing.statusCode}, ${timing.note}; ${timing.iterations} calls]`,
  );
  if (perItem !== undefined) {
    console.log(
      `  ${'  per item'.padEnd(34)} p50 ${ms(perItem.p50Ms)}  p99 ${ms(perItem.p99Ms)}  mean ${ms(perItem.meanMs)} ms; CPU ${ms(perItem.cpuMs)} ms/item`,
    );
  }
}

function printCeiling(label: string, result: CeilingResult): void {
  console.log(
    `  ${label.padEnd(34)} ${fmt(result.submitsPerSecond, 0).padStart(8)} submit_sm/s   ${fmt(result.cpuMsPerMessage, 4)} CPU ms/message`,
  );
}

async function engineSection() {
  const bare = await bareLoopCeiling(window, scale.ceilingMessages);
  printCeiling('bare smpp-package loop, 1 bind', bare);
  const one = await sessionCeiling(1, window, scale.ceilingMessages);
  printCeiling('SmppBind, 1 bind', one);
  const four = await sessionCeiling(4, window, scale.ceilingMessages);
  printCeiling('SmppBind, 4 binds in one process', four);
  const twenty = await sessionCeiling(20, window, scale.ceilingMessages);
  printCeiling('SmppBind, 20 binds in one process', twenty);
  console.log(
    `  SmppBind / bare loop: ${fmt(one.submitsPerSecond / bare.submitsPerSecond, 2)}× the rate, ${fmt(one.cpuMsPerMessage / bare.cpuMsPerMessage, 2)}× the CPU per message`,
  );
  return { bareLoop: bare, oneBind: one, fourBinds: four, twentyBinds: twenty };
}

async function adherenceSection(): Promise<AdherenceResult[]> {
  const results: AdherenceResult[] = [];
  for (const latencyMs of [0, 300]) {
    const result = await rateAdherence(4, 50, scale.adherenceSeconds, latencyMs);
    results.push(result);
    console.log(
      `  latency ${String(latencyMs).padStart(3)} ms: sustained ${result.sustainedPerBind.map((r) => fmt(r)).join(' / ')} per bind; ` +
        `overall ${fmt(result.achievedPerBind[0] ?? 0)}/s; max in any sliding second ${result.maxInAnySlidingSecond} ` +
        `(in any clock second ${result.maxInAnyClockSecond}); 0x58 answers ${result.throttled} of ${result.messages + result.throttled} submits; ` +
        `pump timer lag mean ${fmt(result.pumpTimerLag.meanMs, 2)} ms, max ${fmt(result.pumpTimerLag.maxMs, 1)} ms over ${result.pumpTimerLag.timerGrants} timed grants`,
    );
  }
  return results;
}

async function pipelineSection(): Promise<{ result: PipelineResult; calibration: SdkCallCost }> {
  const calibration = await sdkCallCost(scale.calibrationCalls);
  console.log(
    `  calibration, one SDK call (DynamoDB UpdateItem, document client) against a trivial endpoint in another process: ` +
      `${fmt(calibration.keepAliveCpuMsPerCall, 3)} CPU ms with keep-alive, ${fmt(calibration.connectionCloseCpuMsPerCall, 3)} ms when the server closes each connection (as moto does)`,
  );
  console.log(
    `  the same call against the DynamoDB emulator itself (a fresh moto, ${calibration.emulatorCalls} calls answered in ${fmt(calibration.emulatorLatencyMs, 1)} ms on average): ` +
      `${fmt(calibration.emulatorCpuMsPerCall, 3)} CPU ms, ${fmt(calibration.emulatorCpuMsPerCall / calibration.connectionCloseCpuMsPerCall, 2)}× the trivial endpoint's`,
  );
  const result = await pipelineCost(scale.pipeline);
  const { worker, latency } = result;
  const p = (x: { p50Ms: number; p99Ms: number; count: number }) =>
    `p50 ${fmt(x.p50Ms, 0)} / p99 ${fmt(x.p99Ms, 0)} ms (${x.count})`;
  console.log(
    `  ${result.messages} messages in ${fmt(result.windowSeconds)} s (offered ${result.offeredPerSecond}/s; first enqueue to last final event)`,
  );
  const feedSeconds = result.messages / result.offeredPerSecond;
  // The last message needs well under a second after its enqueue when the fleet keeps up.
  if (result.windowSeconds > feedSeconds + 3)
    console.log(
      `  the fleet fell behind the offered rate (feeding took ${fmt(feedSeconds)} s): the latencies below include a backlog in SQS`,
    );
  console.log(
    `  worker CPU: ${fmt(worker.cpuMsTotal, 0)} ms in the window = ${fmt(worker.cpuMsPerMessageGross, 2)} ms per message; ` +
      `idle rate ${fmt(worker.idleCpuMsPerSecond, 1)} ms/s → net ${fmt(worker.cpuMsPerMessageNet, 2)} ms per message; RSS ${fmt(worker.rssMiB, 0)} MiB`,
  );
  console.log(`  enqueue → submit_sm at the SMSC:        ${p(latency.enqueueToSubmit)}`);
  console.log(`  receipt sent → deliver_sm_resp:         ${p(latency.receiptToDeliverSmResp)}`);
  console.log(`  receipt sent → final event at subscriber: ${p(latency.receiptToEvent)}`);
  console.log(`  enqueue → final event at subscriber:    ${p(latency.enqueueToFinalEvent)}`);
  console.log(
    `  AWS calls during the window, per message (${result.messages}), as the emulators received them:`,
  );
  for (const c of result.calls) {
    const per = c.role.endsWith('per message') || c.role === 'bench enqueue';
    console.log(
      `    ${c.role.padEnd(28)} ${c.operation.padEnd(28)} ${c.target.padEnd(34)} ${String(c.calls).padStart(5)} calls` +
        (per ? ` = ${fmt(c.calls / result.messages, 2)}/message` : '') +
        (c.entries > 0 || c.itemsRead > 0
          ? `, ${c.entries > 0 ? `${c.entries} entries` : `${c.itemsRead} items read`}${c.transactional ? ' (transactional)' : ''}`
          : ''),
    );
  }
  if (result.unreadableCalls > 0)
    console.log(
      `  (${result.unreadableCalls} recorded requests could not be read back: the counts above are short by that many)`,
    );
  const workerCalls = result.calls
    .filter((c) => c.role === 'worker per message')
    .reduce((sum, c) => sum + c.calls, 0);
  const consumerCalls = result.calls
    .filter((c) => c.role === 'stream consumer per message')
    .reduce((sum, c) => sum + c.calls, 0);
  console.log(
    `  the records-stream consumer's calls (beside the worker, in Lambda): ${fmt(consumerCalls / result.messages, 2)} per message`,
  );
  console.log(
    `  the worker's per-message calls: ${fmt(workerCalls / result.messages, 2)} per message; × ${fmt(calibration.connectionCloseCpuMsPerCall, 3)} ms (calibration) = ` +
      `${fmt((workerCalls / result.messages) * calibration.connectionCloseCpuMsPerCall, 2)} of the ${fmt(result.worker.cpuMsPerMessageNet, 2)} CPU ms per message ` +
      `(× ${fmt(calibration.emulatorCpuMsPerCall, 3)} ms against the emulator = ${fmt((workerCalls / result.messages) * calibration.emulatorCpuMsPerCall, 2)})`,
  );
  return { result, calibration };
}

async function apiSection(): Promise<HandlerTiming[]> {
  const api = await apiHandlerTimes(scale.api);
  for (const timing of api) printTiming(timing);
  const single = api.find((t) => t.scenario === 'POST /messages, short GSM');
  const batch = api.find((t) => t.perItem !== undefined);
  if (single !== undefined && batch?.perItem !== undefined) {
    console.log(
      `  batch item / single short GSM request: ${fmt(batch.perItem.cpuMs / single.perRequest.cpuMs, 2)}× the CPU`,
    );
  }
  return api;
}

async function failoverSection(): Promise<FailoverResult> {
  const result = await failover(scale.failover);
  for (const [index, round] of result.rounds.entries()) {
    console.log(
      `  kill ${index + 1}: binds closed at the SMSC after ${round.bindsClosedMs} ms; the victim's last lease expired ${fmt(round.leaseExpiryMs / 1000, 2)} s after the kill; ` +
        `survivor bound on all 4 slots ${fmt(round.takeoverMs / 1000, 2)} s after the kill (${fmt((round.takeoverMs - round.leaseExpiryMs) / 1000, 2)} s after that expiry)`,
    );
  }
  console.log(
    `  bound promised by the leases: one lease period after the last renewal = ${fmt(result.leasePeriodMs / 1000)} s at most, ` +
      `so ${fmt((result.leasePeriodMs - result.heartbeatMs) / 1000)}–${fmt(result.leasePeriodMs / 1000)} s after a kill, plus a bind`,
  );
  return result;
}

async function main(): Promise<void> {
  const benchStarted = performance.now();
  const startedAt = new Date().toISOString();
  const loadAtStart = load();
  console.log(
    `smpp-fleet bench — ${startedAt} — node ${process.version} — ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}) — load average ${loadAtStart}${quick ? ' — --quick' : ''}${only.length > 0 ? ` — only ${only.join(', ')}` : ''}\n`,
  );

  console.log(
    `1. Engine ceiling (rate limit off, window ${window}, ${scale.ceilingMessages} submits, SMSC in another process)`,
  );
  const engine = await section('engine ceiling', engineSection);

  console.log(
    `2. Rate adherence (4 binds at 50/s each, ${scale.adherenceSeconds} s of backlog, SMSC enforcing 50/s per bind)`,
  );
  const adherence = (await section('rate adherence', adherenceSection)) ?? [];

  console.log(
    `3. Pipeline cost (SQS → submit_sm → receipt → event; the whole fleet on this machine with ONE worker process, two moto processes, the simulator in-process; short one-part messages fed at ${scale.pipeline.ratePerSecond}/s after ${scale.pipeline.warmupMessages} warm-up messages)`,
  );
  const pipelineRun = await section('pipeline cost', pipelineSection);
  const pipeline = pipelineRun?.result;

  console.log(
    `4. API handler time, excluding AWS calls (real handlers, in-memory store and queue, REST proxy events, one call at a time after ${scale.api.warmup} warm-up calls)`,
  );
  const api = (await section('API handler time', apiSection)) ?? [];

  console.log(
    `5. Failover (2 workers holding 2 slots each; SIGKILL one; lease period ${scale.failover.leasePeriodMs} ms${quick ? ' (the fleet tests’ value)' : ' (the fleet config default)'}, heartbeat a third of it; ${scale.failover.rounds} kill(s))`,
  );
  const failoverResult = await section('failover', failoverSection);

  console.log(
    '6. Scale on paper (from section 3; prices in bench/prices.ts, list prices compiled 2026-11-25 — check them before quoting)',
  );
  let scaleResult: ScaleResult | undefined;
  if (pipeline === undefined) {
    console.log('  skipped: section 3 did not run\n');
  } else {
    scaleResult = scaleOnPaper(pipeline, api);
    for (const line of scaleResult.lines) console.log(line);
    console.log('');
  }

  const date = new Date().toISOString();
  const dir = fileURLToPath(new URL('./results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  const stem = `${dir}${date.slice(0, 19).replaceAll(':', '-')}`;
  const file = `${stem}.json`;
  const chartFile = `${stem}-adherence.svg`;
  if (adherence.length > 0)
    writeFileSync(
      chartFile,
      adherenceChartSvg(
        adherence,
        `${date.slice(0, 19)}Z, node ${process.version}${quick ? ', --quick' : ''}`,
      ),
    );
  const durationSeconds = (performance.now() - benchStarted) / 1000;

  const rows: Array<[string, string, string]> = [];
  if (engine) {
    rows.push([
      '1 engine',
      'SmppBind 1 bind / bare loop',
      `${fmt(engine.oneBind.submitsPerSecond, 0)} / ${fmt(engine.bareLoop.submitsPerSecond, 0)} submit_sm/s; ${fmt(engine.oneBind.cpuMsPerMessage, 4)} / ${fmt(engine.bareLoop.cpuMsPerMessage, 4)} CPU ms/msg`,
    ]);
    rows.push([
      '1 engine',
      '4 / 20 binds in one process',
      `${fmt(engine.fourBinds.submitsPerSecond, 0)} / ${fmt(engine.twentyBinds.submitsPerSecond, 0)} submit_sm/s`,
    ]);
  }
  for (const r of adherence) {
    rows.push([
      '2 adherence',
      `4 × 50/s, ${r.latencyMs} ms latency, ${r.seconds} s`,
      `sustained ${fmt(Math.min(...r.sustainedPerBind))}–${fmt(Math.max(...r.sustainedPerBind))}/s per bind; max ${r.maxInAnySlidingSecond} in any sliding second; ${r.throttled} × 0x58`,
    ]);
  }
  if (pipeline) {
    const l = pipeline.latency;
    rows.push([
      '3 pipeline',
      'worker CPU per message',
      `${fmt(pipeline.worker.cpuMsPerMessageNet, 2)} ms net of idle (${fmt(pipeline.worker.cpuMsPerMessageGross, 2)} gross; idle ${fmt(pipeline.worker.idleCpuMsPerSecond, 1)} ms/s)`,
    ]);
    rows.push([
      '3 pipeline',
      'enqueue → submit_sm',
      `p50 ${fmt(l.enqueueToSubmit.p50Ms, 0)} / p99 ${fmt(l.enqueueToSubmit.p99Ms, 0)} ms`,
    ]);
    rows.push([
      '3 pipeline',
      'receipt → event (→ deliver_sm_resp)',
      `p50 ${fmt(l.receiptToEvent.p50Ms, 0)} / p99 ${fmt(l.receiptToEvent.p99Ms, 0)} ms (${fmt(l.receiptToDeliverSmResp.p50Ms, 0)} / ${fmt(l.receiptToDeliverSmResp.p99Ms, 0)})`,
    ]);
    const calls = pipeline.calls
      .filter((c) => c.role === 'worker per message')
      .reduce((s, c) => s + c.calls, 0);
    rows.push(['3 pipeline', 'worker AWS calls per message', fmt(calls / pipeline.messages, 2)]);
  }
  for (const t of api) {
    const per = t.perItem ?? t.perRequest;
    rows.push([
      '4 API',
      t.scenario,
      `p50 ${ms(per.p50Ms)} / p99 ${ms(per.p99Ms)} ms per ${t.perItem === undefined ? 'request' : 'item'}`,
    ]);
  }
  if (failoverResult) {
    const times = failoverResult.rounds.map((r) => fmt(r.takeoverMs / 1000, 2));
    rows.push([
      '5 failover',
      `SIGKILL → 4 slots bound (lease ${failoverResult.leasePeriodMs / 1000} s)`,
      `${times.join(', ')} s`,
    ]);
  }
  if (scaleResult) {
    for (const task of scaleResult.tasks) {
      rows.push([
        '6 scale',
        `${task.vcpu} vCPU task at 70 % busy`,
        `${fmt(task.messagesPerSecond, 0)} msg/s = ${fmt(task.subAccountsAtFullRate, 2)} sub-accounts at 200 msg/s`,
      ]);
    }
    for (const cost of scaleResult.costs) {
      rows.push([
        '6 scale',
        `USD per million, ${cost.region}`,
        `${fmt(cost.totalSqsPath, 2)} via SQS; ${fmt(cost.totalSqsPath + cost.apiExtra, 2)} via the API`,
      ]);
    }
  }
  const loadAtEnd = load();
  console.log(
    `Summary (bench took ${fmt(durationSeconds)} s; load average ${loadAtStart} at the start, ${loadAtEnd} at the end)`,
  );
  const widths = [0, 1].map((i) => Math.max(...rows.map((row) => row[i]?.length ?? 0)));
  for (const [a, b, c] of rows)
    console.log(`  ${a.padEnd(widths[0] ?? 0)}  ${b.padEnd(widths[1] ?? 0)}  ${c}`);
  if (adherence.length > 0) console.log(`  adherence chart: ${chartFile}`);

  const summary = {
    date,
    startedAt,
    node: process.version,
    cpus: cpus().length,
    loadAverage: { atStart: loadAtStart, atEnd: loadAtEnd },
    quick,
    durationSeconds,
    settings: scale,
    engineCeiling: engine,
    rateAdherence: adherence,
    adherenceChart: adherence.length > 0 ? chartFile : undefined,
    pipeline,
    sdkCallCalibration: pipelineRun?.calibration,
    api,
    failover: failoverResult,
    scaleOnPaper: scaleResult,
    summary: rows,
    failures,
  };
  writeFileSync(file, `${JSON.stringify(summary, null, 2)}\n`);
  console.log(`  written to ${file}`);
  if (failures.length > 0) {
    console.error(`\n${failures.length} section(s) could not run:\n  ${failures.join('\n  ')}`);
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  console.error('bench could not run:', error);
  process.exitCode = 1;
});
