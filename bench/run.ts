/**
 * `npm run bench`: prints figures and writes them to bench/results/<date>.json. It never fails on a time —
 * only when something could not run. Ratios measured side by side in one run mean more than absolute times
 * on these small, noisy machines.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { bareLoopCeiling, type CeilingResult, rateAdherence, sessionCeiling } from './engine.js';

const quick = process.argv.includes('--quick');
const ceilingMessages = quick ? 5_000 : 20_000;
const adherenceSeconds = quick ? 5 : 15;
const window = 100;

const fmt = (n: number, digits = 1) => n.toFixed(digits);

function printCeiling(label: string, result: CeilingResult): void {
  console.log(
    `  ${label.padEnd(34)} ${fmt(result.submitsPerSecond, 0).padStart(8)} submit_sm/s   ${fmt(result.cpuMsPerMessage, 4)} CPU ms/message`,
  );
}

async function main(): Promise<void> {
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
        `overall ${fmt(result.achievedPerBind[0] ?? 0)}/s; max in any sliding second ${result.maxInAnySlidingSecond}; 0x58 answers ${result.throttled}`,
    );
  }

  const summary = {
    date: new Date().toISOString(),
    node: process.version,
    quick,
    engineCeiling: { bareLoop: bare, oneBind: one, fourBinds: four, twentyBinds: twenty },
    rateAdherence: adherence,
  };
  const dir = fileURLToPath(new URL('./results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  const file = `${dir}${summary.date.slice(0, 19).replaceAll(':', '-')}.json`;
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
      `  at 50/s, ${String(r.latencyMs).padStart(3)} ms latency:     sustained ${fmt(Math.min(...r.sustainedPerBind))}–${fmt(Math.max(...r.sustainedPerBind))}/s per bind, max ${r.maxInAnySlidingSecond} in any sliding second, ${r.throttled} throttled`,
    );
  }
  console.log(`  written to ${file}`);
}

main().catch((error: unknown) => {
  console.error('bench could not run:', error);
  process.exitCode = 1;
});
