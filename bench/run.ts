import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { seededRandom } from '../src/util/random.js';
import { startRedis, type TestRedis } from '../test/support/redis.js';
import { type Child, startChild } from './ipc.js';
import { cpuSnapshot, foreignCores } from './machine.js';
import { randomTargets } from './payload.js';
import {
  type LoadgenApi,
  type LoadgenReady,
  type MemorySample,
  SERVER_KINDS,
  SERVER_LABELS,
  type ServerApi,
  type ServerKind,
  type ServerReady,
} from './protocol.js';
import { evaluateTargets, formatReport, summarize } from './report.js';
import type { BenchResults, BurstRecord, Correctness, ScenarioResult, ServerResult } from './results.js';
import {
  hubEnv,
  type Mode,
  type ScenarioId,
  type ScenarioSpec,
  type SteadyPlan,
  scenarios,
} from './scenarios.js';

/**
 * `npm run bench`: the fan-out benchmark of issue #6. Starts each server under
 * test in its own process (the event hub, a raw ws broadcast, a Socket.IO
 * broadcast), a load generator in another, runs the scenarios, prints a table
 * and writes the results as JSON (bench/results/latest.json).
 *
 *   npm run bench                          full run (about 3 minutes on 2 cores)
 *   npm run bench -- --smoke               tiny sizes, seconds (what the test suite runs)
 *   npm run bench -- --scenarios S1,S3 --servers hub,ws
 *   npm run bench -- --profile             CPU profiles of every server over the measured bursts
 *                                          (bench/results/profiles/; read them with npm run bench:profile)
 *   npm run bench -- --hub-root ../other   measures another checkout's server with this harness
 */

const ROOT = resolve(import.meta.dirname, '..');
const SCRIPTS: Record<ServerKind, string> = {
  hub: join(ROOT, 'bench/servers/hub.ts'),
  ws: join(ROOT, 'bench/servers/raw-ws.ts'),
  socketio: join(ROOT, 'bench/servers/socketio.ts'),
};

const { values: args } = parseArgs({
  options: {
    smoke: { type: 'boolean', default: process.env.BENCH_SMOKE === '1' },
    out: { type: 'string' },
    scenarios: { type: 'string' },
    servers: { type: 'string' },
    profile: { type: 'boolean', default: false },
    'hub-root': { type: 'string' },
    seed: { type: 'string', default: '6' },
    verbose: { type: 'boolean', default: false },
  },
});

const mode: Mode = args.smoke ? 'smoke' : 'full';
const hubRoot = resolve(args['hub-root'] ?? ROOT);
const kinds: ServerKind[] = args.servers
  ? args.servers.split(',').map((k) => {
      if (!(SERVER_KINDS as readonly string[]).includes(k)) throw new Error(`unknown server ${k}`);
      return k as ServerKind;
    })
  : [...SERVER_KINDS];
const chosen = args.scenarios?.split(',');
const plan = scenarios(mode).filter((s) => !chosen || chosen.includes(s.id));
// Only a complete, unprofiled full run of this checkout replaces latest.json (what the README shows).
const complete =
  mode === 'full' &&
  !args.profile &&
  hubRoot === ROOT &&
  plan.length === 4 &&
  kinds.length === SERVER_KINDS.length;
const out = resolve(
  args.out ??
    join(ROOT, 'bench/results', mode === 'smoke' ? 'smoke.json' : complete ? 'latest.json' : 'last-run.json'),
);
const collectTimeoutMs = mode === 'full' ? 60_000 : 15_000;
const profileDir = join(ROOT, 'bench/results/profiles');

const log = (line: string) => process.stdout.write(`${line}\n`);

// The benchmark's own processes, whose CPU does not count as disturbance: this one, the load
// generator, the servers, Redis.
const ownProcesses = new Set<number>([process.pid]);
const ownPids = (loadgen: Child<LoadgenApi, LoadgenReady>) =>
  [...ownProcesses, loadgen.process.pid].filter((pid): pid is number => pid !== undefined);

// Every child this run started, so an error or Ctrl-C leaves nothing behind.
const children = new Set<{ kill(): void }>();
const killAll = () => {
  for (const child of children) child.kill();
};
process.once('SIGINT', () => {
  killAll();
  process.exit(130);
});

interface Instance {
  child: Child<ServerApi, ServerReady>;
  url: string;
}

interface ServerSet {
  kind: ServerKind;
  fleet: string;
  instances: Instance[];
  /** Sequence numbers go on across bursts, per server kind. */
  nextSeq: number;
}

async function startServers(
  kind: ServerKind,
  spec: ScenarioSpec,
  redis: TestRedis | null,
): Promise<ServerSet> {
  const prefix = `bench${randomBytes(4).toString('hex')}`;
  // NODE_ENV=production in the process itself too: libraries read it (graphql-js skips its
  // development-only instanceof checks). The hub's configuration comes from BENCH_HUB_ENV alone.
  const env: Record<string, string> =
    kind === 'hub'
      ? {
          NODE_ENV: 'production',
          BENCH_HUB_ENV: JSON.stringify(hubEnv(redis ? { url: redis.url, prefix } : null)),
          BENCH_HUB_ROOT: hubRoot,
        }
      : { NODE_ENV: 'production', REDIS_URL: redis?.url ?? '' };
  const instances = await Promise.all(
    Array.from({ length: spec.instances }, async (_, i) => {
      const child = startChild<ServerApi, ServerReady>({
        script: SCRIPTS[kind],
        cwd: ROOT,
        env,
        name: `${spec.id} ${kind}#${i + 1}`,
      });
      children.add(child);
      if (child.process.pid) ownProcesses.add(child.process.pid);
      const { port } = await child.ready;
      return { child, url: `http://127.0.0.1:${port}` };
    }),
  );
  return { kind, fleet: `${spec.id}-${kind}`, instances, nextSeq: 1 };
}

async function stopServers(set: ServerSet): Promise<void> {
  await Promise.all(
    set.instances.map(async ({ child }) => {
      await child.call('exit', null).catch(() => undefined);
      const exited = await Promise.race([child.exited, sleep(15_000, 'timeout' as const, { ref: false })]);
      if (exited === 'timeout') child.kill();
      children.delete(child);
    }),
  );
}

function startLoadgen(): Child<LoadgenApi, LoadgenReady> {
  const child = startChild<LoadgenApi, LoadgenReady>({
    script: join(ROOT, 'bench/loadgen.ts'),
    cwd: ROOT,
    name: 'load generator',
  });
  children.add(child);
  return child;
}

async function stopLoadgen(loadgen: Child<LoadgenApi, LoadgenReady>): Promise<void> {
  await loadgen.call('exit', null).catch(() => undefined);
  await loadgen.exited;
  children.delete(loadgen);
}

const sumMemory = (samples: MemorySample[]): MemorySample => ({
  rss: samples.reduce((sum, s) => sum + s.rss, 0),
  heapUsed: samples.reduce((sum, s) => sum + s.heapUsed, 0),
});
const memoryOf = async (set: ServerSet) =>
  sumMemory(await Promise.all(set.instances.map((i) => i.child.call('memory', null))));

/** Waits until the servers report every client subscribed (the hub: by its audit log). */
async function waitForSubscribers(set: ServerSet, expected: number): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const counts = await Promise.all(set.instances.map((i) => i.child.call('counters', null)));
    const live = counts.reduce((sum, c) => sum + c.subscribers, 0);
    if (live >= expected) return;
    if (Date.now() > deadline) {
      throw new Error(`${set.kind}: only ${live} of ${expected} subscriptions live after 120 s`);
    }
    await sleep(100);
  }
}

/** With --profile: starts the sampling profiler in every server process, or stops it and saves the profiles. */
async function profile(
  sets: readonly ServerSet[],
  spec: ScenarioSpec,
  action: 'start' | 'stop',
): Promise<void> {
  if (!args.profile) return;
  await Promise.all(
    sets.flatMap((set) =>
      set.instances.map((instance, i) =>
        instance.child.call('profile', {
          action,
          file: join(
            profileDir,
            `${spec.id}-${set.kind}${set.instances.length > 1 ? `-${i + 1}` : ''}.cpuprofile`,
          ),
        }),
      ),
    ),
  );
}

/** Per-kind progress of one scenario. */
interface Progress {
  set: ServerSet;
  connections: number;
  opened: ServerResult['opened'];
  before: MemorySample;
  after: MemorySample;
  bursts: BurstRecord[];
}

async function connect(
  loadgen: Child<LoadgenApi, LoadgenReady>,
  set: ServerSet,
  spec: ScenarioSpec,
): Promise<Progress> {
  const before = await memoryOf(set);
  const opened = await loadgen.call('open', {
    fleet: set.fleet,
    kind: set.kind,
    urls: set.instances.map((i) => i.url),
    population: spec.population,
    concurrency: spec.concurrency,
  });
  await waitForSubscribers(set, opened.connected);
  // Let connection set-up garbage and timers settle before sampling.
  await sleep(mode === 'full' ? 1000 : 100);
  const after = await memoryOf(set);
  log(
    `  ${SERVER_LABELS[set.kind]}: ${opened.connected} subscribed in ${(opened.ms / 1000).toFixed(1)} s` +
      (opened.failed > 0 ? `, ${opened.failed} FAILED (${opened.errors.join('; ')})` : ''),
  );
  return { set, connections: opened.connected, opened, before, after, bursts: [] };
}

/** Other processes may use this much of the machine during a burst before it counts as disturbed. */
const MAX_FOREIGN_CORES = 0.25;
/** Tries per measured burst: a disturbed one is repeated (same addresses, new sequence numbers). */
const ATTEMPTS = mode === 'full' ? 3 : 1;

/** One round on one server: a back-to-back burst, or a steady (paced) one. */
interface Round {
  phase: 'burst' | 'steady';
  targets: string[];
  intervalMs: number;
  round: number;
  warmup: boolean;
}

async function burst(loadgen: Child<LoadgenApi, LoadgenReady>, progress: Progress, r: Round): Promise<void> {
  const { set } = progress;
  const { targets, intervalMs, round, warmup, phase } = r;
  for (let attempt = 1; ; attempt++) {
    const seqStart = set.nextSeq;
    set.nextSeq += targets.length;
    await loadgen.call('expect', { fleet: set.fleet, seqStart, targets, intervalMs });
    const pids = ownPids(loadgen);
    const before = cpuSnapshot(pids);
    await Promise.all(set.instances.map((i) => i.child.call('cpuStart', null)));
    const publisher = set.instances[0] as Instance;
    const published = await publisher.child.call('burst', { seqStart, targets, intervalMs });
    const measured = await loadgen.call('collect', { fleet: set.fleet, timeoutMs: collectTimeoutMs });
    const cpus = await Promise.all(set.instances.map((i) => i.child.call('cpuStop', null)));
    const foreign = foreignCores(before, cpuSnapshot(pids));
    const serverCpuUs = cpus.reduce((sum, c) => sum + c, 0);
    const disturbed = foreign > MAX_FOREIGN_CORES && !warmup;
    progress.bursts.push({
      ...measured,
      phase,
      intervalMs,
      round,
      warmup,
      serverCpuUs,
      cpuUsPerDelivery: measured.received > 0 ? serverCpuUs / measured.received : 0,
      publishMs: published.publishMs,
      foreignCores: foreign,
      disturbed,
    });
    if (args.verbose || measured.timedOut || disturbed) {
      log(
        `    ${set.kind} ${phase} ${round}${warmup ? ' (warm-up)' : ''}: ${measured.received}/${measured.expected} in ${measured.spanMs.toFixed(0)} ms, ` +
          `${measured.deliveriesPerSecond.toFixed(0)}/s, p50 ${measured.p50.toFixed(1)} ms, p99 ${measured.p99.toFixed(1)} ms, ` +
          `${(serverCpuUs / Math.max(1, measured.received)).toFixed(1)} µs CPU/delivery` +
          (measured.timedOut ? ' TIMED OUT' : '') +
          (disturbed ? ` DISTURBED (other processes used ${foreign.toFixed(2)} cores)` : ''),
      );
    }
    // A short pause so one burst's tail (GC, socket buffers) does not spill into the next.
    await sleep(mode === 'full' ? 100 : 10);
    if (!disturbed || attempt >= ATTEMPTS) return;
  }
}

async function finish(
  loadgen: Child<LoadgenApi, LoadgenReady>,
  progress: Progress,
  spec: ScenarioSpec,
): Promise<ServerResult> {
  const { set, bursts } = progress;
  const clientProblems = await loadgen.call('problems', { fleet: set.fleet });
  const counters = await Promise.all(set.instances.map((i) => i.child.call('counters', null)));
  const serverRefusals: Record<string, number> = {};
  for (const c of counters) {
    for (const [kind, n] of Object.entries(c.refusals))
      serverRefusals[kind] = (serverRefusals[kind] ?? 0) + n;
  }
  const total = (pick: (b: BurstRecord) => number) => bursts.reduce((sum, b) => sum + pick(b), 0);
  const correctness: Correctness = {
    bursts: bursts.length,
    expected: total((b) => b.expected),
    received: total((b) => b.received),
    missing: total((b) => b.missing),
    unexpected: total((b) => b.unexpected),
    leaked: total((b) => b.leaked),
    outOfOrder: total((b) => b.outOfOrder),
    timedOutBursts: bursts.filter((b) => b.timedOut).length,
    failedConnections: progress.opened.failed,
    clientProblems,
    serverRefusals,
    ok: false,
  };
  correctness.ok =
    correctness.missing === 0 &&
    correctness.unexpected === 0 &&
    correctness.leaked === 0 &&
    correctness.outOfOrder === 0 &&
    correctness.timedOutBursts === 0 &&
    correctness.failedConnections === 0 &&
    Object.keys(clientProblems).length === 0 &&
    Object.keys(serverRefusals).length === 0 &&
    correctness.received === correctness.expected;
  const connections = Math.max(1, progress.connections);
  const result: ServerResult = {
    kind: set.kind,
    label: SERVER_LABELS[set.kind],
    instances: spec.instances,
    connections: progress.connections,
    opened: progress.opened,
    memory: {
      before: progress.before,
      after: progress.after,
      rssPerConnection: (progress.after.rss - progress.before.rss) / connections,
      heapPerConnection: (progress.after.heapUsed - progress.before.heapUsed) / connections,
    },
    summary: summarize(bursts),
    correctness,
    bursts,
  };
  const s = result.summary;
  log(
    `  ${SERVER_LABELS[set.kind]}: ${Math.round(s.deliveriesPerSecond ?? 0)} deliveries/s, p50 ${s.p50Ms?.toFixed(1)} ms, ` +
      `p99 ${s.p99Ms?.toFixed(1)} ms, ${(result.memory.rssPerConnection / 1024).toFixed(1)} KiB RSS/conn, ` +
      `${s.cpuUsPerDelivery?.toFixed(1)} µs CPU/delivery${correctness.ok ? '' : ', CORRECTNESS FAILED'}`,
  );
  return result;
}

async function runScenario(spec: ScenarioSpec): Promise<ScenarioResult> {
  const started = Date.now();
  log(
    `${spec.title}: ${JSON.stringify(spec.population)} on ${spec.instances} instance(s)${spec.redis ? ' + Redis' : ''}`,
  );
  const redis = spec.redis ? await startRedis() : null;
  if (redis) {
    children.add({ kill: () => void redis.stop() });
    const pid = await redisPid(redis.url);
    if (pid) ownProcesses.add(pid);
  }
  const loadgen = startLoadgen();
  await loadgen.ready;
  const random = seededRandom(Number(args.seed) * 1000 + Number(spec.id.slice(1)));
  const { events, warmup, rounds, addressees } = spec.burst;
  const steadyRound = (round: number, plan: SteadyPlan): Round => ({
    phase: 'steady',
    targets: randomTargets(random, plan.events, addressees),
    intervalMs: plan.intervalMs,
    round,
    warmup: false,
  });
  const burstRound = (round: number, targets: string[]): Round => ({
    phase: 'burst',
    targets,
    intervalMs: 0,
    round,
    warmup: round < warmup,
  });
  const results: Partial<Record<ServerKind, ServerResult>> = {};
  try {
    if (spec.interleaved) {
      // Every server connected at once; bursts take turns, the order rotating each round, so drift
      // on a shared machine (other processes, thermal) spreads over all of them alike.
      const sets = await Promise.all(kinds.map((kind) => startServers(kind, spec, redis)));
      const progress: Progress[] = [];
      for (const set of sets) progress.push(await connect(loadgen, set, spec));
      for (let round = 0; round < warmup + rounds; round++) {
        if (round === warmup) await profile(sets, spec, 'start');
        const targets = randomTargets(random, events, addressees);
        for (let i = 0; i < progress.length; i++) {
          await burst(
            loadgen,
            progress[(round + i) % progress.length] as Progress,
            burstRound(round, targets),
          );
        }
      }
      await profile(sets, spec, 'stop');
      for (let round = 0; spec.steady && round < spec.steady.rounds; round++) {
        const steady = steadyRound(round, spec.steady);
        for (let i = 0; i < progress.length; i++) {
          await burst(loadgen, progress[(round + i) % progress.length] as Progress, steady);
        }
      }
      for (const p of progress) {
        results[p.set.kind] = await finish(loadgen, p, spec);
        await loadgen.call('close', { fleet: p.set.fleet });
        await stopServers(p.set);
      }
    } else {
      // One server at a time: each alone with its clients (10,000 sockets each in S3).
      for (const kind of kinds) {
        const set = await startServers(kind, spec, redis);
        const p = await connect(loadgen, set, spec);
        // Every server gets the same addresses: a generator per round, seeded alike for each.
        for (let round = 0; round < warmup + rounds; round++) {
          if (round === warmup) await profile([set], spec, 'start');
          await burst(
            loadgen,
            p,
            burstRound(round, randomTargets(seededRandom(round + 1), events, addressees)),
          );
        }
        await profile([set], spec, 'stop');
        results[kind] = await finish(loadgen, p, spec);
        await loadgen.call('close', { fleet: set.fleet });
        await stopServers(set);
      }
    }
  } finally {
    await stopLoadgen(loadgen).catch(() => loadgen.kill());
    await redis?.stop();
  }
  return {
    id: spec.id,
    title: spec.title,
    description: spec.description,
    population: spec.population,
    instances: spec.instances,
    redis: spec.redis,
    burst: spec.burst,
    steady: spec.steady,
    seconds: (Date.now() - started) / 1000,
    servers: results,
  };
}

async function redisPid(url: string): Promise<number | null> {
  const client = new Redis(url, { lazyConnect: true });
  try {
    await client.connect();
    return Number(/process_id:(\d+)/.exec(await client.info('server'))?.[1]) || null;
  } finally {
    client.disconnect();
  }
}

function git(args: string[]): string | null {
  try {
    return execFileSync('git', args, {
      cwd: hubRoot,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return null;
  }
}

async function main(): Promise<void> {
  const started = Date.now();
  const startedAt = new Date().toISOString();
  const load = loadavg();
  const probe = startLoadgen();
  const { nofile } = await probe.ready;
  await stopLoadgen(probe);
  const biggest = Math.max(
    ...plan.map((s) => s.population.officers + s.population.admins + s.population.users),
  );
  if (nofile > 0 && nofile < biggest + 1000) {
    throw new Error(
      `open-files limit ${nofile} is too low for ${biggest} sockets in one process; raise it (ulimit -n ${biggest + 1000}) and run again`,
    );
  }
  const status = git(['status', '--porcelain', '--', 'src', 'schema']);
  log(
    `bench (${mode}): ${kinds.join(', ')} on ${cpus().length} cores, node ${process.version}, open files ${nofile}, hub from ${hubRoot}${status ? ' (uncommitted changes in src/)' : ''}`,
  );

  const results: ScenarioResult[] = [];
  for (const spec of plan) results.push(await runScenario(spec));

  const scenarioIds = new Set<ScenarioId>(results.map((r) => r.id));
  const report: BenchResults = {
    schema: 1,
    mode,
    startedAt,
    seconds: (Date.now() - started) / 1000,
    command: ['npm run bench', ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : [])].join(
      ' ',
    ),
    machine: {
      node: process.version,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      platform: `${process.platform} ${process.arch}`,
      loadAverageAtStart: load,
      openFilesLimit: nofile,
    },
    hub: {
      root: hubRoot === ROOT ? '.' : hubRoot,
      commit: git(['rev-parse', 'HEAD']),
      dirty: status === null ? null : status.length > 0,
      env: hubEnv(null),
    },
    scenarios: results,
    targets: evaluateTargets(results).filter((t) => scenarioIds.has(t.scenario)),
    correct: results.every((r) => Object.values(r.servers).every((s) => s.correctness.ok)),
  };
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
  log('');
  log(formatReport(report));
  log('');
  log(
    `Wrote ${out} (${report.seconds.toFixed(0)} s).${mode === 'full' ? ' Chart: npm run bench:chart' : ''}`,
  );
  if (!report.correct) {
    log('Correctness FAILED: some server did not deliver exactly what it should (see above).');
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  console.error(error);
  killAll();
  process.exit(1);
});
