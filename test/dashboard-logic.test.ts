import { describe, expect, it } from 'vitest';
import { BASE_DELAY_MS, MAX_DELAY_MS, reconnectDelay } from '../client/src/api/backoff.js';
import {
  type ConnectionEvent,
  type ConnectionState,
  INITIAL_CONNECTION,
  isFinalClose,
  nextConnectionState,
  OFFLINE_AFTER_FAILURES,
} from '../client/src/api/connection.js';
import { cursorOf } from '../client/src/api/resume.js';
import { can, SECURITY_RBAC_KINDS, type Viewer, visibleRbacKinds } from '../client/src/auth/viewer.js';
import { mergeEvents, withinAge } from '../client/src/feed/merge.js';
import { FROM_START, receive, resumeFrom } from '../client/src/feed/source.js';
import { Feed } from '../client/src/feed/store.js';
import { latestOfEach } from '../client/src/streams/latest.js';
import { ALERT_RETENTION, acknowledgedWins } from '../client/src/streams/stream.js';
import { humanize, relativeTime } from '../client/src/ui/format.js';
import type { Principal, Role } from '../src/auth/principal.js';
import {
  mayAcknowledgeAlert,
  mayChangeToolAccess,
  mayDecideRecovery,
  mayTerminateSession,
} from '../src/policy/actions.js';
import { SECURITY_RBAC_KINDS as SERVER_SECURITY_RBAC_KINDS } from '../src/policy/scope.js';

/**
 * The dashboard's logic that is not about pixels, as tables: how history and
 * live events merge, what the connection indicator shows for each graphql-ws
 * event, the reconnect backoff, and that the actions it offers match what the
 * server allows.
 */

const at = (minutesAgo: number, now = Date.parse('2026-11-22T12:00:00.000Z')) =>
  new Date(now - minutesAgo * 60_000).toISOString();

interface TestEvent {
  id: string;
  createdAt: string;
  note?: string;
}

describe('merging history and live events', () => {
  const retention = { max: 3 };

  it('lists each id once, newest first, at most `max`', () => {
    const history: TestEvent[] = [
      { id: 'b', createdAt: at(2) },
      { id: 'a', createdAt: at(3) },
    ];
    const live: TestEvent[] = [
      { id: 'c', createdAt: at(1) },
      { id: 'b', createdAt: at(2) },
    ];
    expect(mergeEvents(history, live, retention).map((e) => e.id)).toEqual(['c', 'b', 'a']);
    expect(
      mergeEvents(history, [...live, { id: 'd', createdAt: at(0) }], retention).map((e) => e.id),
    ).toEqual(['d', 'c', 'b']);
  });

  it('keeps an acknowledged alert acknowledged, whichever version arrives last', () => {
    const open = { id: 'a', createdAt: at(1), acknowledgement: null };
    const acknowledged = { id: 'a', createdAt: at(1), acknowledgement: { by: 'olga' } };
    const merge = (first: typeof open | typeof acknowledged, second: typeof open | typeof acknowledged) =>
      mergeEvents<{ id: string; createdAt: string; acknowledgement: unknown }>(
        [first],
        [second],
        ALERT_RETENTION,
        acknowledgedWins,
      );
    expect(merge(open, acknowledged)).toEqual([acknowledged]);
    expect(merge(acknowledged, open)).toEqual([acknowledged]);
  });

  it('drops events past the age limit', () => {
    const now = Date.parse('2026-11-22T12:00:00.000Z');
    const events = [
      { id: 'fresh', createdAt: at(60 * 23, now) },
      { id: 'stale', createdAt: at(60 * 25, now) },
    ];
    expect(withinAge(events, ALERT_RETENTION, now).map((e) => e.id)).toEqual(['fresh']);
    expect(withinAge(events, { max: 20 }, now)).toHaveLength(2);
  });
});

describe('a feed', () => {
  const recent = (id: string) => ({ id, createdAt: new Date().toISOString() });

  it('announces only events first seen live, once', () => {
    const feed = new Feed<TestEvent>({ max: 20 });
    const news: string[] = [];
    feed.onNews((events) => news.push(...events.map((e) => e.id)));
    feed.add([recent('h1')], 'history');
    feed.add([recent('h1'), recent('l1')], 'live');
    feed.add([recent('l1')], 'live');
    feed.add([recent('a1')], 'action');
    expect(news).toEqual(['l1']);
    expect(
      feed
        .getSnapshot()
        .events.map((e) => e.id)
        .sort(),
    ).toEqual(['a1', 'h1', 'l1']);
    expect(feed.getSnapshot().loading).toBe(false);
  });

  it('Clear hides what is listed, even when history or a replay brings it back; new events still show', () => {
    const feed = new Feed<TestEvent>({ max: 20 });
    feed.add([recent('a'), recent('b')], 'history');
    feed.clear();
    expect(feed.getSnapshot().events).toEqual([]);
    feed.add([recent('a'), recent('c')], 'live');
    expect(feed.getSnapshot().events.map((e) => e.id)).toEqual(['c']);
  });

  it('starts over, loading, when its filters change', () => {
    const feed = new Feed<TestEvent>({ max: 20 });
    feed.add([recent('a')], 'history');
    feed.setError('boom');
    feed.reset();
    expect(feed.getSnapshot()).toEqual({ events: [], loading: true, error: null });
  });
});

describe('resuming', () => {
  it('subscribes after the newest event of the history, or from the start when it was empty', () => {
    expect(resumeFrom(undefined)).toBeUndefined();
    expect(resumeFrom([])).toBe(FROM_START);
    expect(resumeFrom([{ cursor: 'e.9.9' }, { cursor: 'e.8.8' }])).toBe('e.9.9');
  });

  it("reads the cursor of a subscription result's event", () => {
    expect(cursorOf({ data: { securityAlerts: { id: 'a', cursor: 'e.3.3' } } })).toBe('e.3.3');
    expect(cursorOf({ data: { securityAlerts: { id: 'a' } } })).toBeNull();
    expect(cursorOf({ errors: [{ message: 'x' }] })).toBeNull();
  });

  it('accumulates received events with a running total (urql may batch several into one render)', () => {
    let received = receive(undefined, 'a');
    received = receive(received, 'b');
    expect(received).toEqual({ total: 2, recent: ['b', 'a'] });
  });
});

describe('the connection indicator', () => {
  const run = (events: ConnectionEvent[], from: ConnectionState = INITIAL_CONNECTION) =>
    events.reduce(nextConnectionState, from);
  const closed = (code: number, reason = ''): ConnectionEvent => ({ type: 'closed', code, reason });

  it.each<[string, ConnectionEvent[], ConnectionState['status']]>([
    ['before the first acknowledgement', [{ type: 'connecting' }], 'connecting'],
    ['once acknowledged', [{ type: 'connecting' }, { type: 'connected' }], 'connected'],
    ['when the socket drops', [{ type: 'connected' }, closed(1006)], 'reconnecting'],
    ['when the server restarts', [{ type: 'connected' }, closed(1001, 'Going away')], 'reconnecting'],
    [
      // The first close is the drop; the next ones are failed attempts: one short of offline.
      `after ${OFFLINE_AFTER_FAILURES - 1} failed attempts in a row`,
      [{ type: 'connected' }, closed(1006), closed(1006), closed(1006)],
      'reconnecting',
    ],
    [
      `after ${OFFLINE_AFTER_FAILURES} failed attempts in a row`,
      [{ type: 'connected' }, closed(1006), closed(1006), closed(1006), closed(1006)],
      'offline',
    ],
    [
      'back once an attempt succeeds',
      [{ type: 'connected' }, closed(1006), closed(1006), { type: 'connected' }],
      'connected',
    ],
    [
      'for good when the token is refused',
      [{ type: 'connected' }, closed(4403, 'Forbidden: token expired')],
      'closed',
    ],
  ])('%s', (_what, events, status) => {
    expect(run(events).status).toBe(status);
  });

  it('shows when the next attempt starts, and that it has started', () => {
    const waiting = run([{ type: 'connected' }, closed(1006), { type: 'waiting', retryAt: 1234 }]);
    expect(waiting).toEqual({ status: 'reconnecting', failures: 0, retryAt: 1234, lastClose: '1006' });
    expect(nextConnectionState(waiting, { type: 'connecting' })).toMatchObject({ retryAt: null });
  });

  it('stays closed whatever follows', () => {
    const closedForGood = run([closed(4403, 'Forbidden: token expired')]);
    expect(run([{ type: 'connected' }], closedForGood)).toBe(closedForGood);
  });

  it.each([
    [1000, false],
    [1001, false],
    [1006, false],
    [4408, false],
    [4499, false],
    [1002, true],
    [4400, true],
    [4403, true],
    [4429, true],
  ])('close %i is final: %s', (code, final) => {
    expect(isFinalClose(code)).toBe(final);
  });
});

describe('reconnect backoff', () => {
  it('grows exponentially, is capped, and jitters within the upper half of each step', () => {
    expect(reconnectDelay(0, () => 0)).toBe(BASE_DELAY_MS / 2);
    expect(reconnectDelay(0, () => 1)).toBe(BASE_DELAY_MS);
    expect(reconnectDelay(3, () => 0.5)).toBe(Math.round(BASE_DELAY_MS * 8 * 0.75));
    expect(reconnectDelay(30, () => 1)).toBe(MAX_DELAY_MS);
    expect(reconnectDelay(30, () => 0)).toBe(MAX_DELAY_MS / 2);
    const samples = Array.from({ length: 200 }, () => reconnectDelay(4));
    expect(new Set(samples).size).toBeGreaterThan(50);
  });
});

describe('actions offered match the server policy', () => {
  const roleSets: Role[][] = [
    [],
    ['admin'],
    ['officer'],
    ['user'],
    ['service'],
    ['officer', 'user'],
    ['service', 'user'],
  ];
  const pairs = roleSets.map((roles) => {
    const principal: Principal = { sub: 'alice', roles, sessionId: null, exp: 0, iat: null };
    const viewer: Viewer = {
      sub: 'alice',
      roles: roles.map((role) => role.toUpperCase() as Viewer['roles'][number]),
      sessionId: null,
      expiresAt: '',
    };
    return [roles.join('+') || 'none', principal, viewer] as const;
  });

  it.each(pairs)('%s', (_roles, principal, viewer) => {
    expect(can.acknowledgeAlert(viewer)).toBe(mayAcknowledgeAlert(principal));
    expect(can.changeToolAccess(viewer)).toBe(mayChangeToolAccess(principal));
    for (const userId of ['alice', 'bob']) {
      expect(can.terminateSession(viewer, { userId })).toBe(mayTerminateSession(principal, { userId }));
    }
    for (const custodians of [['alice'], ['bob'], []]) {
      expect(can.decideRecovery(viewer, { custodians })).toBe(mayDecideRecovery(principal, { custodians }));
    }
  });

  it('offers officers the RBAC kinds they can see', () => {
    expect(new Set(SECURITY_RBAC_KINDS)).toEqual(SERVER_SECURITY_RBAC_KINDS);
    const officer: Viewer = { sub: 'olga', roles: ['OFFICER'], sessionId: null, expiresAt: '' };
    expect(visibleRbacKinds(officer, ['ROLE_ASSIGNED', 'ACCESS_DENIED'])).toEqual(SECURITY_RBAC_KINDS);
    expect(visibleRbacKinds({ ...officer, roles: ['ADMIN'] }, ['ROLE_ASSIGNED'])).toEqual(['ROLE_ASSIGNED']);
  });
});

describe('wording', () => {
  const now = Date.parse('2026-11-22T12:00:00.000Z');

  it.each([
    [0.2, 'just now'],
    [1, '1 minute ago'],
    [2.5, '2 minutes ago'],
    [61, '1 hour ago'],
    [60 * 30, 'yesterday'],
  ])('%f minutes ago reads "%s"', (minutes, text) => {
    expect(relativeTime(at(minutes, now), now)).toBe(text);
  });

  it('turns enum values into labels', () => {
    expect(humanize('BRUTE_FORCE')).toBe('Brute force');
    expect(humanize('DDOS')).toBe('DDoS');
    expect(humanize('API_ABUSE')).toBe('API abuse');
  });

  it('offers actions only on the newest event of each entity', () => {
    const events = [
      { id: '3', session: 's1' },
      { id: '2', session: 's2' },
      { id: '1', session: 's1' },
    ];
    expect([...latestOfEach(events, (e) => e.session)]).toEqual(['3', '2']);
  });
});
