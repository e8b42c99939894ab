import {
  createRemoteJWKSet,
  errors,
  type JWTPayload,
  type JWTVerifyGetKey,
  type JWTVerifyOptions,
  jwtVerify,
} from 'jose';
import { isRole, type Principal } from './principal.js';

/** Where verification keys come from; decided by configuration. */
export type KeySource =
  | { kind: 'secret'; secret: string }
  | { kind: 'jwks'; url: string; issuer?: string | undefined; audience?: string | undefined };

/** A refusal, with a reason short enough for a WebSocket close frame. */
export interface AuthFailure {
  readonly ok: false;
  /** e.g. `token expired`; shown to clients as `Forbidden: token expired`. */
  readonly reason: string;
}

/** The outcome of checking a bearer credential. */
export type AuthResult = { readonly ok: true; readonly principal: Principal } | AuthFailure;

/** Checks `Bearer <jwt>` credentials and turns them into principals. */
export type TokenVerifier = (authorization: unknown) => Promise<AuthResult>;

// Pinned: a JWKS never verifies HMAC tokens (key confusion) and nothing accepts `alg: none`.
const ASYMMETRIC_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'EdDSA',
];

const fail = (reason: string): AuthFailure => ({ ok: false, reason });

/** Maps jose's errors to reasons a client can act on, without echoing the token. */
function reasonFor(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'token expired';
  if (error instanceof errors.JWTClaimValidationFailed) {
    return error.reason === 'missing'
      ? `token has no ${error.claim} claim`
      : `token ${error.claim} claim is invalid`;
  }
  if (error instanceof errors.JOSEAlgNotAllowed) return 'token algorithm not allowed';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'token signature invalid';
  if (error instanceof errors.JWKSNoMatchingKey) return 'token signed by an unknown key';
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) return 'malformed token';
  if (error instanceof errors.JOSENotSupported) return 'token algorithm not allowed';
  return 'token could not be verified';
}

function principalFrom(payload: JWTPayload): AuthResult {
  if (typeof payload.sub !== 'string' || payload.sub.length === 0) return fail('token has no sub claim');
  const roles = payload.roles ?? [];
  if (!Array.isArray(roles)) return fail('token roles claim must be an array');
  const sid = payload.sid;
  if (sid !== undefined && typeof sid !== 'string') return fail('token sid claim must be a string');
  return {
    ok: true,
    principal: {
      sub: payload.sub,
      roles: [...new Set(roles.filter(isRole))],
      sessionId: sid ?? null,
      exp: payload.exp as number,
      iat: payload.iat ?? null,
    },
  };
}

/** Creates the verifier for a key source: HS256 with a secret, or a JWKS with asymmetric algorithms. */
export function createVerifier(source: KeySource): TokenVerifier {
  let key: Uint8Array | JWTVerifyGetKey;
  const options: JWTVerifyOptions = { requiredClaims: ['exp', 'sub'] };
  if (source.kind === 'secret') {
    key = new TextEncoder().encode(source.secret);
    options.algorithms = ['HS256'];
  } else {
    key = createRemoteJWKSet(new URL(source.url));
    options.algorithms = ASYMMETRIC_ALGORITHMS;
    if (source.issuer) options.issuer = source.issuer;
    if (source.audience) options.audience = source.audience;
  }

  return async (authorization) => {
    if (authorization === undefined || authorization === null || authorization === '') {
      return fail('missing token');
    }
    if (typeof authorization !== 'string') return fail('malformed authorization');
    // The scheme name is case-insensitive (RFC 9110 §11.1).
    const match = /^Bearer ([A-Za-z0-9_.-]+)$/i.exec(authorization.trim());
    if (!match?.[1]) return fail('authorization must be "Bearer <token>"');
    try {
      // jwtVerify takes a key or a key getter; the union is ours to pick between.
      const { payload } =
        typeof key === 'function'
          ? await jwtVerify(match[1], key, options)
          : await jwtVerify(match[1], key, options);
      return principalFrom(payload);
    } catch (error) {
      return fail(reasonFor(error));
    }
  };
}
