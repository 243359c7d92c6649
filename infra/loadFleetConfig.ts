/**
 * Reads the fleet config file for the stack: JSON-decoded, validated by core's one schema (a bad config fails
 * synth with every problem named by its path), plus the checks that only matter in AWS.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { type FleetConfig, parseFleetConfig } from '../core/fleetConfig.js';
import { FleetConfigFileError } from './errors.js';

export interface LoadedFleetConfig {
  /** Where it was read from (absolute). */
  readonly path: string;
  /** As parsed: defaults filled in, hosts and ports resolved. */
  readonly config: FleetConfig;
  /**
   * As written (JSON-decoded, unvalidated shape): the worker is given this form, with password sources
   * rewritten, so that its own parseFleetConfig sees what an operator wrote (the parsed form does not always
   * parse again: it carries both `region` and `host`).
   */
  readonly input: Readonly<Record<string, unknown>>;
}

export function loadFleetConfig(path: string, cwd: string = process.cwd()): LoadedFleetConfig {
  const absolute = resolve(cwd, path);
  let text: string;
  try {
    text = readFileSync(absolute, 'utf8');
  } catch (error) {
    throw new FleetConfigFileError(
      `cannot read the fleet config ${absolute}: ${(error as Error).message}. Give its path with ` +
        '`-c fleetConfig=<path>` or SMPP_FLEET_CONFIG (see docs/deploy.md).',
      { cause: error },
    );
  }
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch (error) {
    throw new FleetConfigFileError(`the fleet config ${absolute} is not JSON: ${(error as Error).message}`, {
      cause: error,
    });
  }
  let config: FleetConfig;
  try {
    config = parseFleetConfig(input);
  } catch (error) {
    throw new FleetConfigFileError(`${absolute}: ${(error as Error).message}`, { cause: error });
  }
  const awsProblems = config.subAccounts.flatMap((account, index) =>
    account.caCertificatePem === undefined
      ? []
      : [
          `  - subAccounts[${index}].caCertificatePem: is for local TLS tests only; in AWS the worker trusts ` +
            'the public CAs that sign 8x8’s certificates. Remove it from the deployed config.',
        ],
  );
  if (awsProblems.length > 0) {
    throw new FleetConfigFileError(`${absolute}: not deployable to AWS:\n${awsProblems.join('\n')}`);
  }
  return { path: absolute, config, input: input as Record<string, unknown> };
}
