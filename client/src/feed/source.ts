import { useEffect, useRef } from 'react';
import type { CombinedError } from 'urql';
import type { FeedEvent } from './merge.js';
import type { Feed } from './store.js';

/** As `after`: replay everything the server retains. */
export const FROM_START = '0';

/**
 * Where a subscription should start once the history is in: after the newest
 * event listed (the first; history is newest first), or from the start of what
 * is retained when nothing matched, so an event raised between the history
 * query and the subscription is replayed rather than missed.
 */
export function resumeFrom(history: readonly { cursor: string }[] | undefined): string | undefined {
  if (!history) return undefined;
  return history[0]?.cursor ?? FROM_START;
}

/** The last events a subscription delivered, and how many it delivered in all. */
export interface Received<E> {
  readonly total: number;
  /** Newest first, the last RECEIVED_KEPT. */
  readonly recent: readonly E[];
}

const RECEIVED_KEPT = 100;

/** urql subscription handler: accumulates each event (pure; urql may call it more than once per event). */
export function receive<E>(received: Received<E> | undefined, event: E): Received<E> {
  return {
    total: (received?.total ?? 0) + 1,
    recent: [event, ...(received?.recent ?? [])].slice(0, RECEIVED_KEPT),
  };
}

/** What a stream's source reports up when the feed alone cannot handle it. */
export type SourceProblem =
  /** The token no longer works (expired, session terminated): sign in again. */
  | { readonly kind: 'unauthenticated'; readonly message: string }
  /** The stream cannot resume (cursor expired, fell behind): reload history and subscribe afresh. */
  | { readonly kind: 'resync'; readonly message: string };

/** How long to wait before asking again for history the server did not deliver. */
const HISTORY_RETRY_MS = 5000;

const codeOf = (error: CombinedError): unknown => error.graphQLErrors[0]?.extensions?.code;

/** A short, human message for an urql error: the server's own words when it sent any. */
export function describeError(error: CombinedError): string {
  const graphql = error.graphQLErrors[0];
  if (graphql) return graphql.message;
  return error.networkError?.message || 'The server could not be reached';
}

/** True when the error is the WebSocket closing for good, which the connection indicator already reports. */
const isSocketClose = (error: CombinedError) =>
  error.networkError !== undefined && 'code' in (error.networkError as object);

/**
 * Wires one stream's history query and subscription (the generated urql hooks,
 * called by the stream's source component) into its feed.
 */
export function useFeedSource<E extends FeedEvent>(
  feed: Feed<E>,
  history: { readonly events?: readonly E[] | undefined; readonly error?: CombinedError | undefined },
  live: { readonly data?: Received<E> | undefined; readonly error?: CombinedError | undefined },
  onProblem: (problem: SourceProblem) => void,
): void {
  useEffect(() => {
    if (!history.events) return;
    feed.add(history.events, 'history');
    feed.loaded();
  }, [feed, history.events]);

  // urql may batch several events into one render: take every one not yet added.
  const added = useRef(0);
  useEffect(() => {
    if (!live.data) return;
    const fresh = live.data.recent.slice(0, live.data.total - added.current);
    added.current = live.data.total;
    if (fresh.length > 0) feed.add(fresh, 'live');
  }, [feed, live.data]);

  const error = history.error ?? live.error;
  useEffect(() => {
    if (!error) return feed.setError(null);
    const code = codeOf(error);
    if (code === 'UNAUTHENTICATED')
      return onProblem({ kind: 'unauthenticated', message: describeError(error) });
    if (code === 'CURSOR_EXPIRED' || code === 'SLOW_CONSUMER') {
      return onProblem({ kind: 'resync', message: describeError(error) });
    }
    if (isSocketClose(error)) return;
    feed.loaded();
    feed.setError(describeError(error));
    // History that never arrived (the server was unreachable) is asked for again; the live stream waits for it.
    if (error.graphQLErrors.length === 0 && !history.events) {
      const retry = setTimeout(
        () => onProblem({ kind: 'resync', message: describeError(error) }),
        HISTORY_RETRY_MS,
      );
      return () => clearTimeout(retry);
    }
  }, [feed, error, history.events, onProblem]);
}
