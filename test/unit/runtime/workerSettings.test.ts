import { describe, expect, it } from 'vitest';
import { workerEnv } from '../../../core/tableKeys.js';
import { readWorkerSettings, WorkerSettingsError } from '../../../worker/runtime/workerSettings.js';

const fleet = { subAccounts: [{ id: 'acme', password: { env: 'ACME_PASSWORD' } }] };

function env(overrides: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  return {
    [workerEnv.fleetConfig]: JSON.stringify(fleet),
    [workerEnv.messagesTable]: 'messages',
    [workerEnv.correlationTable]: 'correlation',
    [workerEnv.leasesTable]: 'leases',
    [workerEnv.eventBusName]: 'bus',
    [workerEnv.sendQueueUrls]: JSON.stringify({ acme: 'http://localhost:4566/000000000000/acme' }),
    ...overrides,
  };
}

describe('readWorkerSettings', () => {
  it('reads a complete environment, with defaults for the optional variables', () => {
    const settings = readWorkerSettings(env());
    expect(settings.fleet.subAccounts[0]?.id).toBe('acme');
    expect(settings.sendQueueUrls.acme).toContain('/acme');
    expect(settings.healthPort).toBe(8080);
    expect(settings.maskPhoneNumbers).toBe(true);
    expect(settings.workerId).not.toBe('');
  });

  it('names every missing variable at once', () => {
    const error = (() => {
      try {
        readWorkerSettings(env({ [workerEnv.messagesTable]: undefined, [workerEnv.leasesTable]: undefined }));
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(WorkerSettingsError);
    expect(String(error)).toContain(workerEnv.messagesTable);
    expect(String(error)).toContain(workerEnv.leasesTable);
  });

  it('says which sub-account has no queue URL', () => {
    expect(() => readWorkerSettings(env({ [workerEnv.sendQueueUrls]: '{}' }))).toThrow(
      /no queue URL for sub-account "acme"/,
    );
  });

  it('passes on the fleet config error that names the bad field', () => {
    const bad = JSON.stringify({ subAccounts: [{ id: 'acme', password: 'hunter2' }] });
    expect(() => readWorkerSettings(env({ [workerEnv.fleetConfig]: bad }))).toThrow(/literal password/);
  });

  it('rejects a fleet config that is not JSON, naming the variable', () => {
    expect(() => readWorkerSettings(env({ [workerEnv.fleetConfig]: '{not json' }))).toThrow(
      new RegExp(workerEnv.fleetConfig),
    );
  });
});
