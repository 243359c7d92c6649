/**
 * The SMPP password from Secrets Manager, as a deployed worker reads it (the emulator's Secrets Manager, a
 * real worker process): while the secret is missing the worker stays healthy and stands by, says so in one
 * warning that names the secret, and reports no binds held; once the secret is there it binds without a
 * restart; and when the password is rotated (the new value put, then 8x8's changed, then the binds cut) the
 * next binds use the new one — no bind is refused for a stale password.
 */
import { existsSync, readFileSync } from 'node:fs';
import { CreateSecretCommand, PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { describe, expect, it } from 'vitest';
import { metricNames } from '../../core/metrics.js';
import { emittedMetrics } from '../support/metricContract.js';
import { pollUntil, smppPassword } from './fleetHarness.js';
import { describeIamContractOf } from './iamChecks.js';
import { subAccount } from './messageMix.js';
import { useFleet } from './useFleet.js';

const secretId = 'acme-smpp-password';
const fleet = useFleet({ name: 'secret', workers: 1, passwordSecretId: secretId });

/** The worker's log lines so far (none before its log file exists). */
const logLines = (path: string) => (existsSync(path) ? readFileSync(path, 'utf8').split('\n') : []);
const warnings = (path: string) =>
  logLines(path).filter((line) => line.includes('SMPP password unavailable') && line.includes(secretId));

describe('the SMPP password in Secrets Manager', () => {
  it('stands by, healthy, while the secret is missing, with one warning naming it and BindsHeld 0', async () => {
    const f = fleet();
    const [worker] = f.workers;
    if (!worker) throw new Error('one worker expected');
    await pollUntil('the warning about the missing secret', () => warnings(worker.logPath).length > 0, {
      timeoutMs: 60_000,
      intervalMs: 200,
    });
    // Three more metric publishes (one a second here): time for the binds to have tried again.
    const heldZero = () =>
      emittedMetrics([worker.logPath]).filter(
        (datum) => datum.name === metricNames.bindsHeld && datum.dimensions.SubAccount === subAccount,
      );
    const before = heldZero().length;
    await pollUntil('three more BindsHeld data points', () => heldZero().length >= before + 3, {
      timeoutMs: 30_000,
      intervalMs: 200,
    });
    expect(heldZero().every((datum) => datum.value === 0)).toBe(true);
    expect(warnings(worker.logPath)).toHaveLength(1);
    const health = await fetch(await worker.healthUrl());
    expect(health.status).toBe(200);
    expect(f.stats().binds.accepted).toBe(0);
  });

  it('binds with the password once the secret is put, without a restart', async () => {
    const f = fleet();
    const [worker] = f.workers;
    if (!worker) throw new Error('one worker expected');
    await f.aws.secretsManager.send(new CreateSecretCommand({ Name: secretId, SecretString: smppPassword }));
    // The binds' next try comes after their backoff (at most a minute).
    await f.waitForSimulatorBinds(4, 90_000);
    expect(f.stats().binds.rejected['invalid-password']).toBe(0);
    expect(
      logLines(worker.logPath).filter((line) => line.includes('SMPP password available again')),
    ).toHaveLength(1);
  }, 120_000);

  it('uses a rotated password at the next bind: put the new secret, 8x8 changes it, the binds are cut', async () => {
    const f = fleet();
    const acceptedBefore = f.stats().binds.accepted;
    await f.aws.secretsManager.send(
      new PutSecretValueCommand({ SecretId: secretId, SecretString: 'rotated-pw2' }),
    );
    f.sim.setPassword(subAccount, 'rotated-pw2');
    f.sim.dropConnections();
    await pollUntil(
      'four new binds with the rotated password',
      () => f.stats().binds.current === 4 && f.stats().binds.accepted >= acceptedBefore + 4,
      { timeoutMs: 90_000, intervalMs: 100 },
    );
    expect(f.stats().binds.rejected['invalid-password']).toBe(0);
  }, 120_000);
});

describeIamContractOf(fleet, 'reading the password secret among them', [
  /secretsmanager:GetSecretValue on secret:acme-smpp-password-/,
]);
