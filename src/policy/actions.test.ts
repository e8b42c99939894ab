import { describe, expect, it } from 'vitest';
import * as fixtures from '../../test/support/fixtures.js';
import type { Role } from '../auth/principal.js';
import {
  mayAcknowledgeAlert,
  mayChangeToolAccess,
  mayDecideRecovery,
  mayPublishEvents,
  mayRequestFor,
  mayTerminateSession,
} from './actions.js';

/**
 * SPEC "Who may act", written out by hand. The acting principal is `alice`
 * unless a row says otherwise; `bob` is someone else.
 */

const { principal } = fixtures;

type Verdict = 'allowed' | 'refused';
const verdict = (allowed: boolean): Verdict => (allowed ? 'allowed' : 'refused');

describe('mayPublishEvents: raise an alert, report a session change, publish an RBAC event', () => {
  // biome-ignore format: laid out as a table
  const ROWS: [roles: Role[], expected: Verdict][] = [
    [['service'],          'allowed'],
    [['admin'],            'allowed'],
    [['officer'],          'refused'],
    [['user'],             'refused'],
    [[],                   'refused'],
    [['user', 'service'],  'allowed'],
    [['officer', 'user'],  'refused'],
  ];

  it.each(ROWS)('roles %j → %s', (roles, expected) => {
    expect(verdict(mayPublishEvents(principal(roles)))).toBe(expected);
  });
});

describe('mayAcknowledgeAlert', () => {
  // biome-ignore format: laid out as a table
  const ROWS: [roles: Role[], expected: Verdict][] = [
    [['officer'],          'allowed'],
    [['admin'],            'allowed'],
    [['service'],          'refused'],
    [['user'],             'refused'],
    [[],                   'refused'],
    [['user', 'officer'],  'allowed'],
    [['user', 'service'],  'refused'],
  ];

  it.each(ROWS)('roles %j → %s', (roles, expected) => {
    expect(verdict(mayAcknowledgeAlert(principal(roles)))).toBe(expected);
  });
});

describe('mayTerminateSession: admin, or the session’s own user', () => {
  // biome-ignore format: laid out as a table
  const ROWS: [roles: Role[], sessionOf: string, expected: Verdict][] = [
    [['admin'],            'bob',   'allowed'],
    [['admin'],            'alice', 'allowed'],
    [['user'],             'alice', 'allowed'],
    [['user'],             'bob',   'refused'],
    [['officer'],          'bob',   'refused'],
    [['officer'],          'alice', 'allowed'],
    [['service'],          'bob',   'refused'],
    [['user', 'service'],  'bob',   'refused'],
    [['officer', 'user'],  'bob',   'refused'],
    [[],                   'bob',   'refused'],
    // A token with no known role is nobody's "own user".
    [[],                   'alice', 'refused'],
    [['service'],          'alice', 'refused'],
  ];

  it.each(ROWS)('roles %j, session of %s → %s', (roles, sessionOf, expected) => {
    expect(verdict(mayTerminateSession(principal(roles), { userId: sessionOf }))).toBe(expected);
  });
});

describe('mayRequestFor: request tool access or recovery — the user themself, or service', () => {
  // biome-ignore format: laid out as a table
  const ROWS: [roles: Role[], forUser: string, expected: Verdict][] = [
    [['user'],             'alice', 'allowed'],
    [['user'],             'bob',   'refused'],
    [['service'],          'bob',   'allowed'],
    [['service'],          'alice', 'allowed'],
    [['user', 'service'],  'bob',   'allowed'],
    [['admin'],            'bob',   'refused'],
    [['officer'],          'bob',   'refused'],
    [['admin', 'officer'], 'bob',   'refused'],
    [['officer'],          'alice', 'allowed'],
    [[],                   'bob',   'refused'],
    [[],                   'alice', 'refused'],
  ];

  it.each(ROWS)('roles %j, for %s → %s', (roles, forUser, expected) => {
    expect(verdict(mayRequestFor(principal(roles), forUser))).toBe(expected);
  });
});

describe('mayChangeToolAccess: grant or revoke — admin only', () => {
  // biome-ignore format: laid out as a table
  const ROWS: [roles: Role[], expected: Verdict][] = [
    [['admin'],            'allowed'],
    [['officer'],          'refused'],
    [['user'],             'refused'],
    [['service'],          'refused'],
    [[],                   'refused'],
    [['user', 'admin'],    'allowed'],
    [['officer', 'service', 'user'], 'refused'],
  ];

  it.each(ROWS)('roles %j → %s', (roles, expected) => {
    expect(verdict(mayChangeToolAccess(principal(roles)))).toBe(expected);
  });
});

describe('mayDecideRecovery: approve or deny — a custodian of that request, or admin', () => {
  // Bob's request; carol and dave are its custodians.
  const bobsRequest = { custodians: ['carol', 'dave'] };
  const noCustodians = { custodians: [] };

  // biome-ignore format: laid out as a table
  const ROWS: [who: string, roles: Role[], request: { custodians: string[] }, expected: Verdict][] = [
    ['carol', ['user'],    bobsRequest,  'allowed'],
    ['dave',  ['user'],    bobsRequest,  'allowed'],
    ['carol', ['officer'], bobsRequest,  'allowed'],
    ['alice', ['admin'],   bobsRequest,  'allowed'],
    ['alice', ['admin'],   noCustodians, 'allowed'],
    ['alice', ['user'],    bobsRequest,  'refused'],
    ['bob',   ['user'],    bobsRequest,  'refused'],
    ['alice', ['officer'], bobsRequest,  'refused'],
    ['alice', ['service'], bobsRequest,  'refused'],
    ['bob',   ['user'],    noCustodians, 'refused'],
    ['alice', [],          bobsRequest,  'refused'],
    // Custodians are people: a roleless or service token named carol decides nothing.
    ['carol', [],          bobsRequest,  'refused'],
    ['carol', ['service'], bobsRequest,  'refused'],
  ];

  it.each(ROWS)('%s with roles %j, custodians %j → %s', (who, roles, request, expected) => {
    expect(verdict(mayDecideRecovery(principal(roles, who), request))).toBe(expected);
  });
});
