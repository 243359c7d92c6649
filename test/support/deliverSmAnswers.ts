/**
 * What the tests require of the worker's answers to the SMSC's deliver_sm (receipts and MO), from the
 * simulator's counters.
 *
 * The outcome is what counts: every deliver_sm answered with status 0 in the end, so 8x8 stops redelivering.
 * An error answer on the way is the worker doing its job — it answers 0x64 when it could not record the
 * receipt in time (the store slow or unreachable), and 8x8 redelivers — so those are counted and printed,
 * never failed on: on a loaded machine the emulator falls behind now and then (CI saw one in ~250). What
 * bounds them is the redelivery: each one costs a redelivery, and the wait for `outstanding === 0` fails if
 * the worker never gets to an OK answer.
 */
import type { DeliverSmStats } from '../../local/smsc-simulator/stats.js';

/** The rules that broke (empty: every deliver_sm answered OK in the end); logs the error answers seen. */
export function unansweredDeliverSm(kind: 'receipts' | 'MO', stats: DeliverSmStats | undefined): string[] {
  if (stats === undefined) return [`no ${kind} statistics: the simulator never saw the sub-account`];
  if (stats.answeredError > 0)
    console.info(
      `${kind}: ${stats.answeredError} error answers (the store was too slow to record in time), ` +
        `${stats.redelivered} redeliveries, all ${stats.generated} answered OK in the end: ${stats.outstanding === 0}`,
    );
  const broken: string[] = [];
  if (stats.outstanding > 0) broken.push(`${stats.outstanding} ${kind} never answered OK`);
  if (stats.answeredOk < stats.generated)
    broken.push(`${stats.answeredOk} ${kind} answered OK of ${stats.generated} owed`);
  return broken;
}
