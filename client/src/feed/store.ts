import { type FeedEvent, mergeEvents, type Prefer, type Retention, withinAge } from './merge.js';

/** What a tab renders: the events kept, and how the stream is doing. */
export interface FeedSnapshot<E> {
  /** Newest first, within the retention, minus those cleared. */
  readonly events: readonly E[];
  /** True until the history query has answered. */
  readonly loading: boolean;
  /** A problem to show in place of (or above) the list. */
  readonly error: string | null;
}

/** Where an event came from. Only `live` events are news (for notifications). */
export type Origin = 'history' | 'live' | 'action';

/**
 * One stream's events in the dashboard: a small external store (read with
 * `useSyncExternalStore`) fed by the history query, the subscription and the
 * results of the person's own actions. It outlives the components that feed
 * it, so the tab counters keep counting while another tab is open.
 */
export class Feed<E extends FeedEvent> {
  #events: E[] = [];
  /** Ids the person cleared: not shown again, even if history or a replay brings them back. */
  #cleared = new Set<string>();
  #snapshot: FeedSnapshot<E> = { events: [], loading: true, error: null };
  readonly #listeners = new Set<() => void>();
  readonly #onNews = new Set<(events: readonly E[]) => void>();

  constructor(
    readonly retention: Retention,
    readonly prefer?: Prefer<E>,
  ) {}

  /** Merges events in (by id, within the retention); those first seen live are announced to `onNews` listeners. */
  add(events: readonly E[], origin: Origin): void {
    const known = new Set(this.#events.map((event) => event.id));
    const visible = events.filter((event) => !this.#cleared.has(event.id));
    const merged = withinAge(
      mergeEvents(this.#events, visible, this.retention, this.prefer),
      this.retention,
      Date.now(),
    );
    this.#events = merged;
    this.#publish({ events: merged, loading: origin === 'history' ? false : this.#snapshot.loading });
    if (origin === 'live') {
      const news = visible.filter((event) => !known.has(event.id));
      if (news.length > 0) for (const listener of this.#onNews) listener(news);
    }
  }

  /** The history query answered (with or without events). */
  loaded(): void {
    if (this.#snapshot.loading) this.#publish({ loading: false });
  }

  /** Shows a problem, or clears it with null. */
  setError(error: string | null): void {
    if (this.#snapshot.error !== error) this.#publish({ error });
  }

  /** Hides everything listed now; later events show as they arrive. */
  clear(): void {
    for (const event of this.#events) this.#cleared.add(event.id);
    // Bounded: only ids the stream could still deliver again are worth remembering.
    if (this.#cleared.size > this.retention.max * 10) {
      this.#cleared = new Set([...this.#cleared].slice(-this.retention.max * 5));
    }
    this.#events = [];
    this.#publish({ events: [] });
  }

  /** Forgets everything (new filters): the next history answer starts the list again. */
  reset(): void {
    this.#events = [];
    this.#cleared.clear();
    this.#publish({ events: [], loading: true, error: null });
  }

  /** Drops events past the age limit (called as time passes). */
  expire(now: number): void {
    const kept = withinAge(this.#events, this.retention, now);
    if (kept.length !== this.#events.length) {
      this.#events = kept;
      this.#publish({ events: kept });
    }
  }

  /** Calls `listener` with each batch of events first seen live. */
  onNews(listener: (events: readonly E[]) => void): () => void {
    this.#onNews.add(listener);
    return () => this.#onNews.delete(listener);
  }

  /** For `useSyncExternalStore`: calls `listener` after every change. */
  readonly subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  };

  /** For `useSyncExternalStore`: the current state, a new object after each change. */
  readonly getSnapshot = (): FeedSnapshot<E> => this.#snapshot;

  #publish(change: Partial<FeedSnapshot<E>>): void {
    this.#snapshot = { ...this.#snapshot, ...change };
    for (const listener of this.#listeners) listener();
  }
}
