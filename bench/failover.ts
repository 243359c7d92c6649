/**
 * Failover: two workers hold 2 of the sub-account's 4 bind slots each; one is killed with SIGKILL, and the
 * clock runs until the survivor has bound all 4 (the simulator sees 4 binds open and the survivor reports
 * 4 bound), as in test/e2e/workerKilled.test.ts but with nothing in flight and the time split up:
 * - binds closed: the OS closes a killed process's sockets, so the SMSC frees the dead binds at once;
 * - lease expiry: the victim's slots are not free until (its last renewal) + lease period — read from the
 *   lease items just before the kill;
 * - slots bound: the survivor's heartbeat before the expiry saw the lease about to lapse and runs again at
 *   the lapse, takes the slot, then binds.
 * The leases (worker/leases/LeaseManager.ts) promise a takeover within one lease period after the last
 * renewal, so from the kill somewhere between lease − heartbeat and lease, plus a bind.
 * A round after the first respawns a worker and waits for the spread to settle at 2/2 before the next kill.
 */
import { pollUntil, startFleet } from '../test/e2e/fleetHarness.js';

export interface FailoverRound {
  /** SIGKILL → the SMSC saw the victim's binds closed, ms. */
  bindsClosedMs: number;
  /** SIGKILL → the last of the victim's leases expires (by its expiry time in the table), ms. */
  leaseExpiryMs: number;
  /** SIGKILL → the survivor bound on every slot, ms. */
  takeoverMs: number;
}

export interface FailoverResult {
  leasePeriodMs: number;
  heartbeatMs: number;
  rounds: FailoverRound[];
}

export async function failover(options: { leasePeriodMs: number; rounds: number }): Promise<FailoverResult> {
  const fleet = await startFleet({
    name: 'bench-failover',
    workers: 2,
    leasePeriodMs: options.leasePeriodMs,
  });
  const rounds: FailoverRound[] = [];
  try {
    for (let round = 0; round < options.rounds; round += 1) {
      if (round > 0) fleet.spawnWorker();
      await fleet.waitForSpread([2, 2], 4 * options.leasePeriodMs + 30_000);
      const running = fleet.workers.filter((worker) => worker.running);
      const [victim, survivor] = running;
      if (victim === undefined || survivor === undefined || running.length !== 2)
        throw new Error(`two running workers expected, found ${running.length}`);
      const victimSlots = (await fleet.leases()).filter((lease) => lease.holder === victim.id);
      const expiresAt = Math.max(...victimSlots.map((lease) => lease.expiresAtMs));

      const killedAt = Date.now();
      victim.signal('SIGKILL');
      await victim.exited;
      await pollUntil('the victim’s binds closed at the simulator', () => fleet.stats().binds.current === 2, {
        timeoutMs: 10_000,
        intervalMs: 10,
      });
      const bindsClosedMs = Date.now() - killedAt;
      await pollUntil(
        'the survivor bound on all 4 slots',
        async () => fleet.stats().binds.current === 4 && (await survivor.boundBinds()) === 4,
        { timeoutMs: 2 * options.leasePeriodMs + 30_000, intervalMs: 50 },
      );
      rounds.push({ bindsClosedMs, leaseExpiryMs: expiresAt - killedAt, takeoverMs: Date.now() - killedAt });
    }
    return { leasePeriodMs: fleet.leasePeriodMs, heartbeatMs: fleet.heartbeatMs, rounds };
  } catch (error) {
    console.error(fleet.logTails(20));
    throw error;
  } finally {
    await fleet.stop();
  }
}
