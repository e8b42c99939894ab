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
  /**
   * Calls `onRevoked.revoked(reason)` once if the principal's session is
   * terminated or its rights revoked, until released. An object rather than a
   * callback: one is held per socket and per subscription, and an object that
   * is already there (the socket's state, the fan-out member) costs nothing more.
   */
  watch(principal: Principal, onRevoked: Revocable): { release(): void };
}

/** Whoever a revocation ends (see Revocations.watch). */
export interface Revocable {
  revoked(reason: string): void;
}

/**
 * Watches session terminations and revoking RBAC events through the hub. Its
 * listeners run late, after subscriptions got the revoking event itself, and
 * call back synchronously, so nothing published after a revocation reaches
 * the revoked principal.
 */
export function createRevocations(hub: Hub): Revocations {
  const bySession: WatchIndex = new Map();
  const byUser: WatchIndex = new Map();
  hub.listen(
    'sessionUpdates',
    (update) => {
      const sessionId = terminatedSessionOf(update);
      if (sessionId === null) return;
      for (const watch of bySession.get(sessionId) ?? []) watch.revoke('session terminated');
    },
    'late',
  );
  hub.listen(
    'rbacEvents',
    (event) => {
      const userId = revokedUserOf(event);
      if (userId === null) return;
      for (const watch of byUser.get(userId) ?? []) {
        if (tokenPredates(watch.principal, event)) watch.revoke('roles changed; sign in again');
      }
    },
    'late',
  );
  return {
    watch: (principal, onRevoked) => new Watch(principal, onRevoked, byUser, bySession),
  };
}

/** One watched principal, indexed by user and (when it has one) by session, until released or revoked. */
class Watch {
  private done = false;

  constructor(
    readonly principal: Principal,
    private readonly onRevoked: Revocable,
    private readonly byUser: WatchIndex,
    private readonly bySession: WatchIndex,
  ) {
    add(byUser, principal.sub, this);
    if (principal.sessionId !== null) add(bySession, principal.sessionId, this);
  }

  revoke(reason: string): void {
    if (this.done) return;
    this.release();
    this.onRevoked.revoked(reason);
  }

  release(): void {
    if (this.done) return;
    this.done = true;
    remove(this.byUser, this.principal.sub, this);
    if (this.principal.sessionId !== null) remove(this.bySession, this.principal.sessionId, this);
  }
}

/**
 * Watches by user or session. A key holds few watches (a user's sockets and
 * subscriptions), so each is an exact-size array, replaced rather than changed:
 * about 50 bytes for two watches where a Set takes about 170, and a revocation
 * iterates a snapshot without copying.
 */
type WatchIndex = Map<string, readonly Watch[]>;

function add(index: WatchIndex, key: string, watch: Watch): void {
  const watches = index.get(key);
  index.set(key, watches ? [...watches, watch] : [watch]);
}

function remove(index: WatchIndex, key: string, watch: Watch): void {
  const watches = index.get(key);
  if (!watches?.includes(watch)) return;
  if (watches.length === 1) index.delete(key);
  else
    index.set(
      key,
      watches.filter((w) => w !== watch),
    );
}
