/**
 * Which sub-accounts `npm start`'s 8x8 simulator serves, and with what port: those that point at this
 * machine (127.0.0.1 or localhost) on the simulator's port (or the next one, its TLS port, with `tls`). The default local config follows SMSC_PORT (a
 * newcomer whose 2775 is taken sets SMSC_PORT alone); a config of one's own that points at this machine on
 * another port while SMSC_PORT is set is refused, naming both ports, instead of starting a fleet whose binds
 * fail for ever.
 */
import type { FleetConfig } from '../core/fleetConfig.js';

export interface LocalSmscOptions {
  /** The simulator's plain port (TLS on the next one). */
  readonly port: number;
  /** SMSC_PORT was set (not the default). */
  readonly portFromEnv: boolean;
  /** The config is local/fleet.local.json (not FLEET_CONFIG's). */
  readonly defaultConfig: boolean;
}

export type LocalSmscPlan =
  | { readonly config: FleetConfig; readonly simulated: FleetConfig['subAccounts'] }
  | { readonly problem: string };

const isThisMachine = (host: string) => host === '127.0.0.1' || host === 'localhost';

export function planLocalSmsc(config: FleetConfig, options: LocalSmscOptions): LocalSmscPlan {
  const local = config.subAccounts.filter((account) => isThisMachine(account.host));
  let planned = config;
  if (options.defaultConfig) {
    planned = {
      ...config,
      subAccounts: config.subAccounts.map((account) =>
        isThisMachine(account.host) ? { ...account, port: options.port + (account.tls ? 1 : 0) } : account,
      ),
    };
  } else if (options.portFromEnv) {
    const elsewhere = local.filter((account) => account.port !== options.port);
    if (elsewhere.length > 0) {
      return {
        problem:
          `SMSC_PORT=${options.port} starts the simulator there, but ` +
          elsewhere
            .map((account) => `sub-account "${account.id}" points at ${account.host}:${account.port}`)
            .join(', ') +
          `: set its port to ${options.port} in the fleet config, or leave SMSC_PORT unset`,
      };
    }
  }
  return {
    config: planned,
    simulated: planned.subAccounts.filter(
      (account) => isThisMachine(account.host) && account.port === options.port + (account.tls ? 1 : 0),
    ),
  };
}
