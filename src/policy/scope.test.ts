import { describe, expect, it } from 'vitest';
import * as fixtures from '../../test/support/fixtures.js';
import type { Principal, Role } from '../auth/principal.js';
import {
  type RbacEvent,
  type RecoveryUpdate,
  type SessionUpdate,
  STREAMS,
  type Stream,
  type StreamPayloads,
  type ToolAccessEvent,
} from '../events/types.js';
import type { RbacEventType } from '../generated/graphql.js';
import { audienceKeyOf, audienceOf, canSee, mayWatch, scopeKeyOf } from './scope.js';

/**
 * SPEC "Roles and what each may see", written out by hand. The principal is
 * always `alice`; `bob` is someone else. Expected outcomes come from the SPEC
 * table, never from the code under test.
 */

const session = (over: Partial<SessionUpdate> & Pick<SessionUpdate, 'userId'>) => fixtures.session(over);
const toolEvent = (over: Partial<ToolAccessEvent> & Pick<ToolAccessEvent, 'userId'>) =>
  fixtures.toolEvent(over);
const recovery = (over: Partial<RecoveryUpdate> & Pick<RecoveryUpdate, 'userId'>) => fixtures.recovery(over);
const rbac = (over: Partial<RbacEvent> & Pick<RbacEvent, 'type'>) => fixtures.rbac(over);
const { alert, principal } = fixtures;

/** One event of one stream, kept together so `canSee` gets a matching pair. */
type Sample = { [S in Stream]: { stream: S; label: string; event: StreamPayloads[S] } }[Stream];
const sample = <S extends Stream>(stream: S, label: string, event: StreamPayloads[S]): Sample =>
  ({ stream, label, event }) as Sample;

const sees = (who: Principal, { stream, event }: Sample): boolean => canSee(who, stream, event);

type Outcome = 'sees' | 'hidden';
const outcome = (visible: boolean): Outcome => (visible ? 'sees' : 'hidden');

/** A row of the SPEC matrix: one event, and what each single-role `alice` gets. */
type MatrixRow = [event: Sample, admin: Outcome, officer: Outcome, user: Outcome, service: Outcome];

const ROLE_COLUMNS: readonly Role[] = ['admin', 'officer', 'user', 'service'];

// biome-ignore format: laid out as the SPEC matrix
const MATRIX: MatrixRow[] = [
  //                                                                                                          admin     officer   user      service
  [sample('securityAlerts', 'alert about alice', alert({ userId: 'alice' })),                                  'sees',   'sees',   'sees',   'hidden'],
  [sample('securityAlerts', 'alert about bob', alert({ userId: 'bob' })),                                      'sees',   'sees',   'hidden', 'hidden'],
  [sample('securityAlerts', 'alert about no user', alert({ userId: null })),                                   'sees',   'sees',   'hidden', 'hidden'],

  [sample('sessionUpdates', "alice's session", session({ userId: 'alice' })),                                  'sees',   'sees',   'sees',   'hidden'],
  [sample('sessionUpdates', "bob's session", session({ userId: 'bob' })),                                      'sees',   'sees',   'hidden', 'hidden'],
  [sample('sessionUpdates', "bob's session terminated by alice", session({ userId: 'bob', status: 'TERMINATED', terminatedBy: 'alice' })),
                                                                                                               'sees',   'sees',   'hidden', 'hidden'],

  [sample('toolAccessEvents', "alice's tool access", toolEvent({ userId: 'alice' })),                          'sees',   'sees',   'sees',   'hidden'],
  [sample('toolAccessEvents', "bob's tool access", toolEvent({ userId: 'bob' })),                              'sees',   'sees',   'hidden', 'hidden'],
  [sample('toolAccessEvents', "bob's tool access, alice the actor", toolEvent({ userId: 'bob', actor: 'alice' })),
                                                                                                               'sees',   'sees',   'hidden', 'hidden'],

  [sample('recoveryStatus', 'request alice made for her account', recovery({ userId: 'alice' })),              'sees',   'sees',   'sees',   'hidden'],
  [sample('recoveryStatus', "service's request for alice's account", recovery({ userId: 'alice', requestedBy: 'recovery-service' })),
                                                                                                               'sees',   'sees',   'sees',   'hidden'],
  [sample('recoveryStatus', "bob's request, alice a custodian", recovery({ userId: 'bob', custodians: ['carol', 'alice'] })),
                                                                                                               'sees',   'sees',   'sees',   'hidden'],
  [sample('recoveryStatus', "bob's request, alice approved it", recovery({ userId: 'bob', custodians: ['alice'], approvals: ['alice'], status: 'COMPLETED' })),
                                                                                                               'sees',   'sees',   'sees',   'hidden'],
  [sample('recoveryStatus', "bob's request, alice not a custodian", recovery({ userId: 'bob', custodians: ['carol'] })),
                                                                                                               'sees',   'sees',   'hidden', 'hidden'],
  [sample('recoveryStatus', "a request alice filed for bob's account", recovery({ userId: 'bob', requestedBy: 'alice' })),
                                                                                                               'sees',   'sees',   'sees',   'hidden'],
  [sample('recoveryStatus', "bob's request, no custodians", recovery({ userId: 'bob' })),                      'sees',   'sees',   'hidden', 'hidden'],
  [sample('recoveryStatus', "bob's request, decided by alice", recovery({ userId: 'bob', custodians: ['carol'], decidedBy: 'alice', status: 'DENIED' })),
                                                                                                               'sees',   'sees',   'hidden', 'hidden'],

  [sample('rbacEvents', 'ROLE_ASSIGNED targeting alice', rbac({ type: 'ROLE_ASSIGNED', userId: 'alice' })),    'sees',   'hidden', 'sees',   'hidden'],
  [sample('rbacEvents', 'ROLE_ASSIGNED targeting bob', rbac({ type: 'ROLE_ASSIGNED', userId: 'bob' })),        'sees',   'hidden', 'hidden', 'hidden'],
  [sample('rbacEvents', 'ROLE_ASSIGNED by alice, targeting bob', rbac({ type: 'ROLE_ASSIGNED', userId: 'bob', actor: 'alice' })),
                                                                                                               'sees',   'hidden', 'hidden', 'hidden'],
  [sample('rbacEvents', 'POLICY_UPDATED targeting no user', rbac({ type: 'POLICY_UPDATED', userId: null })),   'sees',   'hidden', 'hidden', 'hidden'],
  [sample('rbacEvents', 'SECURITY_VIOLATION targeting alice', rbac({ type: 'SECURITY_VIOLATION', userId: 'alice' })),
                                                                                                               'sees',   'sees',   'sees',   'hidden'],
  [sample('rbacEvents', 'SECURITY_VIOLATION targeting bob', rbac({ type: 'SECURITY_VIOLATION', userId: 'bob' })),
                                                                                                               'sees',   'sees',   'hidden', 'hidden'],
  [sample('rbacEvents', 'SECURITY_VIOLATION targeting no user', rbac({ type: 'SECURITY_VIOLATION', userId: null })),
                                                                                                               'sees',   'sees',   'hidden', 'hidden'],
];

const MATRIX_CASES = MATRIX.flatMap(([event, ...outcomes]) =>
  ROLE_COLUMNS.map((role, i): [name: string, role: Role, event: Sample, expected: Outcome] => {
    const expected = outcomes[i] as Outcome;
    return [`${event.stream}: ${role} alice, ${event.label} → ${expected}`, role, event, expected];
  }),
);

describe('canSee: the SPEC matrix, one role at a time', () => {
  it.each(MATRIX_CASES)('%s', (_name, role, event, expected) => {
    expect(outcome(sees(principal([role]), event))).toBe(expected);
  });
});

describe('canSee: RBAC kinds for officers', () => {
  // Officers see the security kinds (violations), never administration, whoever is targeted.
  // biome-ignore format: one kind per line
  const KINDS: [RbacEventType, Outcome][] = [
    ['SECURITY_VIOLATION',    'sees'],
    ['SUSPICIOUS_ACTIVITY',   'sees'],
    ['ACCESS_DENIED',         'sees'],
    ['PERMISSION_GRANTED',    'hidden'],
    ['PERMISSION_DENIED',     'hidden'],
    ['PERMISSION_REVOKED',    'hidden'],
    ['ROLE_ASSIGNED',         'hidden'],
    ['ROLE_REVOKED',          'hidden'],
    ['ROLE_MODIFIED',         'hidden'],
    ['USER_CREATED',          'hidden'],
    ['USER_UPDATED',          'hidden'],
    ['USER_DELETED',          'hidden'],
    ['POLICY_UPDATED',        'hidden'],
    ['CONFIGURATION_CHANGED', 'hidden'],
  ];

  it.each(KINDS)('officer alice, %s targeting bob → %s', (type, expected) => {
    expect(outcome(canSee(principal(['officer']), 'rbacEvents', rbac({ type, userId: 'bob' })))).toBe(
      expected,
    );
  });

  it.each(KINDS)('officer alice, %s targeting no user → %s', (type, expected) => {
    expect(outcome(canSee(principal(['officer']), 'rbacEvents', rbac({ type, userId: null })))).toBe(
      expected,
    );
  });

  it.each(KINDS)('admin alice, %s targeting bob → sees', (type) => {
    expect(canSee(principal(['admin']), 'rbacEvents', rbac({ type, userId: 'bob' }))).toBe(true);
  });

  it.each(KINDS)('user alice, %s targeting alice → sees; targeting bob → hidden', (type) => {
    expect(canSee(principal(['user']), 'rbacEvents', rbac({ type, userId: 'alice' }))).toBe(true);
    expect(canSee(principal(['user']), 'rbacEvents', rbac({ type, userId: 'bob' }))).toBe(false);
  });
});

describe('canSee: principals with several roles, or none', () => {
  // A principal sees what any one of its roles would let it see; no role, no scope.
  // One own-and-other pair per stream: alice's event and bob's (bob's recovery request has no custodians).
  const own: Sample[] = [
    sample('securityAlerts', 'alert about alice', alert({ userId: 'alice' })),
    sample('sessionUpdates', "alice's session", session({ userId: 'alice' })),
    sample('toolAccessEvents', "alice's tool access", toolEvent({ userId: 'alice' })),
    sample('recoveryStatus', "alice's recovery", recovery({ userId: 'alice' })),
    sample('rbacEvents', 'ROLE_ASSIGNED targeting alice', rbac({ type: 'ROLE_ASSIGNED', userId: 'alice' })),
  ];
  const others: Sample[] = [
    sample('securityAlerts', 'alert about bob', alert({ userId: 'bob' })),
    sample('sessionUpdates', "bob's session", session({ userId: 'bob' })),
    sample('toolAccessEvents', "bob's tool access", toolEvent({ userId: 'bob' })),
    sample('recoveryStatus', "bob's recovery", recovery({ userId: 'bob' })),
    sample('rbacEvents', 'ROLE_ASSIGNED targeting bob', rbac({ type: 'ROLE_ASSIGNED', userId: 'bob' })),
  ];

  // biome-ignore format: laid out as a table
  const ROLE_SETS: [roles: Role[], ownEvents: Outcome, othersEvents: Outcome][] = [
    [['user', 'service'],  'sees',   'hidden'],
    [['service', 'user'],  'sees',   'hidden'],
    [['service'],          'hidden', 'hidden'],
    [[],                   'hidden', 'hidden'],
    [['admin', 'service'], 'sees',   'sees'],
    [['admin', 'user'],    'sees',   'sees'],
  ];

  describe.each(ROLE_SETS)('roles %j', (roles, ownExpected, othersExpected) => {
    const cases = [
      ...own.map((event) => [event, ownExpected] as const),
      ...others.map((event) => [event, othersExpected] as const),
    ].map(([event, expected]) => [`${event.stream}: ${event.label} → ${expected}`, event, expected] as const);
    it.each(cases)('%s', (_name, event, expected) => {
      expect(outcome(sees(principal(roles), event))).toBe(expected);
    });
  });

  // officer + user: officer's reach, widened by the user's own RBAC events.
  // biome-ignore format: laid out as a table
  const OFFICER_AND_USER: [Sample, Outcome][] = [
    [sample('securityAlerts', 'alert about bob', alert({ userId: 'bob' })),                                     'sees'],
    [sample('recoveryStatus', "bob's recovery", recovery({ userId: 'bob' })),                                   'sees'],
    [sample('rbacEvents', 'ROLE_ASSIGNED targeting alice', rbac({ type: 'ROLE_ASSIGNED', userId: 'alice' })),   'sees'],
    [sample('rbacEvents', 'ROLE_ASSIGNED targeting bob', rbac({ type: 'ROLE_ASSIGNED', userId: 'bob' })),       'hidden'],
    [sample('rbacEvents', 'ACCESS_DENIED targeting bob', rbac({ type: 'ACCESS_DENIED', userId: 'bob' })),       'sees'],
  ];

  it.each(
    OFFICER_AND_USER.map(([event, expected]) => [`${event.label} → ${expected}`, event, expected] as const),
  )('roles ["officer","user"], %s', (_name, event, expected) => {
    expect(outcome(sees(principal(['officer', 'user']), event))).toBe(expected);
  });
});

describe('canSee: custodians of recovery requests', () => {
  const bobsRequest = recovery({ userId: 'bob', custodians: ['alice', 'carol'], threshold: 2 });

  // biome-ignore format: laid out as a table
  const CUSTODIANS: [who: string, roles: Role[], expected: Outcome][] = [
    ['alice (custodian), user',            ['user'],            'sees'],
    ['carol (custodian), user',            ['user'],            'sees'],
    ['dave (not a custodian), user',       ['user'],            'hidden'],
    ['alice (custodian), service',         ['service'],         'hidden'],
    ['alice (custodian), no roles',        [],                  'hidden'],
    ['alice (custodian), user + service',  ['user', 'service'], 'sees'],
    ['dave (not a custodian), officer',    ['officer'],         'sees'],
    ['dave (not a custodian), admin',      ['admin'],           'sees'],
  ];

  it.each(CUSTODIANS)('%s → %s', (who, roles, expected) => {
    const sub = who.split(' ')[0] as string;
    expect(outcome(canSee(principal(roles, sub), 'recoveryStatus', bobsRequest))).toBe(expected);
  });

  it('a custodian sees every state of the request', () => {
    for (const status of ['PENDING', 'APPROVED', 'DENIED', 'COMPLETED'] as const) {
      expect(canSee(principal(['user']), 'recoveryStatus', { ...bobsRequest, status })).toBe(true);
    }
  });
});

describe('mayWatch: whether a subscription could ever deliver', () => {
  // Every stream gives admin, officer and user some scope; service has none anywhere.
  // biome-ignore format: laid out as a table
  const WATCHERS: [roles: Role[], expected: boolean][] = [
    [['admin'],            true],
    [['officer'],          true],
    [['user'],             true],
    [['service'],          false],
    [[],                   false],
    [['user', 'service'],  true],
    [['service', 'admin'], true],
  ];

  describe.each(STREAMS)('%s', (stream) => {
    it.each(WATCHERS)('roles %j → %s', (roles, expected) => {
      expect(mayWatch(principal(roles), stream)).toBe(expected);
    });
  });
});

describe('scopeKeyOf: equal keys decide every event alike (shared execution relies on it)', () => {
  const PRINCIPALS: Principal[] = [
    principal(['admin'], 'root'),
    principal(['admin'], 'ada'),
    principal(['officer'], 'olga'),
    principal(['officer'], 'oscar'),
    principal(['admin', 'officer'], 'both'),
    principal(['user'], 'alice'),
    principal(['user'], 'alice', { sessionId: 's2' }),
    principal(['user'], 'bob'),
    principal(['user', 'service'], 'alice'),
    principal(['officer', 'user'], 'alice'),
    principal(['service'], 'ids'),
    principal([], 'nobody'),
  ];
  const events = MATRIX.map(([event]) => event);

  it.each(STREAMS)('%s', (stream) => {
    const ofStream = events.filter((e) => e.stream === stream);
    for (const a of PRINCIPALS) {
      for (const b of PRINCIPALS) {
        if (scopeKeyOf(a, stream) !== scopeKeyOf(b, stream)) continue;
        expect(
          ofStream.map((e) => sees(a, e)),
          `${a.sub}${a.roles} vs ${b.sub}${b.roles}`,
        ).toEqual(ofStream.map((e) => sees(b, e)));
      }
    }
  });

  it('shares where it can: every admin and officer on alerts, one key per user', () => {
    expect(new Set(PRINCIPALS.slice(0, 5).map((p) => scopeKeyOf(p, 'securityAlerts')))).toEqual(
      new Set(['all']),
    );
    expect(scopeKeyOf(principal(['user'], 'alice'), 'securityAlerts')).not.toBe(
      scopeKeyOf(principal(['user'], 'bob'), 'securityAlerts'),
    );
    expect(scopeKeyOf(principal(['officer'], 'olga'), 'rbacEvents')).not.toBe('all');
  });
});

describe('audienceOf / audienceKeyOf: routing by audience never hides an event someone may see', () => {
  // biome-ignore format: one event per line
  const AUDIENCES: [Sample, string[]][] = [
    [sample('securityAlerts', 'alert about alice', alert({ userId: 'alice' })),                    ['alice']],
    [sample('securityAlerts', 'alert about no user', alert({ userId: null })),                     []],
    [sample('sessionUpdates', "bob's session terminated by alice", session({ userId: 'bob', terminatedBy: 'alice' })),
                                                                                                   ['bob']],
    [sample('toolAccessEvents', "bob's tool access, alice the actor", toolEvent({ userId: 'bob', actor: 'alice' })),
                                                                                                   ['bob']],
    [sample('recoveryStatus', 'owner, filer and custodians', recovery({ userId: 'bob', requestedBy: 'svc', custodians: ['carol', 'alice'] })),
                                                                                                   ['bob', 'svc', 'carol', 'alice']],
    [sample('recoveryStatus', 'the owner filed it and is listed as custodian', recovery({ userId: 'bob', requestedBy: 'bob', custodians: ['bob'] })),
                                                                                                   ['bob']],
    [sample('rbacEvents', 'ROLE_ASSIGNED by alice, targeting bob', rbac({ type: 'ROLE_ASSIGNED', userId: 'bob', actor: 'alice' })),
                                                                                                   ['bob']],
    [sample('rbacEvents', 'POLICY_UPDATED targeting no user', rbac({ type: 'POLICY_UPDATED', userId: null })),
                                                                                                   []],
  ];
  it.each(AUDIENCES.map(([event, ids]) => [event.label, event, ids] as const))(
    '%s',
    (_label, { stream, event }, ids) => {
      expect(audienceOf(stream, event)).toEqual(ids);
    },
  );

  // biome-ignore format: one principal per line
  const KEYS: [roles: Role[], stream: Stream, key: string | null][] = [
    [['user'],              'securityAlerts', 'alice'],
    [['user', 'service'],   'recoveryStatus', 'alice'],
    [['officer'],           'securityAlerts', null],
    [['officer', 'user'],   'rbacEvents',     null],
    [['admin'],             'rbacEvents',     null],
  ];
  it.each(KEYS)('roles %j on %s → key %s', (roles, stream, key) => {
    expect(audienceKeyOf(principal(roles, 'alice'), stream)).toBe(key);
  });

  it('whoever has an audience key sees only events whose audience holds it', () => {
    const principals = [
      ...(['admin', 'officer', 'user', 'service'] as const).map((role) => principal([role], 'alice')),
      principal(['user', 'service'], 'alice'),
      principal(['officer', 'user'], 'alice'),
    ];
    const events = [...MATRIX.map(([event]) => event), ...AUDIENCES.map(([event]) => event)];
    let checked = 0;
    for (const who of principals) {
      for (const { stream, event } of events) {
        const key = audienceKeyOf(who, stream);
        if (key === null || !canSee(who, stream, event)) continue;
        expect(audienceOf(stream, event), `${who.roles} on ${stream}`).toContain(key);
        checked++;
      }
    }
    // At least every "sees" of the matrix's user column, for both principals with a key: real cases ran.
    expect(checked).toBeGreaterThanOrEqual(MATRIX.filter((row) => row[3] === 'sees').length * 2);
  });
});
