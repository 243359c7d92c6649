/**
 * Environment variable NAMES the API's Lambda handlers read (lambdas/), set by the stack in AWS and by
 * local/httpApi for `npm start` and the tests. Names shared with the worker are taken from `workerEnv`, so
 * the two cannot drift. Which handler reads which is in lambdas/routes.ts (`apiRoutes[].env`).
 */
import { workerEnv } from './tableKeys.js';

export const apiEnv = {
  /** The fleet config as JSON text (core/fleetConfig.ts): known sub-accounts and their maxParts. */
  fleetConfig: workerEnv.fleetConfig,
  /** The messages table: records written on accept, read by GET /messages/{id}. */
  messagesTable: workerEnv.messagesTable,
  /** The SMSC-id correlation table: the reconciler reports the early receipts it lists as unmatched. */
  correlationTable: workerEnv.correlationTable,
  /** The idempotency table: Powertools idempotency records (the first answer to each idempotencyKey). */
  idempotencyTable: workerEnv.idempotencyTable,
  /** The leases table: bind slots and worker presence, read by GET /status.json. */
  leasesTable: workerEnv.leasesTable,
  /** The velocity counters (core/velocityLimits.ts): the send routes count there for sub-accounts with limits. */
  velocityTable: workerEnv.velocityTable,
  /** The bus the records-stream consumer publishes the fleet's events to (lambdas/publishRecordEvents.ts). */
  eventBusName: 'EVENT_BUS_NAME',
  /** JSON object: sub-account id → its send queue URL (the DLQ's is derived: core/tableKeys.ts). */
  sendQueueUrls: workerEnv.sendQueueUrls,
  /** Powertools log level: TRACE, DEBUG, INFO, WARN, ERROR, CRITICAL or SILENT. @default INFO */
  logLevel: workerEnv.logLevel,
  /** `true` masks phone numbers in logs to their last 4 digits. @default false */
  maskPhoneNumbers: workerEnv.maskPhoneNumbers,
  /**
   * Optional base URL for `statusUrl` and the OpenAPI `servers` entry, e.g. `https://sms.example.com/v1`
   * behind a custom domain. @default derived from the request (host, stage or base path)
   */
  publicBaseUrl: 'PUBLIC_BASE_URL',
  /** `true` stops the EMF metrics lines (Powertools' own switch; useful locally). @default false */
  metricsDisabled: 'POWERTOOLS_METRICS_DISABLED',
  /** Read by the AWS SDK: the emulator's endpoint locally, unset in AWS. */
  awsEndpointUrl: workerEnv.awsEndpointUrl,
  awsRegion: workerEnv.awsRegion,
  /** Local only (the emulator's dummy keys); in AWS the function's role gives credentials. */
  awsAccessKeyId: 'AWS_ACCESS_KEY_ID',
  awsSecretAccessKey: 'AWS_SECRET_ACCESS_KEY',
} as const;
export type ApiEnvName = (typeof apiEnv)[keyof typeof apiEnv];
