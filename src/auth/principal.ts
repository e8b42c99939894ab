/** The roles a token's `roles` claim may carry. Unknown strings are ignored, never trusted. */
export const ROLES = ['admin', 'officer', 'user', 'service'] as const;

export type Role = (typeof ROLES)[number];

/** Who is calling, as proven by a verified token. */
export interface Principal {
  /** The token's `sub`: a user id, or a service's name. */
  readonly sub: string;
  readonly roles: readonly Role[];
  /** The login session (`sid` claim), if the token belongs to one. */
  readonly sessionId: string | null;
  /** Expiry, in seconds since the epoch (`exp` claim, required). */
  readonly exp: number;
  /** Issued-at, in seconds since the epoch (`iat` claim), if present. */
  readonly iat: number | null;
}

/** True when the principal holds at least one of `roles`. */
export function hasRole(principal: Principal, ...roles: readonly Role[]): boolean {
  return principal.roles.some((role) => roles.includes(role));
}

/** True for a string that names a known role. */
export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}
