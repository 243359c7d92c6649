/**
 * `npm run bench`: prints figures and writes them to bench/results/<date>.json. It never fails on a time —
 * only when something could not run. Ratios measured side by side in one run mean more than absolute times
 * on these small, noisy machines.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { apiHandlerTimes, type HandlerTiming } from './api.js';
import { adherenceChartSvg } from './chart.js';
import { bareLoopCeiling, type CeilingResult, rateAdherence, sessionCeiling } from './engine.js';

const quick = process.argv.includes('--quick');
const ceilingMessages = quick ? 5_000 : 20_000;
const adherenceSeconds = quick ? 5 : 15;
const window = 100;
const apiScale = quick ? { iterations: 2_000, warmup: 300 } : { iterations: 5_000, warmup: 1_000 };

const fmt = (n: number, digits = 1) => n.toFixed(digits);

const ms = (n: number) => n.toFixed(n < 0.1 ? 4 : 3);

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

async function main(): Promise<void> {
  const benchStarted = performance.now();
  console.log(`smpp-fleet bench — ${new Date().toISOString()} — node ${process.version}\n`);

  console.log(
    `1. Engine ceiling (rate limit off, window ${window}, ${ceilingMessages} submits, SMSC in another process)`,
  );
  const bare = await bareLoopCeiling(window, ceilingMessages);
  printCeiling('bare smpp-package loop, 1 bind', bare);
  const one = await sessionCeiling(1, window, ceilingMessages);
  printCeiling('SmppBind, 1 bind', one);
  const four = await sessionCeiling(4, window, ceilingMessages);
  printCeiling('SmppBind, 4 binds in one process', four);
  const twenty = await sessionCeiling(20, window, ceilingMessages);
  printCeiling('SmppBind, 20 binds in one process', twenty);
  console.log(
    `  SmppBind / bare loop: ${fmt(one.submitsPerSecond / bare.submitsPerSecond, 2)}× the rate, ${fmt(one.cpuMsPerMessage / bare.cpuMsPerMessage, 2)}× the CPU per message\n`,
  );

  console.log(
    `2. Rate adherence (4 binds at 50/s each, ${adherenceSeconds} s of backlog, SMSC enforcing 50/s per bind)`,
  );
  const adherence = [];
  for (const latencyMs of [0, 300]) {
    const result = await rateAdherence(4, 50, adherenceSeconds, latencyMs);
    adherence.push(result);
    console.log(
      `  latency ${String(latencyMs).padStart(3)} ms: sustained ${result.sustainedPerBind.map((r) => fmt(r)).join(' / ')} per bind; ` +
        `overall ${fmt(result.achievedPerBind[0] ?? 0)}/s; max in any sliding second ${result.maxInAnySlidingSecond} ` +
        `(in any clock second ${result.maxInAnyClockSecond}); 0x58 answers ${result.throttled}`,
    );
  }

  console.log(
    `\n3. API handler time, excluding AWS calls (real handlers, in-memory store and queue, REST proxy events, one call at a time after ${apiScale.warmup} warm-up calls)`,
  );
  const apiStarted = performance.now();
  const api = await apiHandlerTimes(apiScale);
  for (const timing of api) printTiming(timing);
  const single = api.find((t) => t.scenario === 'POST /messages, short GSM');
  const batch = api.find((t) => t.perItem !== undefined);
  if (single !== undefined && batch?.perItem !== undefined) {
    console.log(
      `  batch item / single short GSM request: ${fmt(batch.perItem.cpuMs / single.perRequest.cpuMs, 2)}× the CPU`,
    );
  }
  console.log(`  (section took ${fmt((performance.now() - apiStarted) / 1000)} s)`);

  const date = new Date().toISOString();
  const dir = fileURLToPath(new URL('./results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  const stem = `${dir}${date.slice(0, 19).replaceAll(':', '-')}`;
  const file = `${stem}.json`;
  const chartFile = `${stem}-adherence.svg`;
  writeFileSync(
    chartFile,
    adherenceChartSvg(adherence, `${date.slice(0, 19)}Z, node ${process.version}${quick ? ', --quick' : ''}`),
  );
  const durationSeconds = (performance.now() - benchStarted) / 1000;
  const summary = {
    date,
    node: process.version,
    quick,
    durationSeconds,
    engineCeiling: { bareLoop: bare, oneBind: one, fourBinds: four, twentyBinds: twenty },
    rateAdherence: adherence,
    adherenceChart: chartFile,
    api,
  };
  writeFileSync(file, `${JSON.stringify(summary, null, 2)}\n`);

  console.log('\nSummary');
  console.log(
    `  engine ceiling, 1 bind:        ${fmt(one.submitsPerSecond, 0)} submit_sm/s (bare loop ${fmt(bare.submitsPerSecond, 0)})`,
  );
  console.log(
    `  CPU per message, 1 bind:       ${fmt(one.cpuMsPerMessage, 4)} ms (bare loop ${fmt(bare.cpuMsPerMessage, 4)} ms)`,
  );
  for (const r of adherence) {
    console.log(
      `  at 50/s, ${String(r.latencyMs).padStart(3)} ms latency:     sustained ${fmt(Math.min(...r.sustainedPerBind))}–${fmt(Math.max(...r.sustainedPerBind))}/s per bind, max ${r.maxInAnySlidingSecond} in any sliding second (${r.maxInAnyClockSecond} in any clock second), ${r.throttled} throttled`,
    );
  }
  for (const t of api) {
    const per = t.perItem ?? t.perRequest;
    const unit = t.perItem === undefined ? 'request' : 'item';
    console.log(
      `  API ${t.scenario.padEnd(32)} p50 ${ms(per.p50Ms)} / p99 ${ms(per.p99Ms)} ms per ${unit}, CPU ${ms(per.cpuMs)} ms`,
    );
  }
  console.log(`  adherence chart:               ${chartFile}`);
  console.log(`  written to ${file}`);
  console.log(`  bench took ${fmt(durationSeconds)} s`);
}

main().catch((error: unknown) => {
  console.error('bench could not run:', error);
  process.exitCode = 1;
});
