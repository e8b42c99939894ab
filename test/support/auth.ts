import type { Role } from '../../src/auth/principal.js';
import { signToken } from '../../src/auth/sign.js';

/** The HS256 secret every test server is configured with. */
export const TEST_SECRET = 'test-secret-that-is-at-least-32-characters-long';

/** A valid token for the test servers. */
export function tokenFor(
  sub: string,
  roles: Role[],
  options: { sessionId?: string; ttlSeconds?: number } = {},
) {
  return signToken(TEST_SECRET, { sub, roles, ...options });
}
