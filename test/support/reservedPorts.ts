/**
 * Ports for a child process that must be told its ports up front (`npm start` reads PORT and SMSC_PORT).
 *
 * Probing a port with `listen(0)` and handing it on is racy: between the probe and the child's own listen,
 * any outgoing connection on this machine (the SDK to the emulator, a test's client) may be given that same
 * port as its local end, and the child fails with EADDRINUSE (it happened on CI). So these come from below the
 * OS's ephemeral range (/proc/sys/net/ipv4/ip_local_port_range), which neither outgoing connections nor
 * `listen(0)` ever use, and are checked free before they are handed out.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** Ports below this are left alone: well-known services and the fixed local defaults (2775, 3000). */
const lowestPort = 10_000;

function ephemeralRangeStart(): number {
  try {
    const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/);
    const start = Number(low);
    return Number.isInteger(start) && start > lowestPort + 100 ? start : 32_768;
  } catch {
    return 32_768; // Linux's default start.
  }
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * `count` consecutive free ports (the simulator takes SMSC_PORT and SMSC_PORT + 1), outside the ephemeral
 * range; returns the first. A random start keeps parallel callers apart.
 */
export async function reservePorts(count = 1): Promise<number> {
  const end = ephemeralRangeStart() - count;
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const first = lowestPort + Math.floor(Math.random() * (end - lowestPort));
    let free = true;
    for (let offset = 0; offset < count && free; offset += 1) free = await canListen(first + offset);
    if (free) return first;
  }
  throw new Error(`found no ${count} free consecutive ports between ${lowestPort} and ${end}`);
}
