/**
 * The worker's port to a sub-account's suppression list (opt-outs, issue 15): one read before a send, one
 * conditional write for an inbound stop keyword. The adapter only reads and writes; what a stop keyword is
 * and what the item holds is core/suppressions.ts.
 */
import type { Suppression } from '../../core/suppressions.js';

export interface SuppressionList {
  /** The number's suppression on the sub-account's list, or undefined when it may be sent to. */
  find(subAccount: string, phoneNumber: string, signal?: AbortSignal): Promise<Suppression | undefined>;
  /**
   * Puts the number on the list unless it is there already (then the first opt-out stands and nothing is
   * published again): `added` or `exists`.
   */
  add(suppression: Suppression): Promise<'added' | 'exists'>;
}
