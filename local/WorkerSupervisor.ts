/**
 * `npm start`'s workers, kept running: a worker that exits while the fleet is not stopping is said so, in
 * one line with its exit code or signal, and started again; one that exits `maxRestarts` times within
 * `windowMs` (a crash loop: a config the worker refuses, a port taken) is not restarted, and `onGiveUp`
 * stops the fleet, so the API never goes on accepting messages that no worker will send.
 */
import type { ChildProcess } from 'node:child_process';

export interface WorkerSupervisorOptions {
  readonly names: readonly string[];
  readonly spawn: (name: string) => ChildProcess;
  readonly say: (line: string) => void;
  /** Called once when a worker keeps exiting; the caller stops the fleet. */
  readonly onGiveUp: (name: string) => void;
  /** @default 3 */
  readonly maxRestarts?: number;
  /** @default 60 000 */
  readonly windowMs?: number;
  /** @default 1 000 */
  readonly restartDelayMs?: number;
  /** @default Date.now */
  readonly now?: () => number;
  /** @default setTimeout */
  readonly schedule?: (run: () => void, delayMs: number) => void;
}

export class WorkerSupervisor {
  readonly #options: WorkerSupervisorOptions;
  readonly #running = new Map<string, ChildProcess>();
  readonly #exits = new Map<string, number[]>();
  #stopping = false;

  constructor(options: WorkerSupervisorOptions) {
    this.#options = options;
    for (const name of options.names) this.#start(name);
  }

  /** The workers running now. */
  get workers(): ChildProcess[] {
    return [...this.#running.values()];
  }

  /** From now on an exit is expected: nothing is restarted. */
  stopping(): void {
    this.#stopping = true;
  }

  #start(name: string): void {
    const child = this.#options.spawn(name);
    this.#running.set(name, child);
    child.once('exit', (code, signal) => {
      this.#running.delete(name);
      if (this.#stopping) return;
      const now = (this.#options.now ?? Date.now)();
      const windowMs = this.#options.windowMs ?? 60_000;
      const recent = [...(this.#exits.get(name) ?? []), now].filter((at) => at > now - windowMs);
      this.#exits.set(name, recent);
      const how = signal === null ? `code ${code}` : signal;
      const maxRestarts = this.#options.maxRestarts ?? 3;
      if (recent.length > maxRestarts) {
        this.#options.say(
          `${name} exited (${how}), ${recent.length} times in ${Math.round(windowMs / 1000)} s: not restarting it; stopping the fleet (its last lines are above)`,
        );
        this.#options.onGiveUp(name);
        return;
      }
      this.#options.say(`${name} exited (${how}): starting it again`);
      const schedule = this.#options.schedule ?? ((run, delayMs) => void setTimeout(run, delayMs));
      schedule(() => {
        if (!this.#stopping) this.#start(name);
      }, this.#options.restartDelayMs ?? 1_000);
    });
  }
}
