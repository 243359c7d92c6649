import { describe, expect, it } from 'vitest';
import {
  readAwsClientSettings,
  readObservabilityConfig,
  readPublicBaseUrl,
  readSubAccountRoutes,
} from '../../../lambdas/shared/apiConfig.js';
import { ApiConfigError } from '../../../lambdas/shared/errors.js';

const fleet = JSON.stringify({
  subAccounts: [
    { id: 'acme', password: { env: 'A' }, maxParts: 4 },
    { id: 'beta', password: { secretId: 'smpp/beta' } },
  ],
});
const urls = JSON.stringify({ acme: 'https://sqs.x/1/acme', beta: 'https://sqs.x/1/beta' });

function configErrorOf(read: () => unknown): string[] {
  try {
    read();
  } catch (error) {
    if (error instanceof ApiConfigError) return error.errors.map((item) => `${item.field}: ${item.message}`);
    throw error;
  }
  throw new Error('expected an ApiConfigError');
}

describe('readSubAccountRoutes', () => {
  it('gives each sub-account its maxParts (default 10) and queue URL', () => {
    expect(readSubAccountRoutes({ FLEET_CONFIG: fleet, SEND_QUEUE_URLS: urls })).toEqual(
      new Map([
        ['acme', { maxParts: 4, queueUrl: 'https://sqs.x/1/acme' }],
        ['beta', { maxParts: 10, queueUrl: 'https://sqs.x/1/beta' }],
      ]),
    );
  });

  it('names what is missing or wrong', () => {
    expect(configErrorOf(() => readSubAccountRoutes({}))).toEqual([
      'FLEET_CONFIG: is required: the fleet config',
      'SEND_QUEUE_URLS: is required: an object of sub-account id → send queue URL',
    ]);
    expect(
      configErrorOf(() => readSubAccountRoutes({ FLEET_CONFIG: '{', SEND_QUEUE_URLS: urls }))[0],
    ).toMatch(/^FLEET_CONFIG: must be the fleet config as JSON/);
    expect(
      configErrorOf(() =>
        readSubAccountRoutes({ FLEET_CONFIG: fleet, SEND_QUEUE_URLS: '{"acme":"https://q"}' }),
      ),
    ).toEqual(['SEND_QUEUE_URLS.beta: is required: the sub-account’s send queue URL']);
    expect(
      configErrorOf(() =>
        readSubAccountRoutes({ FLEET_CONFIG: '{"subAccounts":[]}', SEND_QUEUE_URLS: urls }),
      ),
    ).toEqual(['FLEET_CONFIG: subAccounts: list at least one sub-account']);
  });
});

describe('readObservabilityConfig', () => {
  it('defaults to INFO, unmasked, metrics on', () => {
    expect(readObservabilityConfig({})).toEqual({
      logLevel: 'INFO',
      maskPhoneNumbers: false,
      metricsDisabled: false,
    });
  });

  it('reads the level in any case and the flags', () => {
    expect(
      readObservabilityConfig({
        LOG_LEVEL: 'debug',
        MASK_PHONE_NUMBERS: 'true',
        POWERTOOLS_METRICS_DISABLED: '1',
      }),
    ).toEqual({ logLevel: 'DEBUG', maskPhoneNumbers: true, metricsDisabled: true });
  });

  it('refuses a level or flag it does not know', () => {
    expect(
      configErrorOf(() => readObservabilityConfig({ LOG_LEVEL: 'LOUD', MASK_PHONE_NUMBERS: 'yes' })),
    ).toEqual([
      'LOG_LEVEL: must be one of TRACE, DEBUG, INFO, WARN, ERROR, CRITICAL, SILENT',
      'MASK_PHONE_NUMBERS: must be true or false, got "yes"',
    ]);
  });
});

describe('readPublicBaseUrl', () => {
  it('is optional, trimmed of trailing slashes, and must be http(s)', () => {
    expect(readPublicBaseUrl({})).toBeUndefined();
    expect(readPublicBaseUrl({ PUBLIC_BASE_URL: 'https://sms.example.com/v1/' })).toBe(
      'https://sms.example.com/v1',
    );
    expect(configErrorOf(() => readPublicBaseUrl({ PUBLIC_BASE_URL: 'ftp://x' }))).toHaveLength(1);
  });
});

describe('readAwsClientSettings', () => {
  it('passes credentials only with an endpoint override (the emulator)', () => {
    const keys = { AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 'b', AWS_REGION: 'eu-west-1' };
    expect(readAwsClientSettings(keys)).toEqual({ region: 'eu-west-1' });
    expect(readAwsClientSettings({ ...keys, AWS_ENDPOINT_URL: 'http://127.0.0.1:4566' })).toEqual({
      region: 'eu-west-1',
      endpoint: 'http://127.0.0.1:4566',
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    });
  });
});
