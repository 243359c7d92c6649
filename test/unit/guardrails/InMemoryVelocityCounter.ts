import { type VelocityCount, type VelocityDecision, velocityDecision } from '../../../core/velocityLimits.js';
import type { VelocityCounter } from '../../../worker/guardrails/VelocityCounter.js';

/**
 * A fake of the velocity table behind the worker's port: markers and counts by key, the transaction applied
 * all or nothing with DynamoDB's cancellation codes, the decision left to core as the adapter leaves it.
 */
export class InMemoryVelocityCounter implements VelocityCounter {
  readonly items = new Map<string, number>();
  calls = 0;

  async count(count: VelocityCount): Promise<VelocityDecision> {
    this.calls += 1;
    const key = ({ pk, sk }: { pk: string; sk: string }) => `${pk}|${sk}`;
    const codes = [
      this.items.has(key(count.marker)) ? 'ConditionalCheckFailed' : 'None',
      ...count.counters.map((counter) =>
        (this.items.get(key(counter.key)) ?? 0) < counter.max ? 'None' : 'ConditionalCheckFailed',
      ),
    ];
    if (codes.some((code) => code !== 'None')) return velocityDecision(count, codes);
    this.items.set(key(count.marker), 1);
    for (const counter of count.counters) {
      this.items.set(key(counter.key), (this.items.get(key(counter.key)) ?? 0) + 1);
    }
    return velocityDecision(count, undefined);
  }
}
