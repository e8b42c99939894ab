/**
 * The WebSocket connection as the person sees it, derived only from the
 * graphql-ws client's own events (`connecting`, `connected`, `closed`) and
 * from the reconnect waits it asks us for. Nothing here is inferred from
 * timers or from the absence of data.
 */

/** What the connection indicator shows. */
export type ConnectionState =
  | { readonly status: 'connecting' }
  | { readonly status: 'connected' }
  | {
      /** Lost, and trying again; after a few failed attempts in a row it reads as offline. */
      readonly status: 'reconnecting' | 'offline';
      /** Failed attempts since the last successful connection. */
      readonly failures: number;
      /** When the next attempt starts (epoch ms), once the client has scheduled it. */
      readonly retryAt: number | null;
      /** The last close, e.g. `1006` or `4403: Forbidden: token expired`. */
      readonly lastClose: string | null;
    }
  | {
      /** Closed for good: the server refused the token, or the client gave up. */
      readonly status: 'closed';
      readonly code: number;
      readonly reason: string;
    };

/** One thing the graphql-ws client told us. */
export type ConnectionEvent =
  | { readonly type: 'connecting' }
  | { readonly type: 'connected' }
  | { readonly type: 'closed'; readonly code: number; readonly reason: string }
  | { readonly type: 'waiting'; readonly retryAt: number };

/** Failed attempts in a row after which "reconnecting" becomes "offline". */
export const OFFLINE_AFTER_FAILURES = 3;

/** Close codes after which graphql-ws does not reconnect (its own list, plus 4403, which we make final). */
const FINAL_CLOSE_CODES = new Set([4004, 4005, 4400, 4401, 4403, 4406, 4409, 4429, 4500]);

/** 1xxx codes graphql-ws treats as transient; every other 1xxx code is final for it. */
const TRANSIENT_1XXX = new Set([1000, 1001, 1005, 1006, 1012, 1013, 1014]);

/**
 * True when a close ends the connection for good. 4403 is final here (graphql-ws
 * would retry it): this server sends it only for a token that will never work
 * again (expired, forged, terminated session), so the person must sign in again.
 */
export function isFinalClose(code: number): boolean {
  return FINAL_CLOSE_CODES.has(code) || (code >= 1000 && code <= 1999 && !TRANSIENT_1XXX.has(code));
}

/** The initial state: a lazy client connects when the first subscription starts. */
export const INITIAL_CONNECTION: ConnectionState = { status: 'connecting' };

const describeClose = (code: number, reason: string) => (reason ? `${code}: ${reason}` : String(code));

/** The next state after `event`. Pure, so the indicator's logic is tested as a table. */
export function nextConnectionState(state: ConnectionState, event: ConnectionEvent): ConnectionState {
  if (state.status === 'closed') return state;
  switch (event.type) {
    case 'connected':
      return { status: 'connected' };
    case 'connecting':
      // A retry has started: no longer waiting for it.
      return state.status === 'reconnecting' || state.status === 'offline'
        ? { ...state, retryAt: null }
        : state;
    case 'closed': {
      if (isFinalClose(event.code)) return { status: 'closed', code: event.code, reason: event.reason };
      const failures = state.status === 'reconnecting' || state.status === 'offline' ? state.failures + 1 : 0;
      return {
        status: failures >= OFFLINE_AFTER_FAILURES ? 'offline' : 'reconnecting',
        failures,
        retryAt: null,
        lastClose: describeClose(event.code, event.reason),
      };
    }
    case 'waiting':
      return state.status === 'reconnecting' || state.status === 'offline'
        ? { ...state, retryAt: event.retryAt }
        : state;
  }
}

/** A tiny observable holder of the state, for `useSyncExternalStore`. */
export interface ConnectionStore {
  get(): ConnectionState;
  dispatch(event: ConnectionEvent): void;
  subscribe(listener: () => void): () => void;
}

/** Creates a store that starts at INITIAL_CONNECTION. */
export function createConnectionStore(): ConnectionStore {
  let state = INITIAL_CONNECTION;
  const listeners = new Set<() => void>();
  return {
    get: () => state,
    dispatch(event) {
      const next = nextConnectionState(state, event);
      if (next === state) return;
      state = next;
      for (const listener of listeners) listener();
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
