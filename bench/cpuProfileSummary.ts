/**
 * Where a process's CPU went, from a V8 `.cpuprofile` (node --cpu-prof; for the worker in section 3,
 * FLEET_WORKER_NODE_FLAGS="--cpu-prof --cpu-prof-dir=<dir>"):
 *
 *   tsx bench/cpuProfileSummary.ts <profile> [--results bench/results/<run>.json] [--window window|idle]
 *     [--per <count>] [--top <n>]
 *
 * With --results, only the samples inside that run's pipeline window (or idle window) count, and the figures
 * are also given per message (or per second); --per divides by a count of your own (calls, say). Frames in a
 * bundle are traced back to their source files through the bundle's source map, so our own code is listed
 * by file, not as one worker.mjs.
 *
 * Self time: the frame on top of the stack when a sample was taken. Inclusive time: a sample counts once for
 * each area (and each function) found anywhere in its stack. (idle) samples are the event loop waiting.
 * Compare shares, not milliseconds, with /proc's CPU time: V8 samples on a wall clock, so a main thread that
 * is runnable but not running (a busy machine) still collects samples, and the other threads of the process
 * (GC helpers, the compiler, the libuv pool) are not in the profile at all.
 */
import { existsSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { fileURLToPath } from 'node:url';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** A frame placed in the source tree: `file` is a repo path, a package name or a node: module. */
interface Place {
  file: string;
  line: number;
  area: string;
}

/**
 * Areas a stack can pass through, first match wins for a frame. The order matters only for frames that fit
 * two (none today).
 */
const areas: ReadonlyArray<[string, (file: string) => boolean]> = [
  [
    'AWS SDK (@aws-sdk, @smithy)',
    (f) => /^@(aws-sdk|smithy|aws-crypto)\//.test(f) || f === 'fast-xml-parser',
  ],
  [
    'logging (Powertools logger, our log port)',
    (f) => f === '@aws-lambda-powertools/logger' || /runtime\/workerLogger|core\/log/.test(f),
  ],
  [
    'metrics (Powertools metrics, FleetMetrics)',
    (f) => f === '@aws-lambda-powertools/metrics' || /FleetMetrics/.test(f),
  ],
  ['other Powertools', (f) => f.startsWith('@aws-lambda-powertools/')],
  ['validation (zod)', (f) => f === 'zod'],
  ['SMPP (smpp package, worker/smpp)', (f) => f === 'smpp' || f.startsWith('worker/smpp/')],
  ['leases (worker/leases)', (f) => f.startsWith('worker/leases/')],
  ['records (worker/records)', (f) => f.startsWith('worker/records/')],
  ['receipts (worker/receipts)', (f) => f.startsWith('worker/receipts/')],
  ['sending (worker/sending)', (f) => f.startsWith('worker/sending/')],
  ['core/', (f) => f.startsWith('core/')],
  ['source maps (node:internal/source_map)', (f) => f.includes('source_map')],
  ['tsx loader', (f) => f === 'tsx'],
  ['timers (node:internal/timers)', (f) => f === 'node:internal/timers'],
];

/**
 * Each busy sample goes to exactly one of these, by what its stack passes through (first match wins): the
 * shares add up to the busy time. "AWS SDK calls" also takes node's HTTP and socket frames outside SMPP's
 * stacks (the worker's only HTTP is the SDK's, apart from the health endpoint), e.g. a response's bytes read
 * before the SDK's code is on the stack, or a connect made from a callback.
 */
const buckets: ReadonlyArray<[string, (files: ReadonlySet<string>) => boolean]> = [
  ['logging', (f) => f.has('@aws-lambda-powertools/logger') || has(f, /runtime\/workerLogger|^core\/log/)],
  ['metrics (EMF)', (f) => f.has('@aws-lambda-powertools/metrics') || has(f, /FleetMetrics/)],
  ['validation (zod)', (f) => f.has('zod')],
  ['source maps', (f) => has(f, /source_map/)],
  [
    'AWS SDK calls (SDK + node http/net)',
    (f) =>
      has(
        f,
        /^@(aws-sdk|smithy|aws-crypto)\/|^node:(_http_|http$|net$|dns$|internal\/dns|internal\/stream_base)/,
      ),
  ],
  ['SMPP', (f) => f.has('smpp') || has(f, /^worker\/smpp\//)],
  ['garbage collector', (f) => f.has('(garbage collector)')],
  ['(program): V8/native, no JS on the stack', (f) => f.has('(program)')],
  ['timers (other work run from a timer)', (f) => f.has('node:internal/timers')],
  ['our code (other)', (f) => has(f, /^(worker|core)\//)],
];
const has = (files: ReadonlySet<string>, pattern: RegExp) => {
  for (const file of files) if (pattern.test(file)) return true;
  return false;
};

const sourceMaps = new Map<string, SourceMap | undefined>();
function sourceMapOf(url: string): SourceMap | undefined {
  if (!sourceMaps.has(url)) {
    let map: SourceMap | undefined;
    try {
      const path = `${fileURLToPath(url)}.map`;
      if (existsSync(path)) map = new SourceMap(JSON.parse(readFileSync(path, 'utf8')));
    } catch {
      map = undefined;
    }
    sourceMaps.set(url, map);
  }
  return sourceMaps.get(url);
}

function fileOf(path: string): string {
  const packageName = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)?.[1];
  if (packageName) return packageName;
  const own = /(?:^|\/)((?:worker|core|lambdas|local|test|bench)\/.*)$/.exec(path)?.[1];
  return own ?? path;
}

const places = new WeakMap<ProfileNode, Place>();
function placeOf(node: ProfileNode): Place {
  const known = places.get(node);
  if (known) return known;
  const { url, lineNumber, columnNumber, functionName } = node.callFrame;
  let file: string;
  let line = lineNumber + 1;
  if (url === '') file = functionName.startsWith('(') ? functionName : '(native)';
  else if (url.startsWith('node:')) file = url;
  else {
    const map = url.startsWith('file:') ? sourceMapOf(url) : undefined;
    const entry = map?.findEntry(lineNumber, columnNumber) as
      | { originalSource?: string; originalLine?: number }
      | undefined;
    if (entry?.originalSource) {
      file = fileOf(entry.originalSource);
      line = (entry.originalLine ?? 0) + 1;
    } else file = fileOf(url.startsWith('file:') ? fileURLToPath(url) : url);
  }
  const area = areas.find(([, matches]) => matches(file))?.[0] ?? `other: ${file}`;
  const place = { file, line, area };
  places.set(node, place);
  return place;
}

export interface ProfileSummary {
  /** Sampled time in the window, ms, including (idle). */
  sampledMs: number;
  idleMs: number;
  /** Sampled time not (idle): the main thread busy, ms. */
  busyMs: number;
  selfByFunction: Array<[string, number]>;
  selfByArea: Array<[string, number]>;
  inclusiveByArea: Array<[string, number]>;
  inclusiveByFunction: Array<[string, number]>;
  /** Each busy sample once, by `buckets`; the rest as "other: <leaf file>". */
  byBucket: Array<[string, number]>;
}

export function summarizeProfile(profile: CpuProfile, fromUs = -Infinity, toUs = Infinity): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const functionKey = (node: ProfileNode) => {
    const place = placeOf(node);
    return `${node.callFrame.functionName || '(anonymous)'}  ${place.file}:${place.line}`;
  };
  const add = (map: Map<string, number>, key: string, ms: number) => map.set(key, (map.get(key) ?? 0) + ms);
  const selfByFunction = new Map<string, number>();
  const selfByArea = new Map<string, number>();
  const inclusiveByArea = new Map<string, number>();
  const inclusiveByFunction = new Map<string, number>();
  const byBucket = new Map<string, number>();
  let sampledMs = 0;
  let idleMs = 0;
  let at = profile.startTime;
  profile.samples.forEach((id, index) => {
    at += profile.timeDeltas[index] ?? 0;
    // A sample's time is the gap to the next one (V8 records the delta before each sample).
    const ms = (profile.timeDeltas[index + 1] ?? 0) / 1000;
    if (at < fromUs || at > toUs) return;
    sampledMs += ms;
    const leaf = byId.get(id);
    if (!leaf) return;
    if (leaf.callFrame.functionName === '(idle)') {
      idleMs += ms;
      return;
    }
    add(selfByFunction, functionKey(leaf), ms);
    const leafPlace = placeOf(leaf);
    add(selfByArea, leafPlace.area.startsWith('other: ') ? leafPlace.file : leafPlace.area, ms);
    const seenAreas = new Set<string>();
    const seenFunctions = new Set<string>();
    const seenFiles = new Set<string>();
    for (let node: ProfileNode | undefined = leaf; node; node = byId.get(parentOf.get(node.id) ?? -1)) {
      if (node.callFrame.functionName === '(root)') break;
      const place = placeOf(node);
      if (!place.area.startsWith('other: ')) seenAreas.add(place.area);
      seenFunctions.add(functionKey(node));
      seenFiles.add(place.file);
    }
    const bucket = buckets.find(([, matches]) => matches(seenFiles))?.[0] ?? `other: ${leafPlace.file}`;
    add(byBucket, bucket, ms);
    for (const area of seenAreas) add(inclusiveByArea, area, ms);
    for (const fn of seenFunctions) add(inclusiveByFunction, fn, ms);
  });
  const sorted = (map: Map<string, number>) => [...map].sort((a, b) => b[1] - a[1]);
  return {
    sampledMs,
    idleMs,
    busyMs: sampledMs - idleMs,
    selfByFunction: sorted(selfByFunction),
    selfByArea: sorted(selfByArea),
    inclusiveByArea: sorted(inclusiveByArea),
    inclusiveByFunction: sorted(inclusiveByFunction),
    byBucket: sorted(byBucket),
  };
}

function main(): void {
  const args = process.argv.slice(2);
  const option = (name: string) => {
    const index = args.indexOf(name);
    return index >= 0 ? args.splice(index, 2)[1] : undefined;
  };
  const resultsPath = option('--results');
  const which = (option('--window') ?? 'window') as 'window' | 'idle';
  const top = Number(option('--top') ?? 25);
  const perCount = option('--per');
  const [profilePath] = args;
  if (profilePath === undefined) {
    console.error(
      'usage: tsx bench/cpuProfileSummary.ts <profile> [--results <run.json>] [--window window|idle] [--per n] [--top n]',
    );
    process.exitCode = 2;
    return;
  }
  const profile = JSON.parse(readFileSync(profilePath, 'utf8')) as CpuProfile;
  let from = -Infinity;
  let to = Infinity;
  let per = { count: 1, unit: '' };
  if (resultsPath !== undefined) {
    const pipeline = (
      JSON.parse(readFileSync(resultsPath, 'utf8')) as {
        pipeline: { messages: number; monotonicUs: { idle: [number, number]; window: [number, number] } };
      }
    ).pipeline;
    [from, to] = pipeline.monotonicUs[which];
    per =
      which === 'window'
        ? { count: pipeline.messages, unit: 'message' }
        : { count: (to - from) / 1e6, unit: 'second' };
  }
  if (perCount !== undefined) per = { count: Number(perCount), unit: 'unit' };
  console.log(`${profilePath}${resultsPath ? ` (${which} of ${resultsPath})` : ''}:`);
  console.log(formatSummary(summarizeProfile(profile, from, to), { per, top }));
}

/** The summary as text: each figure as a share of the busy time, in ms, and per `per.unit` when given. */
export function formatSummary(
  summary: ProfileSummary,
  { per = { count: 1, unit: '' }, top = 25 }: { per?: { count: number; unit: string }; top?: number } = {},
): string {
  const line = (ms: number) =>
    `  ${((ms / summary.busyMs) * 100).toFixed(1).padStart(5)} %  ${ms.toFixed(0).padStart(6)} ms` +
    (per.unit ? `  ${(ms / per.count).toFixed(3).padStart(7)} ms/${per.unit}` : '');
  const list = (rows: ReadonlyArray<[string, number]>) => rows.map(([name, ms]) => `${line(ms)}  ${name}`);
  return [
    `${summary.sampledMs.toFixed(0)} ms sampled, ${summary.busyMs.toFixed(0)} ms busy on the main thread` +
      (per.unit ? ` = ${(summary.busyMs / per.count).toFixed(2)} ms per ${per.unit}` : ''),
    `busy time, each sample once (the first of: ${buckets.map(([name]) => name).join('; ')}):`,
    ...list(summary.byBucket.slice(0, top)),
    'inclusive time by area (a sample counts once for each area on its stack; areas overlap):',
    ...list(summary.inclusiveByArea),
    'self time by area / file:',
    ...list(summary.selfByArea.slice(0, top)),
    `top ${top} functions by self time:`,
    ...list(summary.selfByFunction.slice(0, top)),
    `top ${top} functions by inclusive time:`,
    ...list(summary.inclusiveByFunction.slice(0, top)),
  ].join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
