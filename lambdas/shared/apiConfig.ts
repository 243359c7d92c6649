/**
 * The handlers' configuration, parsed once per container from their environment (names in core/apiEnv.ts).
 * Each handler reads only what it needs; a missing or bad variable fails with an ApiConfigError naming it.
 */
import { z } from 'zod';
import { apiEnv } from '../../core/apiEnv.js';
import type { DestinationRule } from '../../core/destinationRules.js';
import { FleetConfigError } from '../../core/errors.js';
import { type FieldError, toFieldErrors } from '../../core/fieldErrors.js';
import { type FleetConfig, parseFleetConfig } from '../../core/fleetConfig.js';
import { deadLetterQueueUrlFor } from '../../core/tableKeys.js';
import type { VelocityLimitsConfig } from '../../core/velocityLimits.js';
import { ApiConfigError } from './errors.js';
import type { StatusSubAccount } from './FleetStatusReader.js';

export type Env = Readonly<Record<string, string | undefined>>;

export const logLevels = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'CRITICAL', 'SILENT'] as const;
export type LogLevel = (typeof logLevels)[number];

/** What the send handlers know of each sub-account. */
export interface SubAccountRoute {
  readonly maxParts: number;
  readonly queueUrl: string;
  /** Country rules, when the sub-account has any. */
  readonly destinationRule?: DestinationRule;
  /** The sub-account keeps a suppression list (fleet config `optOuts`): sends are checked against it. */
  readonly keepsSuppressionList?: boolean;
  /** Velocity limits (fleet config `velocityLimits`): each send is counted before it is accepted. */
  readonly velocityLimits?: VelocityLimitsConfig;
}

export interface ObservabilityConfig {
  readonly logLevel: LogLevel;
  readonly maskPhoneNumbers: boolean;
  readonly metricsDisabled: boolean;
}

export interface AwsClientSettings {
  region?: string;
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

const booleanFlag = z
  .string()
  .optional()
  .transform((value, ctx) => {
    const normalised = value?.trim().toLowerCase() ?? '';
    if (normalised === '' || normalised === 'false' || normalised === '0') return false;
    if (normalised === 'true' || normalised === '1') return true;
    ctx.addIssue({ code: 'custom', message: `must be true or false, got ${JSON.stringify(value)}` });
    return z.NEVER;
  });

const requiredText = (what: string) =>
  z
    .string({ error: `is required: ${what}` })
    .trim()
    .min(1, { error: `is required: ${what}` });

const optionalText = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === '' ? undefined : value.trim()));

function jsonText(what: string) {
  return requiredText(what).transform((text, ctx) => {
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: `must be ${what} as JSON: ${(error as Error).message}` });
      return z.NEVER;
    }
  });
}

function parseEnv<T>(schema: z.ZodType<T>, env: Env): T {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  throw new ApiConfigError(toFieldErrors(result.error.issues), { cause: result.error });
}

export function readObservabilityConfig(env: Env): ObservabilityConfig {
  const parsed = parseEnv(
    z.object({
      [apiEnv.logLevel]: z
        .string()
        .optional()
        .transform((value, ctx) => {
          const level = (value?.trim() || 'INFO').toUpperCase();
          if ((logLevels as readonly string[]).includes(level)) return level as LogLevel;
          ctx.addIssue({ code: 'custom', message: `must be one of ${logLevels.join(', ')}` });
          return z.NEVER;
        }),
      [apiEnv.maskPhoneNumbers]: booleanFlag,
      [apiEnv.metricsDisabled]: booleanFlag,
    }),
    env,
  );
  return {
    logLevel: parsed[apiEnv.logLevel],
    maskPhoneNumbers: parsed[apiEnv.maskPhoneNumbers],
    metricsDisabled: parsed[apiEnv.metricsDisabled],
  };
}

/** FLEET_CONFIG (JSON-decoded) parsed; its problems named under the variable's name. */
function parseFleetConfigVariable(input: unknown): FleetConfig {
  try {
    return parseFleetConfig(input);
  } catch (error) {
    if (!(error instanceof FleetConfigError)) throw error;
    throw new ApiConfigError(
      error.errors.map((fieldError) => ({
        ...fieldError,
        field: `${apiEnv.fleetConfig}: ${fieldError.field}`,
      })),
      { cause: error },
    );
  }
}

/** The fleet config and the send queue URLs, checked against each other: every sub-account has its queue. */
function readFleetQueues(env: Env): { fleet: FleetConfig; queueUrlOf: (subAccountId: string) => string } {
  const parsed = parseEnv(
    z.object({
      [apiEnv.fleetConfig]: jsonText('the fleet config'),
      [apiEnv.sendQueueUrls]: jsonText('an object of sub-account id → send queue URL').pipe(
        z.record(z.string(), z.url({ error: 'must be a queue URL' }), {
          error: 'must be an object of sub-account id → send queue URL',
        }),
      ),
    }),
    env,
  );
  const fleet = parseFleetConfigVariable(parsed[apiEnv.fleetConfig]);
  const queueUrls = parsed[apiEnv.sendQueueUrls];
  const missing: FieldError[] = [];
  for (const account of fleet.subAccounts) {
    if (!Object.hasOwn(queueUrls, account.id)) {
      missing.push({
        field: `${apiEnv.sendQueueUrls}.${account.id}`,
        message: 'is required: the sub-account’s send queue URL',
      });
    }
  }
  if (missing.length > 0) throw new ApiConfigError(missing);
  return { fleet, queueUrlOf: (subAccountId) => queueUrls[subAccountId] as string };
}

/** The sub-accounts the API accepts, each with its maxParts, send queue URL and country rules. */
export function readSubAccountRoutes(env: Env): ReadonlyMap<string, SubAccountRoute> {
  const { fleet, queueUrlOf } = readFleetQueues(env);
  return new Map(
    fleet.subAccounts.map((account) => [
      account.id,
      {
        maxParts: account.maxParts,
        queueUrl: queueUrlOf(account.id),
        ...(account.destinationRule === undefined ? {} : { destinationRule: account.destinationRule }),
        ...(account.optOuts === undefined ? {} : { keepsSuppressionList: true }),
        ...(account.velocityLimits === undefined ? {} : { velocityLimits: account.velocityLimits }),
      },
    ]),
  );
}

/** Which sub-accounts keep a suppression list (the /suppressions routes need nothing else of the config). */
export function readSuppressionSubAccounts(
  env: Env,
): ReadonlyMap<string, { readonly keepsSuppressionList: boolean }> {
  const parsed = parseEnv(z.object({ [apiEnv.fleetConfig]: jsonText('the fleet config') }), env);
  const fleet = parseFleetConfigVariable(parsed[apiEnv.fleetConfig]);
  return new Map(
    fleet.subAccounts.map((account) => [account.id, { keepsSuppressionList: account.optOuts !== undefined }]),
  );
}

/** What the status page shows of each sub-account: its limits from the config, its queue and DLQ. */
export function readStatusSubAccounts(env: Env): StatusSubAccount[] {
  const { fleet, queueUrlOf } = readFleetQueues(env);
  return fleet.subAccounts.map((account) => ({
    id: account.id,
    bindCap: account.bindCap,
    submitsPerSecond: account.submitsPerSecond,
    window: account.window,
    queueUrl: queueUrlOf(account.id),
    deadLetterQueueUrl: deadLetterQueueUrlFor(queueUrlOf(account.id)),
  }));
}

export function readLeasesTable(env: Env): string {
  return parseEnv(z.object({ [apiEnv.leasesTable]: requiredText('the leases table name') }), env)[
    apiEnv.leasesTable
  ];
}

export function readMessagesTable(env: Env): string {
  return parseEnv(z.object({ [apiEnv.messagesTable]: requiredText('the messages table name') }), env)[
    apiEnv.messagesTable
  ];
}

export function readCorrelationTable(env: Env): string {
  return parseEnv(
    z.object({ [apiEnv.correlationTable]: requiredText('the SMSC-id correlation table name') }),
    env,
  )[apiEnv.correlationTable];
}

export function readVelocityTable(env: Env): string {
  return parseEnv(z.object({ [apiEnv.velocityTable]: requiredText('the velocity table name') }), env)[
    apiEnv.velocityTable
  ];
}

export function readIdempotencyTable(env: Env): string {
  return parseEnv(z.object({ [apiEnv.idempotencyTable]: requiredText('the idempotency table name') }), env)[
    apiEnv.idempotencyTable
  ];
}

/** The public base URL without a trailing slash, if one is set. */
export function readPublicBaseUrl(env: Env): string | undefined {
  const parsed = parseEnv(
    z.object({
      [apiEnv.publicBaseUrl]: optionalText.pipe(
        z
          .url({ protocol: /^https?$/, error: 'must be an http(s) URL such as https://sms.example.com/v1' })
          .optional(),
      ),
    }),
    env,
  );
  return parsed[apiEnv.publicBaseUrl]?.replace(/\/+$/, '');
}

/**
 * Region, endpoint and credentials for the SDK clients. Credentials are passed only with an endpoint
 * override (the emulator's dummy keys, locally); in AWS the SDK finds the role's session credentials itself.
 */
export function readAwsClientSettings(env: Env): AwsClientSettings {
  const region = env[apiEnv.awsRegion]?.trim();
  const endpoint = env[apiEnv.awsEndpointUrl]?.trim();
  const accessKeyId = env[apiEnv.awsAccessKeyId]?.trim();
  const secretAccessKey = env[apiEnv.awsSecretAccessKey]?.trim();
  return {
    ...(region ? { region } : {}),
    ...(endpoint ? { endpoint } : {}),
    ...(endpoint && accessKeyId && secretAccessKey ? { credentials: { accessKeyId, secretAccessKey } } : {}),
  };
}

/** The event bus the records-stream consumer publishes to. */
export function readEventBusName(env: Env): string {
  const parsed = parseEnv(
    z.object({ [apiEnv.eventBusName]: requiredText('the name of the fleet’s EventBridge bus') }),
    env,
  );
  return parsed[apiEnv.eventBusName];
}
