/**
 * `npm start` shows the fleet's JSON log lines (written for CloudWatch) as one readable line each: level,
 * message and what says most about it — a bind, an API request's method, path, status and time — and drops
 * the metric lines (embedded metric format), which only CloudWatch reads, and the status page's answered
 * polls of GET /status.json (one a second per open tab would bury every other line).
 */

interface LogEntry {
  level?: string;
  message?: string;
  _aws?: unknown;
  route?: string;
  bind?: string;
  to?: string;
  method?: string;
  path?: string;
  statusCode?: number;
  durationMs?: number;
  error?: { message?: string } | string;
}

/** One JSON log line as a short line; '' for a metric line; anything that is not JSON unchanged. */
export function summariseLogLine(line: string): string {
  let entry: LogEntry;
  try {
    entry = JSON.parse(line) as LogEntry;
  } catch {
    return line;
  }
  if (typeof entry !== 'object' || entry === null) return line;
  if (entry._aws) return '';
  if (entry.route === 'GET /status.json' && entry.level === 'INFO') return '';
  const request =
    entry.method !== undefined && entry.path !== undefined
      ? `${entry.method} ${entry.path} → ${entry.statusCode ?? '?'} in ${entry.durationMs ?? '?'} ms`
      : undefined;
  const error = typeof entry.error === 'string' ? entry.error : entry.error?.message;
  const detail = [request, [entry.bind, entry.to].filter(Boolean).join(' → '), error]
    .filter((part) => part !== undefined && part !== '')
    .join('; ');
  return `${entry.level ?? ''} ${entry.message ?? line}${detail ? ` (${detail})` : ''}`;
}

/** `text` (one or more lines) summarised line by line, each prefixed `[name] `; '' when nothing is left. */
export function summariseLogText(name: string, text: string): string {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map(summariseLogLine)
    .filter((line) => line !== '')
    .map((line) => `[${name}] ${line}`)
    .join('\n');
}

/**
 * Summarises the JSON lines this process itself writes to `stream` (the API handlers run in it and log with
 * Powertools, which writes to stdout and stderr directly); its other output passes as it is. Hand-written:
 * a Logger option cannot do it (Powertools always prints JSON), and only `npm start` wants it.
 */
export function summariseOwnJsonLines(stream: NodeJS.WriteStream, name: string): void {
  const write = stream.write.bind(stream) as (chunk: string | Uint8Array, ...rest: unknown[]) => boolean;
  stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    if (!text.trimStart().startsWith('{')) return write(chunk, ...rest);
    const summary = summariseLogText(name, text);
    return summary === '' ? true : write(`${summary}\n`, ...rest);
  }) as typeof stream.write;
}
