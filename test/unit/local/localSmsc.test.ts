import { describe, expect, it } from 'vitest';
import { parseFleetConfig } from '../../../core/fleetConfig.js';
import { planLocalSmsc } from '../../../local/localSmsc.js';

const config = (port: number) =>
  parseFleetConfig({
    subAccounts: [
      { id: 'demo', host: '127.0.0.1', port, tls: false, password: { env: 'PW' } },
      { id: 'real', region: 'sg', password: { env: 'PW_REAL' } },
    ],
  });

describe('planLocalSmsc', () => {
  it('moves the default config’s local sub-accounts to SMSC_PORT, and the simulator serves them there', () => {
    const plan = planLocalSmsc(config(2775), { port: 2995, portFromEnv: true, defaultConfig: true });
    if ('problem' in plan) throw new Error(plan.problem);
    expect(plan.config.subAccounts.map((account) => [account.id, account.port])).toEqual([
      ['demo', 2995],
      ['real', 2776],
    ]);
    expect(plan.simulated.map((account) => account.id)).toEqual(['demo']);
  });

  it('refuses, naming both ports, a config of one’s own that points at another local port than SMSC_PORT', () => {
    const plan = planLocalSmsc(config(2775), { port: 2995, portFromEnv: true, defaultConfig: false });
    expect(plan).toEqual({
      problem:
        'SMSC_PORT=2995 starts the simulator there, but sub-account "demo" points at 127.0.0.1:2775: set its ' +
        'port to 2995 in the fleet config, or leave SMSC_PORT unset',
    });
  });

  it('leaves a config of one’s own as it is without SMSC_PORT (another local SMSC may be on its port)', () => {
    const plan = planLocalSmsc(config(2780), { port: 2775, portFromEnv: false, defaultConfig: false });
    if ('problem' in plan) throw new Error(plan.problem);
    expect(plan.config.subAccounts[0]?.port).toBe(2780);
    expect(plan.simulated).toEqual([]);
  });
});
