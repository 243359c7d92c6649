import { randomInt } from 'node:crypto';
import { InvalidEncodingOptionError } from '../../core/encoding/errors.js';

export interface ConcatReferenceCounterOptions {
  /**
   * Destinations remembered; past it the least recently used is forgotten, and its next message starts again
   * from `startReference`. Bounds memory at about 100 bytes per destination.
   * @default 10_000
   */
  maxDestinations?: number;
  /** First reference for a destination not (or no longer) remembered; must return 0–255. @default random */
  startReference?: (destination: string) => number;
}

/**
 * Hands out the 8-bit concatenation reference for each long message, per destination: the handset groups
 * parts by (sender, reference), so two long messages in flight to one phone need different references.
 * References increment per destination and wrap 255 → 0.
 *
 * The count lives in this process only. Starting each destination at a random value keeps two workers (or a
 * restarted one) sending to the same phone from colliding except by 1-in-256 chance. Pass the destination in
 * one canonical form (destinationAddressOf(to).addr) so that '+65…' and '65…' share a counter.
 */
export class ConcatReferenceCounter {
  readonly #maxDestinations: number;
  readonly #startReference: (destination: string) => number;
  /** Last reference per destination; Map keeps insertion order, so the first key is the least recently used. */
  readonly #lastReference = new Map<string, number>();

  constructor(options: ConcatReferenceCounterOptions = {}) {
    const { maxDestinations = 10_000, startReference = () => randomInt(256) } = options;
    if (!Number.isInteger(maxDestinations) || maxDestinations < 1) {
      throw new InvalidEncodingOptionError('maxDestinations', maxDestinations, 'a positive integer');
    }
    this.#maxDestinations = maxDestinations;
    this.#startReference = startReference;
  }

  /** The reference for the next long message to `destination`. */
  next(destination: string): number {
    const last = this.#lastReference.get(destination);
    let reference: number;
    if (last === undefined) {
      reference = this.#startReference(destination);
      if (!Number.isInteger(reference) || reference < 0 || reference > 255) {
        throw new InvalidEncodingOptionError('startReference()', reference, 'an integer from 0 to 255');
      }
    } else {
      reference = (last + 1) % 256;
      this.#lastReference.delete(destination);
    }
    this.#lastReference.set(destination, reference);
    if (this.#lastReference.size > this.#maxDestinations) {
      const leastRecent = this.#lastReference.keys().next();
      if (!leastRecent.done) this.#lastReference.delete(leastRecent.value);
    }
    return reference;
  }

  /** Destinations currently remembered (for tests and metrics). */
  get size(): number {
    return this.#lastReference.size;
  }
}
