/**
 * Everything the worker reads from its environment, parsed once at start-up by one schema whose errors
 * name the variable. Only worker/main.ts calls this; the names come from core/tableKeys.ts `workerEnv`,
 * which the CDK stack and `npm start` also use to set them.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { rootCertificates } from 'node:tls';
import { z } from 'zod';
import { type FleetConfig, parseFleetConfig } from '../../core/fleetConfig.js';
import { workerEnv } from '../../core/tableKeys.js';

export interface WorkerSettings {
  fleet: FleetConfig;
  messagesTable: string;
  correlationTable: string;
  leasesTable: string;
  /** Absent in an environment from before velocity limits: then no sub-account may have them. */
  velocityTable: string | undefined;
  /** Sub-account id → its send queue URL; one per configured sub-account. */
  sendQueueUrls: Record<string, string>;
  workerId: string;
  healthPort: number;
  maskPhoneNumbers: boolean;
  /** How often metrics are published (runtime/FleetMetrics.ts). */
  metricsIntervalMs: number;
}

export class WorkerSettingsError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`the worker cannot start: ${problems.join('; ')}`);
    this.name = 'WorkerSettingsError';
  }
}

const required = (name: string) =>
  z.string({ error: `${name} is not set` }).min(1, { error: `${name} is empty` });

const envSchema = z.object({
  [workerEnv.fleetConfig]: required(workerEnv.fleetConfig),
  [workerEnv.messagesTable]: required(workerEnv.messagesTable),
  [workerEnv.correlationTable]: required(workerEnv.correlationTable),
  [workerEnv.leasesTable]: required(workerEnv.leasesTable),
  [workerEnv.sendQueueUrls]: required(workerEnv.sendQueueUrls),
  [workerEnv.velocityTable]: z
    .string()
    .min(1, { error: `${workerEnv.velocityTable} is empty` })
    .optional(),
  [workerEnv.workerId]: z.string().min(1).optional(),
  [workerEnv.healthPort]: z.coerce.number().int().min(0).max(65_535).default(8080),
  [workerEnv.maskPhoneNumbers]: z.enum(['true', 'false']).default('true'),
  [workerEnv.metricsIntervalMs]: z.coerce.number().int().min(100).max(60_000).default(60_000),
});

/** FLEET_CONFIG holds the config as JSON text, or the path of a JSON file (handy locally). */
function readFleetConfigText(value: string): string {
  return value.trimStart().startsWith('{') ? value : readFileSync(value, 'utf8');
}

export function readWorkerSettings(env: NodeJS.ProcessEnv): WorkerSettings {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new WorkerSettingsError(
      parsed.error.issues.map((issue) => {
        const name = String(issue.path[0]);
        return issue.message.startsWith(name) ? issue.message : `${name}: ${issue.message}`;
      }),
    );
  }
  const vars = parsed.data as Record<string, string | number | undefined>;
  const text = (name: string) => String(vars[name]);
  const problems: string[] = [];

  let fleet: FleetConfig | undefined;
  try {
    fleet = parseFleetConfig(JSON.parse(readFleetConfigText(text(workerEnv.fleetConfig))));
  } catch (error) {
    problems.push(`${workerEnv.fleetConfig}: ${error instanceof Error ? error.message : String(error)}`);
  }

  let sendQueueUrls: Record<string, string> = {};
  const urls = z.record(z.string(), z.url()).safeParse(safeJson(text(workerEnv.sendQueueUrls)));
  if (urls.success) sendQueueUrls = urls.data;
  else problems.push(`${workerEnv.sendQueueUrls}: must be a JSON object of sub-account id → queue URL`);

  fleet?.subAccounts.forEach((account, index) => {
    if (!sendQueueUrls[account.id])
      problems.push(`${workerEnv.sendQueueUrls}: no queue URL for sub-account "${account.id}"`);
    if (account.caCertificatePem !== undefined) {
      const ca = readCaCertificates(account.caCertificatePem);
      if ('problem' in ca) {
        problems.push(`${workerEnv.fleetConfig}: subAccounts[${index}].caCertificatePem: ${ca.problem}`);
      } else {
        // From here on the config holds the certificates themselves: nothing reads the file again.
        account.caCertificatePem = ca.pem;
      }
    }
  });
  const limited = fleet?.subAccounts.filter((account) => account.velocityLimits !== undefined) ?? [];
  if (limited.length > 0 && vars[workerEnv.velocityTable] === undefined) {
    problems.push(
      `${workerEnv.velocityTable} is not set, but sub-accounts ${limited.map((a) => a.id).join(', ')} have velocityLimits`,
    );
  }
  if (problems.length > 0 || !fleet) throw new WorkerSettingsError(problems);

  return {
    fleet,
    messagesTable: text(workerEnv.messagesTable),
    correlationTable: text(workerEnv.correlationTable),
    leasesTable: text(workerEnv.leasesTable),
    velocityTable: vars[workerEnv.velocityTable] as string | undefined,
    sendQueueUrls,
    workerId: (vars[workerEnv.workerId] as string | undefined) ?? `${hostname()}-${process.pid}`,
    healthPort: Number(vars[workerEnv.healthPort]),
    maskPhoneNumbers: vars[workerEnv.maskPhoneNumbers] === 'true',
    metricsIntervalMs: Number(vars[workerEnv.metricsIntervalMs]),
  };
}

/**
 * The CAs a sub-account's TLS binds trust: Node's bundled ones plus the config's (its text, once the
 * settings have read it), or the config's alone with `caReplacesSystemStore`; undefined: Node's default.
 */
export function trustedCertificates(
  account: Pick<FleetConfig['subAccounts'][number], 'caCertificatePem' | 'caReplacesSystemStore'>,
): string[] | undefined {
  if (account.caCertificatePem === undefined) return undefined;
  return account.caReplacesSystemStore
    ? [account.caCertificatePem]
    : [...rootCertificates, account.caCertificatePem];
}

const pemCertificate = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/**
 * A sub-account's `caCertificatePem`: PEM text, or the path of a PEM file. Every certificate in it must
 * parse, and there must be one: a wrong value stops the worker at start-up with the reason, instead of
 * failing each TLS bind later.
 */
export function readCaCertificates(value: string): { pem: string } | { problem: string } {
  let text = value;
  if (!value.includes('-----BEGIN')) {
    try {
      text = readFileSync(value, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? String(error);
      return {
        problem: `cannot read the file "${value.slice(0, 200)}" (${code}); give the path of a PEM file or the PEM text itself`,
      };
    }
  }
  const certificates = text.match(pemCertificate) ?? [];
  if (certificates.length === 0) {
    return {
      problem: 'holds no PEM certificate ("-----BEGIN CERTIFICATE-----" … "-----END CERTIFICATE-----")',
    };
  }
  for (const [index, certificate] of certificates.entries()) {
    try {
      new X509Certificate(certificate);
    } catch (error) {
      return {
        problem: `certificate ${index + 1} of ${certificates.length} does not parse: ${error instanceof Error ? error.message : String(error)}`,
      };
    }
  }
  return { pem: certificates.join('\n') };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
