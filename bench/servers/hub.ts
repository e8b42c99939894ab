import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { benchAlert } from '../payload.js';
import { serveBench } from './common.js';

/**
 * The event hub under test, in its own process: the real server
 * (`startServer(loadConfig(env))`) with the configuration the orchestrator
 * chose (BENCH_HUB_ENV, JSON), from the sources at BENCH_HUB_ROOT (default:
 * this checkout), so another revision can be measured with the same harness.
 *
 * Events are published with `server.hub.publish` in this process, the point
 * every mutation ends at (after HTTP, auth and validation, which cost per
 * published event, not per delivery). The baselines publish at the same point
 * with the same payloads. Counting subscriptions uses the product's own audit
 * log (`subscription started` / `ended`), which does not depend on how
 * fan-out is implemented.
 */

const root = process.env.BENCH_HUB_ROOT ?? join(import.meta.dirname, '..', '..');
const sourceOf = (path: string) => pathToFileURL(join(root, path)).href;
const { startServer } = (await import(
  sourceOf('src/transport/server.ts')
)) as typeof import('../../src/transport/server.js');
const { loadConfig } = (await import(
  sourceOf('src/config/config.ts')
)) as typeof import('../../src/config/config.js');

let subscribers = 0;
const refusals: Record<string, number> = {};
let printed = 0;
const AUDIT = /"audit":"([^"]+)"/;
// A pino destination that keeps counts instead of lines: audit entries are how the hub says what it did.
const destination = {
  write(line: string) {
    const audit = AUDIT.exec(line)?.[1];
    if (audit === 'subscription started') subscribers++;
    else if (audit === 'subscription ended') subscribers--;
    else if (audit === 'auth failed' || audit === 'connection refused' || audit === 'subscription refused')
      refusals[audit] = (refusals[audit] ?? 0) + 1;
    // Anything at warn or above that is not an audit entry is worth seeing (a handful of them).
    if (!audit && /"level":(4|5|6)0/.test(line) && printed++ < 5) process.stderr.write(`[hub] ${line}`);
  },
};

const env = JSON.parse(process.env.BENCH_HUB_ENV ?? '{}') as Record<string, string>;
const server = await startServer(loadConfig(env), { logDestination: destination });
serveBench({
  port: server.port,
  counters: () => ({ subscribers, refusals }),
  publishOne: (seq, target, sentAt) => server.hub.publish('securityAlerts', benchAlert(seq, target, sentAt)),
  close: () => server.close(),
});
