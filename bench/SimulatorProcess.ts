/** Parent side of bench/simulatorChild.ts: start, read stats, stop. */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { SmscSimulator } from '../local/smsc-simulator/SmscSimulator.js';

type SimulatorOptions = ConstructorParameters<typeof SmscSimulator>[0];
export type SimulatorStats = ReturnType<SmscSimulator['stats']>;
export type PerSecondCounts = ReturnType<SmscSimulator['perSecondCounts']>;

interface Reply {
  type: string;
  port?: number;
  stats?: SimulatorStats;
  perSecond?: PerSecondCounts;
  message?: string;
}

export class SimulatorProcess {
  readonly #child: ChildProcess;

  private constructor(child: ChildProcess) {
    this.#child = child;
  }

  static async start(options: SimulatorOptions): Promise<{ simulator: SimulatorProcess; port: number }> {
    const script = fileURLToPath(new URL('./simulatorChild.ts', import.meta.url));
    const child = fork(script, [], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const simulator = new SimulatorProcess(child);
    const reply = await simulator.#ask({ cmd: 'start', options }, 'started');
    return { simulator, port: reply.port ?? 0 };
  }

  async stats(): Promise<{ stats: SimulatorStats; perSecond: PerSecondCounts }> {
    const reply = await this.#ask({ cmd: 'stats' }, 'stats');
    if (!reply.stats || !reply.perSecond) throw new Error('the simulator process sent no stats');
    return { stats: reply.stats, perSecond: reply.perSecond };
  }

  async stop(): Promise<void> {
    const exited = new Promise<void>((resolve) => this.#child.once('exit', () => resolve()));
    this.#child.send({ cmd: 'stop' });
    await exited;
  }

  #ask(message: object, expected: string): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const onMessage = (reply: Reply) => {
        if (reply.type === 'error') {
          this.#child.off('message', onMessage);
          reject(new Error(`simulator process: ${reply.message}`));
        } else if (reply.type === expected) {
          this.#child.off('message', onMessage);
          resolve(reply);
        }
      };
      this.#child.on('message', onMessage);
      this.#child.send(message);
    });
  }
}
