/**
 * Accepted submits and 0x58 answers of one bind per whole second of the worker's clock, for the presence
 * report (core/bindReport.ts `perSecond`) and so the status page's chart. One per bind lifetime (tenure):
 * a ring of the last `maxSeconds` seconds, so memory and the report stay the same size however long it runs.
 * Pure: the caller passes the time of each event.
 */
import type { BindSecondCounts } from '../../core/bindReport.js';

export class BindSecondCounter {
  readonly #maxSeconds: number;
  /** maxSeconds + 1 cells: the current second and the maxSeconds whole ones before it. */
  readonly #cells: number;
  /** The first second this tenure counted (nothing earlier is reported: it would read as idle). */
  readonly #firstSecond: number;
  readonly #accepted: number[];
  readonly #throttled: number[];
  /** The second each ring cell holds now; a cell of an older second counts as zero. */
  readonly #secondOfCell: number[];

  constructor(options: { startedAtMs: number; maxSeconds: number }) {
    this.#maxSeconds = Math.max(1, Math.floor(options.maxSeconds));
    this.#cells = this.#maxSeconds + 1;
    this.#firstSecond = Math.floor(options.startedAtMs / 1000);
    this.#accepted = new Array<number>(this.#cells).fill(0);
    this.#throttled = new Array<number>(this.#cells).fill(0);
    this.#secondOfCell = new Array<number>(this.#cells).fill(Number.NEGATIVE_INFINITY);
  }

  accepted(atMs: number): void {
    const cell = this.#cell(Math.floor(atMs / 1000));
    if (cell !== undefined) this.#accepted[cell] = (this.#accepted[cell] ?? 0) + 1;
  }

  throttled(atMs: number): void {
    const cell = this.#cell(Math.floor(atMs / 1000));
    if (cell !== undefined) this.#throttled[cell] = (this.#throttled[cell] ?? 0) + 1;
  }

  /**
   * The whole seconds before the one `nowMs` is in, oldest first: at most maxSeconds, none before this
   * tenure started. Undefined while not one whole second has passed.
   */
  counts(nowMs: number): BindSecondCounts | undefined {
    const current = Math.floor(nowMs / 1000);
    const first = Math.max(this.#firstSecond, current - this.#maxSeconds);
    if (first >= current) return undefined;
    const accepted: number[] = [];
    const throttled: [number, number][] = [];
    for (let second = first; second < current; second += 1) {
      const cell = this.#index(second);
      const live = this.#secondOfCell[cell] === second;
      accepted.push(live ? (this.#accepted[cell] ?? 0) : 0);
      const answers = live ? (this.#throttled[cell] ?? 0) : 0;
      if (answers > 0) throttled.push([second - first, answers]);
    }
    return { endMs: current * 1000, accepted, ...(throttled.length > 0 ? { throttled } : {}) };
  }

  /** The cell for `second`, cleared if it held an older one; undefined for a second already dropped. */
  #cell(second: number): number | undefined {
    const cell = this.#index(second);
    const held = this.#secondOfCell[cell] ?? Number.NEGATIVE_INFINITY;
    if (held === second) return cell;
    // An event stamped before the newest second this cell saw (a clock step back): too old to keep.
    if (held > second) return undefined;
    this.#secondOfCell[cell] = second;
    this.#accepted[cell] = 0;
    this.#throttled[cell] = 0;
    return cell;
  }

  #index(second: number): number {
    return ((second % this.#cells) + this.#cells) % this.#cells;
  }
}
