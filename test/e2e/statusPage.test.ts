/**
 * The status page as a person meets it: `npm start` (local/start.ts as a child process, on free ports, the
 * same way `npm start` runs it), the page the API's own GET /status handler serves (the one the stack
 * deploys) in headless Chromium (CHROMIUM_PATH, Debian's `chromium` or Playwright's: test/support/findChromium.ts; driven by
 * playwright-core), a message sent through the API and one put straight on the sub-account's SQS queue,
 * both found by the messages table's acceptance-time index, and SIGTERM at the end, after which nothing of
 * the fleet may still run.
 *
 * Chromium is required, never skipped: without it the test fails and says how to install it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queueNameFor } from '../../core/tableKeys.js';
import { clientConfig } from '../../local/aws/AwsEmulator.js';
import { findChromium } from '../support/findChromium.js';
import { withDeadline } from '../support/poll.js';
import { reservePorts } from '../support/reservedPorts.js';
import { sendToQueue } from '../support/sendQueue.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** The first run installs the AWS emulator into .venv; on a busy 2-core machine that takes a while. */
const readyTimeoutMs = 170_000;

/** Every live process below `root` (Linux /proc), zombies left out: they have exited. */
function descendantsOf(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = processStat(Number(entry));
    if (stat === undefined || stat.state === 'Z') continue;
    children.set(stat.ppid, [...(children.get(stat.ppid) ?? []), Number(entry)]);
  }
  const found: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift() as number) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

function processStat(pid: number): { state: string; ppid: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // `pid (comm) state ppid …`: comm may hold spaces and parentheses, so read from the last ')'.
    const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: state ?? '', ppid: Number(ppid) };
  } catch {
    return undefined;
  }
}

const isRunning = (pid: number) => {
  const stat = processStat(pid);
  return stat !== undefined && stat.state !== 'Z';
};

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Gone already.
  }
}

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * `npm start` as a child process in its own process group, on free ports, with a temp copy of the local fleet
 * config pointing at its simulator port. `kill()` SIGKILLs whatever of it still runs (for afterAll).
 */
class LocalFleet {
  output = '';
  base = '';
  /** Every process below the child when `snapshotProcesses()` ran. */
  processes: number[] = [];
  exited: Promise<Exit> | undefined;
  #child: ChildProcess | undefined;
  #tempDir: string | undefined;
  readonly #killOnExit = () => this.kill();

  get child(): ChildProcess {
    if (this.#child === undefined) throw new Error('the fleet was not started');
    return this.#child;
  }

  /** Starts `command` (from the repo root) and resolves at its "Ready" line. */
  async start(command: string, args: readonly string[]): Promise<void> {
    // Three in a row: the simulator listens on SMSC_PORT and SMSC_PORT + 1 (TLS), the API on the third.
    const smscPort = await reservePorts(3);
    const apiPort = smscPort + 2;
    this.#tempDir = mkdtempSync(join(tmpdir(), 'status-page-'));
    const config = JSON.parse(readFileSync(join(repoRoot, 'local/fleet.local.json'), 'utf8')) as {
      subAccounts: { port: number }[];
    };
    for (const account of config.subAccounts) account.port = smscPort;
    const configPath = join(this.#tempDir, 'fleet.json');
    writeFileSync(configPath, JSON.stringify(config));

    process.once('exit', this.#killOnExit);
    // Its own process group (detached), as a terminal's foreground job: the workers are in it; the emulator
    // puts itself in another.
    const child = spawn(command, args, {
      cwd: repoRoot,
      env: { ...process.env, PORT: String(apiPort), SMSC_PORT: String(smscPort), FLEET_CONFIG: configPath },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    this.#child = child;
    this.exited = new Promise((resolveExit) =>
      child.once('exit', (code, signal) => resolveExit({ code, signal })),
    );
    const ready = new Promise<void>((resolveReady, reject) => {
      const collect = (chunk: Buffer) => {
        this.output = (this.output + chunk.toString('utf8')).slice(-20_000);
        if (/^Ready\./m.test(this.output)) resolveReady();
      };
      child.stdout?.on('data', collect);
      child.stderr?.on('data', collect);
      child.once('error', reject);
      child.once('exit', (code, signal) =>
        reject(new Error(`npm start exited before it was ready (${signal ?? `exit code ${code}`})`)),
      );
    });
    await withDeadline(ready, `npm start's "Ready" line`, readyTimeoutMs).catch((error: Error) => {
      throw new Error(`${error.message}; its output:\n${this.output}`);
    });
    this.base = `http://localhost:${apiPort}`;
  }

  snapshotProcesses(): number[] {
    this.processes = descendantsOf(this.child.pid as number);
    return this.processes;
  }

  async waitForExit(): Promise<Exit> {
    return withDeadline(this.exited as Promise<Exit>, 'npm start to exit', 90_000);
  }

  /** Whatever happened to the test, nothing it started outlives it. */
  kill(): void {
    const child = this.#child;
    if (child?.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        killQuietly(child.pid);
      }
    }
    for (const pid of this.processes) killQuietly(pid);
    if (this.#tempDir !== undefined) rmSync(this.#tempDir, { recursive: true, force: true });
    this.#tempDir = undefined;
    process.off('exit', this.#killOnExit);
  }
}

describe('status page (npm start, headless Chromium)', () => {
  const fleet = new LocalFleet();
  let browser: Browser | undefined;
  let page: Page;
  let base = '';
  const pageErrors: string[] = [];

  beforeAll(async () => {
    const chromiumPath = findChromium({ playwrightPath: () => chromium.executablePath() });
    // What `npm start` runs (package.json: `node --import tsx local/start.ts`), without npm in between.
    await fleet.start(process.execPath, ['--import', 'tsx', 'local/start.ts']);
    base = fleet.base;
    expect(fleet.output).toContain(`${base}/status`);

    browser = await chromium.launch({ executablePath: chromiumPath });
    page = await browser.newPage();
    page.on('pageerror', (error) => pageErrors.push(`uncaught: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(`console: ${message.text()}`);
    });
  }, readyTimeoutMs + 30_000);

  afterAll(async () => {
    await browser?.close();
    fleet.kill();
  });

  it('serves the page on /status (/ leads there), its data on /status.json, and 404 on a path it does not know', async () => {
    const html = await fetch(`${base}/status`);
    expect(html.status).toBe(200);
    expect(html.headers.get('content-type')).toMatch(/^text\/html/);
    expect(html.headers.get('content-security-policy')).toContain("connect-src 'self'");
    // Answered by the API's handler, as API Gateway would: it carries a request id.
    expect(html.headers.get('x-amzn-requestid')).toBeTruthy();
    expect(await html.text()).toContain('smpp-fleet');

    const root = await fetch(`${base}/`, { redirect: 'manual' });
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe('/status');
    await root.arrayBuffer();

    const json = await fetch(`${base}/status.json`);
    expect(json.status).toBe(200);
    expect(json.headers.get('content-type')).toMatch(/^application\/json/);
    const view = (await json.json()) as { subAccounts: { id: string; bindCap: number }[] };
    expect(view.subAccounts).toEqual([expect.objectContaining({ id: 'demo', bindCap: 4 })]);

    const missing = await fetch(`${base}/no-such-page`);
    expect(missing.status).toBe(404);
    await missing.arrayBuffer();
  });

  it('shows the four bind slots of demo bound, two held by each worker', async () => {
    // Where a person lands: `/`, which leads to the page.
    await page.goto(`${base}/`);
    expect(new URL(page.url()).pathname).toBe('/status');
    const slots = page.locator('[data-sub-account="demo"] [data-slot]');
    // Workers start a few seconds apart: the first takes every slot, then hands two to the second.
    await expect
      .poll(
        async () =>
          (
            await slots.evaluateAll((cards) =>
              cards.map((card) => `${card.getAttribute('data-state')} ${card.getAttribute('data-holder')}`),
            )
          ).sort(),
        { timeout: 90_000, interval: 250 },
      )
      .toEqual(['bound worker-1', 'bound worker-1', 'bound worker-2', 'bound worker-2']);
    // What a person reads on each card: the state and who holds the slot.
    for (const text of await slots.allInnerTexts()) {
      expect(text).toMatch(/bound/);
      expect(text).toMatch(/worker-[12]/);
      expect(text).toMatch(/\/ 50 msg\/s/);
    }
    await expect.poll(() => page.locator('[data-worker]', { hasText: 'alive' }).count()).toBe(2);
    // biome-ignore lint/performance/useDomNodeTextContent: what a person sees (rendered text) is the point.
    await expect.poll(() => page.locator('#freshness').innerText()).toMatch(/live/);
  });

  it('shows a message sent through the API, until it turns delivered with its receipt', async () => {
    const response = await fetch(`${base}/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        subAccount: 'demo',
        to: '+6591234567',
        from: 'DEMO',
        text: 'Hello from the test',
      }),
    });
    expect(response.status).toBe(202);
    const { messageId } = (await response.json()) as { messageId: string };
    // npm start shows the request as a one-liner, and no raw JSON or metric line from the API or the workers.
    await expect
      .poll(() => fleet.output, { timeout: 10_000 })
      .toMatch(/\[api\] INFO request handled \(POST \/messages → 202 in [0-9.]+ ms[;)]/);
    expect(fleet.output).not.toMatch(/^\{|"_aws"/m);
    // The page polls status.json every second; npm start does not print a line for each answered poll.
    expect(fleet.output).not.toContain('GET /status.json');

    const row = page.locator(`[data-message-id="${messageId}"]`);
    await expect
      .poll(async () => ((await row.count()) === 0 ? 'not shown' : await row.getAttribute('data-status')), {
        timeout: 60_000,
        interval: 250,
      })
      .toBe('delivered');
    // biome-ignore lint/performance/useDomNodeTextContent: what a person sees (rendered text) is the point.
    const text = await row.innerText();
    expect(text).toContain(messageId);
    expect(text).toContain('+6591234567');
    expect(text).toMatch(/delivered/);
    expect(text).toContain('DELIVRD');
    expect(pageErrors).toEqual([]);
  });

  it('shows a message put straight on the SQS queue (the worker makes its record), newest first', async () => {
    const endpoint = /AWS emulator at (http:\/\/\S+?): /.exec(fleet.output)?.[1];
    expect(endpoint, 'npm start names the emulator it started').toBeDefined();
    const sqs = new SQSClient(clientConfig(endpoint as string));
    try {
      const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: queueNameFor('demo') }));
      const [messageId] = await sendToQueue(
        sqs,
        QueueUrl as string,
        [
          {
            subAccount: 'demo',
            to: '+6591230001',
            from: 'DEMO',
            text: 'Straight into SQS',
            idempotencyKey: `status-page-${randomUUID()}`,
          },
        ],
        { subAccount: 'demo' },
      );
      const row = page.locator(`[data-message-id="${messageId}"]`);
      await expect
        .poll(async () => ((await row.count()) === 0 ? 'not shown' : await row.getAttribute('data-status')), {
          timeout: 60_000,
          interval: 250,
        })
        .toBe('delivered');
      // The latest accepted come first: this one was accepted after the one sent through the API.
      const firstRow = page.locator('#messages tr').first();
      expect(await firstRow.getAttribute('data-message-id')).toBe(messageId);
      // biome-ignore lint/performance/useDomNodeTextContent: what a person sees (rendered text) is the point.
      expect(await row.innerText()).toContain('+6591230001');
      // biome-ignore lint/performance/useDomNodeTextContent: what a person sees (rendered text) is the point.
      await expect.poll(() => page.locator('[data-figure="delivered"]').innerText()).toMatch(/^2\s/);
      expect(pageErrors).toEqual([]);
    } finally {
      sqs.destroy();
    }
  });

  it("draws each bound bind's accepted submits per second over the last two minutes against its 50/s limit", async () => {
    const response = await fetch(`${base}/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ subAccount: 'demo', to: '+6591230002', from: 'DEMO', text: 'For the chart' }),
    });
    expect(response.status).toBe(202);
    const charts = page.locator('[data-sub-account="demo"] [data-slot] [data-role="chart"]');
    // Every bound bind has a chart with its limit line; the submit just made shows as an accepted second on
    // one of them within a heartbeat or two (the counts travel in the workers' presence items).
    const acceptedOnCharts = async () =>
      (
        await charts
          .locator('svg')
          .evaluateAll((svgs) => svgs.map((svg) => svg.getAttribute('aria-label') ?? ''))
      )
        .map((label) => Number(/^(\d+) accepted/.exec(label)?.[1] ?? 0))
        .reduce((sum, count) => sum + count, 0);
    await expect.poll(() => charts.count(), { timeout: 30_000, interval: 250 }).toBe(4);
    await expect.poll(acceptedOnCharts, { timeout: 30_000, interval: 250 }).toBeGreaterThanOrEqual(1);
    const drawn = await charts.evaluateAll((nodes) =>
      nodes.map((chart) => {
        const svg = chart.querySelector('svg');
        const limit = chart.querySelector('[data-role="limit"]');
        const series = chart.querySelector('[data-role="accepted"]');
        const ys = (series?.getAttribute('points') ?? '')
          .split(' ')
          .filter(Boolean)
          .map((point: string) => Number(point.split(',')[1]));
        return {
          limit: svg?.getAttribute('data-limit'),
          limitY: Number(limit?.getAttribute('y1')),
          seconds: Number(svg?.getAttribute('data-seconds')),
          points: ys.length,
          baseline: Math.max(...ys),
          highest: Math.min(...ys),
        };
      }),
    );
    // What a person reads under each chart's dashed line.
    for (const text of await charts.allInnerTexts()) expect(text).toContain('limit 50/s');
    for (const chart of drawn) {
      expect(chart.limit).toBe('50');
      expect(chart.points).toBe(chart.seconds);
      expect(chart.seconds).toBeGreaterThan(0);
      expect(chart.seconds).toBeLessThanOrEqual(120);
      // A handful of messages is far below the limit: the series stays under the dashed line.
      expect(chart.highest).toBeGreaterThan(chart.limitY);
    }
    // The second with the submit rises above the baseline on some bind's chart.
    expect(drawn.some((chart) => chart.highest < chart.baseline)).toBe(true);
    expect(pageErrors).toEqual([]);
  });

  it('marks the seconds with 0x58 answers, and a bind at its full rate touches the limit line', async () => {
    // The real view with one bind's counts replaced by a known two minutes: full rate with a dip, throttled
    // twice in one second and once in another. What the page draws from it is what is checked.
    const context = await (browser as Browser).newContext();
    try {
      const crafted = await context.newPage();
      const accepted = Array.from({ length: 120 }, (_, i) => (i >= 100 && i < 105 ? 30 : 50));
      const throttled = accepted.map((_, i) => (i === 60 ? 2 : i === 110 ? 1 : 0));
      await crafted.route('**/status.json', async (route) => {
        const real = await route.fetch();
        const view = (await real.json()) as {
          subAccounts: { slots: { bind?: { perSecond?: unknown } }[] }[];
        };
        const bind = view.subAccounts[0]?.slots.find((slot) => slot.bind !== undefined)?.bind;
        if (bind !== undefined) bind.perSecond = { endMs: Date.now() - 1_000, accepted, throttled };
        await route.fulfill({ response: real, json: view });
      });
      await crafted.goto(`${base}/status`);
      const chart = crafted.locator('[data-role="chart"]', {
        has: crafted.locator('[data-role="throttled"]'),
      });
      await expect.poll(() => chart.count(), { timeout: 30_000, interval: 250 }).toBe(1);
      const drawn = await chart.evaluate((node) => {
        const series = (node.querySelector('[data-role="accepted"]')?.getAttribute('points') ?? '')
          .split(' ')
          .map((point: string) => point.split(',').map(Number));
        const marks = [...node.querySelectorAll('[data-role="throttled"]')].map((mark) => ({
          count: Number(mark.getAttribute('data-count')),
          // The tip of the tick (path "M left,0 L right,0 L tip,6 Z").
          x: Number(/L([\d.]+),6/.exec(mark.getAttribute('d') ?? '')?.[1]),
          title: mark.querySelector('title')?.textContent ?? '',
        }));
        return {
          series,
          limitY: Number(node.querySelector('[data-role="limit"]')?.getAttribute('y1')),
          marks,
        };
      });
      expect(drawn.series).toHaveLength(120);
      // Full-rate seconds sit on the limit line, the dip below it.
      expect(drawn.series[0]?.[1]).toBeCloseTo(drawn.limitY, 1);
      expect(drawn.series[102]?.[1]).toBeGreaterThan(drawn.limitY);
      // One tick per throttled second, above that very second, saying how many 0x58 answers it had.
      expect(drawn.marks.map((mark) => mark.count)).toEqual([2, 1]);
      expect(drawn.marks[0]?.x).toBeCloseTo(drawn.series[60]?.[0] ?? Number.NaN, 1);
      expect(drawn.marks[1]?.x).toBeCloseTo(drawn.series[110]?.[0] ?? Number.NaN, 1);
      expect(drawn.marks[0]?.title).toMatch(/^2 × 0x58/);
      // biome-ignore lint/performance/useDomNodeTextContent: what a person sees (rendered text) is the point.
      const caption = await chart.locator('.caption').innerText();
      expect(caption).toContain('3 × 0x58');
      expect(caption).toContain('peak 50/s');
    } finally {
      await context.close();
    }
    expect(pageErrors).toEqual([]);
  });

  it('stops everything on SIGTERM: exit 0, no process of the fleet left, and the page says it is not updating', async () => {
    // At least the emulator and the two workers.
    expect(fleet.snapshotProcesses().length).toBeGreaterThanOrEqual(3);
    fleet.child.kill('SIGTERM');
    expect(await fleet.waitForExit()).toEqual({ code: 0, signal: null });
    expect(fleet.output).toContain('[start] stopped');
    await expect
      .poll(() => fleet.processes.filter(isRunning), { timeout: 10_000, interval: 100 })
      .toEqual([]);
    await expect
      .poll(() => page.locator('#freshness').getAttribute('class'), { timeout: 10_000 })
      .toBe('stale');
  });
});

describe('npm start, stopped as a terminal or a supervisor stops it', () => {
  const fleets: LocalFleet[] = [];
  afterAll(() => {
    for (const fleet of fleets) fleet.kill();
  });

  /** The real `npm start`, once the workers are up (every slot bound), as a person would have tried it out. */
  async function startedNpmStart(): Promise<LocalFleet> {
    const fleet = new LocalFleet();
    fleets.push(fleet);
    await fleet.start('npm', ['start']);
    const boundBinds = async () => {
      const view = (await (await fetch(`${fleet.base}/status.json`)).json()) as {
        subAccounts: { boundBinds: number }[];
      };
      return view.subAccounts[0]?.boundBinds;
    };
    await expect.poll(boundBinds, { timeout: 90_000, interval: 250 }).toBe(4);
    // At least start.ts, the emulator and the two workers.
    expect(fleet.snapshotProcesses().length).toBeGreaterThanOrEqual(4);
    return fleet;
  }

  async function expectCleanStop(fleet: LocalFleet): Promise<void> {
    expect(fleet.output).toContain('[start] stopped');
    expect(fleet.output).toMatch(/\[worker-1\] INFO worker stopped/);
    expect(fleet.output).toMatch(/\[worker-2\] INFO worker stopped/);
    await expect
      .poll(() => fleet.processes.filter(isRunning), { timeout: 10_000, interval: 100 })
      .toEqual([]);
  }

  it(
    'stops cleanly when the terminal sends SIGINT to the whole job (Ctrl-C), npm included',
    async () => {
      const fleet = await startedNpmStart();
      process.kill(-(fleet.child.pid as number), 'SIGINT');
      const exit = await fleet.waitForExit();
      // npm re-raises the interrupt once its script has exited (a shell shows 130); start.ts itself finished its
      // stop (the lines below) and exited 0.
      expect(exit.signal === 'SIGINT' || exit.code === 0 || exit.code === 130).toBe(true);
      await expectCleanStop(fleet);
    },
    readyTimeoutMs + 120_000,
  );

  it(
    'stops cleanly when only npm gets SIGTERM (a supervisor, `kill <pid>`): nothing is left running',
    async () => {
      const fleet = await startedNpmStart();
      // npm passes the signal to its script's process; without `exec` in the script that is a shell, which
      // dies and leaves start.ts, the workers and the emulator running.
      fleet.child.kill('SIGTERM');
      const exit = await fleet.waitForExit();
      expect(exit.signal === 'SIGTERM' || exit.code === 0 || exit.code === 143).toBe(true);
      await expectCleanStop(fleet);
    },
    readyTimeoutMs + 120_000,
  );
});
