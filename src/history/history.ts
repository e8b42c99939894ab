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

/** Creates the in-memory history. */
export function createHistory(options: HistoryOptions): History {
  const logs = Object.fromEntries(STREAMS.map((s) => [s, new EventLog(options.eventsPerStream)])) as {
    [S in Stream]: EventLog<StreamPayloads[S]>;
  };
  // Keyed by session / request id; the log machinery gives the same bounded, ordered map.
  const sessions = new EventLog<SessionUpdate & { id: string }>(options.statesKept);
  const requests = new EventLog<RecoveryUpdate & { id: string }>(options.statesKept);

  return {
    record(stream, event) {
      logs[stream].record(event);
      if (stream === 'sessionUpdates') {
        const update = event as SessionUpdate;
        sessions.record({ ...update, id: update.sessionId });
      } else if (stream === 'recoveryStatus') {
        const update = event as RecoveryUpdate;
        requests.record({ ...update, id: update.requestId });
      }
    },
    log: (stream) => logs[stream],
    session: (sessionId) => sessions.get(sessionId),
    recoveryRequest: (requestId) => requests.get(requestId),
  };
}
