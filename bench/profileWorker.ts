/**
 * Where a worker's CPU goes while it carries messages: not part of `npm run bench`, a diagnostic to run by
 * hand when section 3's CPU per message needs explaining:
 *
 *   node --experimental-websocket --import tsx bench/profileWorker.ts [messages] [rate]
 *
 * Starts the fleet with one worker (test/e2e/fleetHarness.ts), opens the worker's inspector from outside
 * with SIGUSR1 (so the worker runs unchanged), records a V8 CPU profile over the messages through the
 * DevTools protocol, writes it to .tmp/worker-<date>.cpuprofile (open it in Chrome DevTools) and prints its
 * summary (bench/cpuProfileSummary.ts). To profile section 3 itself instead, run the bench with
 * FLEET_WORKER_NODE_FLAGS="--cpu-prof --cpu-prof-dir=<dir>" and summarize with bench/cpuProfileSummary.ts.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { pollUntil, sleep, startFleet } from '../test/e2e/fleetHarness.js';
import { subAccount } from '../test/e2e/messageMix.js';
import { type CpuProfile, formatSummary, summarizeProfile } from './cpuProfileSummary.js';

const messages = Number(process.argv[2] ?? 300);
const rate = Number(process.argv[3] ?? 20);

class Inspector {
  #socket: WebSocket;
  #next = 1;
  #pending = new Map<number, (result: unknown) => void>();

  private constructor(socket: WebSocket) {
    this.#socket = socket;
    socket.addEventListener('message', (event) => {
      const message = JSON.parse(String(event.data)) as { id?: number; result?: unknown };
      if (message.id !== undefined) this.#pending.get(message.id)?.(message.result);
    });
  }

  static async open(port: number): Promise<Inspector> {
    const list = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as Array<{
      webSocketDebuggerUrl: string;
    }>;
    const url = list[0]?.webSocketDebuggerUrl;
    if (url === undefined) throw new Error('no inspector target');
    const socket = new WebSocket(url);
    await new Promise((resolve, reject) => {
      socket.addEventListener('open', resolve);
      socket.addEventListener('error', reject);
    });
    return new Inspector(socket);
  }

  call<T>(method: string, params: object = {}): Promise<T> {
    const id = this.#next++;
    return new Promise((resolve) => {
      this.#pending.set(id, (result) => resolve(result as T));
      this.#socket.send(JSON.stringify({ id, method, params }));
    });
  }

  close(): void {
    this.#socket.close();
  }
}

async function main(): Promise<void> {
  const fleet = await startFleet({ name: 'bench-profile', workers: 1 });
  try {
    const [worker] = fleet.workers;
    if (!worker) throw new Error('no worker');
    await fleet.waitForSpread([4]);
    worker.signal('SIGUSR1');
    await sleep(500);
    const inspector = await Inspector.open(9229);
    await inspector.call('Profiler.enable');
    await inspector.call('Profiler.setSamplingInterval', { interval: 500 });
    await inspector.call('Profiler.start');
    const bodies = Array.from({ length: messages }, (_, i) => ({
      subAccount,
      to: `+659300${String(i).padStart(5, '0')}`,
      from: 'ACME',
      text: `Your code is ${100_000 + i}`,
    }));
    const ids: string[] = [];
    for (let start = 0; start < bodies.length; start += 10) {
      ids.push(...(await fleet.send(bodies.slice(start, start + 10))));
      await sleep((10 / rate) * 1000);
    }
    const wanted = new Set(ids);
    await pollUntil(
      'final events',
      () =>
        fleet.events.copies.filter((c) => c.detail.isFinal === true && wanted.has(String(c.detail.messageId)))
          .length >= ids.length,
      { timeoutMs: 300_000, intervalMs: 200 },
    );
    await sleep(2_000);
    const { profile } = await inspector.call<{ profile: CpuProfile }>('Profiler.stop');
    inspector.close();

    mkdirSync('.tmp', { recursive: true });
    const file = `.tmp/worker-${new Date().toISOString().replace(/[:.]/g, '')}.cpuprofile`;
    writeFileSync(file, JSON.stringify(profile));

    console.log(`profile: ${file}; ${messages} messages at ${rate}/s`);
    console.log(formatSummary(summarizeProfile(profile), { per: { count: messages, unit: 'message' } }));
  } finally {
    await fleet.stop();
  }
}

main().catch((error: unknown) => {
  console.error('profile could not run:', error);
  process.exitCode = 1;
});
