import { describe, expect, it } from 'vitest';
import { InvalidEncodingOptionError } from '../../../core/encoding/errors.js';
import { ConcatReferenceCounter } from '../../../worker/encoding/ConcatReferenceCounter.js';

describe('ConcatReferenceCounter', () => {
  it('starts a destination at the injected value, increments and wraps from 255 to 0', () => {
    const counter = new ConcatReferenceCounter({ startReference: () => 254 });
    const references = Array.from({ length: 4 }, () => counter.next('6591234567'));
    expect(references).toEqual([254, 255, 0, 1]);
  });

  it('counts each destination on its own', () => {
    const starts: Record<string, number> = { a: 10, b: 100 };
    const counter = new ConcatReferenceCounter({ startReference: (destination) => starts[destination] ?? 0 });
    expect([counter.next('a'), counter.next('b'), counter.next('a'), counter.next('b')]).toEqual([
      10, 100, 11, 101,
    ]);
  });

  it('starts at a random reference from 0 to 255 by default', () => {
    const counter = new ConcatReferenceCounter();
    const starts = Array.from({ length: 200 }, (_, index) => counter.next(`dest-${index}`));
    expect(
      starts.every((reference) => Number.isInteger(reference) && reference >= 0 && reference <= 255),
    ).toBe(true);
    expect(new Set(starts).size).toBeGreaterThan(1);
  });

  it('forgets the least recently used destination beyond maxDestinations', () => {
    let nextStart = 0;
    const counter = new ConcatReferenceCounter({
      maxDestinations: 2,
      startReference: () => (nextStart += 10),
    });
    expect(counter.next('a')).toBe(10);
    expect(counter.next('b')).toBe(20);
    expect(counter.next('a')).toBe(11); // 'a' is now the most recently used
    expect(counter.next('c')).toBe(30); // evicts 'b'
    expect(counter.size).toBe(2);
    expect(counter.next('a')).toBe(12);
    expect(counter.next('b')).toBe(40); // 'b' was forgotten and starts afresh
    expect(counter.size).toBe(2);
  });

  it('rejects a start value outside 0–255 and a maxDestinations below 1', () => {
    expect(() => new ConcatReferenceCounter({ startReference: () => 256 }).next('a')).toThrow(
      InvalidEncodingOptionError,
    );
    expect(() => new ConcatReferenceCounter({ maxDestinations: 0 })).toThrow(InvalidEncodingOptionError);
  });
});
