/**
 * An in-memory LeaseStore with the same conditions as DynamoDbLeaseStore (which the integration tests check
 * against the emulator), and hooks to make a call hang, fail or answer late.
 */

import type {
  AcquireLeaseRequest,
  AcquireLeaseResult,
  LeaseCallOptions,
  LeaseStore,
  LeaseStoreOperation,
  ReleaseLeaseRequest,
  RemovePresenceOptions,
  RenewLeaseRequest,
  RenewLeaseResult,
  WorkerPresence,
} from '../../../worker/leases/LeaseStore.js';
import type { LeaseSlot } from '../../../worker/leases/leaseDecisions.js';

/**
 * What to do with a call: `undefined` runs it now; 'hang' never answers (ignoring the abort signal, like a
 * request stuck in a dead connection); an Error rejects with it; `landLater` is handed the whole request
 * (the write happens when it runs it); `answerLater` applies the write now and is handed the answer.
 */
export type Interception =
  | undefined
  | 'hang'
  | Error
  | { landLater: (run: () => void) => void }
  | { answerLater: (deliver: () => void) => void };

export interface FakeCall {
  readonly operation: LeaseStoreOperation;
  readonly args: unknown;
}

export class FakeLeaseStore implements LeaseStore {
  readonly slots = new Map<string, Map<number, LeaseSlot>>();
  readonly presence = new Map<string, number>();
  /** Workers whose presence says `draining`. */
  readonly draining = new Set<string>();
  readonly calls: FakeCall[] = [];
  intercept: (operation: LeaseStoreOperation, args: unknown) => Interception = () => undefined;

  slot(subAccount: string, slot: number): LeaseSlot | undefined {
    return this.slots.get(subAccount)?.get(slot);
  }

  setSlot(subAccount: string, item: LeaseSlot): void {
    let items = this.slots.get(subAccount);
    if (items === undefined) {
      items = new Map();
      this.slots.set(subAccount, items);
    }
    items.set(item.slot, item);
  }

  callsOf(operation: LeaseStoreOperation): FakeCall[] {
    return this.calls.filter((call) => call.operation === operation);
  }

  acquire(request: AcquireLeaseRequest, options?: LeaseCallOptions): Promise<AcquireLeaseResult> {
    return this.#run('acquire', request, options, () => {
      const current = this.slot(request.subAccount, request.slot);
      const expiresAt = request.nowMs + request.leaseMs;
      const allowed =
        current === undefined ||
        current.leaseExpiresAtMs < request.nowMs ||
        (current.holder === request.holder && current.leaseExpiresAtMs <= expiresAt);
      if (!allowed) return { outcome: 'held', current };
      const fence = (current?.fence ?? 0) + 1;
      this.setSlot(request.subAccount, {
        slot: request.slot,
        holder: request.holder,
        fence,
        leaseExpiresAtMs: expiresAt,
      });
      return { outcome: 'acquired', fence, leaseExpiresAtMs: expiresAt };
    });
  }

  renew(request: RenewLeaseRequest, options?: LeaseCallOptions): Promise<RenewLeaseResult> {
    return this.#run('renew', request, options, () => {
      const current = this.slot(request.subAccount, request.slot);
      const expiresAt = request.nowMs + request.leaseMs;
      if (current?.holder !== request.holder || current.fence !== request.fence)
        return { outcome: 'lost', current };
      if (current.leaseExpiresAtMs > expiresAt)
        return { outcome: 'renewed', leaseExpiresAtMs: current.leaseExpiresAtMs };
      this.setSlot(request.subAccount, { ...current, leaseExpiresAtMs: expiresAt });
      return { outcome: 'renewed', leaseExpiresAtMs: expiresAt };
    });
  }

  release(request: ReleaseLeaseRequest, options?: LeaseCallOptions): Promise<boolean> {
    return this.#run('release', request, options, () => {
      const current = this.slot(request.subAccount, request.slot);
      if (current?.holder !== request.holder || current.fence !== request.fence) return false;
      this.setSlot(request.subAccount, { ...current, holder: undefined, leaseExpiresAtMs: 0 });
      return true;
    });
  }

  listSlots(subAccount: string, options?: LeaseCallOptions): Promise<LeaseSlot[]> {
    return this.#run('listSlots', { subAccount }, options, () =>
      [...(this.slots.get(subAccount)?.values() ?? [])].sort((a, b) => a.slot - b.slot),
    );
  }

  putPresence(presence: WorkerPresence, options?: LeaseCallOptions): Promise<void> {
    return this.#run('putPresence', presence, options, () => {
      this.presence.set(presence.workerId, presence.aliveUntilMs);
      if (presence.draining === true) this.draining.add(presence.workerId);
      else this.draining.delete(presence.workerId);
    });
  }

  listPresence(options?: LeaseCallOptions): Promise<WorkerPresence[]> {
    return this.#run('listPresence', {}, options, () =>
      [...this.presence].map(([workerId, aliveUntilMs]) => ({
        workerId,
        aliveUntilMs,
        ...(this.draining.has(workerId) ? { draining: true } : {}),
      })),
    );
  }

  removePresence(workerId: string, options?: RemovePresenceOptions): Promise<void> {
    return this.#run(
      'removePresence',
      { workerId, expiredBeforeMs: options?.expiredBeforeMs },
      options,
      () => {
        const aliveUntil = this.presence.get(workerId);
        if (
          options?.expiredBeforeMs !== undefined &&
          aliveUntil !== undefined &&
          aliveUntil >= options.expiredBeforeMs
        )
          return;
        this.presence.delete(workerId);
        this.draining.delete(workerId);
      },
    );
  }

  #run<T>(
    operation: LeaseStoreOperation,
    args: unknown,
    options: LeaseCallOptions | undefined,
    apply: () => T,
  ): Promise<T> {
    this.calls.push({ operation, args });
    const interception = this.intercept(operation, args);
    if (interception === 'hang') return new Promise<T>(() => {});
    if (interception instanceof Error) return Promise.reject(interception);
    return new Promise<T>((resolve, reject) => {
      if (options?.signal?.aborted) {
        reject(options.signal.reason);
        return;
      }
      if (interception === undefined) resolve(apply());
      else if ('landLater' in interception) interception.landLater(() => resolve(apply()));
      else {
        const answer = apply();
        interception.answerLater(() => resolve(answer));
      }
    });
  }
}
