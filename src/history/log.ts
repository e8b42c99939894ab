/**
 * A bounded, ordered log of a stream's recent events, keyed by event id.
 * Recording an id again (an acknowledged alert) updates it in place; past the
 * limit the oldest entry goes. In memory per instance until history moves to Redis.
 */
export class EventLog<T extends { readonly id: string }> {
  readonly #entries = new Map<string, T>();

  /** @param limit how many events to keep. */
  constructor(readonly limit: number) {}

  /** Adds the event, or replaces the one with the same id. */
  record(event: T): void {
    this.#entries.set(event.id, event);
    if (this.#entries.size > this.limit) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
  }

  /** The event with this id, if still retained. */
  get(id: string): T | undefined {
    return this.#entries.get(id);
  }

  /** Up to `limit` events that pass `keep`, newest first. */
  recent(limit: number, keep: (event: T) => boolean): T[] {
    const result: T[] = [];
    const all = [...this.#entries.values()];
    for (let i = all.length - 1; i >= 0 && result.length < limit; i--) {
      const event = all[i] as T;
      if (keep(event)) result.push(event);
    }
    return result;
  }
}
