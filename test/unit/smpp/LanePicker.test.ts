import { describe, expect, it } from 'vitest';
import { type Lane, LanePicker } from '../../../worker/smpp/LanePicker.js';

/** Takes `submits` parts from two backlogs through the picker; returns the lanes in the order they went out. */
function sendOut(picker: LanePicker, backlog: { high: number; normal: number }, submits: number): Lane[] {
  const left = { ...backlog };
  const order: Lane[] = [];
  for (let i = 0; i < submits; i++) {
    const lane = picker.next({ high: left.high > 0, normal: left.normal > 0 });
    if (lane === undefined) break;
    left[lane] -= 1;
    order.push(lane);
  }
  return order;
}

const count = (lanes: readonly Lane[], lane: Lane) => lanes.filter((l) => l === lane).length;

describe('LanePicker', () => {
  it('sends a lone high lane at the full rate, and nothing when both lanes are empty', () => {
    const picker = new LanePicker(0.2);
    expect(sendOut(picker, { high: 40, normal: 0 }, 40)).toEqual(Array(40).fill('high'));
    expect(picker.next({ high: false, normal: false })).toBeUndefined();
  });

  it('sends a lone normal lane at the full rate: nothing is reserved for an empty high lane', () => {
    expect(sendOut(new LanePicker(0.2), { high: 0, normal: 40 }, 40)).toEqual(Array(40).fill('normal'));
  });

  it.each([0.1, 0.2, 0.25, 1 / 3, 0.5, 0.9])(
    'gives a waiting normal lane at least normalShare %d of every window while high saturates the bind',
    (share) => {
      const order = sendOut(new LanePicker(share), { high: 10_000, normal: 10_000 }, 1_000);
      const window = Math.ceil(1 / share);
      // Every run of submits, wherever it starts, not only the total.
      for (let start = 0; start + window <= order.length; start++) {
        const run = order.slice(start, start + window);
        expect(count(run, 'normal')).toBeGreaterThanOrEqual(Math.floor(window * share));
      }
      expect(count(order, 'normal') / order.length).toBeGreaterThanOrEqual(share - 1 / order.length);
      // …and high keeps the rest: its lane is worth having.
      expect(count(order, 'high') / order.length).toBeGreaterThanOrEqual(1 - share - 1 / order.length);
    },
  );

  it('sends high first, with one normal part in every five at the default-like share 0.2', () => {
    expect(sendOut(new LanePicker(0.2), { high: 100, normal: 100 }, 10)).toEqual([
      'high',
      'high',
      'high',
      'high',
      'normal',
      'high',
      'high',
      'high',
      'high',
      'normal',
    ]);
  });

  it('holds normal back entirely at share 0 (strict priority) until the high lane is empty', () => {
    expect(sendOut(new LanePicker(0), { high: 30, normal: 5 }, 35)).toEqual([
      ...Array(30).fill('high'),
      ...Array(5).fill('normal'),
    ]);
  });

  it('sends a high part arriving over a normal backlog next, however long normal had the bind alone', () => {
    for (const share of [0.2, 0.5, 0.9]) {
      const picker = new LanePicker(share);
      expect(sendOut(picker, { high: 0, normal: 1_000 }, 500)).toEqual(Array(500).fill('normal'));
      expect(picker.next({ high: true, normal: true })).toBe('high');
    }
  });

  it('banks no credit for normal across a pause in the high lane', () => {
    const picker = new LanePicker(0.5);
    expect(sendOut(picker, { high: 1, normal: 100 }, 1)).toEqual(['high']);
    // High went empty: normal sends alone, then high is back and goes first again.
    expect(picker.next({ high: false, normal: true })).toBe('normal');
    expect(picker.next({ high: true, normal: true })).toBe('high');
  });

  it('refuses a share that would starve the high lane or is not a number, naming it', () => {
    expect(() => new LanePicker(1)).toThrow(/normalShare must be ≥ 0 and < 1, got 1/);
    expect(() => new LanePicker(-0.1)).toThrow(/normalShare/);
    expect(() => new LanePicker(Number.NaN)).toThrow(/normalShare.*NaN/);
  });
});
