import type { Hub } from '../hub.js';
import { revocationKeyOf, revokedUserOf, terminatedSessionOf, tokenPredates } from '../policy/revocation.js';
import type { Principal } from './principal.js';

/**
 * Why a verified token must still be refused, or null if it may be used: its
 * login session was terminated, or its user's rights were revoked after it was
 * issued. Read from the event store, so a change on any instance counts.
 */
export async function revocationReason(hub: Hub, principal: Principal): Promise<string | null> {
  const [session, revocation] = await Promise.all([
    principal.sessionId === null ? null : hub.latest('sessionUpdates', principal.sessionId),
    hub.latest('rbacEvents', revocationKeyOf(principal.sub)),
  ]);
  if (session && terminatedSessionOf(session)) return 'session terminated';
  if (revocation && tokenPredates(principal, revocation)) return 'roles changed; sign in again';
  return null;
}

/** Live revocation: calls back when a principal in use is revoked, on any instance. */
export interface Revocations {
  /** Calls `onRevoked(reason)` once if the principal's session is terminated or its rights revoked; returns unregister. */
  watch(principal: Principal, onRevoked: (reason: string) => void): () => void;
}

/**
 * Watches session terminations and revoking RBAC events through the hub. Its
 * listeners run late, after subscriptions got the revoking event itself, and
 * call back synchronously, so nothing published after a revocation reaches
 * the revoked principal.
 */
export function createRevocations(hub: Hub): Revocations {
  type Entry = { principal: Principal; onRevoked: (reason: string) => void };
  const bySession = new Map<string, Set<Entry>>();
  const byUser = new Map<string, Set<Entry>>();
  const add = (index: Map<string, Set<Entry>>, key: string, entry: Entry) => {
    const set = index.get(key) ?? new Set();
    set.add(entry);
    index.set(key, set);
    return () => {
      set.delete(entry);
      if (set.size === 0) index.delete(key);
    };
  };
  hub.listen(
    'sessionUpdates',
    (update) => {
      const sessionId = terminatedSessionOf(update);
      if (sessionId === null) return;
      for (const entry of [...(bySession.get(sessionId) ?? [])]) entry.onRevoked('session terminated');
    },
    'late',
  );
  hub.listen(
    'rbacEvents',
    (event) => {
      const userId = revokedUserOf(event);
      if (userId === null) return;
      for (const entry of [...(byUser.get(userId) ?? [])]) {
        if (tokenPredates(entry.principal, event)) entry.onRevoked('roles changed; sign in again');
      }
    },
    'late',
  );
  return {
    watch(principal, onRevoked) {
      let done = false;
      const entry: Entry = {
        principal,
        onRevoked: (reason) => {
          if (done) return;
          done = true;
          release();
          onRevoked(reason);
        },
      };
      const removals = [add(byUser, principal.sub, entry)];
      if (principal.sessionId !== null) removals.push(add(bySession, principal.sessionId, entry));
      const release = () => {
        for (const remove of removals) remove();
      };
      return () => {
        done = true;
        release();
      };
    },
  };
}
