/**
 * HTTP replay semantics for POST /messages with an idempotency key, by Powertools idempotency: the first
 * request with a key runs and its answer is stored; the same key with the same request gets that answer
 * again; with a different request, IdempotencyValidationError; while the first is still running,
 * IdempotencyAlreadyInProgressError. If the first run throws, its in-progress record is deleted, so a retry
 * runs again (and lands on the same record, whose derived id makes re-queueing harmless).
 */
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import type { Context } from 'aws-lambda';
import { retentionSeconds } from '../../core/tableKeys.js';
import type { DynamoDbSendIdempotencyStore, SendIdempotencyPayload } from './DynamoDbSendIdempotencyStore.js';

type Execute<R> = (payload: SendIdempotencyPayload) => Promise<R>;

/** Runs a keyed send at most once per (sub-account, key) and answers replays with the stored result. */
export interface SendIdempotency<R> {
  run(
    payload: SendIdempotencyPayload,
    context: Pick<Context, 'getRemainingTimeInMillis'>,
    execute: Execute<R>,
  ): Promise<{ result: R; replayed: boolean }>;
}

export class IdempotentSend<R> implements SendIdempotency<R> {
  readonly #config: IdempotencyConfig;
  readonly #run: (payload: SendIdempotencyPayload, execute: Execute<R>) => Promise<R>;

  constructor(store: DynamoDbSendIdempotencyStore) {
    this.#config = new IdempotencyConfig({
      eventKeyJmesPath: 'idempotencyKey',
      payloadValidationJmesPath: 'request',
      throwOnNoIdempotencyKey: true,
      // As long as core keeps idempotency keys: a retry weeks later still gets the first answer.
      expiresAfterSeconds: retentionSeconds.idempotencyKeys,
    });
    this.#run = makeIdempotent((payload: SendIdempotencyPayload, execute: Execute<R>) => execute(payload), {
      persistenceStore: store,
      config: this.#config,
      dataIndexArgument: 0,
    });
  }

  /**
   * Runs `execute` once per (sub-account, key); `replayed` is true when the answer is a stored one. The
   * context's remaining time bounds the in-progress lock, so a timed-out run does not block the key.
   */
  async run(
    payload: SendIdempotencyPayload,
    context: Pick<Context, 'getRemainingTimeInMillis'>,
    execute: Execute<R>,
  ): Promise<{ result: R; replayed: boolean }> {
    this.#config.registerLambdaContext(context as Context);
    let executed = false;
    const result = await this.#run(payload, (value) => {
      executed = true;
      return execute(value);
    });
    return { result, replayed: !executed };
  }
}
