import type { Principal, Role } from '../auth/principal.js';
import type { Stream, StreamPayloads } from '../events/types.js';
import type { RbacEventType } from '../generated/graphql.js';

/**
 * Who may see what: SPEC's role matrix, as data. A principal sees an event when
 * any of its roles' rules admits it. Used by every transport, every history
 * query and every replay; nothing a client sends reaches this decision.
 */

/** A rule admits or refuses one event for one principal. `null` means "never": the role has no scope. */
type Rule<E> = ((principal: Principal, event: E) => boolean) | null;

type Matrix = { [S in Stream]: Record<Role, Rule<StreamPayloads[S]>> };

const all = () => true;

/** The RBAC kinds officers see: violations, not administration. */
export const SECURITY_RBAC_KINDS: ReadonlySet<RbacEventType> = new Set([
  'SECURITY_VIOLATION',
  'SUSPICIOUS_ACTIVITY',
  'ACCESS_DENIED',
]);

const MATRIX: Matrix = {
  securityAlerts: {
    admin: all,
    officer: all,
    user: (p, alert) => alert.userId === p.sub,
    service: null,
  },
  sessionUpdates: {
    admin: all,
    officer: all,
    user: (p, update) => update.userId === p.sub,
    service: null,
  },
  toolAccessEvents: {
    admin: all,
    officer: all,
    user: (p, event) => event.userId === p.sub,
    service: null,
  },
  recoveryStatus: {
    admin: all,
    officer: all,
    // The account's owner, whoever filed it, the person who filed it, and its custodians.
    user: (p, update) =>
      update.userId === p.sub || update.requestedBy === p.sub || update.custodians.includes(p.sub),
    service: null,
  },
  rbacEvents: {
    admin: all,
    officer: (_p, event) => SECURITY_RBAC_KINDS.has(event.type),
    user: (p, event) => event.userId === p.sub,
    service: null,
  },
};

/** True when the principal has any scope on the stream (a subscription could ever deliver). */
export function mayWatch(principal: Principal, stream: Stream): boolean {
  return principal.roles.some((role) => MATRIX[stream][role] !== null);
}

/** True when the principal may see this event of this stream. */
export function canSee<S extends Stream>(principal: Principal, stream: S, event: StreamPayloads[S]): boolean {
  const rules: Record<Role, Rule<StreamPayloads[S]>> = MATRIX[stream];
  return principal.roles.some((role) => rules[role]?.(principal, event) === true);
}

/**
 * A key that is equal for two principals only if `canSee` decides every event
 * of the stream alike for them: `all` when a role sees everything, otherwise
 * their roles with any scope and their `sub`. Subscribers are grouped by it to
 * decide (and render) each event once per group.
 */
export function scopeKeyOf(principal: Principal, stream: Stream): string {
  const rules: Record<Role, Rule<never>> = MATRIX[stream] as Record<Role, Rule<never>>;
  if (principal.roles.some((role) => rules[role] === all)) return 'all';
  const scoped = principal.roles.filter((role) => rules[role] !== null).sort();
  return `${scoped.join(',')}|${principal.sub}`;
}
