import type { Principal } from '../auth/principal.js';
import type { RbacEvent, SessionUpdate } from '../events/types.js';
import type { RbacEventType } from '../generated/graphql.js';

/** RBAC kinds that take rights away from their target user: their tokens issued before it stop working. */
export const REVOKING_RBAC_KINDS: ReadonlySet<RbacEventType> = new Set([
  'ROLE_REVOKED',
  'PERMISSION_REVOKED',
  'USER_DELETED',
]);

/** The entity key under which the store keeps a user's latest revoking RBAC event. */
export const revocationKeyOf = (userId: string): string => `revocation:${userId}`;

/** The session a session update terminates, or null. */
export function terminatedSessionOf(update: Pick<SessionUpdate, 'status' | 'sessionId'>): string | null {
  return update.status === 'TERMINATED' ? update.sessionId : null;
}

/** The user whose rights an RBAC event revokes, or null. */
export function revokedUserOf(event: Pick<RbacEvent, 'type' | 'userId'>): string | null {
  return REVOKING_RBAC_KINDS.has(event.type) ? event.userId : null;
}

/**
 * True when a revoking RBAC event invalidates the principal's token: it targets
 * the principal and the token was issued (`iat`) before the change. A token
 * without `iat` cannot prove it is newer, so it counts as older.
 */
export function tokenPredates(
  principal: Pick<Principal, 'sub' | 'iat'>,
  event: Pick<RbacEvent, 'type' | 'userId' | 'createdAt'>,
): boolean {
  if (revokedUserOf(event) !== principal.sub) return false;
  return principal.iat === null || principal.iat * 1000 < Date.parse(event.createdAt);
}
