/**
 * A bind's waiting submits in two lanes (issue 14): one FIFO per lane, and `shift` takes from the lane the
 * LanePicker names (high first, normal its share). A part put back (`unshift`: throttled, or the SMSC's queue
 * was full) goes to the front of its own lane, so it keeps its place and never jumps the other lane's rule.
 */
import { type Lane, LanePicker } from './LanePicker.js';

export class SubmitQueue<Entry extends { readonly lane: Lane }> {
  readonly #lanes: Record<Lane, Fifo<Entry>> = { high: new Fifo(), normal: new Fifo() };
  readonly #picker: LanePicker;

  constructor(normalShare: number) {
    this.#picker = new LanePicker(normalShare);
  }

  get length(): number {
    return this.#lanes.high.length + this.#lanes.normal.length;
  }

  lengthOf(lane: Lane): number {
    return this.#lanes[lane].length;
  }

  push(entry: Entry): void {
    this.#lanes[entry.lane].push(entry);
  }

  /** Puts a part back at the front of its lane (a throttled part goes out again before newer ones). */
  unshift(entry: Entry): void {
    this.#lanes[entry.lane].unshift(entry);
  }

  /** The next part to send: high first, normal its share while both wait. */
  shift(): Entry | undefined {
    const lane = this.#picker.next({
      high: this.#lanes.high.length > 0,
      normal: this.#lanes.normal.length > 0,
    });
    return lane === undefined ? undefined : this.#lanes[lane].shift();
  }

  /** Empties both lanes, high first. */
  takeAll(): Entry[] {
    return [...this.#lanes.high.takeAll(), ...this.#lanes.normal.takeAll()];
  }
}

/**
 * FIFO with O(1) shift and unshift: Array#shift copies the whole array once it is large (a backlog of
 * thousands of parts), which showed in the engine profile.
 */
class Fifo<Entry> {
  #items: (Entry | undefined)[] = [];
  #head = 0;

  get length(): number {
    return this.#items.length - this.#head;
  }

  push(entry: Entry): void {
    this.#items.push(entry);
  }

  unshift(entry: Entry): void {
    if (this.#head > 0) this.#items[--this.#head] = entry;
    else this.#items.unshift(entry);
  }

  shift(): Entry | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const entry = this.#items[this.#head];
    this.#items[this.#head++] = undefined;
    if (this.#head === this.#items.length) {
      this.#items = [];
      this.#head = 0;
    } else if (this.#head >= 1024 && this.#head * 2 >= this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return entry;
  }

  takeAll(): Entry[] {
    const all = this.#items.slice(this.#head) as Entry[];
    this.#items = [];
    this.#head = 0;
    return all;
  }
}
