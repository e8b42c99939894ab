import type { Hub } from '../hub.js';
import type { Principal } from './principal.js';

/**
 * Why a verified token must still be refused, or null if it may be used: its
 * login session has been terminated (from the session's latest state in the
 * event store, so a termination on any instance counts).
 */
export async function revocationReason(hub: Hub, principal: Principal): Promise<string | null> {
  if (principal.sessionId === null) return null;
  const session = await hub.latest('sessionUpdates', principal.sessionId);
  return session?.status === 'TERMINATED' ? 'session terminated' : null;
}
