import {
  type RecoveryUpdate,
  type SessionUpdate,
  STREAMS,
  type Stream,
  type StreamPayloads,
} from '../events/types.js';
import { EventLog } from './log.js';

/**
 * What this instance remembers: each stream's recent events, and the latest
 * state of every session and recovery request, which mutations consult
 * (who owns a session, who are a request's custodians).
 */
export interface History {
  /** Appends an event to its stream's log and updates the state it changes. */
  record<S extends Stream>(stream: S, event: StreamPayloads[S]): void;
  /** The recent-events log of one stream. */
  log<S extends Stream>(stream: S): EventLog<StreamPayloads[S]>;
  /** Latest update of a session, by session id. */
  session(sessionId: string): SessionUpdate | undefined;
  /** Latest update of a recovery request, by request id. */
  recoveryRequest(requestId: string): RecoveryUpdate | undefined;
}

/** Options for the in-memory history. */
export interface HistoryOptions {
  /** Events kept per stream. */
  eventsPerStream: number;
  /** Sessions and recovery requests whose state is kept. */
  statesKept: number;
}

/** The latest value per key, bounded; the least recently updated key goes first. */
class LatestState<T> {
  readonly #values = new Map<string, T>();
  constructor(readonly limit: number) {}

  set(key: string, value: T): void {
    // Re-inserting moves the key to the newest end, so a live session outlasts stale ones.
    this.#values.delete(key);
    this.#values.set(key, value);
    if (this.#values.size > this.limit) {
      const oldest = this.#values.keys().next();
      if (!oldest.done) this.#values.delete(oldest.value);
    }
  }

  get(key: string): T | undefined {
    return this.#values.get(key);
  }
}

/** Creates the in-memory history. */
export function createHistory(options: HistoryOptions): History {
  const logs = Object.fromEntries(STREAMS.map((s) => [s, new EventLog(options.eventsPerStream)])) as {
    [S in Stream]: EventLog<StreamPayloads[S]>;
  };
  const sessions = new LatestState<SessionUpdate>(options.statesKept);
  const requests = new LatestState<RecoveryUpdate>(options.statesKept);

  return {
    record(stream, event) {
      logs[stream].record(event);
      if (stream === 'sessionUpdates') {
        const update = event as SessionUpdate;
        sessions.set(update.sessionId, update);
      } else if (stream === 'recoveryStatus') {
        const update = event as RecoveryUpdate;
        requests.set(update.requestId, update);
      }
    },
    log: (stream) => logs[stream],
    session: (sessionId) => sessions.get(sessionId),
    recoveryRequest: (requestId) => requests.get(requestId),
  };
}
