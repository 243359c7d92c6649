/**
 * How this deployment of the fleet is shaped: everything the stack needs that is not a sub-account (those
 * come from the fleet config file, whose schema is strict and belongs to the worker as well).
 *
 * Read once from CDK context (`cdk.json` "context", or `npx cdk deploy -c workerCount=3`) and validated by
 * one zod schema: a bad option fails synth naming the option. Values given on the command line arrive as
 * strings, so numbers and booleans are coerced.
 */
import type { Node } from 'constructs';
import { z } from 'zod';
import { defaultResourcePrefix } from '../core/tableKeys.js';
import { DeploymentOptionsError } from './errors.js';

/** Where the fleet config file path comes from when the `fleetConfig` context key is not set. */
export const fleetConfigPathEnv = 'SMPP_FLEET_CONFIG';
export const defaultFleetConfigPath = 'fleet.config.example.json';

/** CloudWatch Logs accepts only these retention periods (days). */
const logRetentionDays = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const bool = z.union([z.boolean(), z.enum(['true', 'false']).transform((value) => value === 'true')]);

export const apiAuthorizations = ['iam', 'api-key'] as const;
export type ApiAuthorization = (typeof apiAuthorizations)[number];

export const deploymentOptionsSchema = z.strictObject({
  /** Path of the fleet config file (JSON, core/fleetConfig.ts), relative to the working directory. */
  fleetConfig: z.string().min(1).default(defaultFleetConfigPath),
  /** Prefix of every physical name (queues, tables, bus, secrets); two stacks in one account need two prefixes. */
  resourcePrefix: z
    .string()
    .regex(/^[a-z][a-z0-9-]{0,19}$/, 'must be 1–20 lower-case letters, digits or "-", starting with a letter')
    .default(defaultResourcePrefix),
  /** Worker tasks. Two or more, so one task's death or a deployment never leaves the fleet without binds. */
  workerCount: int(1, 20).default(2),
  /** Fargate CPU units per worker task. */
  workerCpu: z.coerce
    .number()
    .refine((cpu) => [256, 512, 1024, 2048, 4096].includes(cpu), 'must be 256, 512, 1024, 2048 or 4096')
    .default(1024),
  /** Memory per worker task (MiB); must suit workerCpu (Fargate's table). */
  workerMemoryMiB: int(512, 30_720).default(2048),
  /** Graviton is cheaper per vCPU; building the image on an x86 machine then needs Docker buildx with QEMU. */
  workerArchitecture: z.enum(['arm64', 'x86_64']).default('arm64'),
  /** Port of the worker's health endpoint inside the task (never exposed outside it). */
  workerHealthPort: int(1024, 65_535).default(8080),
  /** Worker log level (LOG_LEVEL). */
  logLevel: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR']).default('INFO'),
  /** Mask phone numbers in worker logs to their last 4 digits. */
  maskPhoneNumbers: bool.default(true),
  /**
   * Availability zones, and so NAT gateways and Elastic IPs (one per zone). The stack is environment-agnostic
   * (synth needs no credentials), and such a stack can place subnets in two zones.
   */
  maxAzs: int(1, 2).default(2),
  /**
   * Elastic IPs you already own (allocation ids `eipalloc-…`, one per zone, comma-separated), e.g. ones 8x8
   * has whitelisted already. Default: the stack allocates them (and keeps them if the stack is deleted).
   */
  natEipAllocationIds: z
    .union([z.array(z.string()), z.string().transform((value) => value.split(','))])
    .transform((ids) => ids.map((id) => id.trim()).filter((id) => id.length > 0))
    .pipe(
      z.array(z.string().regex(/^eipalloc-[0-9a-f]+$/, 'must be an allocation id such as eipalloc-0abc…')),
    )
    .default([]),
  /** `iam`: SigV4-signed requests only. `api-key`: an x-api-key header checked against a usage plan. */
  apiAuthorization: z.enum(apiAuthorizations).default('iam'),
  /** Stage-wide steady rate (requests/s) and burst. */
  apiThrottleRatePerSecond: int(1, 10_000).default(100),
  apiThrottleBurst: int(1, 5_000).default(200),
  /** PUBLIC_BASE_URL for the handlers (status URLs), e.g. behind a custom domain. Default: from the request. */
  apiPublicBaseUrl: z.url().optional(),
  /** Requests per day per API key (api-key mode only). */
  apiKeyQuotaPerDay: int(1, 100_000_000).default(100_000),
  /** Retention of every log group the stack makes. */
  logRetentionDays: z.coerce
    .number()
    .refine(
      (days) => (logRetentionDays as readonly number[]).includes(days),
      `must be one of ${logRetentionDays.join(', ')}`,
    )
    .default(30),
  /** How long the bus archive keeps events for replay. */
  eventArchiveRetentionDays: int(1, 3_650).default(90),
  /** Where alarm notifications go (an SNS email subscription); unset: subscribe to the topic yourself. */
  alarmEmail: z.email().optional(),
  /** Alarm when the oldest message on a send queue is older than this. */
  oldestMessageAlarmSeconds: int(60, 86_400).default(300),
  /** Alarm when the p90 time from submit to delivery receipt is longer than this. */
  receiptLagAlarmSeconds: int(10, 172_800).default(600),
  /** Alarm when the worker fleet logs at least this many errors in 5 minutes. */
  workerErrorsAlarmThreshold: int(1, 100_000).default(5),
});

export type DeploymentOptions = z.output<typeof deploymentOptionsSchema>;
export type DeploymentOptionsInput = z.input<typeof deploymentOptionsSchema>;
export const deploymentOptionKeys = Object.keys(deploymentOptionsSchema.shape) as (keyof DeploymentOptions)[];

/**
 * Reads every option from CDK context; `fleetConfig` falls back to $SMPP_FLEET_CONFIG. Throws
 * DeploymentOptionsError naming each bad option.
 */
export function readDeploymentOptions(node: Node, env: NodeJS.ProcessEnv = process.env): DeploymentOptions {
  const raw: Record<string, unknown> = {};
  for (const key of deploymentOptionKeys) {
    const value: unknown = node.tryGetContext(key);
    if (value !== undefined) raw[key] = value;
  }
  if (raw.fleetConfig === undefined && env[fleetConfigPathEnv]) raw.fleetConfig = env[fleetConfigPathEnv];
  return parseDeploymentOptions(raw);
}

export function parseDeploymentOptions(raw: unknown): DeploymentOptions {
  const result = deploymentOptionsSchema.safeParse(raw);
  if (result.success) return result.data;
  const lines = result.error.issues.map(
    (issue) => `  - ${issue.path.join('.') || '(context)'}: ${issue.message}`,
  );
  throw new DeploymentOptionsError(`invalid deployment options (CDK context):\n${lines.join('\n')}`, {
    cause: result.error,
  });
}
