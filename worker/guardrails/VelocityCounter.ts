/**
 * The worker's port to the fleet-wide velocity counters (issue 15): one transaction that counts a message
 * once against its sub-account's limits, or says which limit refuses it. What is counted and what the
 * answer means is core/velocityLimits.ts; the adapter only sends it.
 */
import type { VelocityCount, VelocityDecision } from '../../core/velocityLimits.js';

export interface VelocityCounter {
  count(count: VelocityCount, messageId: string, signal?: AbortSignal): Promise<VelocityDecision>;
}
