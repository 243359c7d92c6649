/**
 * The port LeaseManager talks to: bind-slot leases and worker presence, one conditional write or one read
 * per call. DynamoDbLeaseStore is the adapter; unit tests use a fake of this interface.
 *
 * Every method takes an AbortSignal: the manager aborts a call that outlives its timeout (shorter than a
 * heartbeat). An aborted write may still have happened; callers treat its outcome as unknown, and the
 * conditions below make a late-landing request harmless.
 */
import type { BindReport } from './BindPresenceReporter.js';
import type { LeaseSlot } from './leaseDecisions.js';

export interface LeaseCallOptions {
  readonly signal?: AbortSignal;
}

export interface AcquireLeaseRequest {
  readonly subAccount: string;
  readonly slot: number;
  readonly holder: string;
  /** The caller's clock (epoch ms) when it sent the request; the lease runs to nowMs + leaseMs. */
  readonly nowMs: number;
  readonly leaseMs: number;
}

export type AcquireLeaseResult =
  | { readonly outcome: 'acquired'; readonly fence: number; readonly leaseExpiresAtMs: number }
  /** Someone else validly holds it; `current` is the item the refusal came with (no second read). */
  | { readonly outcome: 'held'; readonly current: LeaseSlot | undefined };

export interface RenewLeaseRequest extends AcquireLeaseRequest {
  /** The fence the holder got when it acquired: a renewal never outlives a takeover. */
  readonly fence: number;
}

export type RenewLeaseResult =
  /** The lease runs at least to the requested expiry (a later renewal may already have moved it further). */
  | { readonly outcome: 'renewed'; readonly leaseExpiresAtMs: number }
  /** Not ours any more: released, or taken over (a larger fence). */
  | { readonly outcome: 'lost'; readonly current: LeaseSlot | undefined };

export interface ReleaseLeaseRequest {
  readonly subAccount: string;
  readonly slot: number;
  readonly holder: string;
  readonly fence: number;
  readonly nowMs: number;
}

export interface WorkerPresence {
  readonly workerId: string;
  /** Epoch ms, by the worker's clock; readers count it live while their clock has not passed this. */
  readonly aliveUntilMs: number;
  /**
   * The worker is stopping (SIGTERM): its binds are closing and its slots come free soon. Others look at the
   * slots more often until it is gone, so they bind the freed slots at once instead of at their next heartbeat.
   */
  readonly draining?: boolean;
  /**
   * What the worker's binds are doing (BindPresenceReporter.ts), for status pages and operators. Written
   * with the presence; never read by lease decisions. listPresence does not return it.
   */
  readonly binds?: readonly BindReport[];
}

export interface RemovePresenceOptions extends LeaseCallOptions {
  /** Remove only if the item says it expired before this (pruning the presence of a dead worker). */
  readonly expiredBeforeMs?: number;
}

export interface LeaseStore {
  /**
   * Takes the slot if it is free, expired, or already this holder's (and the request is not older than the
   * lease it would replace); raises the fence by one either way.
   */
  acquire(request: AcquireLeaseRequest, options?: LeaseCallOptions): Promise<AcquireLeaseResult>;
  /** Extends the lease if the holder and fence still match; never moves an expiry backwards. */
  renew(request: RenewLeaseRequest, options?: LeaseCallOptions): Promise<RenewLeaseResult>;
  /**
   * Frees the slot at once (expiry in the past, holder removed) if the holder and fence still match; the item
   * and its fence counter stay. Returns false when the lease was not (any more) ours.
   */
  release(request: ReleaseLeaseRequest, options?: LeaseCallOptions): Promise<boolean>;
  /** Every slot item of a sub-account, by slot number (one read). */
  listSlots(subAccount: string, options?: LeaseCallOptions): Promise<LeaseSlot[]>;
  putPresence(presence: WorkerPresence, options?: LeaseCallOptions): Promise<void>;
  /** Every worker's presence item, live or not (one read). */
  listPresence(options?: LeaseCallOptions): Promise<WorkerPresence[]>;
  removePresence(workerId: string, options?: RemovePresenceOptions): Promise<void>;
}

export const leaseStoreOperations = [
  'acquire',
  'renew',
  'release',
  'listSlots',
  'putPresence',
  'listPresence',
  'removePresence',
] as const;
export type LeaseStoreOperation = (typeof leaseStoreOperations)[number];
