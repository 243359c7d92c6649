import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { leaseKey, workerPresenceKey } from '../../../core/tableKeys.js';
import { DynamoDbLeaseStore } from '../../../worker/leases/DynamoDbLeaseStore.js';
import { useAwsEmulator } from '../aws/emulatorFixture.js';
import { createLeasesTable } from './leasesTable.js';

const aws = useAwsEmulator();
const t0 = 1_800_000_000_000;
const L = 15_000;

let tableName: string;
let store: DynamoDbLeaseStore;

beforeEach(async () => {
  tableName = await createLeasesTable(aws().dynamodb, 'store');
  store = new DynamoDbLeaseStore({ client: aws().documentClient, tableName });
});

const acquire = (holder: string, nowMs: number, slot = 0) =>
  store.acquire({ subAccount: 'acme', slot, holder, nowMs, leaseMs: L });
const renew = (holder: string, fence: number, nowMs: number) =>
  store.renew({ subAccount: 'acme', slot: 0, holder, fence, nowMs, leaseMs: L });
const release = (holder: string, fence: number, nowMs: number) =>
  store.release({ subAccount: 'acme', slot: 0, holder, fence, nowMs });
const item = async () =>
  (await aws().documentClient.send(new GetCommand({ TableName: tableName, Key: leaseKey('acme', 0) }))).Item;

describe('DynamoDbLeaseStore', () => {
  it('grants a free slot, refuses it to others with the holder in the refusal, and grants it again once expired', async () => {
    expect(await acquire('w-a', t0)).toEqual({ outcome: 'acquired', fence: 1, leaseExpiresAtMs: t0 + L });
    expect(await acquire('w-b', t0 + L)).toEqual({
      outcome: 'held',
      current: { slot: 0, holder: 'w-a', fence: 1, leaseExpiresAtMs: t0 + L },
    });
    expect(await acquire('w-b', t0 + L + 1)).toMatchObject({ outcome: 'acquired', fence: 2 });
    expect(await item()).toMatchObject({ holder: 'w-b', fence: 2, leaseExpiresAtMs: t0 + 2 * L + 1 });
  });

  it('lets a holder take back its own lease with a new fence, but not with a request older than the lease', async () => {
    await acquire('w-a', t0);
    expect(await acquire('w-a', t0 + 1_000)).toMatchObject({ outcome: 'acquired', fence: 2 });
    // A request sent earlier that lands now would move the expiry backwards: refused.
    expect(await acquire('w-a', t0 + 500)).toMatchObject({ outcome: 'held', current: { fence: 2 } });
    expect(await item()).toMatchObject({ fence: 2, leaseExpiresAtMs: t0 + 1_000 + L });
  });

  it('renews only for the same holder and fence, and never moves the expiry backwards', async () => {
    await acquire('w-a', t0);
    expect(await renew('w-a', 1, t0 + 5_000)).toEqual({
      outcome: 'renewed',
      leaseExpiresAtMs: t0 + 5_000 + L,
    });
    // A late renewal (sent before the one above) reports the later expiry and leaves it alone.
    expect(await renew('w-a', 1, t0 + 4_000)).toEqual({
      outcome: 'renewed',
      leaseExpiresAtMs: t0 + 5_000 + L,
    });
    expect((await item())?.leaseExpiresAtMs).toBe(t0 + 5_000 + L);
    expect(await renew('w-a', 0, t0 + 6_000)).toMatchObject({
      outcome: 'lost',
      current: { holder: 'w-a', fence: 1 },
    });

    await acquire('w-b', t0 + 5_000 + L + 1);
    expect(await renew('w-a', 1, t0 + 30_000)).toEqual({
      outcome: 'lost',
      current: { slot: 0, holder: 'w-b', fence: 2, leaseExpiresAtMs: t0 + 5_000 + 2 * L + 1 },
    });
  });

  it('releases only its own tenure, keeps the fence, and frees the slot at once even for a clock behind', async () => {
    await acquire('w-a', t0);
    expect(await release('w-a', 2, t0 + 1_000)).toBe(false);
    expect(await release('w-b', 1, t0 + 1_000)).toBe(false);
    expect(await release('w-a', 1, t0 + 1_000)).toBe(true);
    const released = await item();
    expect(released).toMatchObject({
      fence: 1,
      leaseExpiresAtMs: 0,
      releasedBy: 'w-a',
      releasedAtMs: t0 + 1_000,
    });
    expect(released?.holder).toBeUndefined();
    expect(await renew('w-a', 1, t0 + 2_000)).toMatchObject({ outcome: 'lost' });
    // A taker whose clock is a minute behind gets it immediately, with the next fence.
    expect(await acquire('w-b', t0 - 60_000)).toMatchObject({ outcome: 'acquired', fence: 2 });
  });

  it('lists a sub-account’s slots in order, and nothing else', async () => {
    await acquire('w-a', t0, 2);
    await acquire('w-b', t0, 0);
    await store.acquire({ subAccount: 'other', slot: 1, holder: 'w-c', nowMs: t0, leaseMs: L });
    await store.putPresence({ workerId: 'w-a', aliveUntilMs: t0 });
    expect(await store.listSlots('acme')).toEqual([
      { slot: 0, holder: 'w-b', fence: 1, leaseExpiresAtMs: t0 + L },
      { slot: 2, holder: 'w-a', fence: 1, leaseExpiresAtMs: t0 + L },
    ]);
    expect(await store.listSlots('nobody')).toEqual([]);
  });

  it('writes, lists (with draining) and removes worker presence; prunes only what expired', async () => {
    await store.putPresence({ workerId: 'w-a', aliveUntilMs: t0 + 12_000 });
    await store.putPresence({ workerId: 'w-b', aliveUntilMs: t0 });
    await store.putPresence({ workerId: 'w-b', aliveUntilMs: t0 + 5_000, draining: true });
    expect((await store.listPresence()).sort((a, b) => a.workerId.localeCompare(b.workerId))).toEqual([
      { workerId: 'w-a', aliveUntilMs: t0 + 12_000 },
      { workerId: 'w-b', aliveUntilMs: t0 + 5_000, draining: true },
    ]);
    await store.removePresence('w-a', { expiredBeforeMs: t0 + 10_000 });
    await store.removePresence('w-b', { expiredBeforeMs: t0 + 10_000 });
    expect(await store.listPresence()).toEqual([{ workerId: 'w-a', aliveUntilMs: t0 + 12_000 }]);
    await store.removePresence('w-a');
    await store.removePresence('w-never');
    expect(await store.listPresence()).toEqual([]);
    const raw = await aws().documentClient.send(
      new GetCommand({ TableName: tableName, Key: workerPresenceKey('w-a') }),
    );
    expect(raw.Item).toBeUndefined();
  });

  it('passes the abort signal to the SDK', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(store.listSlots('acme', { signal: controller.signal })).rejects.toThrow(/abort/i);
  });
});
