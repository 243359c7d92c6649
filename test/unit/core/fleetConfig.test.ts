import { describe, expect, it } from 'vitest';
import { FleetConfigError } from '../../../core/errors.js';
import { parseFleetConfig, sustainableRoundTripMs } from '../../../core/fleetConfig.js';

const account = (extra: Record<string, unknown> = {}) => ({
  id: 'acme_hq',
  password: { env: 'ACME_PW' },
  ...extra,
});

function errorsOf(input: unknown): { field: string; message: string }[] {
  try {
    parseFleetConfig(input);
  } catch (error) {
    expect(error).toBeInstanceOf(FleetConfigError);
    return [...(error as FleetConfigError).errors];
  }
  throw new Error('expected the config to be rejected');
}

describe('parseFleetConfig', () => {
  it('fills in 8x8 defaults: Singapore over TLS on 2776, transceiver, 4 binds, 50/s, window 30', () => {
    const config = parseFleetConfig({ subAccounts: [account()] });
    expect(config.subAccounts[0]).toMatchObject({
      id: 'acme_hq',
      systemId: 'acme_hq',
      region: 'sg',
      host: 'smpp.8x8.com',
      port: 2776,
      tls: true,
      bindMode: 'transceiver',
      bindCap: 4,
      submitsPerSecond: 50,
      window: 30,
      maxParts: 10,
      receiptIdFormat: 'text',
      respIdFormat: 'text',
      password: { env: 'ACME_PW' },
    });
    expect(config).toMatchObject({
      leasePeriodMs: 7_500,
      heartbeatMs: 2_500,
      inDoubtPolicy: 'at-least-once',
    });
  });

  it('resolves the UK region, plain port 2775 without TLS, and an explicit host and port', () => {
    const config = parseFleetConfig({
      subAccounts: [
        account({ id: 'uk', region: 'uk' }),
        account({ id: 'plain', tls: false }),
        account({
          id: 'local',
          host: '127.0.0.1',
          port: 40123,
          systemId: 'sim',
          password: { secretId: 'arn:aws:x' },
        }),
      ],
    });
    expect(config.subAccounts.map(({ host, port }) => `${host}:${port}`)).toEqual([
      'smpp.8x8.uk:2776',
      'smpp.8x8.com:2775',
      '127.0.0.1:40123',
    ]);
    expect(config.subAccounts[2]?.systemId).toBe('sim');
    expect(config.subAccounts[2]?.password).toEqual({ secretId: 'arn:aws:x' });
  });

  it('rejects a literal password and says where to put it', () => {
    const [error] = errorsOf({ subAccounts: [account({ password: 'hunter2' })] });
    expect(error?.field).toBe('subAccounts[0].password');
    expect(error?.message).toMatch(/Secrets Manager/);
    expect(error?.message).toMatch(/environment variable/);
    expect(error?.message).not.toContain('hunter2');
  });

  it('rejects a password object carrying the password itself', () => {
    const [error] = errorsOf({ subAccounts: [account({ password: { secretId: 'x', value: 'hunter2' } })] });
    expect(error?.field).toBe('subAccounts[0].password');
    expect(error?.message).toMatch(/literal password is not accepted/);
  });

  it('requires a password source', () => {
    expect(errorsOf({ subAccounts: [{ id: 'a' }] })).toEqual([
      { field: 'subAccounts[0].password', message: expect.stringMatching(/is required/) },
    ]);
  });

  it('names every bad field by its path', () => {
    const fields = errorsOf({
      subAccounts: [account({ bindCap: 5, window: 0, bindMode: 'both', id: 'has space' })],
      leasePeriodMs: 'long',
      surprise: true,
    }).map((error) => error.field);
    expect(fields).toEqual(
      expect.arrayContaining([
        'subAccounts[0].id',
        'subAccounts[0].bindCap',
        'subAccounts[0].window',
        'subAccounts[0].bindMode',
        'leasePeriodMs',
        'surprise',
      ]),
    );
  });

  it('explains the 4-bind cap', () => {
    expect(errorsOf({ subAccounts: [account({ bindCap: 5 })] })[0]?.message).toMatch(/at most 4.*8x8/);
  });

  it('requires the heartbeat to be at most a third of the lease period', () => {
    expect(errorsOf({ subAccounts: [account()], leasePeriodMs: 9_000, heartbeatMs: 3_001 })).toEqual([
      { field: 'heartbeatMs', message: expect.stringMatching(/at most a third of leasePeriodMs.*3000 ms/) },
    ]);
    expect(
      parseFleetConfig({ subAccounts: [account()], leasePeriodMs: 9_000, heartbeatMs: 3_000 }).heartbeatMs,
    ).toBe(3_000);
  });

  it('derives the heartbeat from a custom lease period when not given', () => {
    expect(parseFleetConfig({ subAccounts: [account()], leasePeriodMs: 6_000 }).heartbeatMs).toBe(2_000);
  });

  it('rejects duplicate sub-account ids', () => {
    expect(errorsOf({ subAccounts: [account(), account()] })).toEqual([
      { field: 'subAccounts[1].id', message: expect.stringMatching(/duplicate.*acme_hq.*subAccounts\[0\]/) },
    ]);
  });

  it('rejects sub-accounts that share a system_id with more than 4 binds between them', () => {
    const errors = errorsOf({
      subAccounts: [
        account({ id: 'a', systemId: 'shared', bindCap: 2 }),
        account({ id: 'b', systemId: 'shared', bindCap: 3 }),
      ],
    });
    expect(errors).toEqual([
      {
        field: 'subAccounts[1].bindCap',
        message: expect.stringMatching(/same system_id "shared".*add up to 5/),
      },
    ]);
  });

  it('refuses a rate the bind’s limiter cannot keep: submitsPerSecond is a whole number', () => {
    expect(errorsOf({ subAccounts: [account({ submitsPerSecond: 49.5 })] })).toEqual([
      { field: 'subAccounts[0].submitsPerSecond', message: 'must be a whole number of submits per second' },
    ]);
  });

  it('refuses a system_id bound only as a transmitter: its receipts could never arrive', () => {
    expect(errorsOf({ subAccounts: [account({ bindMode: 'transmitter' })] })).toEqual([
      {
        field: 'subAccounts[0].bindMode',
        message: expect.stringMatching(/never receive delivery receipts.*system_id "acme_hq"/),
      },
    ]);
    // A receiver of the same system_id gets them (8x8 sends receipts to any bind of the system_id).
    const mixed = parseFleetConfig({
      subAccounts: [
        account({ id: 'out', systemId: 'shared', bindMode: 'transmitter', bindCap: 2 }),
        account({ id: 'in', systemId: 'shared', bindMode: 'receiver', bindCap: 2 }),
      ],
    });
    expect(mixed.subAccounts.map((entry) => entry.bindMode)).toEqual(['transmitter', 'receiver']);
  });

  it('rejects both a region and a host', () => {
    expect(errorsOf({ subAccounts: [account({ region: 'sg', host: 'example.com' })] })).toEqual([
      { field: 'subAccounts[0].host', message: expect.stringMatching(/either region .* or host/) },
    ]);
  });

  it('rejects an empty fleet and a non-object', () => {
    expect(errorsOf({ subAccounts: [] })[0]?.field).toBe('subAccounts');
    expect(errorsOf('{"subAccounts":[]}')[0]?.field).toBe('(root)');
  });

  it('puts every problem in the error message, one line each', () => {
    expect(() => parseFleetConfig({ subAccounts: [account({ bindCap: 9, window: -1 })] })).toThrow(
      /invalid fleet config:\n {2}- subAccounts\[0\]\.bindCap: .*\n {2}- subAccounts\[0\]\.window: /,
    );
  });
});

describe('sustainableRoundTripMs', () => {
  it('is 600 ms for the default window of 30 at 50/s', () => {
    expect(sustainableRoundTripMs({ window: 30, submitsPerSecond: 50 })).toBe(600);
  });
});
