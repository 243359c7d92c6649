/**
 * The status page (GET /status, lambdas/getStatusPage.ts): one static page, its script and style inline, no
 * CDN; it polls status.json beside itself every second. Kept in a .ts module so esbuild puts it in the
 * Lambda bundle (a file read at run time would not be there). It is one template literal: in the page,
 * write \` for a backtick, \${ for a dollar-brace and \\ for a backslash.
 */
export const statusPageHtml = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>smpp-fleet · live status</title>
<link rel="icon" href="data:,">
<style>
:root {
  --ink: #1f2328; --muted: #59636e; --line: #d1d9e0; --panel: #ffffff; --page: #f6f8fa;
  --ok-ink: #116329; --ok-bg: #dafbe1; --ok-line: #4ac26b;
  --wait-ink: #7d4e00; --wait-bg: #fff8c5; --wait-line: #d4a72c;
  --move-ink: #0550ae; --move-bg: #ddf4ff; --move-line: #54aeff;
  --bad-ink: #a40e26; --bad-bg: #ffebe9; --bad-line: #ff8182;
  --odd-ink: #6639ba; --odd-bg: #fbefff; --odd-line: #c297ff;
  --none-ink: #59636e; --none-bg: #f6f8fa; --none-line: #d1d9e0;
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--page); color: var(--ink);
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif; }
main { max-width: 1200px; margin: 0 auto; padding: 16px 20px 40px; }
header.top { display: flex; align-items: baseline; justify-content: space-between; gap: 12px; flex-wrap: wrap; }
h1 { font-size: 22px; margin: 0; }
h1 small { font-weight: 400; color: var(--muted); font-size: 15px; margin-left: 6px; }
h2 { font-size: 16px; margin: 0; }
h3 { font-size: 14px; margin: 22px 0 8px; color: var(--muted); text-transform: uppercase; letter-spacing: .04em; }
.muted { color: var(--muted); }
.mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; }
#freshness { font-size: 13px; padding: 3px 10px; border-radius: 999px; border: 1px solid var(--none-line); }
#freshness.live { color: var(--ok-ink); background: var(--ok-bg); border-color: var(--ok-line); }
#freshness.stale { color: var(--bad-ink); background: var(--bad-bg); border-color: var(--bad-line); }
#problems { margin: 12px 0 0; padding: 8px 12px; border: 1px solid var(--bad-line); background: var(--bad-bg);
  color: var(--bad-ink); border-radius: 6px; }
#problems:empty { display: none; }
.summary { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 10px; margin-top: 14px; }
.figure { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; }
.figure b { display: block; font-size: 22px; font-weight: 600; }
.figure.alert { border-color: var(--bad-line); background: var(--bad-bg); color: var(--bad-ink); }
.account { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; margin-top: 10px; }
.account > header { display: flex; gap: 14px; align-items: baseline; flex-wrap: wrap; }
.account > header .pill { font-size: 13px; }
.slots { display: grid; grid-template-columns: repeat(auto-fill, minmax(230px, 1fr)); gap: 10px; margin-top: 10px; }
.slot { border: 1px solid var(--none-line); border-left-width: 5px; border-radius: 6px; padding: 8px 10px; background: var(--panel); }
.slot .row { display: flex; justify-content: space-between; align-items: center; gap: 8px; }
.slot .holder { font-weight: 600; margin-top: 4px; }
.slot .detail { font-size: 12.5px; color: var(--muted); }
.bar { height: 6px; background: #eaeef2; border-radius: 3px; overflow: hidden; margin: 6px 0 2px; }
.bar > span { display: block; height: 100%; background: var(--ok-line); }
.bar.high > span { background: var(--wait-line); }
.chip { display: inline-block; padding: 0 8px; border-radius: 999px; font-size: 12px; font-weight: 600;
  border: 1px solid var(--none-line); color: var(--none-ink); background: var(--none-bg); white-space: nowrap; }
.s-bound, .s-delivered { --c-ink: var(--ok-ink); --c-bg: var(--ok-bg); --c-line: var(--ok-line); }
.s-binding, .s-connecting, .s-submitting { --c-ink: var(--wait-ink); --c-bg: var(--wait-bg); --c-line: var(--wait-line); }
.s-unbinding, .s-submitted { --c-ink: var(--move-ink); --c-bg: var(--move-bg); --c-line: var(--move-line); }
.s-closed, .s-expired, .s-undeliverable, .s-rejected, .s-failed { --c-ink: var(--bad-ink); --c-bg: var(--bad-bg); --c-line: var(--bad-line); }
.s-unknown { --c-ink: var(--odd-ink); --c-bg: var(--odd-bg); --c-line: var(--odd-line); }
.s-leased, .s-accepted, .s-free { --c-ink: var(--none-ink); --c-bg: var(--none-bg); --c-line: var(--none-line); }
.chip[class*="s-"] { color: var(--c-ink); background: var(--c-bg); border-color: var(--c-line); }
.slot[class*="s-"] { border-left-color: var(--c-line); }
.slot.s-free { border-style: dashed; border-left-width: 1px; background: transparent; }
.slot.s-expired { border-style: dashed; }
.table-wrap { overflow-x: auto; }
table { width: 100%; border-collapse: collapse; background: var(--panel); border: 1px solid var(--line); border-radius: 8px; overflow: hidden; }
th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: 12px; color: var(--muted); font-weight: 600; background: #f6f8fa; }
tr:last-child td { border-bottom: none; }
td.empty { color: var(--muted); text-align: center; padding: 16px; }
.timeline .step + .step::before { content: " → "; color: var(--muted); }
.receipt { font-size: 12.5px; }
.chart { margin: 6px 0 2px; }
.chart svg { display: block; width: 100%; height: 64px; background: #fbfcfd; border: 1px solid #eaeef2; border-radius: 4px; }
.chart .accepted { fill: none; stroke: var(--ok-line); stroke-width: 1.5; stroke-linejoin: round; }
.chart .area { fill: var(--ok-bg); stroke: none; }
.chart .limit { stroke: var(--bad-line); stroke-width: 1; stroke-dasharray: 4 3; }
.chart .throttled { fill: var(--bad-ink); }
.chart .caption { display: flex; flex-wrap: wrap; justify-content: space-between; gap: 0 6px; font-size: 11.5px; color: var(--muted); }
.chart .caption .hot { color: var(--bad-ink); font-weight: 600; }
.legend { display: flex; flex-wrap: wrap; gap: 6px 16px; margin-top: 8px; font-size: 12.5px; color: var(--muted); }
.legend div { display: flex; align-items: center; gap: 6px; }
footer { margin-top: 24px; }
</style>
</head>
<body>
<main>
  <header class="top">
    <h1>smpp-fleet <small>live status</small></h1>
    <div id="freshness" role="status" aria-live="polite">connecting…</div>
  </header>
  <div id="problems" role="alert"></div>
  <section class="summary" id="summary" aria-label="Fleet summary"></section>

  <h3>Bind slots per sub-account</h3>
  <div id="accounts"></div>

  <h3>Workers</h3>
  <div class="table-wrap"><table aria-label="Workers">
    <thead><tr><th>worker</th><th>presence</th><th>slots held</th><th>binds bound</th></tr></thead>
    <tbody id="workers"></tbody>
  </table></div>

  <h3>Latest messages <span class="muted" id="messages-note"></span></h3>
  <div class="table-wrap"><table aria-label="Latest messages">
    <thead><tr><th>accepted</th><th>message</th><th>to / from</th><th>state</th><th>state changes</th><th>parts and receipts</th></tr></thead>
    <tbody id="messages"></tbody>
  </table></div>

  <footer>
    <h3>Legend</h3>
    <div class="legend" id="legend-slots"></div>
    <div class="legend" id="legend-messages"></div>
    <p class="muted">
      A bind slot is a DynamoDB lease (at most the sub-account's bind cap across the whole fleet); its holder is the
      worker allowed to keep a bind open on it. Bind state and rate come from each worker's presence item, written every
      heartbeat; the rate is submit_sm per second over the worker's last heartbeat. Each bind's chart draws its
      accepted submits in each second of the last two minutes (green) against its limit (dashed), with a red tick
      over every second in which 8x8 answered 0x58 (throttled); its newest second is the last whole one before the
      worker's latest heartbeat. Queue depths are SQS's approximate
      counts. Latest messages are the newest accepted (an index by acceptance time, not a scan of the table); the
      counts by state are over those listed, not over every record. Refreshes every second from
      <a id="data-link" href="status.json">status.json</a>.
    </p>
  </footer>
</main>
<script>
'use strict';
/** [state, what it means] */
const slotLegend = [
  ['bound', 'bind open, sending'],
  ['connecting', 'or binding: opening the bind'],
  ['unbinding', 'closing, to hand the slot back'],
  ['closed', 'not connected, retrying with backoff'],
  ['leased', 'held, bind not reported yet'],
  ['expired', 'holder stopped renewing; free to take'],
  ['free', 'nobody holds it'],
];
const messageLegend = [
  ['accepted', 'recorded, queued'],
  ['submitting', 'submit_sm sent'],
  ['submitted', '8x8 took it; waiting for the receipt'],
  ['delivered', 'receipt DELIVRD'],
  ['undeliverable', 'like expired, rejected, failed: final, not delivered'],
  ['unknown', 'the SMSC does not know'],
];

/** Builds an element; children are nodes or text (always text, never parsed as HTML). */
function h(tag, attributes, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'class') element.className = value;
    else element.setAttribute(name, String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}
const chip = (state, text) => h('span', { class: \`chip s-\${state}\` }, text || state);

function seconds(ms) {
  const abs = Math.abs(ms);
  if (abs < 1000) return \`\${Math.round(ms)} ms\`;
  if (abs < 60000) return \`\${(ms / 1000).toFixed(1)} s\`;
  if (abs < 3600000) return \`\${Math.floor(ms / 60000)} min \${Math.round((abs % 60000) / 1000)} s\`;
  return \`\${(ms / 3600000).toFixed(1)} h\`;
}
function clock(epochMs) {
  const d = new Date(epochMs);
  const pad = (n, w) => String(n).padStart(w || 2, '0');
  return \`\${pad(d.getHours())}:\${pad(d.getMinutes())}:\${pad(d.getSeconds())}.\${pad(d.getMilliseconds(), 3)}\`;
}
const rate = (value) => (value === undefined || value === null ? '–' : value.toFixed(1));

const svgNs = 'http://www.w3.org/2000/svg';
/** Like h(), for SVG elements. */
function svg(tag, attributes, ...children) {
  const element = document.createElementNS(svgNs, tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === undefined || value === null) continue;
    element.setAttribute(name, String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

/** The chart spans this many seconds (what a worker reports: core/bindReport.ts bindSecondCountsMaxSeconds). */
const chartSeconds = 120;
const chartWidth = 240;
const chartHeight = 64;

/**
 * A bind's accepted submits per second over the last two minutes against its limit (dashed line), each
 * second with 0x58 (ESME_RTHROTTLED) answers marked by a red tick on top. Seconds are the holder's clock;
 * the newest whole second is at the right edge, older ones leftwards; a bind younger than the span starts
 * part of the way in.
 */
function rateChart(bind) {
  const counts = bind.perSecond;
  const limit = bind.submitsPerSecondLimit;
  const accepted = counts.accepted;
  const throttled = counts.throttled;
  const n = accepted.length;
  const peak = Math.max(0, ...accepted);
  const top = Math.max(limit * 1.25, peak * 1.1, 1);
  const pad = 4;
  const x = (index) => ((chartSeconds - n + index + 0.5) / chartSeconds) * chartWidth;
  const y = (count) => chartHeight - pad - (count / top) * (chartHeight - 2 * pad);
  const points = accepted.map((count, index) => \`\${x(index).toFixed(1)},\${y(count).toFixed(1)}\`);
  const baseline = y(0).toFixed(1);
  const area = \`\${x(0).toFixed(1)},\${baseline} \${points.join(' ')} \${x(n - 1).toFixed(1)},\${baseline}\`;
  const limitY = y(limit).toFixed(1);
  const total = accepted.reduce((sum, count) => sum + count, 0);
  const throttledTotal = throttled.reduce((sum, count) => sum + count, 0);
  const marks = [];
  throttled.forEach((count, index) => {
    if (!count) return;
    const at = x(index);
    const secondEnd = counts.endMs - (n - 1 - index) * 1000;
    marks.push(svg('path', {
      class: 'throttled', 'data-role': 'throttled', 'data-count': count,
      'data-second-end-ms': secondEnd,
      d: \`M\${(at - 3).toFixed(1)},0 L\${(at + 3).toFixed(1)},0 L\${at.toFixed(1)},6 Z\`,
    }, svg('title', {}, \`\${count} × 0x58 (throttled) in the second to \${clock(secondEnd)}\`)));
  });
  const summary = \`\${total} accepted in the last \${n} s, peak \${peak}/s against a limit of \${limit}/s, \${throttledTotal} throttled (0x58)\`;
  return h('div', { class: 'chart', 'data-role': 'chart' },
    svg('svg', {
      viewBox: \`0 0 \${chartWidth} \${chartHeight}\`, preserveAspectRatio: 'none', role: 'img', 'aria-label': summary,
      'data-seconds': n, 'data-limit': limit,
    },
      svg('title', {}, summary),
      svg('polygon', { class: 'area', points: area }),
      svg('polyline', { class: 'accepted', 'data-role': 'accepted', points: points.join(' ') }),
      svg('line', { class: 'limit', 'data-role': 'limit', x1: 0, x2: chartWidth, y1: limitY, y2: limitY }),
      marks,
    ),
    h('div', { class: 'caption' },
      h('span', {}, \`\${n >= 60 ? \`\${Math.round(n / 6) / 10} min\` : \`\${n} s\`}: peak \${peak}/s, limit \${limit}/s\`),
      h('span', { class: throttledTotal ? 'hot' : '', 'data-role': 'throttled-total' }, \`\${throttledTotal} × 0x58\`)),
  );
}

function renderSummary(view) {
  const accounts = view.subAccounts;
  const sum = (f) => accounts.reduce((total, a) => total + f(a), 0);
  const live = view.workers.filter((w) => w.alive).length;
  const slots = sum((a) => a.bindCap);
  const bound = sum((a) => a.boundBinds);
  const sending = sum((a) => a.submitRatePerSecond);
  const limit = sum((a) => a.bindCap * a.submitsPerSecondLimit);
  const waiting = sum((a) => (a.queue ? a.queue.visible + a.queue.delayed : 0));
  const inFlight = sum((a) => (a.queue ? a.queue.inFlight : 0));
  const dead = sum((a) => (a.deadLetterQueue ? a.deadLetterQueue.visible + a.deadLetterQueue.inFlight : 0));
  const counts = view.messageCounts;
  const countOf = (...states) => states.reduce((total, state) => total + (counts?.[state] || 0), 0);
  const figure = (label, value, note, alert, id) =>
    h('div', { class: alert ? 'figure alert' : 'figure', 'data-figure': id }, h('b', {}, value), label, note ? h('div', { class: 'muted' }, note) : null);
  document.getElementById('summary').replaceChildren(
    figure('workers live', String(live), \`\${view.workers.length - live} silent\`, live === 0, 'workers'),
    figure('binds bound', \`\${bound} / \${slots}\`, 'slots across the fleet', false, 'binds'),
    figure('sending, msg/s', rate(sending), \`limit \${limit} with every slot bound\`, false, 'rate'),
    figure('queued', String(waiting), \`\${inFlight} held by workers\`, false, 'queue'),
    figure('dead letters', String(dead), dead > 0 ? 'look at the DLQ' : 'DLQ empty', dead > 0, 'dlq'),
    figure(\`delivered, of the latest \${view.messagesCounted}\`, String(countOf('delivered')),
      \`\${countOf('undeliverable', 'expired', 'rejected', 'failed')} not delivered · \${countOf('accepted', 'submitting', 'submitted', 'unknown')} open\`,
      false, 'delivered'),
  );
}

function slotCard(account, slot) {
  const bind = slot.bind;
  const label = slot.state === 'leased' ? 'leased' : slot.state;
  const children = [
    h('div', { class: 'row' }, h('span', { class: 'muted' }, \`slot \${slot.slot}\`), chip(slot.state, label)),
  ];
  if (slot.holder) {
    children.push(h('div', { class: 'holder', 'data-role': 'holder' }, slot.holder,
      h('span', { class: 'muted' }, \` · fence \${slot.fence}\`),
      slot.holderAlive ? null : h('span', { class: 'chip s-expired' }, 'silent')));
  } else {
    children.push(h('div', { class: 'holder muted' }, 'nobody'));
  }
  if (bind) {
    const limit = bind.submitsPerSecondLimit;
    const fraction = bind.submitRatePerSecond ? Math.min(1, bind.submitRatePerSecond / limit) : 0;
    const bar = h('div', { class: fraction > 0.9 ? 'bar high' : 'bar', title: 'rate against the limit' }, h('span', {}));
    bar.firstChild.style.width = \`\${(fraction * 100).toFixed(1)}%\`;
    children.push(
      bar,
      bind.perSecond && bind.perSecond.accepted.length ? rateChart(bind) : null,
      h('div', { class: 'detail', 'data-role': 'rate' }, \`\${rate(bind.submitRatePerSecond)} / \${limit} msg/s\`,
        bind.throttledPerSecond ? \` · \${rate(bind.throttledPerSecond)} throttled/s\` : ''),
      h('div', { class: 'detail' }, \`window \${bind.inFlight}/\${bind.window}\`, bind.queued ? \` · \${bind.queued} queued\` : '',
        \` · \${bind.submitted} sent · \${bind.throttled} throttled\`, bind.rejected ? \` · \${bind.rejected} refused\` : ''),
    );
  }
  if (slot.leaseExpiresInMs !== undefined && slot.leaseExpiresInMs !== null) {
    children.push(h('div', { class: 'detail' }, slot.leaseExpiresInMs >= 0
      ? \`lease runs \${seconds(slot.leaseExpiresInMs)} more\`
      : \`lease expired \${seconds(-slot.leaseExpiresInMs)} ago\`,
      bind ? \` · reported \${seconds(bind.reportedAgoMs)} ago\` : ''));
  } else if (slot.releasedBy) {
    children.push(h('div', { class: 'detail' }, \`released by \${slot.releasedBy}\`));
  }
  return h('div', {
    class: \`slot s-\${slot.state}\`,
    'data-slot': \`\${account.id}#\${slot.slot}\`,
    'data-state': slot.state,
    'data-holder': slot.holder,
  }, children);
}

function queueText(depth) {
  return depth ? \`\${depth.visible + depth.delayed} waiting · \${depth.inFlight} in flight\` : 'unknown';
}

function renderAccounts(view) {
  document.getElementById('accounts').replaceChildren(...view.subAccounts.map((account) => {
    const dlq = account.deadLetterQueue;
    const dlqCount = dlq ? dlq.visible + dlq.inFlight : undefined;
    return h('section', { class: 'account', 'data-sub-account': account.id },
      h('header', {},
        h('h2', {}, account.id),
        h('span', { class: 'pill' }, \`\${account.boundBinds} of \${account.bindCap} binds bound\`),
        h('span', { class: 'pill' }, \`\${rate(account.submitRatePerSecond)} msg/s of \${account.capacityPerSecond} bound capacity (\${account.submitsPerSecondLimit}/s per bind)\`),
        h('span', { class: 'pill', 'data-role': 'queue' }, \`queue: \${queueText(account.queue)}\`),
        h('span', { class: 'pill', 'data-role': 'dlq' }, 'DLQ: ',
          dlqCount === undefined ? 'unknown' : chip(dlqCount > 0 ? 'failed' : 'free', String(dlqCount))),
      ),
      h('div', { class: 'slots' }, account.slots.map((slot) => slotCard(account, slot))),
    );
  }));
}

function renderWorkers(view) {
  const rows = view.workers.map((worker) => h('tr', { 'data-worker': worker.workerId },
    h('td', { class: 'mono' }, worker.workerId),
    h('td', {}, !worker.alive ? chip('expired', 'silent') : worker.draining ? chip('unbinding', 'draining') : chip('bound', 'alive'), ' ',
      h('span', { class: 'muted' }, worker.alive ? \`for \${seconds(worker.aliveForMs)} unless renewed\` : \`since \${seconds(-worker.aliveForMs)}\`)),
    h('td', {}, String(worker.slotsHeld)),
    h('td', {}, String(worker.bindsBound)),
  ));
  document.getElementById('workers').replaceChildren(...(rows.length ? rows
    : [h('tr', {}, h('td', { class: 'empty', colspan: 4 }, 'No worker has reported yet.'))]));
}

function renderMessages(view) {
  const rows = view.messages.map((message) => {
    const start = message.createdAtMs;
    const changes = h('div', { class: 'timeline' }, message.changes.map((change, index) =>
      h('span', { class: 'step' }, chip(change.state), ' ', h('span', { class: 'muted mono' }, index === 0 ? clock(change.atMs) : \`+\${seconds(change.atMs - start)}\`))));
    const parts = message.parts.length === 0 ? [h('span', { class: 'muted' }, 'not submitted yet')]
      : message.parts.map((part) => h('div', { class: 'receipt' },
        \`part \${part.partNumber}/\${message.totalParts} \`, chip(part.status), ' ',
        part.smscMessageId ? h('span', { class: 'mono' }, \`SMSC \${part.smscMessageId}\`) : h('span', { class: 'muted' }, 'no SMSC id'),
        part.receiptStatus ? h('span', {}, ' · receipt ', h('b', {}, part.receiptStatus),
          part.receiptErrorCode ? \` err \${part.receiptErrorCode}\` : '',
          part.receiptAtMs ? h('span', { class: 'muted' }, \` at +\${seconds(part.receiptAtMs - start)}\`) : '') : '',
        part.submitAttempts > 1 ? h('span', { class: 'muted' }, \` · \${part.submitAttempts} attempts\`) : ''));
    return h('tr', { 'data-message-id': message.messageId, 'data-status': message.status },
      h('td', { class: 'mono' }, clock(message.createdAtMs)),
      h('td', {}, h('div', { class: 'mono' }, message.messageId), h('div', { class: 'muted' }, message.subAccount)),
      h('td', {}, h('div', { class: 'mono' }, message.to || '–'), h('div', { class: 'muted' }, message.from || '')),
      h('td', { 'data-role': 'status' }, chip(message.status),
        message.inDoubt ? h('div', {}, chip('unknown', 'in doubt')) : null,
        message.errorCode ? h('div', { class: 'muted mono', title: message.errorDescription || '' }, \`error \${message.errorCode}\`) : null),
      h('td', {}, changes),
      h('td', {}, parts),
    );
  });
  document.getElementById('messages').replaceChildren(...(rows.length ? rows
    : [h('tr', {}, h('td', { class: 'empty', colspan: 6 }, view.messagesSinceMs
      ? \`No message accepted since \${new Date(view.messagesSinceMs).toISOString().slice(0, 16).replace('T', ' ')} UTC.\`
      : 'Messages could not be read.'))]));
  document.getElementById('messages-note').textContent = view.messagesSinceMs
    ? \`(newest \${view.messages.length} accepted since \${new Date(view.messagesSinceMs).toISOString().slice(0, 16).replace('T', ' ')} UTC)\`
    : '';
}

function renderLegend() {
  const entries = (legend) => legend.map(([state, meaning]) => h('div', {}, chip(state), meaning));
  document.getElementById('legend-slots').replaceChildren(h('b', {}, 'Bind slots'), ...entries(slotLegend));
  document.getElementById('legend-messages').replaceChildren(h('b', {}, 'Messages'), ...entries(messageLegend));
}

/** status.json beside this page, whatever prefix serves it (\`/status\` locally, \`/v1/status\` in AWS). */
const statusJsonPath = location.pathname.replace(/\\/+$/, '').replace(/[^/]*$/, 'status.json');
let lastView;
let lastOkAt = 0;
function renderFreshness(error) {
  const badge = document.getElementById('freshness');
  if (!error && lastView) {
    badge.className = 'live';
    badge.textContent = \`● live · \${clock(lastView.generatedAtMs)}\`;
  } else {
    badge.className = 'stale';
    badge.textContent = lastOkAt
      ? \`● not updating: last good read \${seconds(Date.now() - lastOkAt)} ago (\${error})\`
      : \`● cannot read the status (\${error})\`;
  }
}

async function refresh() {
  try {
    const response = await fetch(statusJsonPath, { cache: 'no-store', signal: AbortSignal.timeout(5000) });
    if (!response.ok) throw new Error(\`HTTP \${response.status}\`);
    const view = await response.json();
    lastView = view;
    lastOkAt = Date.now();
    document.getElementById('problems').textContent =
      view.problems.length ? \`Could not read: \${view.problems.join(' · ')}\` : '';
    renderSummary(view);
    renderAccounts(view);
    renderWorkers(view);
    renderMessages(view);
    renderFreshness();
  } catch (error) {
    renderFreshness(error?.message ?? String(error));
  } finally {
    setTimeout(refresh, 1000);
  }
}

renderLegend();
document.getElementById('data-link').setAttribute('href', statusJsonPath);
refresh();
</script>
</body>
</html>
`;
