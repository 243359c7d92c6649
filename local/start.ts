/**
 * `npm start`: the whole fleet on one machine, the way it runs in AWS but with local parts —
 * the AWS emulator (installed on first use) with the resources the stack defines, the 8x8 simulator,
 * the API on http://localhost:3000 (PORT overrides) with the live status page on `/status` (the API's own
 * GET /status and /status.json handlers, as deployed; `/` redirects there), and two worker processes sharing
 * the bind leases.
 * Ctrl-C (or SIGTERM) stops everything and leaves no process behind.
 *
 * FLEET_CONFIG=<file> runs the same fleet against another config (a real 8x8 sub-account, another SMSC);
 * the simulator then serves only the sub-accounts that point at it (127.0.0.1/localhost on SMSC_PORT). The
 * default config follows SMSC_PORT (local/localSmsc.ts). A worker that exits is said so and started again;
 * one that keeps exiting stops the fleet (local/WorkerSupervisor.ts).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { parseFleetConfig } from '../core/fleetConfig.js';
import { workerEnv } from '../core/tableKeys.js';
import { clientConfig, startAwsEmulator } from './aws/AwsEmulator.js';
import { createFleetResources } from './aws/createFleetResources.js';
import { repoRoot } from './aws/ensureEmulator.js';
import type { LocalRoute } from './httpApi/startHttpApi.js';
import { startHttpApi } from './httpApi/startHttpApi.js';
import { planLocalSmsc } from './localSmsc.js';
import { summariseLogText, summariseOwnJsonLines } from './logLines.js';
import { startReconciler } from './reconciler/startReconciler.js';
import { startRecordStream } from './recordStream/startRecordStream.js';
import { SmscSimulator } from './smsc-simulator/SmscSimulator.js';
import { WorkerSupervisor } from './WorkerSupervisor.js';

const apiPort = Number(process.env.PORT ?? 3000);
const smscPort = Number(process.env.SMSC_PORT ?? 2775);
const configPath = process.env.FLEET_CONFIG ?? `${repoRoot}/local/fleet.local.json`;
const workerNames = ['worker-1', 'worker-2'];
/** The simulator's password for every account it serves; workers get it through the env var their config names. */
const simulatorPassword = 'local-pw';

const say = (line: string) => console.log(`[start] ${line}`);

/** `/` is where a person looks first: the status page, which the API serves on GET /status. */
const statusPageRedirect: LocalRoute = {
  method: 'GET',
  path: '/',
  handle: (request, response) => {
    request.resume();
    response.writeHead(302, { Location: '/status', 'Cache-Control': 'no-store' });
    response.end();
  },
};

function spawnWorker(name: string, env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'worker/main.ts'], {
    cwd: repoRoot,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Whole lines (a pipe may cut a JSON line in two), each summarised.
  const show = (stream: NodeJS.ReadableStream | null, print: (text: string) => void) => {
    if (stream === null) return;
    createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY }).on('line', (line) => {
      const text = summariseLogText(name, line);
      if (text) print(text);
    });
  };
  show(child.stdout, (text) => console.log(text));
  show(child.stderr, (text) => console.error(text));
  return child;
}

/**
 * The AWS SDK prints a ten-line NodeVersionSupportWarning once per process on Node < 22: three times in a row
 * here (this process and each worker). Say it once, in one line, and turn the SDK's copy off (its own
 * switch; the workers inherit it). The pinned SDK runs on Node 20; the deployed fleet runs Node 24.
 */
function sayNodeVersionOnce(): void {
  const major = Number(process.versions.node.split('.')[0]);
  if (major >= 22 || process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED === 'true') return;
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  say(
    `note: Node ${process.versions.node}; the pinned AWS SDK works on it, but SDK releases after the first week of January 2027 need Node 22`,
  );
}

async function main(): Promise<void> {
  const plan = planLocalSmsc(parseFleetConfig(JSON.parse(readFileSync(configPath, 'utf8'))), {
    port: smscPort,
    portFromEnv: process.env.SMSC_PORT !== undefined,
    defaultConfig: process.env.FLEET_CONFIG === undefined,
  });
  if ('problem' in plan) throw new Error(plan.problem);
  const { config, simulated: accounts } = plan;
  say(`fleet config: ${configPath} (${config.subAccounts.map((a) => a.id).join(', ')})`);
  sayNodeVersionOnce();

  say('starting the AWS emulator (the first run installs it into .venv; that takes a minute)…');
  const emulator = await startAwsEmulator({ log: (line) => say(line) });
  const aws = clientConfig(emulator.endpoint);
  const dynamodb = new DynamoDBClient(aws);
  const sqs = new SQSClient(aws);
  const resources = await createFleetResources(
    {
      dynamodb,
      sqs,
      eventBridge: new EventBridgeClient(aws),
      secretsManager: new SecretsManagerClient(aws),
    },
    config,
  );
  say(`AWS emulator at ${emulator.endpoint}: tables, queues + DLQs, event bus, example subscriber created`);

  let simulator: SmscSimulator | undefined;
  if (accounts.length > 0) {
    simulator = new SmscSimulator({
      accounts: accounts.map((a) => ({ systemId: a.systemId, password: simulatorPassword, maxBinds: 4 })),
      port: smscPort,
      tls: { port: smscPort + 1 },
      outcomeRules: [
        { prefix: '999', outcome: 'undeliverable' },
        { prefix: '998', outcome: 'rejected' },
      ],
    });
    const ports = await simulator.start();
    say(
      `8x8 simulator on 127.0.0.1:${ports.port} (TLS ${ports.tlsPort}) for ${accounts.map((a) => a.systemId).join(', ')}`,
    );
  }

  const sharedEnv: NodeJS.ProcessEnv = {
    ...process.env,
    ...resources.env,
    [workerEnv.fleetConfig]: JSON.stringify(config),
    [workerEnv.awsEndpointUrl]: emulator.endpoint,
    [workerEnv.awsRegion]: aws.region,
    AWS_ACCESS_KEY_ID: aws.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: aws.credentials.secretAccessKey,
    [workerEnv.maskPhoneNumbers]: 'false',
  };
  for (const account of accounts) {
    if ('env' in account.password) sharedEnv[account.password.env] = simulatorPassword;
  }

  // The handlers run in this process: their request lines as one-liners too.
  summariseOwnJsonLines(process.stdout, 'api');
  summariseOwnJsonLines(process.stderr, 'api');
  const api = await startHttpApi({
    port: apiPort,
    host: '127.0.0.1',
    env: sharedEnv as Record<string, string>,
    extraRoutes: [statusPageRedirect],
  });
  say(`API and status page on ${api.url.replace('127.0.0.1', 'localhost')}`);
  // The events: the records-stream consumer the stack deploys, over the emulator's stream.
  const recordStream = await startRecordStream({
    streamArn: resources.recordStream.streamArn,
    env: sharedEnv as Record<string, string>,
    onRetry: ({ error }) => say(`events: a stream batch failed and is retried (${String(error)})`),
  });
  say('events: the records-stream consumer publishes every state change to the event bus');
  // The reconciler the stack schedules: settles records no SQS message can move any more (4 days on).
  const reconciler = startReconciler({
    env: sharedEnv as Record<string, string>,
    onRun: ({ failed, submitted }) => {
      if (failed + submitted > 0)
        say(`reconciler: ${failed} stuck records failed, ${submitted} recorded submitted`);
    },
    onError: (error) => say(`reconciler: a run failed (${String(error)}); the next runs in 15 minutes`),
  });

  let stop: (exitCode?: number) => Promise<void> = async () => {};
  const supervisor = new WorkerSupervisor({
    names: workerNames,
    spawn: (name) =>
      spawnWorker(name, { ...sharedEnv, [workerEnv.workerId]: name, [workerEnv.healthPort]: '0' }),
    say,
    onGiveUp: () => void stop(1),
  });

  const first = config.subAccounts[0]?.id ?? 'demo';
  const base = `http://localhost:${api.port}`;
  console.log(`
Ready. The live status page (bind slots, rates, queues, latest messages):  ${base}/status

Send a message:

  curl -s -X POST ${base}/messages -H 'content-type: application/json' \\
    -d '{"subAccount":"${first}","to":"+6591234567","from":"DEMO","text":"Hello from smpp-fleet"}'

then watch it turn delivered on the status page, or follow it (the answer's statusUrl):
  curl -s ${base}/messages/<messageId>
Destinations starting +999 end undeliverable, +998 rejected. The OpenAPI document: ${base}/openapi.json
Ctrl-C stops everything.
`);

  let stopping = false;
  stop = async (exitCode = 0) => {
    if (stopping) return;
    stopping = true;
    supervisor.stopping();
    say('stopping: workers drain and unbind…');
    await Promise.all(
      supervisor.workers.map(
        (worker) =>
          new Promise<void>((resolve) => {
            if (worker.exitCode !== null) return resolve();
            worker.once('exit', () => resolve());
            worker.kill('SIGTERM');
          }),
      ),
    );
    await api.stop();
    await recordStream.stop();
    await reconciler.stop();
    dynamodb.destroy();
    sqs.destroy();
    await simulator?.stop();
    await emulator.stop();
    say('stopped');
    process.exit(exitCode);
  };
  // `on`, not `once`: a second Ctrl-C (or a signal relayed by a wrapper) must not find no listener and kill
  // this process in the middle of the stop. `npm start` is `exec node --import tsx local/start.ts`:
  // - `exec`, so npm's shell becomes this process and a SIGTERM sent to npm (a supervisor, `kill <pid>`)
  //   reaches it; a shell in between dies of it and leaves this process, the workers and the emulator running;
  // - tsx's loader, not the tsx CLI: the CLI relays signals and SIGKILLs a child that has not acknowledged one
  //   within ~60 ms (tsx 4.23, cli.mjs relaySignalToChild), which a busy event loop can miss.
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

main().catch((error: unknown) => {
  console.error('[start] could not start the fleet:', error instanceof Error ? error.message : error);
  process.exit(1);
});
