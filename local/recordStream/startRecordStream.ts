/**
 * The records-stream consumer on one machine: reads the messages table's change stream from the emulator
 * (DynamoDB Streams' DescribeStream / GetShardIterator / GetRecords, as Lambda's event source mapping
 * does in AWS) and hands each batch to the same handler the stack deploys (lambdas/publishRecordEvents.ts),
 * as the DynamoDBStreamEvent Lambda would give it. Used by `npm start` and the tests.
 *
 *   const stream = await startRecordStream({ env, streamArn });   // env: the handler's (core/apiEnv.ts)
 *   …
 *   await stream.stop();
 *
 * Hand-written because nothing runs a Lambda event source mapping locally without Docker. What it keeps of
 * the mapping's behaviour: batches of up to `batchSize` in stream order per shard; a batch item failure (or
 * a thrown handler) retries from the first failed record after a doubling pause; new shards are picked up.
 * What it leaves out: bisecting, the on-failure destination (a record is retried until it succeeds), and
 * parallel batches per shard.
 */

import {
  type _Record,
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { recordStreamSettings } from '../../core/tableKeys.js';
import {
  publishRecordEventsHandlerFromEnv,
  type RecordEventsHandler,
} from '../../lambdas/publishRecordEvents.js';
import { type Env, readAwsClientSettings } from '../../lambdas/shared/apiConfig.js';

export interface StartRecordStreamOptions {
  /** The handler's environment: the bus, the emulator's endpoint and the keys to sign with. */
  env: Env;
  /** The stream to read: the messages table's (createFleetResources gives it; core/tableKeys.ts turns it on). */
  streamArn: string;
  /** @default the deployed handler built from `env` */
  handler?: RecordEventsHandler;
  /** Pause after an empty read, ms (Lambda polls a shard four times a second). @default 250 */
  idlePollMs?: number;
  /** @default the stack's (core/tableKeys.ts recordStreamSettings) */
  batchSize?: number;
  /** Called when a batch failed and will be retried. */
  onRetry?: (info: { shardId: string; records: number; error?: unknown }) => void;
}

export interface RecordStream {
  /** Stream records handed to the handler so far (a retried record counts again). */
  readonly delivered: number;
  /** Resolves once every record written so far has been handled (reads until a read comes back empty). */
  caughtUp(): Promise<void>;
  stop(): Promise<void>;
}

const maxRetryPauseMs = 10_000;

export async function startRecordStream(options: StartRecordStreamOptions): Promise<RecordStream> {
  const settings = readAwsClientSettings(options.env);
  const streams = new DynamoDBStreamsClient(settings);
  const handler = options.handler ?? publishRecordEventsHandlerFromEnv(options.env);
  const idlePollMs = options.idlePollMs ?? 250;
  const batchSize = options.batchSize ?? recordStreamSettings.batchSize;

  const { streamArn } = options;
  const region = (await streams.config.region()) ?? 'us-east-1';

  const abort = new AbortController();
  let delivered = 0;
  const readers = new Map<string, Promise<void>>();
  /** Resolvers waiting for every shard to come back empty. */
  let waiters: (() => void)[] = [];
  const emptyShards = new Set<string>();

  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      if (abort.signal.aborted) return resolve();
      const done = () => {
        clearTimeout(timer);
        abort.signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      abort.signal.addEventListener('abort', done);
    });

  const notifyIfCaughtUp = () => {
    if (emptyShards.size < readers.size) return;
    const ready = waiters;
    waiters = [];
    for (const resolve of ready) resolve();
  };

  async function readShard(shardId: string): Promise<void> {
    let iterator = await shardIterator(shardId, { ShardIteratorType: recordStreamSettings.startingPosition });
    let retryPauseMs = 500;
    while (!abort.signal.aborted && iterator !== undefined) {
      let records: _Record[];
      let next: string | undefined;
      try {
        const page = await streams.send(
          new GetRecordsCommand({ ShardIterator: iterator, Limit: batchSize }),
          {
            abortSignal: abort.signal,
          },
        );
        records = page.Records ?? [];
        next = page.NextShardIterator;
      } catch (error) {
        if (abort.signal.aborted) return;
        options.onRetry?.({ shardId, records: 0, error });
        await pause(retryPauseMs);
        retryPauseMs = Math.min(maxRetryPauseMs, retryPauseMs * 2);
        continue;
      }
      if (records.length === 0) {
        emptyShards.add(shardId);
        notifyIfCaughtUp();
        iterator = next;
        await pause(idlePollMs);
        continue;
      }
      emptyShards.delete(shardId);
      const event: DynamoDBStreamEvent = {
        Records: records.map((r) => toLambdaRecord(r, streamArn, region)),
      };
      let failedAt: string | undefined;
      let failure: unknown;
      try {
        delivered += records.length;
        const response = await handler(event);
        failedAt = response.batchItemFailures
          .map((f) => f.itemIdentifier)
          .sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1))[0];
      } catch (error) {
        failure = error;
        failedAt = records[0]?.dynamodb?.SequenceNumber;
      }
      if (failedAt === undefined) {
        retryPauseMs = 500;
        iterator = next;
        continue;
      }
      options.onRetry?.({ shardId, records: records.length, error: failure });
      await pause(retryPauseMs);
      retryPauseMs = Math.min(maxRetryPauseMs, retryPauseMs * 2);
      iterator = await shardIterator(shardId, {
        ShardIteratorType: 'AT_SEQUENCE_NUMBER',
        SequenceNumber: failedAt,
      });
    }
  }

  async function shardIterator(
    shardId: string,
    position:
      | { ShardIteratorType: 'TRIM_HORIZON' }
      | { ShardIteratorType: 'AT_SEQUENCE_NUMBER'; SequenceNumber: string },
  ): Promise<string | undefined> {
    for (let pauseMs = 500; !abort.signal.aborted; pauseMs = Math.min(maxRetryPauseMs, pauseMs * 2)) {
      try {
        const answer = await streams.send(
          new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: shardId, ...position }),
          { abortSignal: abort.signal },
        );
        return answer.ShardIterator;
      } catch (error) {
        if (abort.signal.aborted) return undefined;
        options.onRetry?.({ shardId, records: 0, error });
        await pause(pauseMs);
      }
    }
    return undefined;
  }

  /** Starts a reader for every shard not read yet; a shard split shows up here. */
  async function discoverShards(): Promise<void> {
    const described = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn }), {
      abortSignal: abort.signal,
    });
    for (const shard of described.StreamDescription?.Shards ?? []) {
      const shardId = shard.ShardId;
      if (shardId === undefined || readers.has(shardId)) continue;
      readers.set(
        shardId,
        readShard(shardId).catch((error) => {
          if (!abort.signal.aborted) options.onRetry?.({ shardId, records: 0, error });
        }),
      );
    }
  }

  await discoverShards();
  const discovering = (async () => {
    while (!abort.signal.aborted) {
      await pause(10_000);
      if (abort.signal.aborted) return;
      await discoverShards().catch(() => {});
    }
  })();

  return {
    get delivered() {
      return delivered;
    },
    caughtUp() {
      emptyShards.clear();
      return new Promise<void>((resolve) => {
        waiters.push(resolve);
      });
    },
    async stop() {
      abort.abort();
      await Promise.allSettled([...readers.values(), discovering]);
      for (const resolve of waiters) resolve();
      streams.destroy();
    },
  };
}

/** A stream record as Lambda's event gives it (creation time in epoch seconds, the stream's ARN). */
function toLambdaRecord(record: _Record, streamArn: string, region: string): DynamoDBRecord {
  const { ApproximateCreationDateTime, ...dynamodb } = record.dynamodb ?? {};
  return {
    ...(record.eventID === undefined ? {} : { eventID: record.eventID }),
    ...(record.eventName === undefined ? {} : { eventName: record.eventName }),
    eventVersion: record.eventVersion ?? '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: region,
    eventSourceARN: streamArn,
    dynamodb: {
      ...(dynamodb as NonNullable<DynamoDBRecord['dynamodb']>),
      ...(ApproximateCreationDateTime === undefined
        ? {}
        : { ApproximateCreationDateTime: Math.floor(ApproximateCreationDateTime.getTime() / 1000) }),
    },
  };
}
