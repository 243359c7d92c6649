/**
 * The API's port to the sub-accounts' suppression lists (opt-outs, issue 15): the send routes read it, the
 * /suppressions routes manage it. What an item holds is core/suppressions.ts; the adapter only reads and
 * writes.
 */
import type { Suppression } from '../../core/suppressions.js';

export interface SuppressionRef {
  subAccount: string;
  /** E.164. */
  phoneNumber: string;
}

export interface SuppressionStore {
  get(ref: SuppressionRef): Promise<Suppression | undefined>;
  /** The suppressions among `refs` (at most 100 distinct): the batch route's one read for all its items. */
  getMany(refs: readonly SuppressionRef[]): Promise<Suppression[]>;
  /** Puts the number on the list unless it is there; the first opt-out stands and is returned. */
  add(suppression: Suppression): Promise<{ created: boolean; suppression: Suppression }>;
  /** Takes the number off the list: the suppression removed, or undefined when there was none. */
  remove(ref: SuppressionRef): Promise<Suppression | undefined>;
}
