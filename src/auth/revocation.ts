import type { History } from '../history/history.js';
import type { Principal } from './principal.js';

/**
 * Why a verified token must still be refused, or null if it may be used: its
 * login session has been terminated (known from the session updates this
 * instance has seen, on any instance).
 */
export function revocationReason(history: History, principal: Principal): string | null {
  if (principal.sessionId === null) return null;
  return history.session(principal.sessionId)?.status === 'TERMINATED' ? 'session terminated' : null;
}
