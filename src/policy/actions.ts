import { hasRole, type Principal } from '../auth/principal.js';
import type { RecoveryUpdate, SessionUpdate } from '../events/types.js';

/**
 * Who may act: SPEC's "Who may act", one pure function per action. Each
 * returns true when the action is allowed; callers turn false into FORBIDDEN.
 */

/**
 * A person acting for themself: a `user`, `officer` or `admin` token. A
 * service, or a token whose roles are all unknown, is nobody's "themself".
 */
export function isPerson(principal: Principal): boolean {
  return hasRole(principal, 'user', 'officer', 'admin');
}

/** Raise an alert, report a session change, publish an RBAC event, report a blocked tool access. */
export function mayPublishEvents(principal: Principal): boolean {
  return hasRole(principal, 'service', 'admin');
}

/** Acknowledge an alert. */
export function mayAcknowledgeAlert(principal: Principal): boolean {
  return hasRole(principal, 'officer', 'admin');
}

/** Terminate a session: an admin, or the session's own user. */
export function mayTerminateSession(principal: Principal, session: Pick<SessionUpdate, 'userId'>): boolean {
  return hasRole(principal, 'admin') || (isPerson(principal) && session.userId === principal.sub);
}

/** Request tool access or recovery for `userId`: the user themself, or a service. */
export function mayRequestFor(principal: Principal, userId: string): boolean {
  return hasRole(principal, 'service') || (isPerson(principal) && principal.sub === userId);
}

/** Grant or revoke tool access. */
export function mayChangeToolAccess(principal: Principal): boolean {
  return hasRole(principal, 'admin');
}

/** Approve or deny a recovery request: one of its custodians, or an admin. */
export function mayDecideRecovery(
  principal: Principal,
  request: Pick<RecoveryUpdate, 'custodians'>,
): boolean {
  return hasRole(principal, 'admin') || (isPerson(principal) && request.custodians.includes(principal.sub));
}
