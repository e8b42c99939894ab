import { describe, expect, it } from 'vitest';
import type { RecoveryUpdate } from '../events/types.js';
import { decideRecovery, type RecoveryDecision, type RecoveryOutcome } from './recovery.js';

/**
 * Recovery requests move PENDING → APPROVED → COMPLETED as custodians approve,
 * or to DENIED on any denial; DENIED and COMPLETED are final.
 */

type State = Pick<RecoveryUpdate, 'status' | 'approvals' | 'threshold'>;
const state = (status: RecoveryUpdate['status'], approvals: string[], threshold: number): State => ({
  status,
  approvals,
  threshold,
});

const approve: RecoveryDecision = { kind: 'approve' };
const deny = (reason: string | null = 'not me'): RecoveryDecision => ({ kind: 'deny', reason });

const next = (status: RecoveryUpdate['status'], approvals: string[], reason: string | null = null) =>
  ({ ok: true, status, approvals, reason }) satisfies RecoveryOutcome;
const refused = { ok: false } as const;

describe('decideRecovery', () => {
  // biome-ignore format: laid out as a table
  const ROWS: [name: string, current: State, decider: string, decision: RecoveryDecision, expected: Partial<RecoveryOutcome>][] = [
    // Approvals accumulate until the threshold completes the request.
    ['first of two approvals',                  state('PENDING',  [],                 2), 'carol', approve,            next('APPROVED',  ['carol'])],
    ['second of two approvals completes',       state('APPROVED', ['carol'],          2), 'dave',  approve,            next('COMPLETED', ['carol', 'dave'])],
    ['second of three approvals',               state('APPROVED', ['carol'],          3), 'dave',  approve,            next('APPROVED',  ['carol', 'dave'])],
    ['third of three approvals completes',      state('APPROVED', ['carol', 'dave'],  3), 'erin',  approve,            next('COMPLETED', ['carol', 'dave', 'erin'])],
    ['threshold 1: first approval completes',   state('PENDING',  [],                 1), 'carol', approve,            next('COMPLETED', ['carol'])],
    ['an admin approval counts like any other', state('PENDING',  [],                 1), 'admin', approve,            next('COMPLETED', ['admin'])],
    // One approval per decider.
    ['duplicate approval',                      state('APPROVED', ['carol'],          2), 'carol', approve,            refused],
    ['duplicate approval among several',        state('APPROVED', ['carol', 'dave'],  3), 'dave',  approve,            refused],
    // Any denial ends the request, keeping the approvals it had.
    ['deny a pending request',                  state('PENDING',  [],                 2), 'carol', deny('not me'),     next('DENIED',    [], 'not me')],
    ['deny a partly approved request',          state('APPROVED', ['carol'],          2), 'dave',  deny('suspicious'), next('DENIED',    ['carol'], 'suspicious')],
    ['deny without a reason',                   state('PENDING',  [],                 1), 'carol', deny(null),         next('DENIED',    [], null)],
    // Final states take no more decisions.
    ['approve a denied request',                state('DENIED',   [],                 2), 'carol', approve,            refused],
    ['deny a denied request',                   state('DENIED',   ['carol'],          2), 'dave',  deny(),             refused],
    ['approve a completed request',             state('COMPLETED',['carol'],          1), 'dave',  approve,            refused],
    ['deny a completed request',                state('COMPLETED',['carol', 'dave'],  2), 'erin',  deny(),             refused],
    ['re-approve a completed request',          state('COMPLETED',['carol'],          1), 'carol', approve,            refused],
  ];

  it.each(ROWS)('%s', (_name, current, decider, decision, expected) => {
    const outcome = decideRecovery(current, decider, decision);
    if (expected.ok) {
      expect(outcome).toEqual(expected);
    } else {
      expect(outcome).toMatchObject(refused);
      expect(outcome).toHaveProperty('refusal', expect.any(String));
    }
  });

  // biome-ignore format: laid out as a table
  const REFUSALS: [current: State, decider: string, decision: RecoveryDecision, says: RegExp][] = [
    [state('DENIED',    [],        2), 'carol', approve, /already denied/],
    [state('COMPLETED', ['carol'], 1), 'dave',  deny(),  /already completed/],
    [state('APPROVED',  ['carol'], 2), 'carol', approve, /carol has already approved/],
  ];

  it.each(REFUSALS)('a refusal on %j by %s says why', (current, decider, decision, says) => {
    const outcome = decideRecovery(current, decider, decision);
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) expect(outcome.refusal).toMatch(says);
  });

  it('leaves the current state untouched', () => {
    const current = state('APPROVED', ['carol'], 3);
    decideRecovery(current, 'dave', approve);
    decideRecovery(current, 'dave', deny());
    expect(current).toEqual(state('APPROVED', ['carol'], 3));
  });
});
