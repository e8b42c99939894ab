import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderChart } from '../bench/chart-svg.js';
import { SERVER_KINDS } from '../bench/protocol.js';
import { type BenchResults, problemsOf } from '../bench/results.js';

/**
 * `npm run bench -- --smoke`, end to end, so the benchmark cannot rot: every
 * scenario, all three servers (each in its own process), a load generator in
 * another, a real redis-server for S4, at tiny sizes. It asserts that the run
 * completes, writes a well-formed result where it is told (never over
 * latest.json), and that every client got exactly what it should: every
 * event, in order, nothing outside its scope. No timing is asserted.
 */

const ROOT = new URL('..', import.meta.url).pathname;
const LATEST = join(ROOT, 'bench/results/latest.json');
const dir = mkdtempSync(join(tmpdir(), 'bench-smoke-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn('node_modules/.bin/tsx', args, {
      cwd: ROOT,
      env: { ...process.env, BENCH_SMOKE: '' },
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('exit', (code) => resolve({ code, output }));
  });
}

describe('npm run bench -- --smoke', () => {
  it('runs S1 to S4 against the hub, raw ws and Socket.IO and delivers exactly what each client should see', async () => {
    const latestBefore = existsSync(LATEST) ? statSync(LATEST).mtimeMs : null;
    const out = join(dir, 'result.json');

    const { code, output } = await run(['bench/run.ts', '--smoke', '--out', out]);

    expect(code, output).toBe(0);
    expect(output).toMatch(/deliveries\/s/);
    const results = JSON.parse(readFileSync(out, 'utf8')) as BenchResults;
    expect(problemsOf(results)).toEqual([]);
    expect(results.mode).toBe('smoke');
    expect(results.scenarios.map((s) => s.id)).toEqual(['S1', 'S2', 'S3', 'S4']);
    for (const scenario of results.scenarios) {
      for (const kind of SERVER_KINDS) {
        const server = scenario.servers[kind];
        const where = `${scenario.id} ${kind}`;
        expect(server, where).toBeDefined();
        if (!server) continue;
        const { population } = scenario;
        expect(server.connections, where).toBe(population.officers + population.admins + population.users);
        const c = server.correctness;
        expect(c.expected, where).toBeGreaterThan(0);
        expect(
          {
            received: c.received,
            missing: c.missing,
            unexpected: c.unexpected,
            leaked: c.leaked,
            outOfOrder: c.outOfOrder,
            timedOutBursts: c.timedOutBursts,
            clientProblems: c.clientProblems,
            serverRefusals: c.serverRefusals,
          },
          where,
        ).toEqual({
          received: c.expected,
          missing: 0,
          unexpected: 0,
          leaked: 0,
          outOfOrder: 0,
          timedOutBursts: 0,
          clientProblems: {},
          serverRefusals: {},
        });
        expect(c.ok, where).toBe(true);
      }
    }
    // Both phases of S2 ran; each client's exact expected set (its own alerts only) was checked above.
    const s2 = results.scenarios.find((s) => s.id === 'S2')?.servers.hub;
    const burstsOf = (phase: 'burst' | 'steady') => s2?.bursts.filter((b) => b.phase === phase) ?? [];
    expect(burstsOf('burst').length).toBeGreaterThan(0);
    expect(burstsOf('steady').length).toBeGreaterThan(0);
    expect(results.correct).toBe(true);
    expect(results.targets.map((t) => t.scenario)).toEqual(['S1', 'S1', 'S1', 'S2', 'S3', 'S4']);

    // The chart renders from it, and latest.json was left alone.
    const svg = renderChart(results);
    expect(svg).toMatch(/^<svg /);
    for (const label of ['event hub (graphql-ws)', 'raw ws', 'Socket.IO']) expect(svg).toContain(label);
    expect(existsSync(LATEST) ? statSync(LATEST).mtimeMs : null).toBe(latestBefore);
  }, 120_000);
});
