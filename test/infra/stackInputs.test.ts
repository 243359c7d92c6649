/** What a bad fleet config, deployment option or combination does: synth stops and names the problem. */
import { describe, expect, it } from 'vitest';
import { createFleetApp } from '../../infra/createFleetApp.js';
import { DeploymentOptionsError, FleetConfigFileError, StackLimitError } from '../../infra/errors.js';
import { repoRoot } from '../../infra/paths.js';
import { synthFleet } from './synthFleet.js';

describe('bad input stops synth with the reason', () => {
  const context = (extra: Record<string, unknown>) => ({ cwd: repoRoot, env: {}, context: extra });

  it('names the bad field of the fleet config (core’s zod schema)', () => {
    const synth = synthFleet({
      fleetConfig: { subAccounts: [{ id: 'acme', bindCap: 5, password: { env: 'SMPP_PASSWORD' } }] },
    });
    try {
      expect(synth.error).toBeInstanceOf(FleetConfigFileError);
      expect(synth.error?.message).toMatch(/subAccounts\[0\]\.bindCap: .*at most 4/);
    } finally {
      synth.cleanup();
    }
  });

  it('refuses a literal password and a local-only CA file', () => {
    for (const [account, expected] of [
      [{ id: 'acme', password: 'hunter2' }, /subAccounts\[0\]\.password: a literal password is not accepted/],
      [
        { id: 'acme', caCertificatePem: 'local/ca.pem', password: { env: 'X' } },
        /subAccounts\[0\]\.caCertificatePem: is for local TLS tests only/,
      ],
    ] as const) {
      const synth = synthFleet({ fleetConfig: { subAccounts: [account] } });
      try {
        expect(synth.error?.message).toMatch(expected);
      } finally {
        synth.cleanup();
      }
    }
  });

  it('names a missing config file and a bad deployment option', () => {
    expect(() => createFleetApp(context({ fleetConfig: 'no-such-fleet.json' }))).toThrow(
      /cannot read the fleet config .*no-such-fleet\.json/,
    );
    expect(() => createFleetApp(context({ workerCount: '0' }))).toThrow(DeploymentOptionsError);
    expect(() => createFleetApp(context({ workerCount: '0' }))).toThrow(/workerCount/);
    expect(() => createFleetApp(context({ natEipAllocationIds: 'eipalloc-0abc' }))).toThrow(
      /one per availability zone \(2\)/,
    );
  });

  it('stops a config whose handler environment would pass Lambda’s 4 KB limit', () => {
    // 25 sub-accounts stay well under CloudFormation's 500 resources (about 10 each) but not under 4 KB.
    const subAccounts = Array.from({ length: 25 }, (_, index) => ({
      id: `sub_account_${index}`,
      password: { env: `SMPP_PASSWORD_${index}` },
    }));
    const synth = synthFleet({ fleetConfig: { subAccounts } });
    try {
      expect(synth.error).toBeInstanceOf(StackLimitError);
      expect(synth.error?.message).toMatch(/postMessage function's environment would be about \d+ bytes/);
    } finally {
      synth.cleanup();
    }
  });

  it('reads the config path from SMPP_FLEET_CONFIG when the context does not give one', () => {
    expect(() => createFleetApp({ cwd: repoRoot, env: { SMPP_FLEET_CONFIG: 'from-env.json' } })).toThrow(
      /from-env\.json/,
    );
  });
});
