/**
 * The sending timings that follow from the fleet's `visibilityTimeoutSeconds` (V), so one setting keeps them
 * consistent: a record's claim lasts as long as the message stays hidden (another worker must not find it
 * claimed once SQS shows it again); no retry starts after two thirds of V (at most 40 s), so a slow attempt
 * still records before its claim runs out; the visibility heartbeat runs at least three times per V (at
 * most every 15 s), so a message waiting for rate tokens never reappears while it is being sent.
 */
export interface VisibilityTimings {
  visibilityTimeoutSeconds: number;
  heartbeatIntervalSeconds: number;
  claimTtlMs: number;
  maxProcessingMs: number;
}

export function visibilityTimings(visibilityTimeoutSeconds: number): VisibilityTimings {
  return {
    visibilityTimeoutSeconds,
    heartbeatIntervalSeconds: Math.max(1, Math.min(15, Math.floor(visibilityTimeoutSeconds / 3))),
    claimTtlMs: visibilityTimeoutSeconds * 1_000,
    maxProcessingMs: Math.min(40_000, Math.floor((visibilityTimeoutSeconds * 1_000 * 2) / 3)),
  };
}
