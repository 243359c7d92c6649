import { describe, expect, it } from 'vitest';
import { FleetConfigError } from '../../../core/errors.js';
import { parseFleetConfig } from '../../../core/fleetConfig.js';
import {
  acceptedIndex,
  acceptedIndexAttributes,
  acceptedIndexPartitions,
  acceptedIndexShard,
  acceptedIndexShards,
  correlationExpiresAt,
  correlationKey,
  deadLetterQueueNameFor,
  deadLetterQueueUrlFor,
  eventBusNameFor,
  idempotencyKey,
  leaseKey,
  messageKey,
  queueNameFor,
  recordEventsDeadLetterQueueNameFor,
  tableDefinitions,
  tableIds,
  tableName,
  workerEnv,
} from '../../../core/tableKeys.js';

describe('table keys', () => {
  it('keep the correlation item where earlier versions recorded submissions, so their receipts still match', () => {
    expect(correlationKey('acme_hq', '255')).toEqual({ pk: 'SMSC#acme_hq#255', sk: 'SUBMIT' });
  });

  it('keep sub-accounts apart', () => {
    expect(correlationKey('a', 'x').pk).not.toBe(correlationKey('b', 'x').pk);
    expect(idempotencyKey('a', 'k').pk).not.toBe(idempotencyKey('b', 'k').pk);
    expect(leaseKey('a', 0).pk).not.toBe(leaseKey('b', 0).pk);
  });

  it('name every item by its kind', () => {
    expect(messageKey('m-1')).toEqual({ pk: 'MSG#m-1', sk: 'MSG' });
    expect(leaseKey('acme_hq', 3)).toEqual({ pk: 'LEASE#acme_hq', sk: 'SLOT#3' });
    expect(idempotencyKey('acme_hq', 'k#1')).toEqual({ pk: 'IDEM#acme_hq#k#1', sk: 'IDEM' });
  });

  it('refuse a slot that is not a whole number', () => {
    expect(() => leaseKey('a', -1)).toThrow(RangeError);
    expect(() => leaseKey('a', 1.5)).toThrow(RangeError);
  });

  it('keep correlation items past 8x8’s 48 h receipt wait, or the validity period if longer', () => {
    const now = 1_764_000_000_000;
    const nowSeconds = now / 1_000;
    expect(correlationExpiresAt(now) - nowSeconds).toBeGreaterThan(48 * 3_600);
    expect(correlationExpiresAt(now, 72 * 3_600) - nowSeconds).toBeGreaterThan(72 * 3_600);
  });
});

describe('table definitions', () => {
  it('give every table pk/sk string keys', () => {
    for (const id of tableIds) {
      expect(tableDefinitions[id].partitionKey).toEqual({ name: 'pk', type: 'S' });
      expect(tableDefinitions[id].sortKey).toEqual({ name: 'sk', type: 'S' });
    }
  });

  it('never put a TTL on the leases table, whose items carry the fencing token', () => {
    expect('timeToLiveAttribute' in tableDefinitions.leases).toBe(false);
    expect(tableDefinitions.correlation.timeToLiveAttribute).toBe('expiresAt');
  });

  it('give the messages table, and only it, a stream with the item before and after each write', () => {
    expect(tableIds.filter((id) => 'stream' in tableDefinitions[id])).toEqual(['messages']);
    expect(tableDefinitions.messages.stream).toBe('NEW_AND_OLD_IMAGES');
  });

  it('derive distinct names from one prefix', () => {
    const names = tableIds.map((id) => tableName(id, 'test-1'));
    expect(new Set(names).size).toBe(names.length);
    expect(tableName('leases')).toBe('smpp-fleet-bind-leases');
  });
});

describe('the acceptance-time index', () => {
  const day = Date.UTC(2026, 11, 2);

  it('puts a message in one of its UTC day’s partitions, the same one whoever writes it', () => {
    const id = '3f1c0b6e-8d5a-4c1e-9b2f-7a6d5e4c3b2a';
    const { acceptedShard } = acceptedIndexAttributes(id, day + 5 * 3_600_000);
    expect(acceptedIndexPartitions(day + 23 * 3_600_000)).toContain(acceptedShard);
    expect(acceptedIndexPartitions(day - 1)).not.toContain(acceptedShard);
    expect(acceptedShard).toBe(`MSG#2026-12-02#${acceptedIndexShard(id)}`);
    expect(acceptedIndexAttributes(id, day + 1).acceptedShard).toBe(acceptedShard);
  });

  it('spreads ids over every shard, about evenly', () => {
    const counts = new Array(acceptedIndexShards).fill(0);
    for (let index = 0; index < 8_000; index++) {
      counts[acceptedIndexShard(`00000000-0000-4000-8000-${String(index).padStart(12, '0')}`)] += 1;
    }
    for (const count of counts) expect(count).toBeGreaterThan(800);
    expect(acceptedIndexPartitions(day)).toHaveLength(acceptedIndexShards);
  });

  it('is a keys-only index on the messages table sorted by createdAt, so state changes cost it nothing', () => {
    expect(tableDefinitions.messages.globalSecondaryIndexes).toEqual([acceptedIndex]);
    expect(acceptedIndex).toMatchObject({
      projection: 'KEYS_ONLY',
      sortKey: { name: 'createdAt', type: 'N' },
    });
  });
});

describe('queue and bus names', () => {
  it('are valid SQS names for the longest sub-account id the config accepts', () => {
    const id = 'x'.repeat(50);
    expect(() => parseFleetConfig({ subAccounts: [{ id, password: { env: 'P' } }] })).not.toThrow(
      FleetConfigError,
    );
    for (const name of [queueNameFor(id), deadLetterQueueNameFor(id)]) {
      expect(name).toMatch(/^[A-Za-z0-9_-]{1,80}$/);
    }
  });

  it('tell a DLQ from its queue', () => {
    expect(queueNameFor('acme_hq')).toBe('smpp-fleet-send-acme_hq');
    expect(deadLetterQueueNameFor('acme_hq')).toBe('smpp-fleet-send-acme_hq-dlq');
    expect(
      deadLetterQueueUrlFor('https://sqs.eu-west-1.amazonaws.com/123456789012/smpp-fleet-send-acme_hq'),
    ).toBe('https://sqs.eu-west-1.amazonaws.com/123456789012/smpp-fleet-send-acme_hq-dlq');
    expect(eventBusNameFor()).toBe('smpp-fleet-events');
  });

  it('name the records-stream consumer’s DLQ apart from every send queue and its DLQ', () => {
    const name = recordEventsDeadLetterQueueNameFor('smpp-fleet-longest-x');
    expect(name).toMatch(/^[A-Za-z0-9_-]{1,80}$/);
    expect(recordEventsDeadLetterQueueNameFor()).toBe('smpp-fleet-record-events-dlq');
    // Send queues are all `<prefix>-send-…`: no sub-account id can make this name.
    expect(recordEventsDeadLetterQueueNameFor().startsWith(queueNameFor(''))).toBe(false);
  });
});

describe('workerEnv', () => {
  it('names distinct upper-case environment variables', () => {
    const names = Object.values(workerEnv);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(name).toMatch(/^[A-Z][A-Z0-9_]*$/);
  });
});
