/**
 * The fleet config: which 8x8 sub-accounts the fleet sends for and how it binds to each.
 * Parsed once at start-up (worker and API); an invalid config fails with every problem named by its path.
 */
import { z } from 'zod';
import { type DestinationRule, destinationPrefixListSchema } from './destinationRules.js';
import { FleetConfigError } from './errors.js';
import { type FieldError, formatPath, toFieldErrors } from './fieldErrors.js';
import { optOutsConfigSchema } from './suppressions.js';
import { queueSettings } from './tableKeys.js';
import { velocityLimitsConfigSchema } from './velocityLimits.js';

/** 8x8's SMPP hosts by region (8x8's connection page). */
export const smppHostsByRegion = { sg: 'smpp.8x8.com', uk: 'smpp.8x8.uk' } as const;
export type SmppRegion = keyof typeof smppHostsByRegion;
export const smppRegions = Object.keys(smppHostsByRegion) as [SmppRegion, ...SmppRegion[]];

export const defaultSmppPorts = { tls: 2776, plain: 2775 } as const;

/**
 * A bind slot's lease when the config names none. A SIGKILLed worker's slots come free within one lease
 * after its last renewal (2.5–7.5 s after the kill at the default heartbeat of a third), and are bound on a
 * survivor a bind later: inside 10 s. Half the old 15 s, so twice the renewal writes (docs/leases.md).
 */
export const defaultLeasePeriodMs = 7_500;

/** 8x8 rejects a 5th bind for one system_id, counted across every host that binds with it. */
export const maxBindsPerSystemId = 4;

export const bindModes = ['transceiver', 'transmitter', 'receiver'] as const;
export type BindMode = (typeof bindModes)[number];

/** How an SMSC writes message ids: as given, or as numbers in hex or decimal (see core/smscId.ts). */
export const messageIdFormats = ['text', 'hex', 'decimal'] as const;
export type MessageIdFormat = (typeof messageIdFormats)[number];

/**
 * What to do with a message found in `submitting` (a worker died between submit_sm and recording the resp):
 * send it again and risk a duplicate SMS, or record it as failed and risk losing it.
 */
export const inDoubtPolicies = ['at-least-once', 'at-most-once'] as const;
export type InDoubtPolicy = (typeof inDoubtPolicies)[number];

/** Sub-account ids name SQS queues and DynamoDB keys, so they stay within what both accept. */
export const subAccountIdPattern = /^[A-Za-z0-9_-]{1,50}$/;
const envVarNamePattern = /^[A-Za-z_][A-Za-z0-9_]*$/;

const literalPasswordMessage =
  'a literal password is not accepted in the fleet config. In AWS, store it in Secrets Manager and give ' +
  '{ "secretId": "<secret name or ARN>" }; locally, put it in an environment variable and give ' +
  '{ "env": "<VARIABLE_NAME>" }';

/** Where the worker reads a sub-account's SMPP password from. Never the password itself. */
export type PasswordSource = { secretId: string } | { env: string };

const passwordSourceSchema = z.unknown().transform((input, ctx): PasswordSource => {
  const fail = (message: string, path: PropertyKey[] = []) => {
    ctx.issues.push({ code: 'custom', message, input, path });
    return z.NEVER;
  };
  if (input === undefined) {
    return fail(
      'is required: { "secretId": "<Secrets Manager name or ARN>" } or { "env": "<VARIABLE_NAME>" }',
    );
  }
  if (typeof input === 'string') return fail(literalPasswordMessage);
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return fail('must be { "secretId": "<Secrets Manager name or ARN>" } or { "env": "<VARIABLE_NAME>" }');
  }
  const record = input as Record<string, unknown>;
  const keys = Object.keys(record);
  const unknownKeys = keys.filter((key) => key !== 'secretId' && key !== 'env');
  if (unknownKeys.length > 0) {
    return fail(`unknown key ${unknownKeys.map((key) => `"${key}"`).join(', ')}: ${literalPasswordMessage}`);
  }
  if ('secretId' in record && 'env' in record) return fail('give either "secretId" or "env", not both');
  if ('secretId' in record) {
    const { secretId } = record;
    if (typeof secretId !== 'string' || secretId.length === 0 || secretId.length > 2048) {
      return fail('must be the name or ARN of a Secrets Manager secret (1–2048 characters)', ['secretId']);
    }
    return { secretId };
  }
  if ('env' in record) {
    const { env } = record;
    if (typeof env !== 'string' || !envVarNamePattern.test(env)) {
      return fail('must be an environment variable name such as SMPP_PASSWORD_ACME', ['env']);
    }
    return { env };
  }
  return fail('must be { "secretId": "<Secrets Manager name or ARN>" } or { "env": "<VARIABLE_NAME>" }');
});

const positiveInt = (min: number, max: number, unit: string) =>
  z
    .int({ error: `must be a whole number of ${unit}` })
    .min(min)
    .max(max);

const subAccountSchema = z
  .strictObject({
    /** 8x8's subAccountId; also the SMPP system_id unless `systemId` is given. */
    id: z.string({ error: 'must be a string' }).regex(subAccountIdPattern, {
      error: 'must be 1–50 letters, digits, "_" or "-" (it is part of queue names and table keys)',
    }),
    systemId: z.string().min(1).max(64).optional(),
    region: z.enum(smppRegions, { error: `must be one of ${smppRegions.join(', ')}` }).optional(),
    host: z.string().min(1).max(253).optional(),
    port: positiveInt(1, 65_535, 'port').optional(),
    /** TLS 1.2 or newer to port 2776 unless `port` says otherwise. */
    tls: z.boolean().default(true),
    /** Receipts only reach receiver and transceiver binds. */
    bindMode: z.enum(bindModes).default('transceiver'),
    bindCap: z
      .int({ error: 'must be a whole number of binds' })
      .min(1)
      .max(maxBindsPerSystemId, {
        error: `must be at most ${maxBindsPerSystemId}: 8x8 rejects more binds than that per sub-account`,
      })
      .default(maxBindsPerSystemId),
    /**
     * Agreed with 8x8 per customer; about 50 in most cases. Whole numbers only: the SMSC counts whole
     * submits per second, and the bind's limiter allows a whole number per window.
     */
    submitsPerSecond: positiveInt(1, 1_000, 'submits per second').default(50),
    /** submit_sm awaiting their resp per bind: 30 sustains 50/s up to a 600 ms round trip at even pacing. */
    window: positiveInt(1, 1_000, 'PDUs').default(30),
    /** Longest text accepted, in parts; longer texts fail with a clear reason, never truncated. */
    maxParts: positiveInt(1, 255, 'parts').default(10),
    receiptIdFormat: z.enum(messageIdFormats).default('text'),
    respIdFormat: z.enum(messageIdFormats).default('text'),
    password: passwordSourceSchema,
    /**
     * CA certificates to trust for this sub-account's TLS, in PEM: the PEM text itself, or the path of a PEM
     * file (read and checked when the worker starts). Added to Node's bundled CAs unless
     * `caReplacesSystemStore` (local TLS tests; a deployed stack refuses it: infra/loadFleetConfig.ts).
     */
    caCertificatePem: z.string().min(1).optional(),
    /** Trust only `caCertificatePem`, not Node's bundled CAs. */
    caReplacesSystemStore: z.boolean().default(false),
    enquireLinkIntervalMs: positiveInt(1_000, 600_000, 'milliseconds').default(30_000),
    requestTimeoutMs: positiveInt(100, 300_000, 'milliseconds').default(10_000),
    /** Country rules: send only to numbers starting with one of these prefixes (E.164 digits, '+' optional). */
    allowedDestinations: destinationPrefixListSchema.optional(),
    /** Country rules: never send to numbers starting with one of these prefixes. */
    blockedDestinations: destinationPrefixListSchema.optional(),
    /**
     * Opt-outs: inbound stop keywords put the sender on the sub-account's suppression list, and every send
     * is checked against it (one read per message). `{}` for the default keywords. @default off
     */
    optOuts: optOutsConfigSchema.optional(),
    /**
     * Velocity limits (core/velocityLimits.ts): messages per destination number per hour and per day, and
     * per sub-account per day, counted fleet-wide. One DynamoDB transaction per message. @default off
     */
    velocityLimits: velocityLimitsConfigSchema.optional(),
  })
  .superRefine((account, ctx) => {
    if (account.region !== undefined && account.host !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['host'],
        message: `give either region (${smppRegions.join(' or ')}) or host, not both`,
      });
    }
    if (account.allowedDestinations !== undefined && account.blockedDestinations !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['blockedDestinations'],
        message: 'give either allowedDestinations or blockedDestinations, not both',
      });
    }
  })
  .transform(({ region, host, port, systemId, allowedDestinations, blockedDestinations, ...rest }) => ({
    ...rest,
    ...destinationRuleOf(allowedDestinations, blockedDestinations),
    systemId: systemId ?? rest.id,
    ...(host === undefined ? { region: region ?? 'sg' } : {}),
    host: host ?? smppHostsByRegion[region ?? 'sg'],
    port: port ?? (rest.tls ? defaultSmppPorts.tls : defaultSmppPorts.plain),
  }));

function destinationRuleOf(
  allowed: string[] | undefined,
  blocked: string[] | undefined,
): { destinationRule?: DestinationRule } {
  if (allowed !== undefined) return { destinationRule: { kind: 'allow', prefixes: allowed } };
  if (blocked !== undefined) return { destinationRule: { kind: 'block', prefixes: blocked } };
  return {};
}

const fleetConfigSchema = z
  .strictObject({
    subAccounts: z.array(subAccountSchema).min(1, { error: 'list at least one sub-account' }),
    /** A bind slot's lease: a dead worker's slots are taken over within this (plus a bind). */
    leasePeriodMs: positiveInt(3_000, 600_000, 'milliseconds').default(defaultLeasePeriodMs),
    /** How often a holder renews its leases. @default a third of leasePeriodMs */
    heartbeatMs: positiveInt(100, 200_000, 'milliseconds').optional(),
    inDoubtPolicy: z.enum(inDoubtPolicies).default('at-least-once'),
    /**
     * How long a message a worker took stays hidden from the others, and its record claimed: a crashed
     * worker's messages are sent again this long after it took them. The send queues, the workers' receives
     * and their claims all use this one value. Shorter recovers sooner; it must leave room for a slow
     * message's retries (worker/sending/visibilityTimings.ts).
     */
    visibilityTimeoutSeconds: positiveInt(20, 43_200, 'seconds').default(
      queueSettings.visibilityTimeoutSeconds,
    ),
  })
  .superRefine((config, ctx) => {
    if (config.heartbeatMs !== undefined && config.heartbeatMs * 3 > config.leasePeriodMs) {
      ctx.addIssue({
        code: 'custom',
        path: ['heartbeatMs'],
        message:
          `must be at most a third of leasePeriodMs (${config.leasePeriodMs} ms, so at most ` +
          `${Math.floor(config.leasePeriodMs / 3)} ms): a holder must be able to miss a renewal and still ` +
          'stop and unbind before its lease expires',
      });
    }
    const firstIndexOfId = new Map<string, number>();
    const bySystemId = new Map<string, number[]>();
    config.subAccounts.forEach((account, index) => {
      const earlier = firstIndexOfId.get(account.id);
      if (earlier !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['subAccounts', index, 'id'],
          message: `duplicate sub-account id "${account.id}" (also ${formatPath(['subAccounts', earlier])})`,
        });
        return;
      }
      firstIndexOfId.set(account.id, index);
      bySystemId.set(account.systemId, [...(bySystemId.get(account.systemId) ?? []), index]);
    });
    for (const [systemId, indexes] of bySystemId) {
      // 8x8 sends receipts and inbound messages to a receiver or transceiver bind of the same system_id.
      const modes = indexes.map((index) => config.subAccounts[index]?.bindMode);
      if (!modes.some((mode) => mode !== 'transmitter')) {
        ctx.addIssue({
          code: 'custom',
          path: ['subAccounts', indexes[0] ?? 0, 'bindMode'],
          message:
            `"transmitter" binds never receive delivery receipts or inbound messages, and no sub-account ` +
            `binds as system_id "${systemId}" in receiver or transceiver mode: every message asking for a ` +
            'receipt would wait for ever. Use "transceiver" (the default)',
        });
      }
      const total = indexes.reduce((sum, index) => sum + (config.subAccounts[index]?.bindCap ?? 0), 0);
      if (indexes.length > 1 && total > maxBindsPerSystemId) {
        ctx.addIssue({
          code: 'custom',
          path: ['subAccounts', indexes[1] ?? 0, 'bindCap'],
          message:
            `${indexes.map((index) => formatPath(['subAccounts', index])).join(' and ')} bind as the same ` +
            `system_id "${systemId}", which 8x8 counts together: their bindCaps add up to ${total}, more than ` +
            `${maxBindsPerSystemId}`,
        });
      }
    }
  })
  .transform(({ heartbeatMs, ...config }) => ({
    ...config,
    heartbeatMs: heartbeatMs ?? Math.floor(config.leasePeriodMs / 3),
  }));

/** The config as written (defaults may be left out). */
export type FleetConfigInput = z.input<typeof fleetConfigSchema>;
/** The config after parsing: defaults filled in, host and port resolved, systemId always set. */
export type FleetConfig = z.output<typeof fleetConfigSchema>;
export type SubAccountConfig = FleetConfig['subAccounts'][number];

/** Parses a fleet config (already JSON-decoded). Throws FleetConfigError listing every problem by path. */
export function parseFleetConfig(input: unknown): FleetConfig {
  const result = fleetConfigSchema.safeParse(input);
  if (result.success) return result.data;
  const errors: FieldError[] = toFieldErrors(result.error.issues);
  throw new FleetConfigError(errors, { cause: result.error });
}

/** The round trip (ms) a bind can have and still keep its full rate: `window` resps outstanding at once. */
export function sustainableRoundTripMs(
  account: Pick<SubAccountConfig, 'window' | 'submitsPerSecond'>,
): number {
  return (account.window / account.submitsPerSecond) * 1_000;
}
