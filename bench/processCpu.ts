/**
 * Another process's CPU and memory, read from outside through /proc (Linux only): the worker is measured
 * without changing it. utime + stime count every thread of the process (main thread, libuv pool, GC, the
 * tsx loader thread), so this is what a Fargate task would be billed for, not only our JavaScript.
 */
import { readFileSync } from 'node:fs';

/** Clock ticks per second for /proc/<pid>/stat (USER_HZ); 100 on every Linux a container runs. */
const ticksPerSecond = 100;

/** CPU time used so far by `pid`, user + system, in ms (10 ms resolution). */
export function processCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) is in parentheses and may hold spaces: count fields after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 (utime) and 15 (stime), 1-based over the whole line, are 11 and 12 after the name.
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1000) / ticksPerSecond;
}

/** Resident memory of `pid` in MiB (VmRSS). */
export function processRssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = Number(/VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1] ?? Number.NaN);
  return kib / 1024;
}
