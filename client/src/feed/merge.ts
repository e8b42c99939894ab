/** What every event the dashboard lists has. */
export interface FeedEvent {
  readonly id: string;
  /** ISO-8601, from the server; the list is ordered by it, newest first. */
  readonly createdAt: string;
}

/** How much of a stream a tab keeps. */
export interface Retention {
  /** At most this many events, the newest. */
  readonly max: number;
  /** Events older than this (ms) are dropped; unset: no age limit. */
  readonly maxAgeMs?: number;
}

/** Picks which of two versions of the same event (same id) to keep. */
export type Prefer<E> = (current: E, incoming: E) => E;

/** Events are immutable unless a stream says otherwise: the version that arrived last is as good as any. */
const incomingWins = <E>(_current: E, incoming: E) => incoming;

const newestFirst = (a: FeedEvent, b: FeedEvent) =>
  a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0;

/**
 * Merges `incoming` into `current`: one entry per id (`prefer` decides between
 * two versions of one event), newest first, at most `retention.max`. History
 * and live events meet here, so an event that both the history query and the
 * subscription delivered is listed once.
 */
export function mergeEvents<E extends FeedEvent>(
  current: readonly E[],
  incoming: readonly E[],
  retention: Retention,
  prefer: Prefer<E> = incomingWins,
): E[] {
  const byId = new Map<string, E>();
  for (const event of current) byId.set(event.id, event);
  for (const event of incoming) {
    const existing = byId.get(event.id);
    byId.set(event.id, existing ? prefer(existing, event) : event);
  }
  return [...byId.values()].sort(newestFirst).slice(0, retention.max);
}

/** The events still within the retention's age limit at `now` (epoch ms). */
export function withinAge<E extends FeedEvent>(events: readonly E[], retention: Retention, now: number): E[] {
  const { maxAgeMs } = retention;
  if (maxAgeMs === undefined) return [...events];
  const oldest = now - maxAgeMs;
  return events.filter((event) => Date.parse(event.createdAt) >= oldest);
}
