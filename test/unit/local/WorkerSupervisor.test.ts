import type { ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { WorkerSupervisor } from '../../../local/WorkerSupervisor.js';

/** A worker process that exits when told to. */
class FakeWorker extends EventEmitter {
  exit(code: number | null, signal: NodeJS.Signals | null = null) {
    this.emit('exit', code, signal);
  }
}

function supervise(names = ['worker-1']) {
  const lines: string[] = [];
  const spawned: Array<{ name: string; worker: FakeWorker }> = [];
  const gaveUp: string[] = [];
  const pending: Array<() => void> = [];
  let now = 0;
  const supervisor = new WorkerSupervisor({
    names,
    spawn: (name) => {
      const worker = new FakeWorker();
      spawned.push({ name, worker });
      return worker as unknown as ChildProcess;
    },
    say: (line) => lines.push(line),
    onGiveUp: (name) => gaveUp.push(name),
    now: () => now,
    schedule: (run) => pending.push(run),
  });
  const latest = (name: string) => spawned.filter((entry) => entry.name === name).at(-1)?.worker;
  const runScheduled = () => {
    for (const run of pending.splice(0)) run();
  };
  return {
    supervisor,
    lines,
    spawned,
    gaveUp,
    latest,
    runScheduled,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe('WorkerSupervisor', () => {
  it('says when a worker exits and starts it again', () => {
    const run = supervise(['worker-1', 'worker-2']);
    run.latest('worker-1')?.exit(1);
    expect(run.lines).toEqual(['worker-1 exited (code 1): starting it again']);
    run.runScheduled();
    expect(run.spawned.map((entry) => entry.name)).toEqual(['worker-1', 'worker-2', 'worker-1']);
    expect(run.supervisor.workers).toHaveLength(2);
  });

  it('stops the fleet when a worker keeps exiting, instead of serving an API that nothing sends for', () => {
    const run = supervise();
    for (let exit = 0; exit < 4; exit += 1) {
      run.latest('worker-1')?.exit(null, 'SIGSEGV');
      run.runScheduled();
      run.advance(1_000);
    }
    expect(run.gaveUp).toEqual(['worker-1']);
    expect(run.lines.at(-1)).toBe(
      'worker-1 exited (SIGSEGV), 4 times in 60 s: not restarting it; stopping the fleet (its last lines are above)',
    );
    expect(run.spawned).toHaveLength(4);
  });

  it('restarts a worker that exits now and then, and nothing once the fleet is stopping', () => {
    const run = supervise();
    for (let exit = 0; exit < 5; exit += 1) {
      run.latest('worker-1')?.exit(1);
      run.runScheduled();
      run.advance(30_000);
    }
    expect(run.gaveUp).toEqual([]);
    run.supervisor.stopping();
    run.latest('worker-1')?.exit(0);
    run.runScheduled();
    expect(run.spawned).toHaveLength(6);
    expect(run.supervisor.workers).toEqual([]);
  });
});
