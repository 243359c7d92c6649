/**
 * Where a worker's CPU goes while it carries messages: not part of `npm run bench`, a diagnostic to run by
 * hand when section 3's CPU per message needs explaining:
 *
 *   node --experimental-websocket --import tsx bench/profileWorker.ts [messages] [rate]
 *
 * Starts the fleet with one worker (test/e2e/fleetHarness.ts), opens the worker's inspector from outside
 * with SIGUSR1 (so the worker runs unchanged), records a V8 CPU profile over the messages through the
 * DevTools protocol, writes it to .tmp/worker-<date>.cpuprofile (open it in Chrome DevTools) and prints the
 * self time by package / source folder and the top functions.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { pollUntil, sleep, startFleet } from '../test/e2e/fleetHarness.js';
import { subAccount } from '../test/e2e/messageMix.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

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

function bucketOf(url: string): string {
  if (url === '') return '(native / GC / idle)';
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules) return modules[1] ?? url;
  if (url.startsWith('node:')) return url;
  const own = /\/work\/[^/]+\/([^/]+\/[^/]+)\//.exec(url) ?? /smpp-fleet\/([^/]+\/[^/]+)\//.exec(url);
  return own?.[1] ?? url;
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
    const { profile } = await inspector.call<{ profile: Profile }>('Profiler.stop');
    inspector.close();

    mkdirSync('.tmp', { recursive: true });
    const file = `.tmp/worker-${new Date().toISOString().replace(/[:.]/g, '')}.cpuprofile`;
    writeFileSync(file, JSON.stringify(profile));

    const byId = new Map(profile.nodes.map((node) => [node.id, node]));
    const selfMs = new Map<number, number>();
    profile.samples.forEach((id, index) => {
      selfMs.set(id, (selfMs.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0) / 1000);
    });
    const buckets = new Map<string, number>();
    const functions = new Map<string, number>();
    let total = 0;
    for (const [id, time] of selfMs) {
      const node = byId.get(id);
      if (!node || node.callFrame.functionName === '(idle)') continue;
      total += time;
      const bucket = bucketOf(node.callFrame.url);
      buckets.set(bucket, (buckets.get(bucket) ?? 0) + time);
      const fn = `${node.callFrame.functionName || '(anonymous)'} ${bucket}:${node.callFrame.lineNumber + 1}`;
      functions.set(fn, (functions.get(fn) ?? 0) + time);
    }
    console.log(
      `profile: ${file}; ${messages} messages at ${rate}/s; ${total.toFixed(0)} ms busy on the main thread = ${(total / messages).toFixed(2)} ms per message`,
    );
    console.log('self time by package / folder:');
    for (const [bucket, time] of [...buckets].sort((a, b) => b[1] - a[1]).slice(0, 20))
      console.log(
        `  ${((time / total) * 100).toFixed(1).padStart(5)} %  ${time.toFixed(0).padStart(6)} ms  ${bucket}`,
      );
    console.log('top functions by self time:');
    for (const [fn, time] of [...functions].sort((a, b) => b[1] - a[1]).slice(0, 25))
      console.log(`  ${((time / total) * 100).toFixed(1).padStart(5)} %  ${fn}`);
  } finally {
    await fleet.stop();
  }
}

main().catch((error: unknown) => {
  console.error('profile could not run:', error);
  process.exitCode = 1;
});
