import type { Suppression } from '../../../core/suppressions.js';
import type { SuppressionList } from '../../../worker/guardrails/SuppressionList.js';

/** A fake of the worker's suppression-list port that counts the reads a real one would make. */
export class InMemorySuppressionList implements SuppressionList {
  readonly entries = new Map<string, Suppression>();
  finds = 0;

  async find(subAccount: string, phoneNumber: string): Promise<Suppression | undefined> {
    this.finds += 1;
    return this.entries.get(`${subAccount}#${phoneNumber}`);
  }

  async add(suppression: Suppression): Promise<'added' | 'exists'> {
    const key = `${suppression.subAccount}#${suppression.phoneNumber}`;
    if (this.entries.has(key)) return 'exists';
    this.entries.set(key, suppression);
    return 'added';
  }
}
