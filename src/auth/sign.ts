import { SignJWT } from 'jose';
import type { Role } from './principal.js';

/** What a locally minted token says. */
export interface TokenClaims {
  sub: string;
  roles: readonly Role[];
  /** Login-session id (`sid`). */
  sessionId?: string | undefined;
  /** Lifetime in seconds; default one hour. */
  ttlSeconds?: number | undefined;
}

/** Signs an HS256 token with the local secret (the `npm run token` CLI, tests, the dev sign-in). */
export function signToken(secret: string, claims: TokenClaims): Promise<string> {
  const jwt = new SignJWT({
    roles: [...claims.roles],
    ...(claims.sessionId ? { sid: claims.sessionId } : {}),
  })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(claims.sub)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + (claims.ttlSeconds ?? 3600));
  return jwt.sign(new TextEncoder().encode(secret));
}
