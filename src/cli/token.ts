import { parseArgs } from 'node:util';
import { isRole, ROLES } from '../auth/principal.js';
import { signToken } from '../auth/sign.js';
import { ConfigError, loadConfig } from '../config/config.js';

/**
 * `npm run token -- --sub alice --roles admin[,officer] [--sid s1] [--ttl 3600]`
 * prints a token signed for the local configuration (JWT_SECRET, or the
 * development secret outside production).
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      sub: { type: 'string' },
      roles: { type: 'string', multiple: true },
      sid: { type: 'string' },
      ttl: { type: 'string', default: '3600' },
    },
  });
  if (!values.sub) throw new ConfigError('--sub is required, e.g. --sub alice');
  const roles = (values.roles ?? []).flatMap((r) => r.split(',')).map((r) => r.trim().toLowerCase());
  const unknown = roles.filter((r) => !isRole(r));
  if (unknown.length > 0)
    throw new ConfigError(`Unknown role ${unknown.join(', ')}; roles are ${ROLES.join(', ')}`);
  const ttl = Number(values.ttl);
  if (!Number.isInteger(ttl) || ttl < 1) throw new ConfigError('--ttl must be a whole number of seconds');

  const config = loadConfig();
  if (config.keys.kind !== 'secret') {
    throw new ConfigError(
      'JWT_JWKS_URL is set: tokens come from your identity provider, not from this command',
    );
  }
  if (config.usingDevelopmentSecret) console.error('(signed with the development secret)');
  const token = await signToken(config.keys.secret, {
    sub: values.sub,
    roles: roles.filter(isRole),
    sessionId: values.sid,
    ttlSeconds: ttl,
  });
  console.log(token);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
