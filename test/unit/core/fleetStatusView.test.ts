import { describe, expect, it } from 'vitest';
import type { BindReport } from '../../../core/bindReport.js';
import {
  buildFleetStatusView,
  type FleetStatusInput,
  type SubAccountSettings,
} from '../../../core/fleetStatusView.js';

const NOW = 1_800_000_000_000;
const demo: SubAccountSettings = { id: 'demo', bindCap: 4, submitsPerSecond: 50, window: 30 };

const slotItem = (slot: number, holder: string | undefined, fence: number, expiresInMs: number) => ({
  pk: 'LEASE#demo',
  sk: `SLOT#${slot}`,
  ...(holder === undefined ? { releasedBy: 'worker-9' } : { holder }),
  fence,
  leaseExpiresAtMs: NOW + expiresInMs,
});

const report = (slot: number, fence: number, extra: Partial<BindReport> = {}): BindReport => ({
  subAccount: 'demo',
  slot,
  fence,
  status: 'bound',
  bindMode: 'transceiver',
  inFlight: 3,
  window: 30,
  queued: 0,
  submitsPerSecond: 50,
  submitted: 120,
  accepted: 118,
  rejected: 2,
  throttled: 1,
  bindsOpened: 1,
  bindFailures: 0,
  submitRatePerSecond: 24.5,
  throttledPerSecond: 0,
  rateIntervalMs: 2_000,
  reportedAtMs: NOW - 400,
  ...extra,
});

const presence = (workerId: string, aliveForMs: number, binds?: BindReport[], draining?: boolean) => ({
  pk: 'WORKERS',
  sk: `WORKER#${workerId}`,
  workerId,
  aliveUntilMs: NOW + aliveForMs,
  ...(binds === undefined ? {} : { binds }),
  ...(draining === undefined ? {} : { draining }),
});

const input = (extra: Partial<FleetStatusInput> = {}): FleetStatusInput => ({
  nowMs: NOW,
  subAccounts: [demo],
  leaseItems: [],
  presenceItems: [],
  messageItems: [],
  queues: {},
  ...extra,
});

describe('buildFleetStatusView: bind slots', () => {
  it('shows every configured slot, free when nobody ever took it', () => {
    const view = buildFleetStatusView(input());
    expect(view.subAccounts[0]?.slots.map((slot) => [slot.slot, slot.state, slot.holder])).toEqual([
      [0, 'free', undefined],
      [1, 'free', undefined],
      [2, 'free', undefined],
      [3, 'free', undefined],
    ]);
  });

  it('gives a held slot its holder and the bind state and rate the holder reported for that tenure', () => {
    const view = buildFleetStatusView(
      input({
        leaseItems: [slotItem(0, 'worker-1', 7, 4_000)],
        presenceItems: [presence('worker-1', 3_000, [report(0, 7)])],
      }),
    );
    const slot = view.subAccounts[0]?.slots[0];
    expect(slot).toMatchObject({
      state: 'bound',
      holder: 'worker-1',
      holderAlive: true,
      fence: 7,
      leaseExpiresInMs: 4_000,
    });
    expect(slot?.bind).toMatchObject({
      submitRatePerSecond: 24.5,
      submitsPerSecondLimit: 50,
      inFlight: 3,
      window: 30,
      submitted: 120,
      throttled: 1,
      reportedAgoMs: 400,
    });
  });

  it('shows each bind status the holder reports (connecting, binding, unbinding, closed)', () => {
    const statuses = ['connecting', 'binding', 'unbinding', 'closed'] as const;
    const view = buildFleetStatusView(
      input({
        leaseItems: statuses.map((_, slot) => slotItem(slot, 'worker-1', 1, 4_000)),
        presenceItems: [
          presence(
            'worker-1',
            3_000,
            statuses.map((status, slot) => report(slot, 1, { status })),
          ),
        ],
      }),
    );
    expect(view.subAccounts[0]?.slots.map((slot) => slot.state)).toEqual([...statuses]);
  });

  it('does not take a report of an earlier tenure (smaller fence) for the current bind', () => {
    const view = buildFleetStatusView(
      input({
        leaseItems: [slotItem(1, 'worker-2', 5, 4_000)],
        presenceItems: [presence('worker-2', 3_000, [report(1, 4)])],
      }),
    );
    expect(view.subAccounts[0]?.slots[1]).toMatchObject({
      state: 'leased',
      holder: 'worker-2',
      bind: undefined,
    });
  });

  it('marks a lease past its expiry as expired, with the silent holder still named', () => {
    const view = buildFleetStatusView(
      input({
        leaseItems: [slotItem(2, 'worker-dead', 3, -1_500)],
        presenceItems: [presence('worker-dead', -4_500, [report(2, 3)])],
      }),
    );
    expect(view.subAccounts[0]?.slots[2]).toMatchObject({
      state: 'expired',
      holder: 'worker-dead',
      holderAlive: false,
      leaseExpiresInMs: -1_500,
      bind: undefined,
    });
  });

  it('shows a released slot as free, with who released it', () => {
    const view = buildFleetStatusView(input({ leaseItems: [slotItem(3, undefined, 9, -NOW)] }));
    expect(view.subAccounts[0]?.slots[3]).toMatchObject({
      state: 'free',
      holder: undefined,
      releasedBy: 'worker-9',
      fence: 9,
      leaseExpiresInMs: undefined,
    });
  });

  it("ignores another sub-account's slots and slots beyond the cap", () => {
    const view = buildFleetStatusView(
      input({
        leaseItems: [
          { ...slotItem(0, 'worker-1', 1, 4_000), pk: 'LEASE#other' },
          slotItem(4, 'worker-1', 1, 4_000),
        ],
      }),
    );
    expect(view.subAccounts[0]?.slots.map((slot) => slot.state)).toEqual(['free', 'free', 'free', 'free']);
  });

  it('adds up bound binds, their rates and the capacity they give per sub-account', () => {
    const view = buildFleetStatusView(
      input({
        leaseItems: [
          slotItem(0, 'worker-1', 1, 4_000),
          slotItem(1, 'worker-1', 1, 4_000),
          slotItem(2, 'worker-2', 1, 4_000),
        ],
        presenceItems: [
          presence('worker-1', 3_000, [
            report(0, 1, { submitRatePerSecond: 49.9 }),
            report(1, 1, { status: 'connecting', submitRatePerSecond: 0 }),
          ]),
          presence('worker-2', 3_000, [report(2, 1, { submitRatePerSecond: 10.05 })]),
        ],
      }),
    );
    expect(view.subAccounts[0]).toMatchObject({
      boundBinds: 2,
      submitRatePerSecond: 60,
      capacityPerSecond: 100,
    });
  });
});

describe('buildFleetStatusView: queues and workers', () => {
  it('reads queue and DLQ depths from the SQS attributes, and says unknown when a queue was not read', () => {
    const view = buildFleetStatusView(
      input({
        subAccounts: [demo, { ...demo, id: 'other' }],
        queues: {
          demo: {
            queue: {
              ApproximateNumberOfMessages: '12',
              ApproximateNumberOfMessagesNotVisible: '30',
              ApproximateNumberOfMessagesDelayed: '1',
            },
            deadLetterQueue: { ApproximateNumberOfMessages: '2' },
          },
        },
      }),
    );
    expect(view.subAccounts[0]?.queue).toEqual({ visible: 12, inFlight: 30, delayed: 1 });
    expect(view.subAccounts[0]?.deadLetterQueue).toEqual({ visible: 2, inFlight: 0, delayed: 0 });
    expect(view.subAccounts[1]?.queue).toBeUndefined();
    expect(view.subAccounts[1]?.deadLetterQueue).toBeUndefined();
  });

  it('lists workers by id, live, draining or silent, with the slots they hold and the binds they have bound', () => {
    const view = buildFleetStatusView(
      input({
        leaseItems: [slotItem(0, 'worker-2', 1, 4_000), slotItem(1, 'worker-2', 1, 4_000)],
        presenceItems: [
          presence('worker-2', 3_000, [report(0, 1), report(1, 1, { status: 'binding' })]),
          presence('worker-1', -2_000),
          presence('worker-3', 9_000, [], true),
          { pk: 'WORKERS', sk: 'NOT-A-WORKER', aliveUntilMs: NOW },
        ],
      }),
    );
    expect(view.workers).toEqual([
      {
        workerId: 'worker-1',
        alive: false,
        draining: false,
        aliveForMs: -2_000,
        slotsHeld: 0,
        bindsBound: 0,
      },
      { workerId: 'worker-2', alive: true, draining: false, aliveForMs: 3_000, slotsHeld: 2, bindsBound: 1 },
      { workerId: 'worker-3', alive: true, draining: true, aliveForMs: 9_000, slotsHeld: 0, bindsBound: 0 },
    ]);
  });

  it("treats an older worker's presence without binds as leased slots", () => {
    const view = buildFleetStatusView(
      input({
        leaseItems: [slotItem(0, 'worker-1', 1, 4_000)],
        presenceItems: [presence('worker-1', 3_000)],
      }),
    );
    expect(view.subAccounts[0]?.slots[0]?.state).toBe('leased');
  });

  it("gives each bind the chart's data: accepted and 0x58 answers per second, aligned, with the limit", () => {
    const accepted = Array.from({ length: 120 }, (_, i) => (i % 10 === 0 ? 0 : 50));
    const view = buildFleetStatusView(
      input({
        leaseItems: [slotItem(0, 'worker-1', 7, 4_000), slotItem(1, 'worker-1', 2, 4_000)],
        presenceItems: [
          presence('worker-1', 3_000, [
            report(0, 7, {
              perSecond: {
                endMs: NOW - 1_000,
                accepted,
                throttled: [
                  [3, 2],
                  [118, 1],
                ],
              },
            }),
            report(1, 2, { perSecond: { endMs: NOW - 1_000, accepted: [12, 30] } }),
          ]),
        ],
      }),
    );
    const [first, second] = view.subAccounts[0]?.slots ?? [];
    expect(first?.bind?.submitsPerSecondLimit).toBe(50);
    expect(first?.bind?.perSecond?.endMs).toBe(NOW - 1_000);
    expect(first?.bind?.perSecond?.accepted).toEqual(accepted);
    // The sparse 0x58 answers spread over the same seconds: two in the 4th second, one in the one before the newest.
    const throttled = first?.bind?.perSecond?.throttled ?? [];
    expect(throttled).toHaveLength(120);
    expect(throttled.slice(0, 5)).toEqual([0, 0, 0, 2, 0]);
    expect(throttled.slice(-2)).toEqual([1, 0]);
    expect(throttled.reduce((sum, count) => sum + count, 0)).toBe(3);
    // No throttled list means none: zeros of the same length, so the page never has to guess.
    expect(second?.bind?.perSecond).toEqual({ endMs: NOW - 1_000, accepted: [12, 30], throttled: [0, 0] });
  });

  it('leaves the chart empty for a report without counts or with counts it cannot read, and shows the slot anyway', () => {
    const broken = [
      undefined,
      { endMs: NOW, accepted: [] },
      { endMs: 'yesterday', accepted: [1] },
      { endMs: NOW, accepted: 'lots' },
    ];
    const view = buildFleetStatusView(
      input({
        leaseItems: broken.map((_, slot) => slotItem(slot, 'worker-1', 1, 4_000)),
        presenceItems: [
          presence(
            'worker-1',
            3_000,
            broken.map((perSecond, slot) =>
              report(
                slot,
                1,
                perSecond === undefined ? {} : ({ perSecond } as unknown as Partial<BindReport>),
              ),
            ),
          ),
        ],
      }),
    );
    expect(view.subAccounts[0]?.slots.map((slot) => [slot.state, slot.bind?.perSecond])).toEqual([
      ['bound', undefined],
      ['bound', undefined],
      ['bound', undefined],
      ['bound', undefined],
    ]);
  });

  it('reads a count that is not a count as zero, and keeps no more seconds than the chart spans', () => {
    const view = buildFleetStatusView(
      input({
        leaseItems: [slotItem(0, 'worker-1', 1, 4_000)],
        presenceItems: [
          presence('worker-1', 3_000, [
            report(0, 1, {
              perSecond: {
                endMs: NOW,
                accepted: [...Array.from({ length: 200 }, () => 5), -3, Number.NaN, '7', 50] as number[],
                // Second 10 fell off the front with the 84 dropped; 200 is the 116th kept; junk is skipped.
                throttled: [[10, 4], [200, 1], 'x', [-1, 2], [500, 2]] as unknown as [number, number][],
              },
            }),
          ]),
        ],
      }),
    );
    const counts = view.subAccounts[0]?.slots[0]?.bind?.perSecond;
    expect(counts?.accepted).toHaveLength(120);
    expect(counts?.accepted.slice(-4)).toEqual([0, 0, 0, 50]);
    expect(counts?.throttled.map((count, index) => [index, count]).filter(([, count]) => count)).toEqual([
      [116, 1],
    ]);
  });

  it('passes read problems through to the page', () => {
    expect(buildFleetStatusView(input({ problems: ['DLQ of demo: timed out'] })).problems).toEqual([
      'DLQ of demo: timed out',
    ]);
  });
});

describe('buildFleetStatusView: messages', () => {
  const record = (id: string, updatedAt: number, extra: Record<string, unknown> = {}) => ({
    messageId: id,
    subAccount: 'demo',
    to: '+6591234567',
    from: 'DEMO',
    status: 'accepted',
    createdAt: updatedAt - 1_000,
    updatedAt,
    ...extra,
  });

  it('shows the latest accepted first, up to the limit, and skips items that are not records', () => {
    const view = buildFleetStatusView(
      input({
        messageLimit: 2,
        messageItems: [
          // Accepted first, updated last: acceptance time orders the list, as the index does.
          record('m-old', NOW - 100, { status: 'delivered', createdAt: NOW - 9_000 }),
          record('m-new', NOW - 100, { createdAt: NOW - 1_000 }),
          record('m-mid', NOW - 2_000, { status: 'delivered', createdAt: NOW - 3_000 }),
          { messageId: 'not-a-record', updatedAt: NOW },
        ],
        messagesSinceMs: NOW - 50_000,
      }),
    );
    expect(view.messages.map((message) => message.messageId)).toEqual(['m-new', 'm-mid']);
    expect(view.messagesSinceMs).toBe(NOW - 50_000);
  });

  it('counts the listed messages by state, and only those (not every record)', () => {
    expect(buildFleetStatusView(input()).messageCounts).toEqual({});
    const view = buildFleetStatusView(
      input({
        messageLimit: 3,
        messageItems: [
          record('m-1', NOW - 100, { status: 'delivered' }),
          record('m-2', NOW - 200, { status: 'delivered' }),
          record('m-3', NOW - 300, { status: 'accepted' }),
          record('m-4', NOW - 400, { status: 'rejected' }),
          { messageId: 'm-5', status: 'bogus' },
        ],
      }),
    );
    expect(view.messageCounts).toEqual({ delivered: 2, accepted: 1 });
    expect(view.messagesCounted).toBe(3);
  });

  it("gives a delivered message its state changes in order and each part's SMSC id and receipt", () => {
    const created = NOW - 3_000;
    const view = buildFleetStatusView(
      input({
        messageItems: [
          record('m-1', NOW - 1_000, {
            status: 'delivered',
            createdAt: created,
            submittedAt: created + 80,
            finalAt: created + 1_200,
            totalParts: 2,
            parts: [
              {
                partNumber: 1,
                status: 'delivered',
                smscMessageId: 'abc1',
                receiptStatus: 'DELIVRD',
                receiptErrorCode: '000',
                receiptAt: created + 1_100,
                submitAttempts: 1,
              },
              {
                partNumber: 2,
                status: 'delivered',
                smscMessageId: 'abc2',
                receiptStatus: 'DELIVRD',
                receiptAt: created + 1_200,
              },
            ],
          }),
        ],
      }),
    );
    const message = view.messages[0];
    expect(message).toMatchObject({
      messageId: 'm-1',
      status: 'delivered',
      final: true,
      totalParts: 2,
      to: '+6591234567',
    });
    expect(message?.changes).toEqual([
      { state: 'accepted', atMs: created },
      { state: 'submitted', atMs: created + 80 },
      { state: 'delivered', atMs: created + 1_200 },
    ]);
    expect(
      message?.parts.map((part) => [
        part.partNumber,
        part.smscMessageId,
        part.receiptStatus,
        part.receiptErrorCode,
      ]),
    ).toEqual([
      [1, 'abc1', 'DELIVRD', '000'],
      [2, 'abc2', 'DELIVRD', undefined],
    ]);
  });

  it('shows a message still submitting from its last update, and a refused one with its error code', () => {
    const view = buildFleetStatusView(
      input({
        messageItems: [
          record('m-sub', NOW - 50, { status: 'submitting' }),
          record('m-rej', NOW - 60, {
            status: 'rejected',
            finalAt: NOW - 60,
            errorCode: 'ESME_RINVDSTADR',
            inDoubt: true,
          }),
        ],
      }),
    );
    expect(view.messages[0]?.changes.map((change) => change.state)).toEqual(['accepted', 'submitting']);
    expect(view.messages[1]).toMatchObject({ final: true, errorCode: 'ESME_RINVDSTADR', inDoubt: true });
    expect(view.messages[1]?.changes.map((change) => change.state)).toEqual(['accepted', 'rejected']);
  });
});
