import { parseArgs } from 'node:util';
import { signToken } from '../auth/sign.js';
import { ConfigError, loadConfig } from '../config/config.js';
import { runSimulation } from './scenario.js';

/**
 * `npm run simulate [-- --url http://localhost:4000] [--interval 1500] [--count N] [--seed N]`
 * raises a continuous, realistic mix of all five event families through the
 * mutations, as backend services would, with a service token signed for the
 * local configuration (or `--token`). Stop it with Ctrl-C.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      url: { type: 'string' },
      interval: { type: 'string', default: '1500' },
      burst: { type: 'string', default: '12' },
      count: { type: 'string' },
      seed: { type: 'string' },
      token: { type: 'string' },
    },
  });
  const number = (name: string, value: string | undefined) => {
    if (value === undefined) return undefined;
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < 0) throw new ConfigError(`--${name} must be a whole number`);
    return parsed;
  };

  const config = loadConfig();
  let token = values.token ?? process.env.SIMULATE_TOKEN;
  if (!token) {
    if (config.keys.kind !== 'secret') {
      throw new ConfigError('JWT_JWKS_URL is set: pass a service token with --token (or SIMULATE_TOKEN)');
    }
    token = await signToken(config.keys.secret, {
      sub: 'simulator',
      roles: ['service'],
      ttlSeconds: 24 * 3600,
    });
  }
  const url = values.url ?? `http://localhost:${config.port || 4000}`;
  const abort = new AbortController();
  process.once('SIGINT', () => abort.abort());
  process.once('SIGTERM', () => abort.abort());

  console.error(`Simulating security events against ${url} (Ctrl-C to stop)`);
  const result = await runSimulation({
    url,
    token,
    intervalMs: number('interval', values.interval) ?? 1500,
    burst: number('burst', values.burst) ?? 12,
    count: number('count', values.count),
    seed: number('seed', values.seed) ?? Date.now() % 2 ** 31,
    signal: abort.signal,
    log: (line) => console.log(`${new Date().toLocaleTimeString()}  ${line}`),
  });
  console.error(`Sent ${result.sent} events (${result.failed} failed).`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
