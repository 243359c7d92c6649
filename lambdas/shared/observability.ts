/**
 * Logs and metrics of the API handlers: Powertools Logger (JSON, one line per request, phone numbers
 * masked when asked) and Powertools Metrics (CloudWatch EMF, namespace SmppFleet) behind a small port so the
 * handlers' logic does not depend on how counts leave the process.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { maskPhoneNumbersReplacer } from '../../core/phoneNumberMasking.js';
import { type Env, type ObservabilityConfig, readObservabilityConfig } from './apiConfig.js';
import type { ApiRuntime } from './apiHandler.js';

export const apiServiceName = 'smpp-fleet-api';
export const metricsNamespace = 'SmppFleet';

export const apiMetricNames = {
  /** Messages recorded and queued (single and batch). */
  accepted: 'MessagesAccepted',
  /** Send requests refused as invalid (400, or a rejected batch item). */
  rejected: 'MessagesRejected',
  /** Send requests not queued because of a fault on our side (503, or a failed batch item). */
  failed: 'MessagesFailed',
  /** Answers repeated for an idempotency key seen before. */
  idempotentReplays: 'IdempotentReplays',
  /** Same key, different request (409). */
  idempotencyConflicts: 'IdempotencyConflicts',
  dryRuns: 'DryRuns',
} as const;
export type ApiMetricName = (typeof apiMetricNames)[keyof typeof apiMetricNames];

/** Where the handlers count things; flushed once at the end of each invocation. */
export interface ApiMetrics {
  count(name: ApiMetricName, value?: number): void;
  flush(): void;
}

export function createApiLogger(config: ObservabilityConfig): Logger {
  return new Logger({
    serviceName: apiServiceName,
    logLevel: config.logLevel,
    ...(config.maskPhoneNumbers ? { jsonReplacerFn: maskPhoneNumbersReplacer } : {}),
  });
}

class PowertoolsApiMetrics implements ApiMetrics {
  readonly #metrics: Metrics;

  constructor(metrics: Metrics) {
    this.#metrics = metrics;
  }

  count(name: ApiMetricName, value = 1): void {
    if (value > 0) this.#metrics.addMetric(name, MetricUnit.Count, value);
  }

  flush(): void {
    // Publishing nothing would only log Powertools' "No application metrics" warning.
    if (this.#metrics.hasStoredMetrics()) this.#metrics.publishStoredMetrics();
  }
}

const noMetrics: ApiMetrics = { count: () => {}, flush: () => {} };

export function createApiMetrics(config: ObservabilityConfig): ApiMetrics {
  if (config.metricsDisabled) return noMetrics;
  return new PowertoolsApiMetrics(new Metrics({ namespace: metricsNamespace, serviceName: apiServiceName }));
}

/** The Logger and metrics of one container, from its environment. */
export function createApiRuntime(env: Env): ApiRuntime {
  const config = readObservabilityConfig(env);
  return { logger: createApiLogger(config), metrics: createApiMetrics(config) };
}
