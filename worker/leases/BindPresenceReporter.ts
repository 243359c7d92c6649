/**
 * What a worker's presence item says about its binds (the `binds` attribute of `WORKERS` / `WORKER#<id>`,
 * docs/leases.md): per held slot the bind's state, its window, its configured rate, cumulative counters
 * and the submit rate since the previous heartbeat. Written with the presence each heartbeat, so the
 * deployed fleet keeps it current too and an operator can read it with one Query; the status page (GET
 * /status, lambdas/getStatusPage.ts) shows it.
 *
 * `perSecond` (accepted submits and 0x58 answers in each of the last whole seconds, up to
 * bindSecondCountsMaxSeconds) comes from a BindSecondCounter per bind lifetime, fed by the sending path.
 *
 * The rate is measured here, between two consecutive reports of the same tenure (subAccount, slot,
 * fence): a reader then needs no history of its own, and a bind that restarts under a new fence (new
 * counters) never shows a negative or inflated rate.
 */
import type { BindReport as CoreBindReport } from '../../core/bindReport.js';
import type { BindStatus, SmppBind } from '../smpp/SmppBind.js';
import type { BindSecondCounter } from './BindSecondCounter.js';

export type BindSnapshot = ReturnType<SmppBind['snapshot']>;

/** One held slot's bind as the presence item stores it (the shape is core's: the status page reads it). */
export type BindReport = CoreBindReport<BindStatus>;

export interface HeldBind {
  readonly subAccount: string;
  readonly slot: number;
  readonly fence: number;
  readonly snapshot: BindSnapshot;
  /** Its accepted submits and 0x58 answers per second (the status page's chart). */
  readonly perSecond?: Pick<BindSecondCounter, 'counts'>;
}

interface Sample {
  readonly submitted: number;
  readonly throttled: number;
  readonly atMs: number;
}

/** One per worker; `report()` once per presence write. */
export class BindPresenceReporter {
  /** The previous report's counters per tenure; tenures that are gone are dropped on the next report. */
  #previous = new Map<string, Sample>();

  report(binds: readonly HeldBind[], nowMs: number): BindReport[] {
    const next = new Map<string, Sample>();
    const reports = binds.map(({ subAccount, slot, fence, snapshot, perSecond: counter }) => {
      const key = `${subAccount}#${slot}#${fence}`;
      const previous = this.#previous.get(key);
      next.set(key, { submitted: snapshot.submitted, throttled: snapshot.throttled, atMs: nowMs });
      const report: BindReport = {
        subAccount,
        slot,
        fence,
        status: snapshot.status,
        bindMode: snapshot.bindMode,
        inFlight: snapshot.inFlight,
        window: snapshot.window,
        queued: snapshot.queued,
        submitsPerSecond: snapshot.submitsPerSecond,
        submitted: snapshot.submitted,
        accepted: snapshot.accepted,
        rejected: snapshot.rejected,
        throttled: snapshot.throttled,
        bindsOpened: snapshot.binds,
        bindFailures: snapshot.bindFailures,
        reportedAtMs: nowMs,
        ...secondCounts(counter, nowMs),
      };
      const intervalMs = previous === undefined ? 0 : nowMs - previous.atMs;
      if (previous === undefined || intervalMs <= 0) return report;
      return {
        ...report,
        submitRatePerSecond: perSecond(snapshot.submitted - previous.submitted, intervalMs),
        throttledPerSecond: perSecond(snapshot.throttled - previous.throttled, intervalMs),
        rateIntervalMs: intervalMs,
      };
    });
    this.#previous = next;
    return reports;
  }
}

function secondCounts(
  counter: HeldBind['perSecond'],
  nowMs: number,
): { perSecond?: NonNullable<BindReport['perSecond']> } {
  const counts = counter?.counts(nowMs);
  return counts === undefined ? {} : { perSecond: counts };
}

/** One decimal place; counters only grow within a tenure, but a negative delta is never reported. */
function perSecond(delta: number, intervalMs: number): number {
  return Math.round((Math.max(0, delta) * 10_000) / intervalMs) / 10;
}
