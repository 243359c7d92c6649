/**
 * Where a sub-account's SMPP password comes from, asked before every bind so a rotated secret is picked up
 * without a restart. The password is never logged, put in events, or kept beyond the bind request.
 */
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { PasswordSource } from '../../core/fleetConfig.js';
import { withTimeout } from './withTimeout.js';

export class PasswordUnavailableError extends Error {
  constructor(
    message: string,
    readonly source: PasswordSource,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'PasswordUnavailableError';
  }
}

/**
 * A secret's value is either the password itself or JSON with a `password` field (the shape Secrets
 * Manager's console suggests for credentials).
 */
export function passwordFromSecretString(secretString: string): string | undefined {
  const trimmed = secretString.trim();
  if (!trimmed.startsWith('{')) return trimmed.length > 0 ? secretString : undefined;
  try {
    const parsed = JSON.parse(trimmed) as { password?: unknown };
    return typeof parsed.password === 'string' && parsed.password.length > 0 ? parsed.password : undefined;
  } catch {
    return undefined;
  }
}

export function passwordProvider(
  source: PasswordSource,
  deps: { secretsManager: SecretsManagerClient; env: NodeJS.ProcessEnv },
): () => Promise<string> {
  if ('env' in source) {
    return async () => {
      const value = deps.env[source.env];
      if (!value) throw new PasswordUnavailableError(`environment variable ${source.env} is not set`, source);
      return value;
    };
  }
  return async () => {
    try {
      const result = await withTimeout(5_000, (abortSignal) =>
        deps.secretsManager.send(new GetSecretValueCommand({ SecretId: source.secretId }), { abortSignal }),
      );
      const password = passwordFromSecretString(result.SecretString ?? '');
      if (!password) {
        throw new PasswordUnavailableError(
          `secret ${source.secretId} has no password yet: fill it in`,
          source,
        );
      }
      return password;
    } catch (error) {
      if (error instanceof PasswordUnavailableError) throw error;
      throw new PasswordUnavailableError(`cannot read secret ${source.secretId}`, source, { cause: error });
    }
  };
}
