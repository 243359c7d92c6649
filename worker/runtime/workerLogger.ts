/**
 * The worker's Powertools Logger: JSON lines for CloudWatch, with phone numbers masked (core's replacer,
 * the one the API handlers use) while `maskPhoneNumbers()` says so. A function, not a flag, because the
 * logger exists before the settings are read (it reports bad settings), and masking stays on until then.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { maskPhoneNumbersReplacer } from '../../core/phoneNumberMasking.js';

export const workerServiceName = 'smpp-fleet-worker';

export function createWorkerLogger(options: { logLevel: string; maskPhoneNumbers: () => boolean }): Logger {
  return new Logger({
    serviceName: workerServiceName,
    logLevel: options.logLevel as 'INFO',
    jsonReplacerFn: (key, value) =>
      options.maskPhoneNumbers() ? maskPhoneNumbersReplacer(key, value) : value,
  });
}
