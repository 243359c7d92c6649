import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rootCertificates } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { workerEnv } from '../../../core/tableKeys.js';
import { generateLocalhostCertificate } from '../../../local/smsc-simulator/tlsCertificate.js';
import {
  readWorkerSettings,
  trustedCertificates,
  WorkerSettingsError,
} from '../../../worker/runtime/workerSettings.js';

const certificate = await generateLocalhostCertificate();

const fleet = { subAccounts: [{ id: 'acme', password: { env: 'ACME_PASSWORD' } }] };

function env(overrides: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  return {
    [workerEnv.fleetConfig]: JSON.stringify(fleet),
    [workerEnv.messagesTable]: 'messages',
    [workerEnv.correlationTable]: 'correlation',
    [workerEnv.leasesTable]: 'leases',
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

  describe('caCertificatePem', () => {
    const withCa = (caCertificatePem: string) =>
      env({
        [workerEnv.fleetConfig]: JSON.stringify({
          subAccounts: [{ id: 'acme', password: { env: 'ACME_PASSWORD' }, caCertificatePem }],
        }),
      });
    const problemOf = (caCertificatePem: string) => {
      try {
        readWorkerSettings(withCa(caCertificatePem));
      } catch (error) {
        expect(error).toBeInstanceOf(WorkerSettingsError);
        return String(error);
      }
      throw new Error('expected the settings to be refused');
    };

    it('takes the PEM text itself, as its name says', () => {
      const settings = readWorkerSettings(withCa(certificate.certPem));
      expect(settings.fleet.subAccounts[0]?.caCertificatePem).toContain('-----BEGIN CERTIFICATE-----');
    });

    it('takes the path of a PEM file and holds the file’s certificates from then on', () => {
      const path = join(mkdtempSync(join(tmpdir(), 'ca-')), 'ca.pem');
      writeFileSync(path, certificate.certPem);
      const settings = readWorkerSettings(withCa(path));
      expect(settings.fleet.subAccounts[0]?.caCertificatePem).toBe(certificate.certPem.trim());
    });

    it('adds the certificates to Node’s bundled CAs, unless told to replace them', () => {
      const account = readWorkerSettings(withCa(certificate.certPem)).fleet.subAccounts[0];
      if (account === undefined) throw new Error('one sub-account expected');
      expect(trustedCertificates(account)).toEqual([...rootCertificates, account.caCertificatePem]);
      expect(trustedCertificates({ ...account, caReplacesSystemStore: true })).toEqual([
        account.caCertificatePem,
      ]);
      expect(trustedCertificates({ ...account, caCertificatePem: undefined })).toBeUndefined();
    });

    it('refuses at start-up, naming the field and the path, a file that is not there', () => {
      expect(problemOf('/no/such/ca.pem')).toMatch(
        /FLEET_CONFIG: subAccounts\[0\]\.caCertificatePem: cannot read the file "\/no\/such\/ca\.pem" \(ENOENT\)/,
      );
    });

    it('refuses text that holds no certificate, and a certificate that does not parse', () => {
      const path = join(mkdtempSync(join(tmpdir(), 'ca-')), 'notes.txt');
      writeFileSync(path, 'not a certificate');
      expect(problemOf(path)).toMatch(/caCertificatePem: holds no PEM certificate/);
      expect(problemOf('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----')).toMatch(
        /caCertificatePem: certificate 1 of 1 does not parse/,
      );
    });
  });
});
