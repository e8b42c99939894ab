import type { RbacEventType, Role } from '../generated/graphql.js';

/** The signed-in person, as the server's `me` query describes them. */
export interface Viewer {
  readonly sub: string;
  readonly roles: readonly Role[];
  readonly sessionId: string | null;
  readonly expiresAt: string;
}

const has = (viewer: Viewer, ...roles: Role[]) => viewer.roles.some((role) => roles.includes(role));

/** A person acting for themself (not a service). */
const isPerson = (viewer: Viewer) => has(viewer, 'USER', 'OFFICER', 'ADMIN');

/**
 * Which actions to offer. These mirror src/policy/actions.ts so that the
 * dashboard hides what the server would refuse (a test keeps the two in step);
 * the server still decides, and its refusals are shown where the action was.
 */
export const can = {
  acknowledgeAlert: (viewer: Viewer) => has(viewer, 'OFFICER', 'ADMIN'),
  terminateSession: (viewer: Viewer, session: { readonly userId: string }) =>
    has(viewer, 'ADMIN') || (isPerson(viewer) && session.userId === viewer.sub),
  changeToolAccess: (viewer: Viewer) => has(viewer, 'ADMIN'),
  decideRecovery: (viewer: Viewer, request: { readonly custodians: readonly string[] }) =>
    has(viewer, 'ADMIN') || (isPerson(viewer) && request.custodians.includes(viewer.sub)),
} as const;

/** The RBAC kinds an officer sees (src/policy/scope.ts): violations, not administration. */
export const SECURITY_RBAC_KINDS: readonly RbacEventType[] = [
  'SECURITY_VIOLATION',
  'SUSPICIOUS_ACTIVITY',
  'ACCESS_DENIED',
];

/** The RBAC kinds worth offering as a filter: an officer who is nothing more sees only the security kinds. */
export function visibleRbacKinds(viewer: Viewer, all: readonly RbacEventType[]): readonly RbacEventType[] {
  return has(viewer, 'ADMIN', 'USER') ? all : SECURITY_RBAC_KINDS;
}

/** "Admin", "Officer, User": the roles for the header. */
export function describeRoles(viewer: Viewer): string {
  return viewer.roles.map((role) => role.charAt(0) + role.slice(1).toLowerCase()).join(', ') || 'No role';
}
