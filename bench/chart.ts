/**
 * The rate-adherence chart: accepted submit_sm per clock second per bind, as the SMSC simulator counted
 * them, one panel per SMSC latency, with the provider's limit drawn across, and the SMSC's own judge: its
 * busiest sliding 1000 ms in each second (any bind), which must never cross the limit line. Hand-written SVG text, so the
 * bench needs no charting dependency; a reader sees at a glance whether any bind went over the line.
 */
import type { AdherenceResult } from './engine.js';

const width = 920;
const panelHeight = 320;
const headerHeight = 44;
const plot = { left: 72, right: 180, top: 46, bottom: 58 } as const;
/** Okabe–Ito: tells the binds apart for colour-blind readers too. */
const bindColours = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#F0E442'] as const;
const limitColour = '#D55E00';
const throttledColour = '#C00000';
const slidingColour = '#000000';
const limitDash = '8 5';
const throttledDash = '2 3';

const n = (value: number) => value.toFixed(1);

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Per-bind counts on one shared axis of seconds since the run's first second, gaps filled with 0. */
function alignSeconds(result: AdherenceResult): {
  seconds: number;
  binds: { bindId: string; accepted: number[]; throttled: number[]; sliding: number[] }[];
} {
  const all = result.perSecond.flatMap((bind) => bind.seconds.map((s) => s.second));
  if (all.length === 0) return { seconds: 0, binds: [] };
  const first = Math.min(...all);
  const seconds = Math.max(...all) - first + 1;
  return {
    seconds,
    binds: result.perSecond.map((bind) => {
      const accepted = new Array<number>(seconds).fill(0);
      const throttled = new Array<number>(seconds).fill(0);
      const sliding = new Array<number>(seconds).fill(0);
      for (const s of bind.seconds) {
        accepted[s.second - first] = s.accepted;
        throttled[s.second - first] = s.throttled;
        sliding[s.second - first] = s.maxInSlidingSecond ?? 0;
      }
      return { bindId: bind.bindId, accepted, throttled, sliding };
    }),
  };
}

/** A step line: each clock second is a flat segment at its count. */
function stepPath(counts: readonly number[], x: (i: number) => number, y: (v: number) => number): string {
  return counts
    .map((count, i) => `${i === 0 ? `M${n(x(0))},${n(y(count))}` : `V${n(y(count))}`} H${n(x(i + 1))}`)
    .join(' ');
}

function tickStep(span: number, wanted: number): number {
  const raw = span / wanted;
  for (const step of [1, 2, 5, 10, 20, 50, 100, 200, 500]) if (step >= raw) return step;
  return 1000;
}

function panel(result: AdherenceResult, top: number): string {
  const { seconds, binds } = alignSeconds(result);
  const innerWidth = width - plot.left - plot.right;
  const innerHeight = panelHeight - plot.top - plot.bottom;
  const highest = Math.max(
    result.ratePerBind,
    ...binds.flatMap((bind) => [...bind.accepted, ...bind.throttled, ...bind.sliding]),
  );
  const yMax = Math.ceil((highest * 1.2) / 10) * 10;
  const x = (i: number) => plot.left + (innerWidth * i) / Math.max(1, seconds);
  const y = (v: number) => top + plot.top + innerHeight - (innerHeight * v) / yMax;
  const parts: string[] = [];

  const title =
    `SMSC latency ${result.latencyMs} ms — ${result.binds} binds at ${result.ratePerBind}/s: ` +
    `max ${result.maxInAnySlidingSecond} in any sliding second, ${result.throttled} × 0x58`;
  parts.push(`<text x="${plot.left}" y="${top + 28}" class="title">${escapeXml(title)}</text>`);

  const yStep = tickStep(yMax, 6);
  for (let v = 0; v <= yMax; v += yStep) {
    parts.push(
      `<line x1="${plot.left}" x2="${plot.left + innerWidth}" y1="${n(y(v))}" y2="${n(y(v))}" class="grid"/>`,
      `<text x="${plot.left - 8}" y="${n(y(v) + 4)}" text-anchor="end">${v}</text>`,
    );
  }
  const xStep = tickStep(seconds, 15);
  for (let i = 0; i <= seconds; i += xStep) {
    parts.push(
      `<line x1="${n(x(i))}" x2="${n(x(i))}" y1="${n(y(0))}" y2="${n(y(0) + 5)}" class="axis"/>`,
      `<text x="${n(x(i))}" y="${n(y(0) + 19)}" text-anchor="middle">${i}</text>`,
    );
  }
  parts.push(
    `<line x1="${plot.left}" x2="${plot.left + innerWidth}" y1="${n(y(0))}" y2="${n(y(0))}" class="axis"/>`,
    `<line x1="${plot.left}" x2="${plot.left}" y1="${n(y(yMax))}" y2="${n(y(0))}" class="axis"/>`,
    `<text x="${n(plot.left + innerWidth / 2)}" y="${n(y(0) + 40)}" text-anchor="middle" class="label">` +
      'seconds since the run’s first clock second (the first and last seconds are partial)</text>',
    `<text transform="translate(${plot.left - 46},${n(y(yMax / 2))}) rotate(-90)" text-anchor="middle" class="label">` +
      'accepted submit_sm per second</text>',
  );

  // Widest first, so binds that sit on the same counts all stay visible.
  binds.forEach((bind, i) => {
    const colour = bindColours[i % bindColours.length];
    const strokeWidth = 2 + 2 * (binds.length - 1 - i);
    parts.push(
      `<path d="${stepPath(bind.accepted, x, y)}" fill="none" stroke="${colour}" stroke-width="${strokeWidth}" ` +
        `stroke-linejoin="round" opacity="0.9"><title>${escapeXml(bind.bindId)}</title></path>`,
    );
  });
  const throttledPerSecond = binds.reduce(
    (sum, bind) => sum.map((value, i) => value + (bind.throttled[i] ?? 0)),
    new Array<number>(seconds).fill(0),
  );
  if (throttledPerSecond.some((count) => count > 0)) {
    parts.push(
      `<path d="${stepPath(throttledPerSecond, x, y)}" fill="none" stroke="${throttledColour}" stroke-width="1.5" stroke-dasharray="${throttledDash}"/>`,
    );
  }

  const slidingPerSecond = binds.reduce(
    (max, bind) => max.map((value, i) => Math.max(value, bind.sliding[i] ?? 0)),
    new Array<number>(seconds).fill(0),
  );
  parts.push(
    `<path d="${stepPath(slidingPerSecond, x, y)}" fill="none" stroke="${slidingColour}" stroke-width="1.2">` +
      '<title>the SMSC’s busiest sliding second ending in this second, any bind</title></path>',
  );

  const limitY = n(y(result.ratePerBind));
  parts.push(
    `<line x1="${plot.left}" x2="${plot.left + innerWidth}" y1="${limitY}" y2="${limitY}" stroke="${limitColour}" stroke-width="1.5" stroke-dasharray="${limitDash}"/>`,
    `<text x="${plot.left + innerWidth - 4}" y="${n(y(result.ratePerBind) - 6)}" text-anchor="end" fill="${limitColour}">` +
      `limit ${result.ratePerBind}/s per bind</text>`,
  );

  const legendX = plot.left + innerWidth + 18;
  binds.forEach((bind, i) => {
    const ly = top + plot.top + 10 + i * 22;
    parts.push(
      `<line x1="${legendX}" x2="${legendX + 24}" y1="${ly}" y2="${ly}" stroke="${bindColours[i % bindColours.length]}" stroke-width="4"/>`,
      `<text x="${legendX + 32}" y="${ly + 4}">bind ${i + 1}<title>${escapeXml(bind.bindId)}</title></text>`,
    );
  });
  const extras: [label: string, colour: string, dash: string][] = [
    [`limit ${result.ratePerBind}/s`, limitColour, limitDash],
    ['sliding-s max', slidingColour, ''],
  ];
  if (throttledPerSecond.some((count) => count > 0))
    extras.push(['0x58, all binds', throttledColour, throttledDash]);
  extras.forEach(([label, colour, dash], i) => {
    const ly = top + plot.top + 10 + (binds.length + i) * 22;
    parts.push(
      `<line x1="${legendX}" x2="${legendX + 24}" y1="${ly}" y2="${ly}" stroke="${colour}" stroke-width="1.5"${dash ? ` stroke-dasharray="${dash}"` : ''}/>`,
      `<text x="${legendX + 32}" y="${ly + 4}">${escapeXml(label)}</text>`,
    );
  });
  return parts.join('\n');
}

/** One SVG document: a panel per adherence run (e.g. 0 ms and 300 ms SMSC latency), top to bottom. */
export function adherenceChartSvg(results: readonly AdherenceResult[], subtitle: string): string {
  const height = headerHeight + results.length * panelHeight;
  const panels = results.map((result, i) => panel(result, headerHeight + i * panelHeight));
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    '<style>.title{font-size:14px;font-weight:bold}.label{font-size:12px;fill:#333}.grid{stroke:#e3e3e3}.axis{stroke:#333}</style>',
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="${plot.left}" y="22" class="title">Accepted submit_sm per clock second per bind, and the busiest sliding second (SMSC simulator’s counts)</text>`,
    `<text x="${plot.left}" y="38" class="label">${escapeXml(subtitle)}</text>`,
    ...panels,
    '</svg>',
    '',
  ].join('\n');
}
