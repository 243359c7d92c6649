/**
 * VelocityCounter on the velocity table (core/tableKeys.ts): one TransactWriteItems per message, the
 * marker put and each configured counter's conditional ADD. A cancelled transaction is an answer (counted
 * before, over a limit, a race), not an error.
 */
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import {
  type VelocityCount,
  type VelocityDecision,
  velocityDecision,
  velocityTransaction,
} from '../../core/velocityLimits.js';
import { StorageUnavailableError } from './errors.js';
import type { VelocityCounter } from './VelocityCounter.js';

export interface DynamoDbVelocityCounterOptions {
  client: DynamoDBDocumentClient;
  /** The velocity table. */
  tableName: string;
}

export class DynamoDbVelocityCounter implements VelocityCounter {
  readonly #client: DynamoDBDocumentClient;
  readonly #tableName: string;

  constructor(options: DynamoDbVelocityCounterOptions) {
    this.#client = options.client;
    this.#tableName = options.tableName;
  }

  async count(count: VelocityCount, messageId: string): Promise<VelocityDecision> {
    try {
      await this.#client.send(
        new TransactWriteCommand(velocityTransaction(this.#tableName, count, messageId)),
      );
      return velocityDecision(count, undefined);
    } catch (error) {
      if (error instanceof TransactionCanceledException && error.CancellationReasons !== undefined) {
        return velocityDecision(
          count,
          error.CancellationReasons.map((reason) => reason.Code),
        );
      }
      throw new StorageUnavailableError('TransactWriteItems (velocity counters)', { cause: error });
    }
  }
}
