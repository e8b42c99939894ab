import { randomUUID } from 'node:crypto';
import { authorize } from '../auth/guard.js';
import type { Principal } from '../auth/principal.js';
import { badInput } from '../errors.js';
import type { RecoveryUpdate } from '../events/types.js';
import type { RequestRecoveryInput } from '../generated/graphql.js';
import type { Hub } from '../hub.js';
import { mayDecideRecovery, mayRequestFor } from '../policy/actions.js';
import { decideRecovery, type RecoveryDecision } from '../policy/recovery.js';
import type { Draft } from '../store/store.js';
import { decideAndPublish, stamp } from './event.js';
import { idList, optionalText, requireId } from './validate.js';

/** Opens a recovery request (PENDING) and publishes it. */
export async function requestRecovery(
  hub: Hub,
  principal: Principal,
  input: RequestRecoveryInput,
): Promise<RecoveryUpdate> {
  const userId = requireId(input.userId, 'input.userId');
  authorize(mayRequestFor(principal, userId), 'Only the user themself or a service may request recovery');
  const custodians = idList(input.custodians, 'input.custodians', 20);
  if (custodians.includes(userId)) {
    throw badInput('A user cannot be a custodian of their own recovery', 'input.custodians');
  }
  if (input.method === 'CUSTODIAN' && custodians.length === 0) {
    throw badInput('CUSTODIAN recovery needs at least one custodian', 'input.custodians');
  }
  // Without custodians, an admin's approval is the one that counts.
  const maxThreshold = Math.max(1, custodians.length);
  const threshold = input.threshold ?? maxThreshold;
  if (!Number.isInteger(threshold) || threshold < 1 || threshold > maxThreshold) {
    throw badInput(`threshold must be 1 to ${maxThreshold}`, 'input.threshold');
  }
  const update: Draft<'recoveryStatus'> = {
    ...stamp(),
    requestId: randomUUID(),
    userId,
    status: 'PENDING',
    method: input.method,
    custodians,
    approvals: [],
    approvalCount: 0,
    threshold,
    decidedBy: null,
    reason: null,
    requestedBy: principal.sub,
  };
  return hub.publish('recoveryStatus', update);
}

/** Approves or denies a recovery request and publishes its new state. */
export async function decideOnRecovery(
  hub: Hub,
  principal: Principal,
  requestId: string,
  decision: RecoveryDecision,
): Promise<RecoveryUpdate> {
  const id = requireId(requestId, 'requestId');
  const reason = decision.kind === 'deny' ? optionalText(decision.reason, 'reason') : null;
  return decideAndPublish(async () => {
    const current = await hub.latest('recoveryStatus', id);
    if (!current) throw badInput(`No recovery request ${requestId} is known`, 'requestId');
    authorize(
      mayDecideRecovery(principal, current),
      'Only a custodian of this request or an admin may decide it',
    );
    const outcome = decideRecovery(current, principal.sub, decision);
    if (!outcome.ok) throw badInput(outcome.refusal, 'requestId');
    const { cursor, ...state } = current;
    const update: Draft<'recoveryStatus'> = {
      ...state,
      ...stamp(),
      status: outcome.status,
      approvals: outcome.approvals,
      approvalCount: outcome.approvals.length,
      decidedBy: principal.sub,
      reason: outcome.status === 'DENIED' ? reason : null,
    };
    // Conditional on the state read above: concurrent approvals on two instances both count, in turn.
    return hub.publish('recoveryStatus', update, { expect: cursor });
  });
}
