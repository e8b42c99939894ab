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
  const bySession = new Map<string, Set<Watch>>();
  const byUser = new Map<string, Set<Watch>>();
  hub.listen(
    'sessionUpdates',
    (update) => {
      const sessionId = terminatedSessionOf(update);
      if (sessionId === null) return;
      for (const watch of [...(bySession.get(sessionId) ?? [])]) watch.revoke('session terminated');
    },
    'late',
  );
  hub.listen(
    'rbacEvents',
    (event) => {
      const userId = revokedUserOf(event);
      if (userId === null) return;
      for (const watch of [...(byUser.get(userId) ?? [])]) {
        if (tokenPredates(watch.principal, event)) watch.revoke('roles changed; sign in again');
      }
    },
    'late',
  );
  return {
    watch(principal, onRevoked) {
      const watch = new Watch(principal, onRevoked, byUser, bySession);
      return () => watch.release();
    },
  };
}

/** One watched principal, indexed by user and (when it has one) by session, until released or revoked. */
class Watch {
  private done = false;

  constructor(
    readonly principal: Principal,
    private readonly onRevoked: (reason: string) => void,
    private readonly byUser: Map<string, Set<Watch>>,
    private readonly bySession: Map<string, Set<Watch>>,
  ) {
    add(byUser, principal.sub, this);
    if (principal.sessionId !== null) add(bySession, principal.sessionId, this);
  }

  revoke(reason: string): void {
    if (this.done) return;
    this.release();
    this.onRevoked(reason);
  }

  release(): void {
    this.done = true;
    remove(this.byUser, this.principal.sub, this);
    if (this.principal.sessionId !== null) remove(this.bySession, this.principal.sessionId, this);
  }
}

function add(index: Map<string, Set<Watch>>, key: string, watch: Watch): void {
  const set = index.get(key);
  if (set) set.add(watch);
  else index.set(key, new Set([watch]));
}

function remove(index: Map<string, Set<Watch>>, key: string, watch: Watch): void {
  const set = index.get(key);
  if (!set?.delete(watch)) return;
  if (set.size === 0) index.delete(key);
}
