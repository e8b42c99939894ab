import { describe, expect, it } from 'vitest';
import * as fixtures from '../../test/support/fixtures.js';
import type {
  RbacEvent,
  RecoveryUpdate,
  SecurityAlert,
  SessionUpdate,
  ToolAccessEvent,
} from '../events/types.js';
import type {
  AlertFilter,
  RbacFilter,
  RecoveryFilter,
  SessionFilter,
  Severity,
  ToolAccessFilter,
} from '../generated/graphql.js';
import { atLeast, matchesFilter } from './filters.js';

/** Client filters narrow: every field optional, absent or null admits all, fields AND together. */

// Every event is alice's unless a row says otherwise.
const alert = (over: Partial<SecurityAlert> = {}) => fixtures.alert({ userId: 'alice', ...over });
const session = (over: Partial<SessionUpdate> = {}) => fixtures.session({ userId: 'alice', ...over });
const toolEvent = (over: Partial<ToolAccessEvent> = {}) =>
  fixtures.toolEvent({ userId: 'alice', actor: 'alice', ...over });
const recovery = (over: Partial<RecoveryUpdate> = {}) =>
  fixtures.recovery({ userId: 'alice', requestedBy: 'alice', method: 'EMAIL', ...over });
const rbac = (over: Partial<RbacEvent> = {}) =>
  fixtures.rbac({ userId: 'alice', roleName: 'auditor', message: 'alice is now an auditor', ...over });

type Verdict = 'passes' | 'dropped';
const verdict = (passes: boolean): Verdict => (passes ? 'passes' : 'dropped');

describe('atLeast: LOW < MEDIUM < HIGH < CRITICAL', () => {
  // biome-ignore format: laid out as a table
  const ROWS: [severity: Severity, min: Severity, expected: boolean][] = [
    ['LOW',      'LOW',      true],
    ['LOW',      'MEDIUM',   false],
    ['LOW',      'HIGH',     false],
    ['LOW',      'CRITICAL', false],
    ['MEDIUM',   'LOW',      true],
    ['MEDIUM',   'MEDIUM',   true],
    ['MEDIUM',   'HIGH',     false],
    ['MEDIUM',   'CRITICAL', false],
    ['HIGH',     'LOW',      true],
    ['HIGH',     'MEDIUM',   true],
    ['HIGH',     'HIGH',     true],
    ['HIGH',     'CRITICAL', false],
    ['CRITICAL', 'LOW',      true],
    ['CRITICAL', 'MEDIUM',   true],
    ['CRITICAL', 'HIGH',     true],
    ['CRITICAL', 'CRITICAL', true],
  ];

  it.each(ROWS)('%s at least %s → %s', (severity, min, expected) => {
    expect(atLeast(severity, min)).toBe(expected);
  });
});

describe('no filter admits everything', () => {
  it.each([null, undefined, {}])('filter %j', (filter) => {
    expect(matchesFilter('securityAlerts', filter, alert())).toBe(true);
    expect(matchesFilter('sessionUpdates', filter, session())).toBe(true);
    expect(matchesFilter('toolAccessEvents', filter, toolEvent())).toBe(true);
    expect(matchesFilter('recoveryStatus', filter, recovery())).toBe(true);
    expect(matchesFilter('rbacEvents', filter, rbac())).toBe(true);
  });
});

describe('securityAlerts filter', () => {
  // The alert under test: BRUTE_FORCE, HIGH, about alice, from fire_wall.
  // biome-ignore format: laid out as a table
  const ROWS: [filter: AlertFilter, expected: Verdict][] = [
    [{ minSeverity: null, severities: null, types: null, userId: null, source: null }, 'passes'],
    [{ minSeverity: 'LOW' },                                    'passes'],
    [{ minSeverity: 'HIGH' },                                   'passes'],
    [{ minSeverity: 'CRITICAL' },                               'dropped'],
    [{ severities: ['HIGH'] },                                  'passes'],
    [{ severities: ['LOW', 'CRITICAL'] },                       'dropped'],
    [{ severities: [] },                                        'dropped'],
    [{ types: ['BRUTE_FORCE', 'DDOS'] },                        'passes'],
    [{ types: ['DDOS'] },                                       'dropped'],
    [{ userId: 'alice' },                                       'passes'],
    [{ userId: 'bob' },                                         'dropped'],
    [{ source: 'fire_wall' },                                   'passes'],
    [{ source: 'waf' },                                         'dropped'],
    // Fields AND together: one mismatch drops the alert.
    [{ minSeverity: 'HIGH', types: ['BRUTE_FORCE'], userId: 'alice', source: 'fire_wall' }, 'passes'],
    [{ minSeverity: 'HIGH', types: ['BRUTE_FORCE'], userId: 'bob' },                        'dropped'],
    [{ minSeverity: 'CRITICAL', types: ['BRUTE_FORCE'], userId: 'alice' },                  'dropped'],
    [{ minSeverity: 'LOW', severities: ['LOW', 'MEDIUM'] },                                 'dropped'],
    [{ minSeverity: 'MEDIUM', severities: ['HIGH', 'LOW'] },                                'passes'],
  ];

  it.each(ROWS)('%j → %s', (filter, expected) => {
    expect(verdict(matchesFilter('securityAlerts', filter, alert()))).toBe(expected);
  });

  // biome-ignore format: laid out as a table
  const MIN_SEVERITY: [severity: Severity, min: Severity, expected: Verdict][] = [
    ['LOW',      'MEDIUM',   'dropped'],
    ['MEDIUM',   'MEDIUM',   'passes'],
    ['HIGH',     'MEDIUM',   'passes'],
    ['CRITICAL', 'MEDIUM',   'passes'],
    ['HIGH',     'CRITICAL', 'dropped'],
    ['CRITICAL', 'CRITICAL', 'passes'],
  ];

  it.each(MIN_SEVERITY)('a %s alert, minSeverity %s → %s', (severity, minSeverity, expected) => {
    expect(verdict(matchesFilter('securityAlerts', { minSeverity }, alert({ severity })))).toBe(expected);
  });

  // biome-ignore format: laid out as a table
  const UNSET_FIELDS: [filter: AlertFilter, expected: Verdict][] = [
    [{ userId: 'alice' },      'dropped'],
    [{ userId: null },         'passes'],
    [{ source: 'fire_wall' },  'dropped'],
    [{ source: null },         'passes'],
  ];

  it.each(UNSET_FIELDS)('an alert with no user and no source, %j → %s', (filter, expected) => {
    expect(verdict(matchesFilter('securityAlerts', filter, alert({ userId: null, source: null })))).toBe(
      expected,
    );
  });
});

describe('sessionUpdates filter', () => {
  // The update under test: session s1 of alice, CONNECTED.
  // biome-ignore format: laid out as a table
  const ROWS: [filter: SessionFilter, expected: Verdict][] = [
    [{ userId: null, sessionId: null, statuses: null },                      'passes'],
    [{ userId: 'alice' },                                                    'passes'],
    [{ userId: 'bob' },                                                      'dropped'],
    [{ sessionId: 's1' },                                                    'passes'],
    [{ sessionId: 's2' },                                                    'dropped'],
    [{ statuses: ['CONNECTED', 'TERMINATED'] },                              'passes'],
    [{ statuses: ['DISCONNECTED'] },                                         'dropped'],
    [{ userId: 'alice', sessionId: 's1', statuses: ['CONNECTED'] },          'passes'],
    [{ userId: 'alice', sessionId: 's2', statuses: ['CONNECTED'] },          'dropped'],
    [{ userId: 'bob', sessionId: 's1' },                                     'dropped'],
    [{ userId: 'alice', statuses: ['TERMINATED'] },                          'dropped'],
  ];

  it.each(ROWS)('%j → %s', (filter, expected) => {
    expect(verdict(matchesFilter('sessionUpdates', filter, session()))).toBe(expected);
  });
});

describe('toolAccessEvents filter', () => {
  // The event under test: alice REQUESTED payroll.
  // biome-ignore format: laid out as a table
  const ROWS: [filter: ToolAccessFilter, expected: Verdict][] = [
    [{ userId: null, toolId: null, actions: null },                         'passes'],
    [{ userId: 'alice' },                                                   'passes'],
    [{ userId: 'bob' },                                                     'dropped'],
    [{ toolId: 'payroll' },                                                 'passes'],
    [{ toolId: 'crm' },                                                     'dropped'],
    [{ actions: ['REQUESTED', 'GRANTED'] },                                 'passes'],
    [{ actions: ['REVOKED', 'BLOCKED'] },                                   'dropped'],
    [{ userId: 'alice', toolId: 'payroll', actions: ['REQUESTED'] },        'passes'],
    [{ userId: 'alice', toolId: 'crm', actions: ['REQUESTED'] },            'dropped'],
    [{ userId: 'alice', toolId: 'payroll', actions: ['GRANTED'] },          'dropped'],
  ];

  it.each(ROWS)('%j → %s', (filter, expected) => {
    expect(verdict(matchesFilter('toolAccessEvents', filter, toolEvent()))).toBe(expected);
  });
});

describe('recoveryStatus filter', () => {
  // The update under test: request r1 for alice, PENDING.
  // biome-ignore format: laid out as a table
  const ROWS: [filter: RecoveryFilter, expected: Verdict][] = [
    [{ userId: null, requestId: null, statuses: null },                     'passes'],
    [{ userId: 'alice' },                                                   'passes'],
    [{ userId: 'bob' },                                                     'dropped'],
    [{ requestId: 'r1' },                                                   'passes'],
    [{ requestId: 'r2' },                                                   'dropped'],
    [{ statuses: ['PENDING', 'APPROVED'] },                                 'passes'],
    [{ statuses: ['DENIED', 'COMPLETED'] },                                 'dropped'],
    [{ userId: 'alice', requestId: 'r1', statuses: ['PENDING'] },           'passes'],
    [{ userId: 'alice', requestId: 'r2', statuses: ['PENDING'] },           'dropped'],
    [{ userId: 'bob', requestId: 'r1' },                                    'dropped'],
  ];

  it.each(ROWS)('%j → %s', (filter, expected) => {
    expect(verdict(matchesFilter('recoveryStatus', filter, recovery()))).toBe(expected);
  });
});

describe('rbacEvents filter', () => {
  // The event under test: ROLE_ASSIGNED targeting alice, no security level.
  // biome-ignore format: laid out as a table
  const ROWS: [filter: RbacFilter, expected: Verdict][] = [
    [{ types: null, userId: null, minSecurityLevel: null },                 'passes'],
    [{ types: ['ROLE_ASSIGNED', 'ROLE_REVOKED'] },                          'passes'],
    [{ types: ['SECURITY_VIOLATION'] },                                     'dropped'],
    [{ userId: 'alice' },                                                   'passes'],
    [{ userId: 'bob' },                                                     'dropped'],
    [{ types: ['ROLE_ASSIGNED'], userId: 'alice' },                         'passes'],
    [{ types: ['ROLE_ASSIGNED'], userId: 'bob' },                           'dropped'],
    // An event without a security level never meets a minimum, not even LOW.
    [{ minSecurityLevel: 'LOW' },                                           'dropped'],
    [{ minSecurityLevel: 'CRITICAL' },                                      'dropped'],
  ];

  it.each(ROWS)('%j → %s', (filter, expected) => {
    expect(verdict(matchesFilter('rbacEvents', filter, rbac()))).toBe(expected);
  });

  // biome-ignore format: laid out as a table
  const SECURITY_LEVELS: [level: Severity | null, min: Severity | null, expected: Verdict][] = [
    [null,       null,       'passes'],
    [null,       'LOW',      'dropped'],
    ['LOW',      null,       'passes'],
    ['LOW',      'LOW',      'passes'],
    ['LOW',      'MEDIUM',   'dropped'],
    ['MEDIUM',   'HIGH',     'dropped'],
    ['HIGH',     'HIGH',     'passes'],
    ['CRITICAL', 'HIGH',     'passes'],
    ['HIGH',     'CRITICAL', 'dropped'],
  ];

  it.each(SECURITY_LEVELS)('securityLevel %s, minSecurityLevel %s → %s', (securityLevel, min, expected) => {
    const event = rbac({ type: 'SECURITY_VIOLATION', securityLevel });
    expect(verdict(matchesFilter('rbacEvents', { minSecurityLevel: min }, event))).toBe(expected);
  });

  it('an event with no target is dropped by a userId filter, kept without one', () => {
    const event = rbac({ type: 'POLICY_UPDATED', userId: null });
    expect(matchesFilter('rbacEvents', { userId: 'alice' }, event)).toBe(false);
    expect(matchesFilter('rbacEvents', { types: ['POLICY_UPDATED'] }, event)).toBe(true);
  });
});
