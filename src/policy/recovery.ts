import type { RecoveryUpdate } from '../events/types.js';

/** A custodian's (or admin's) decision on a recovery request. */
export type RecoveryDecision = { kind: 'approve' } | { kind: 'deny'; reason: string | null };

/** The request's next state, or why the decision is refused. Pure: no clock, no ids. */
export type RecoveryOutcome =
  | { ok: true; status: RecoveryUpdate['status']; approvals: string[]; reason: string | null }
  | { ok: false; refusal: string };

const FINAL: ReadonlySet<RecoveryUpdate['status']> = new Set(['DENIED', 'COMPLETED']);

/**
 * Applies a decision by `decider` to a request's current state: approvals
 * accumulate (once per decider) until the threshold completes the request;
 * a single denial ends it. Final requests take no more decisions.
 */
export function decideRecovery(
  current: Pick<RecoveryUpdate, 'status' | 'approvals' | 'threshold'>,
  decider: string,
  decision: RecoveryDecision,
): RecoveryOutcome {
  if (FINAL.has(current.status)) {
    return { ok: false, refusal: `The request is already ${current.status.toLowerCase()}` };
  }
  if (decision.kind === 'deny') {
    return { ok: true, status: 'DENIED', approvals: [...current.approvals], reason: decision.reason };
  }
  if (current.approvals.includes(decider)) {
    return { ok: false, refusal: `${decider} has already approved this request` };
  }
  const approvals = [...current.approvals, decider];
  return {
    ok: true,
    status: approvals.length >= current.threshold ? 'COMPLETED' : 'APPROVED',
    approvals,
    reason: null,
  };
}
