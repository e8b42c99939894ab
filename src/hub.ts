import { apiError, unavailableOnFailure } from './errors.js';
import { STREAMS, type Stream, type StreamPayloads } from './events/types.js';
import {
  type AppendOptions,
  CursorExpired,
  type Draft,
  type EventStore,
  StateConflict,
} from './store/store.js';

/** A local subscriber's callback. */
export type Listener<S extends Stream> = (event: StreamPayloads[S]) => void;

/**
 * The hub joins the event store and this instance's subscribers. It subscribes
 * to each stream on the store once and fans events out locally, so Redis sees
 * one subscription per stream per instance, not one per client. Store failures
 * become the API's errors here.
 */
export interface Hub {
  /** Which store backs it. */
  readonly backend: EventStore['kind'];
  /** Logs and publishes to every instance. Rejects UNAVAILABLE when the store is down, StateConflict on a lost race. */
  publish<S extends Stream>(stream: S, draft: Draft<S>, options?: AppendOptions): Promise<StreamPayloads[S]>;
  /**
   * Calls `listener` for each event of the stream from any instance, in log order; returns the
   * unsubscribe function. `late` listeners run after all others for the same event, so a
   * revocation can stop subscriptions right after they received the revoking event itself.
   */
  listen<S extends Stream>(stream: S, listener: Listener<S>, phase?: 'late'): () => void;
  /** How many local listeners each stream has (SSE subscriptions, fan-out's one per stream, the server's own). */
  listenerCounts(): Record<Stream, number>;
  /** Retained events after a cursor, oldest first. Rejects CURSOR_EXPIRED or UNAVAILABLE. */
  readAfter<S extends Stream>(stream: S, after: string | null, limit: number): Promise<StreamPayloads[S][]>;
  /** Retained events before a cursor, newest first. */
  readBefore<S extends Stream>(stream: S, before: string | null, limit: number): Promise<StreamPayloads[S][]>;
  /** The latest event of an entity (alert id, session id, recovery request id). */
  latest<S extends Stream>(stream: S, entityKey: string): Promise<StreamPayloads[S] | null>;
  /** True while the store works. */
  isReady(): boolean;
  /** Calls `callback` when the server starts shutting down (subscriptions end cleanly); returns unregister. */
  onShutdown(callback: () => void): () => void;
  /** Ends every subscription (the shutdown callbacks), without closing the store yet. */
  shutdown(): void;
  /** Stops listening and closes the store. */
  close(): Promise<void>;
}

/** Maps store failures to API errors; a GraphQL error (bad cursor) or a conflict passes through. */
async function guarded<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await unavailableOnFailure(
      'The event backend is unavailable; nothing was changed. Try again shortly.',
      operation,
      (error) => error instanceof StateConflict || error instanceof CursorExpired,
    );
  } catch (error) {
    if (!(error instanceof CursorExpired)) throw error;
    throw apiError(
      'CURSOR_EXPIRED',
      'This cursor is older than the retained history (or from before a reset); resync from the history queries and subscribe without `after`.',
    );
  }
}

/** Creates the hub and subscribes it to every stream on the store. */
export async function createHub(store: EventStore): Promise<Hub> {
  type Listeners = { [S in Stream]: Set<Listener<S>> };
  const sets = () => Object.fromEntries(STREAMS.map((s) => [s, new Set()])) as Listeners;
  const listeners = { early: sets(), late: sets() };
  const call = <S extends Stream>(set: Set<Listener<S>>, stream: S, event: StreamPayloads[S]) => {
    for (const listener of set) {
      try {
        listener(event);
      } catch (error) {
        // One broken subscriber must not stop the others' deliveries.
        console.error(`listener on ${stream} failed`, error);
      }
    }
  };
  const deliver = <S extends Stream>(stream: S, event: StreamPayloads[S]) => {
    call(listeners.early[stream] as Set<Listener<S>>, stream, event);
    call(listeners.late[stream] as Set<Listener<S>>, stream, event);
  };
  const shutdownCallbacks = new Set<() => void>();
  const shutdown = () => {
    for (const callback of [...shutdownCallbacks]) callback();
  };
  const unsubscribes = await Promise.all(
    STREAMS.map((stream) => store.subscribe(stream, (e) => deliver(stream, e))),
  );

  return {
    backend: store.kind,
    publish: (stream, draft, options) => guarded(() => store.append(stream, draft, options)),
    listen(stream, listener, phase) {
      const set = (phase === 'late' ? listeners.late : listeners.early)[stream] as Set<typeof listener>;
      set.add(listener);
      return () => set.delete(listener);
    },
    listenerCounts: () =>
      Object.fromEntries(STREAMS.map((s) => [s, listeners.early[s].size + listeners.late[s].size])) as Record<
        Stream,
        number
      >,
    readAfter: (stream, after, limit) => guarded(() => store.readAfter(stream, after, limit)),
    readBefore: (stream, before, limit) => guarded(() => store.readBefore(stream, before, limit)),
    latest: (stream, key) => guarded(() => store.latest(stream, key)),
    isReady: () => store.isReady(),
    onShutdown(callback) {
      shutdownCallbacks.add(callback);
      return () => shutdownCallbacks.delete(callback);
    },
    shutdown,
    async close() {
      shutdown();
      for (const unsubscribe of unsubscribes) unsubscribe();
      await store.close();
    },
  };
}
