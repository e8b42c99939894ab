import { forbidden, unauthenticated } from '../errors.js';
import type { Principal } from './principal.js';

/** The principal, or UNAUTHENTICATED when the request carried no valid token. */
export function requirePrincipal(principal: Principal | null): Principal {
  if (!principal) throw unauthenticated();
  return principal;
}

/** Throws FORBIDDEN with `message` unless `allowed`. */
export function authorize(allowed: boolean, message: string): void {
  if (!allowed) throw forbidden(message);
}
