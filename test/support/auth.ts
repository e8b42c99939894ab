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

/** Tokens for the cast most tests share: `root` (admin), `olga` (officer) and `ids` (a service). */
export async function castTokens() {
  const [admin, officer, service] = await Promise.all([
    tokenFor('root', ['admin']),
    tokenFor('olga', ['officer']),
    tokenFor('ids', ['service']),
  ]);
  return { admin, officer, service };
}
