/**
 * The velocity counters in their own table (why: core/tableKeys.ts): one TransactWriteItems per
 * message, the marker put and each configured counter's conditional ADD (core/velocityLimits.ts). A
 * cancelled transaction is an answer, not an error: its reasons say counted before, over a limit or a race.
 */
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import {
  type VelocityCount,
  type VelocityDecision,
  velocityDecision,
  velocityTransaction,
} from '../../core/velocityLimits.js';
import { withTimeout } from '../runtime/withTimeout.js';
import { VelocityCounterError } from './errors.js';
import type { VelocityCounter } from './VelocityCounter.js';

export interface DynamoDbVelocityCounterOptions {
  client: DynamoDBDocumentClient;
  /** The velocity table. */
  tableName: string;
  /** Per call. @default 5_000 */
  requestTimeoutMs?: number;
}

export class DynamoDbVelocityCounter implements VelocityCounter {
  readonly #client: DynamoDBDocumentClient;
  readonly #tableName: string;
  readonly #timeoutMs: number;

  constructor(options: DynamoDbVelocityCounterOptions) {
    this.#client = options.client;
    this.#tableName = options.tableName;
    this.#timeoutMs = options.requestTimeoutMs ?? 5_000;
  }

  async count(count: VelocityCount, messageId: string, signal?: AbortSignal): Promise<VelocityDecision> {
    try {
      await withTimeout(
        this.#timeoutMs,
        (abortSignal) =>
          this.#client.send(
            new TransactWriteCommand(velocityTransaction(this.#tableName, count, messageId)),
            {
              abortSignal,
            },
          ),
        signal === undefined ? {} : { signal },
      );
      return velocityDecision(count, undefined);
    } catch (error) {
      if (error instanceof TransactionCanceledException && error.CancellationReasons !== undefined) {
        return velocityDecision(
          count,
          error.CancellationReasons.map((reason) => reason.Code),
        );
      }
      throw new VelocityCounterError('count', { cause: error });
    }
  }
}
