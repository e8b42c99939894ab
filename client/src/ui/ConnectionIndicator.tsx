import { useEffect, useState, useSyncExternalStore } from 'react';
import type { ConnectionState, ConnectionStore } from '../api/connection.js';

/** Seconds until `at`, redrawn every second while there is a countdown. */
function useCountdown(at: number | null): number | null {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    if (at === null) return;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [at]);
  return at === null ? null : Math.max(0, Math.ceil((at - now) / 1000));
}

const LABEL: Record<ConnectionState['status'], string> = {
  connecting: 'Connecting…',
  connected: 'Connected',
  reconnecting: 'Reconnecting',
  offline: 'Offline',
  closed: 'Disconnected',
};

/**
 * The live connection's state, straight from the graphql-ws client's events:
 * connected, reconnecting (with the countdown to the next attempt), or offline
 * after several failed attempts in a row, with a way to try again at once.
 */
export function ConnectionIndicator({
  store,
  onRetryNow,
}: {
  store: ConnectionStore;
  onRetryNow: () => void;
}) {
  const state = useSyncExternalStore(store.subscribe, store.get);
  const retryAt = state.status === 'reconnecting' || state.status === 'offline' ? state.retryAt : null;
  const seconds = useCountdown(retryAt);
  const waiting = state.status === 'reconnecting' || state.status === 'offline';
  return (
    <div className={`connection status-${state.status}`} role="status" data-status={state.status}>
      <span className="connection-dot" aria-hidden="true" />
      <span className="connection-label">{LABEL[state.status]}</span>
      {waiting ? (
        <span className="connection-detail">
          {seconds === null || seconds === 0 ? 'trying now…' : `retrying in ${seconds} s`}
        </span>
      ) : null}
      {state.status === 'offline' && seconds !== null && seconds > 0 ? (
        <button type="button" className="link-button" onClick={onRetryNow}>
          Retry now
        </button>
      ) : null}
    </div>
  );
}
