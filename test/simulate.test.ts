import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSimulation, scenario } from '../src/cli/scenario.js';
import type { RunningServer } from '../src/transport/server.js';
import { seededRandom } from '../src/util/random.js';
import { tokenFor } from './support/auth.js';
import { gqlOk, startTestServer } from './support/server.js';

/** `npm run simulate`: every step is a mutation a service token may make, and all five families show up. */
describe('the simulator', () => {
  let server: RunningServer;

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.close();
  });

  it('starts with one event of each family, then keeps mixing them', () => {
    const steps = scenario(seededRandom(1));
    const first = Array.from({ length: 5 }, () => steps.next().value?.family);
    expect(first).toEqual(['alert', 'session', 'tool', 'recovery', 'rbac']);
    const next = new Set(Array.from({ length: 200 }, () => steps.next().value?.family));
    expect(next).toEqual(new Set(['alert', 'session', 'tool', 'recovery', 'rbac']));
  });

  it('raises all five families through the API with a service token, none refused', async () => {
    const lines: string[] = [];
    const result = await runSimulation({
      url: server.url,
      token: await tokenFor('simulator', ['service']),
      intervalMs: 0,
      burst: 0,
      count: 60,
      seed: 11,
      log: (line) => lines.push(line),
    });
    expect(result).toEqual({ sent: 60, failed: 0 });
    expect(lines.filter((line) => line.includes('FAILED'))).toEqual([]);

    const admin = await tokenFor('ada', ['admin']);
    const history = await gqlOk<Record<string, unknown[]>>(
      server,
      `{ recentAlerts(limit: 100) { id } recentSessionUpdates(limit: 100) { id }
         recentToolAccessEvents(limit: 100) { id } recentRecoveryUpdates(limit: 100) { id }
         recentRbacEvents(limit: 100) { id } }`,
      { token: admin },
    );
    const counts = Object.values(history).map((events) => events.length);
    for (const count of counts) expect(count).toBeGreaterThan(0);
    expect(counts.reduce((sum, count) => sum + count, 0)).toBe(60);
  });

  it('stops when aborted', async () => {
    const abort = new AbortController();
    const run = runSimulation({
      url: server.url,
      token: await tokenFor('simulator', ['service']),
      intervalMs: 60_000,
      burst: 0,
      seed: 2,
      signal: abort.signal,
    });
    setTimeout(() => abort.abort(), 100);
    expect((await run).sent).toBe(1);
  });
});
