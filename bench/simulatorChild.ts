/**
 * The 8x8 simulator in its own process (the child side of bench/SimulatorProcess.ts), driven over IPC, so a benchmark measures only the client's CPU.
 * Parent → child: { cmd: 'start', options } | { cmd: 'stats' } | { cmd: 'stop' }.
 * Child → parent: { type: 'started', port } | { type: 'stats', stats, perSecond } | { type: 'stopped' }.
 */
import { SmscSimulator } from '../local/smsc-simulator/SmscSimulator.js';

type Command =
  | { cmd: 'start'; options: ConstructorParameters<typeof SmscSimulator>[0] }
  | { cmd: 'stats' }
  | { cmd: 'stop' };

let simulator: SmscSimulator | undefined;

process.on('message', (message: Command) => {
  void handle(message).catch((error: unknown) => {
    process.send?.({ type: 'error', message: String(error) });
  });
});

async function handle(message: Command): Promise<void> {
  switch (message.cmd) {
    case 'start': {
      simulator = new SmscSimulator(message.options);
      const { port } = await simulator.start();
      process.send?.({ type: 'started', port });
      return;
    }
    case 'stats':
      process.send?.({ type: 'stats', stats: simulator?.stats(), perSecond: simulator?.perSecondCounts() });
      return;
    case 'stop':
      await simulator?.stop();
      process.send?.({ type: 'stopped' }, () => process.exit(0));
      return;
  }
}
