/**
 * `npm run smsc-sim -- --help`: the simulator as a process. One line per bind, rejected bind and unbind,
 * a stats line every few seconds, and a clean stop on SIGINT/SIGTERM. Bad arguments exit with status 2.
 */
import { writeFile } from 'node:fs/promises';
import { CliUsageError, cliUsage, parseCliArgs } from './cliArgs.js';
import { SmscSimulatorConfigError } from './errors.js';
import { formatCommandStatus } from './formatCommandStatus.js';
import { SmscSimulator } from './SmscSimulator.js';

const log = (line: string): void => {
  process.stdout.write(`${new Date().toISOString()} ${line}\n`);
};

async function main(argv: readonly string[]): Promise<number> {
  let command: ReturnType<typeof parseCliArgs>;
  let simulator: SmscSimulator;
  try {
    command = parseCliArgs(argv);
    if (command.kind === 'help') {
      process.stdout.write(cliUsage);
      return 0;
    }
    simulator = new SmscSimulator(command.options);
  } catch (error) {
    if (error instanceof CliUsageError || error instanceof SmscSimulatorConfigError) {
      process.stderr.write(`smsc-sim: ${error.message}\nRun with --help for usage.\n`);
      return 2;
    }
    throw error;
  }

  simulator.on('bind', (e) =>
    log(`bind ${e.bindId} ${e.systemId} ${e.mode} ${e.transport} from ${e.remoteAddress}:${e.remotePort}`),
  );
  simulator.on('bind-rejected', (e) =>
    log(
      `bind rejected ${e.systemId} ${e.mode} ${e.transport}: ${e.reason} (${formatCommandStatus(e.status)})`,
    ),
  );
  simulator.on('unbind', (e) => log(`unbind ${e.bindId} ${e.systemId} (${e.reason})`));
  simulator.on('server-error', (e) => log(`server error on ${e.transport}: ${e.error.message}`));

  // Listen for the signals first, so one that comes while starting still stops cleanly.
  const signal = new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  const ports = await simulator.start();
  const host = command.options.host ?? '127.0.0.1';
  log(
    `smsc-sim listening plain=${host}:${ports.port}` +
      (ports.tlsPort === undefined ? '' : ` tls=${host}:${ports.tlsPort}`),
  );
  if (command.certOut !== undefined && simulator.tlsCertificatePem !== undefined) {
    await writeFile(command.certOut, simulator.tlsCertificatePem);
    log(`TLS certificate written to ${command.certOut}`);
  }

  const statsTimer =
    command.statsIntervalMs > 0
      ? setInterval(() => printStats(simulator), command.statsIntervalMs)
      : undefined;
  const received = await signal;
  clearInterval(statsTimer);
  log(`${received}: stopping`);
  await simulator.stop();
  printStats(simulator);
  log('stopped');
  return 0;
}

function printStats(simulator: SmscSimulator): void {
  for (const account of Object.values(simulator.stats().accounts)) {
    const { binds, submits, receipts, mo } = account;
    log(
      `stats ${account.systemId}: binds ${binds.current} (peak ${binds.peak}, rejected ` +
        `${Object.values(binds.rejected).reduce((a, b) => a + b, 0)}) | submits ${submits.accepted} accepted, ` +
        `${submits.throttled} throttled, max ${submits.maxAcceptedInAnyWindowPerBind}/s per bind | receipts ` +
        `${receipts.sent} sent, ${receipts.answeredOk} ok, ${receipts.redelivered} redelivered, ` +
        `${receipts.outstanding} outstanding | MO ${mo.sent} sent, ${mo.answeredOk} ok`,
    );
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`smsc-sim: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
