import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { describe, expect, it } from 'vitest';
import {
  PasswordUnavailableError,
  passwordFromSecretString,
  passwordProvider,
} from '../../../worker/runtime/passwordProvider.js';

describe('passwordFromSecretString', () => {
  it('takes a plain secret as the password', () => {
    expect(passwordFromSecretString('s3cret')).toBe('s3cret');
  });

  it('takes the password field of a JSON secret', () => {
    expect(passwordFromSecretString('{"username":"acme","password":"s3cret"}')).toBe('s3cret');
  });

  it('treats an empty secret or JSON without a password as not filled in yet', () => {
    expect(passwordFromSecretString('')).toBeUndefined();
    expect(passwordFromSecretString('{"username":"acme"}')).toBeUndefined();
  });
});

describe('passwordProvider from an environment variable', () => {
  const unusedSecretsManager = {} as SecretsManagerClient;

  it('reads the variable each time it is asked, so a change is picked up', async () => {
    const env: NodeJS.ProcessEnv = { ACME_PASSWORD: 'one' };
    const provide = passwordProvider({ env: 'ACME_PASSWORD' }, { secretsManager: unusedSecretsManager, env });
    expect(await provide()).toBe('one');
    env.ACME_PASSWORD = 'two';
    expect(await provide()).toBe('two');
  });

  it('fails with an error naming the variable when it is not set', async () => {
    const provide = passwordProvider({ env: 'MISSING' }, { secretsManager: unusedSecretsManager, env: {} });
    await expect(provide()).rejects.toBeInstanceOf(PasswordUnavailableError);
    await expect(provide()).rejects.toThrow(/MISSING/);
  });
});
