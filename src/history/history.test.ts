import { describe, expect, it } from 'vitest';
import type { SessionUpdate } from '../events/types.js';
import { createHistory } from './history.js';

const session = (sessionId: string, status: SessionUpdate['status'], n: number): SessionUpdate => ({
  id: `u${n}`,
  sessionId,
  userId: 'alice',
  status,
  device: null,
  terminatedBy: null,
  createdAt: new Date(n).toISOString(),
});

describe('history state', () => {
  it('keeps the latest update of each session', () => {
    const history = createHistory({ eventsPerStream: 10, statesKept: 10 });
    history.record('sessionUpdates', session('s1', 'CONNECTED', 1));
    history.record('sessionUpdates', session('s1', 'TERMINATED', 2));
    expect(history.session('s1')?.status).toBe('TERMINATED');
    expect(history.session('s2')).toBeUndefined();
  });

  it('evicts the least recently updated session first, so a live one outlasts stale ones', () => {
    const history = createHistory({ eventsPerStream: 10, statesKept: 2 });
    history.record('sessionUpdates', session('old-but-live', 'CONNECTED', 1));
    history.record('sessionUpdates', session('stale', 'CONNECTED', 2));
    history.record('sessionUpdates', session('old-but-live', 'DISCONNECTED', 3));
    history.record('sessionUpdates', session('new', 'CONNECTED', 4));
    expect(history.session('stale')).toBeUndefined();
    expect(history.session('old-but-live')?.status).toBe('DISCONNECTED');
    expect(history.session('new')?.status).toBe('CONNECTED');
  });

  it('records every update in the stream log, newest first', () => {
    const history = createHistory({ eventsPerStream: 10, statesKept: 10 });
    history.record('sessionUpdates', session('s1', 'CONNECTED', 1));
    history.record('sessionUpdates', session('s1', 'TERMINATED', 2));
    expect(
      history
        .log('sessionUpdates')
        .recent(10, () => true)
        .map((u) => u.id),
    ).toEqual(['u2', 'u1']);
  });
});
