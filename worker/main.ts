/**
 * The worker process (the ECS container's entry, and `npm start`'s workers): reads its settings once,
 * builds the SDK clients once, runs a FleetWorker and its health endpoint, and turns SIGTERM/SIGINT into
 * a graceful stop that ends with exit 0 (ECS gives 120 s).
 */

import { Metrics } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { WorkerLog } from '../core/log.js';
import { metricNamespace } from '../core/metrics.js';
import { workerEnv } from '../core/tableKeys.js';
import { FleetWorker } from './FleetWorker.js';
import { AdaptiveInFlightLimit } from './runtime/AdaptiveInFlightLimit.js';
import { FleetMetrics } from './runtime/FleetMetrics.js';
import { HealthServer } from './runtime/HealthServer.js';
import { observeStoreCalls } from './runtime/storeCallObserver.js';
import { createWorkerLogger, workerServiceName } from './runtime/workerLogger.js';
import { readWorkerSettings, WorkerSettingsError } from './runtime/workerSettings.js';

async function main(): Promise<void> {
  // Masked until the settings say otherwise (MASK_PHONE_NUMBERS, on by default).
  let maskPhoneNumbers = true;
  const logger = createWorkerLogger({
    logLevel: process.env[workerEnv.logLevel] ?? 'INFO',
    maskPhoneNumbers: () => maskPhoneNumbers,
  });
  let settings: ReturnType<typeof readWorkerSettings>;
  try {
    settings = readWorkerSettings(process.env);
  } catch (error) {
    if (error instanceof WorkerSettingsError) {
      logger.error(error.message);
      process.exit(2);
    }
    throw error;
  }
  maskPhoneNumbers = settings.maskPhoneNumbers;
  logger.appendKeys({ workerId: settings.workerId });

  const powertoolsMetrics = new Metrics({ namespace: metricNamespace, serviceName: workerServiceName });
  // Powertools adds a `service` dimension to every metric; the alarms read the dimension sets in
  // core/metrics.ts and CloudWatch matches whole sets, so it must go (runtime/FleetMetrics.ts).
  powertoolsMetrics.clearDefaultDimensions();
  const metrics = new FleetMetrics(powertoolsMetrics);
  const log: WorkerLog = {
    debug: (message, attributes) => logger.debug(message, attributes ?? {}),
    info: (message, attributes) => logger.info(message, attributes ?? {}),
    warn: (message, attributes) => logger.warn(message, attributes ?? {}),
    error: (message, attributes) => {
      metrics.workerError();
      logger.error(message, attributes ?? {});
    },
  };

  // SDK clients are built once; endpoint and region come from AWS_ENDPOINT_URL / AWS_REGION when set.
  const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
    marshallOptions: { removeUndefinedValues: true },
  });
  // The leases get a client of their own, so a connection pool of their own (the SDK's holds 50 sockets):
  // a renewal must not queue behind a backlog of message-store calls, or leases lapse exactly when the
  // worker is busiest and every bind is dropped.
  const leaseDynamo = DynamoDBDocumentClient.from(new DynamoDBClient({}));
  // While DynamoDB is slow, hold fewer SQS messages rather than queue more calls behind the slow ones.
  const inFlightLimit = new AdaptiveInFlightLimit();
  observeStoreCalls(dynamo, (latencyMs, overloaded) => inFlightLimit.observe(latencyMs, overloaded));
  inFlightLimit.onChange = ({ from, to, slowestTenthMs, failures }) =>
    logger.debug('prefetch scaled to the message store', {
      fromPercent: Math.round(from * 100),
      toPercent: Math.round(to * 100),
      slowestTenthMs: Math.round(slowestTenthMs),
      failures,
    });
  const worker = new FleetWorker({
    settings,
    inFlightLimit,
    clients: {
      dynamo,
      leaseDynamo,
      sqs: new SQSClient({}),
      secretsManager: new SecretsManagerClient({}),
    },
    env: process.env,
    logger: log,
    onFinalReceipt: (subAccount, outcome, receiptLagMs) => metrics.receipt(subAccount, outcome, receiptLagMs),
    onUnreadableDeliverSm: (subAccount) => metrics.unreadableDeliverSm(subAccount),
  });
  const sample = () => worker.metricsSample();
  const health = new HealthServer(() => worker.health());
  const healthPort = await health.listen(settings.healthPort);
  logger.info('health endpoint listening', { url: `http://127.0.0.1:${healthPort}/health` });

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('signal received: stopping gracefully', { signal });
    let exitCode = 0;
    try {
      await worker.stop();
    } catch (error) {
      // Still exit: the leases expire on their own, and SQS returns what was not deleted.
      exitCode = 1;
      logger.error('graceful stop failed', { error: String(error) });
    }
    metrics.stop(sample);
    await health.close();
    process.exit(exitCode);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));

  worker.start();
  metrics.start(sample, settings.metricsIntervalMs);
}

main().catch((error: unknown) => {
  console.error(JSON.stringify({ level: 'ERROR', message: 'worker crashed', error: String(error) }));
  process.exit(1);
});
