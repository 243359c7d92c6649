/** Fakes of the record ports for unit tests: a recording publisher. */
import type { SmsEvent } from '../../../core/events.js';
import type { EventPublisher, KnownEventState } from '../../../worker/records/EventPublisher.js';

/** Records what was published; `failNext` makes the next publishes reject. */
export class RecordingPublisher implements EventPublisher {
  readonly published: SmsEvent[] = [];
  readonly #inFlight = new Map<string, Promise<void>>();
  readonly #done = new Set<string>();
  #failures = 0;
  /** When set, publish() waits for this before settling. */
  gate: Promise<void> | undefined;

  failNext(times = 1): void {
    this.#failures = times;
  }

  publish(event: SmsEvent): Promise<void> {
    const id = event.detail.eventId;
    if (this.#done.has(id)) return Promise.resolve();
    const inFlight = this.#inFlight.get(id);
    if (inFlight) return inFlight;
    const run = (async () => {
      await this.gate;
      if (this.#failures > 0) {
        this.#failures -= 1;
        throw new Error('publish failed');
      }
      this.published.push(event);
      this.#done.add(id);
    })().finally(() => this.#inFlight.delete(id));
    this.#inFlight.set(id, run);
    return run;
  }

  knownState(eventId: string): KnownEventState {
    if (this.#done.has(eventId)) return { state: 'published' };
    const settled = this.#inFlight.get(eventId);
    return settled ? { state: 'in-flight', settled } : undefined;
  }

  /** Forgets what was published (as a fresh process would). */
  forget(): void {
    this.#done.clear();
  }

  detailTypes(): string[] {
    return this.published.map((event) => event.detailType);
  }
}
