import { describe, expect, it } from 'vitest';
import { summariseLogLine, summariseLogText } from '../../../local/logLines.js';

describe('npm start’s log lines', () => {
  it('shows an API request as level, message, method, path, status and time', () => {
    const line = JSON.stringify({
      level: 'INFO',
      message: 'request handled',
      timestamp: '2026-12-02T02:00:00.000Z',
      service: 'smpp-fleet-api',
      route: 'POST /messages',
      method: 'POST',
      path: '/messages',
      statusCode: 202,
      durationMs: 12.5,
    });
    expect(summariseLogLine(line)).toBe('INFO request handled (POST /messages → 202 in 12.5 ms)');
  });

  it('drops the status page’s answered polls, and keeps its failed ones', () => {
    const poll = (level: string, statusCode: number) =>
      JSON.stringify({
        level,
        message: level === 'INFO' ? 'request handled' : 'request failed',
        route: 'GET /status.json',
        method: 'GET',
        path: '/status.json',
        statusCode,
        durationMs: 3,
      });
    expect(summariseLogLine(poll('INFO', 200))).toBe('');
    expect(summariseLogLine(poll('ERROR', 500))).toBe(
      'ERROR request failed (GET /status.json → 500 in 3 ms)',
    );
  });

  it('shows a worker line with its bind, and an error with its message', () => {
    expect(summariseLogLine(JSON.stringify({ level: 'INFO', message: 'bind status', bind: 'demo#0' }))).toBe(
      'INFO bind status (demo#0)',
    );
    expect(
      summariseLogLine(
        JSON.stringify({ level: 'ERROR', message: 'request failed', error: { message: 'boom' } }),
      ),
    ).toBe('ERROR request failed (boom)');
  });

  it('drops metric lines and keeps what is not JSON as it is', () => {
    const emf = JSON.stringify({ _aws: { CloudWatchMetrics: [] }, BindsHeld: 2 });
    expect(summariseLogText('api', `${emf}\nplain text\n`)).toBe('[api] plain text');
    expect(summariseLogLine('(node:1) Warning: something')).toBe('(node:1) Warning: something');
  });
});
