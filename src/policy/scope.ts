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

/**
 * Who an event is about, per stream: the users the `user` role admits. It is
 * the `user` rule itself (below) and the key fan-out routes events by, so the
 * two cannot drift apart.
 */
const AUDIENCE: { [S in Stream]: (event: StreamPayloads[S]) => readonly (string | null)[] } = {
  securityAlerts: (alert) => [alert.userId],
  sessionUpdates: (update) => [update.userId],
  toolAccessEvents: (event) => [event.userId],
  // The account's owner, whoever filed the request, and its custodians.
  recoveryStatus: (update) => [update.userId, update.requestedBy, ...update.custodians],
  rbacEvents: (event) => [event.userId],
};

const ownAudience =
  <S extends Stream>(stream: S): Rule<StreamPayloads[S]> =>
  (p, event) =>
    (AUDIENCE[stream] as (event: StreamPayloads[S]) => readonly (string | null)[])(event).includes(p.sub);

const MATRIX: Matrix = {
  securityAlerts: { admin: all, officer: all, user: ownAudience('securityAlerts'), service: null },
  sessionUpdates: { admin: all, officer: all, user: ownAudience('sessionUpdates'), service: null },
  toolAccessEvents: { admin: all, officer: all, user: ownAudience('toolAccessEvents'), service: null },
  recoveryStatus: { admin: all, officer: all, user: ownAudience('recoveryStatus'), service: null },
  rbacEvents: {
    admin: all,
    officer: (_p, event) => SECURITY_RBAC_KINDS.has(event.type),
    user: ownAudience('rbacEvents'),
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

/**
 * The users an event is about (distinct, no nulls): the only principals whose
 * audience key (below) can admit it.
 */
export function audienceOf<S extends Stream>(stream: S, event: StreamPayloads[S]): string[] {
  const ids = (AUDIENCE[stream] as (event: StreamPayloads[S]) => readonly (string | null)[])(event);
  const distinct: string[] = [];
  for (const id of ids) if (id !== null && !distinct.includes(id)) distinct.push(id);
  return distinct;
}

/**
 * The principal's `sub` when every event it may see on the stream names it in
 * `audienceOf` (its only scope there is the `user` role), else null: the
 * principal may see events about others, so every event must be checked. Lets
 * fan-out look up the few subscribers an event concerns instead of asking all
 * of them; `canSee` still decides.
 */
export function audienceKeyOf(principal: Principal, stream: Stream): string | null {
  const rules: Record<Role, Rule<never>> = MATRIX[stream] as Record<Role, Rule<never>>;
  return principal.roles.some((role) => role !== 'user' && rules[role] !== null) ? null : principal.sub;
}
