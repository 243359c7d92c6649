/**
 * The send routes' port to the fleet-wide velocity counters (issue 15): one transaction that counts a
 * message once, or says which limit refuses it (core/velocityLimits.ts decides; the adapter only sends).
 */
import type { VelocityCount, VelocityDecision } from '../../core/velocityLimits.js';

export interface VelocityCounter {
  /** Throws StorageUnavailableError when DynamoDB failed. */
  count(count: VelocityCount, messageId: string): Promise<VelocityDecision>;
}
