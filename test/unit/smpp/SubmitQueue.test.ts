import { describe, expect, it } from 'vitest';
import type { Lane } from '../../../worker/smpp/LanePicker.js';
import { SubmitQueue } from '../../../worker/smpp/SubmitQueue.js';

interface Part {
  readonly lane: Lane;
  readonly id: string;
}

const parts = (lane: Lane, prefix: string, n: number): Part[] =>
  Array.from({ length: n }, (_, i) => ({ lane, id: `${prefix}${i}` }));

function takeIds(queue: SubmitQueue<Part>, n: number): string[] {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const part = queue.shift();
    if (part === undefined) break;
    ids.push(part.id);
  }
  return ids;
}

describe('SubmitQueue', () => {
  it('sends high parts queued after a normal backlog ahead of it, with normal its share in between', () => {
    const queue = new SubmitQueue<Part>(0.2);
    for (const part of parts('normal', 'n', 20)) queue.push(part);
    expect(takeIds(queue, 2)).toEqual(['n0', 'n1']);
    for (const part of parts('high', 'h', 8)) queue.push(part);
    expect(queue.lengthOf('high')).toBe(8);
    expect(queue.length).toBe(26);
    expect(takeIds(queue, 12)).toEqual([
      'h0',
      'h1',
      'h2',
      'h3',
      'n2',
      'h4',
      'h5',
      'h6',
      'h7',
      'n3',
      'n4',
      'n5',
    ]);
  });

  it('puts a throttled part back at the front of its own lane: it keeps its place and the other lane its turn', () => {
    const queue = new SubmitQueue<Part>(0.5);
    for (const part of [...parts('high', 'h', 3), ...parts('normal', 'n', 3)]) queue.push(part);
    const first = queue.shift();
    expect(first?.id).toBe('h0');
    if (first) queue.unshift(first);
    // h0 goes again before h1. Its throttled send was a submit too, so normal's turn (every second one while
    // both wait) comes first.
    expect(takeIds(queue, 6)).toEqual(['n0', 'h0', 'n1', 'h1', 'n2', 'h2']);
    const normal = { lane: 'normal', id: 'again' } as const;
    queue.push({ lane: 'normal', id: 'later' });
    queue.unshift(normal);
    expect(takeIds(queue, 2)).toEqual(['again', 'later']);
  });

  it('keeps each lane first-in-first-out across a long backlog', () => {
    const queue = new SubmitQueue<Part>(0.2);
    for (const part of parts('normal', 'n', 5_000)) queue.push(part);
    const ids = takeIds(queue, 5_000);
    expect(ids).toEqual(parts('normal', 'n', 5_000).map((p) => p.id));
    expect(queue.length).toBe(0);
  });

  it('hands back every waiting part of both lanes when the bind fails them', () => {
    const queue = new SubmitQueue<Part>(0.2);
    for (const part of [...parts('normal', 'n', 2), ...parts('high', 'h', 2)]) queue.push(part);
    expect(
      queue
        .takeAll()
        .map((p) => p.id)
        .sort(),
    ).toEqual(['h0', 'h1', 'n0', 'n1']);
    expect(queue.length).toBe(0);
    expect(queue.shift()).toBeUndefined();
  });
});
