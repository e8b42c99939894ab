import { signToken } from '../src/auth/sign.js';
import { connectSubscriber, type Subscriber } from './clients.js';
import { now } from './clock.js';
import { announce, serve } from './ipc.js';
import type { BenchEvent } from './payload.js';
import { subOf } from './payload.js';
import {
  BENCH_SECRET,
  type BurstCommand,
  type BurstMeasurement,
  type ClientProblems,
  type FleetSpec,
  type LoadgenApi,
  type LoadgenReady,
} from './protocol.js';
import { percentile } from './stats.js';

/**
 * The load generator, in its own process: opens fleets of subscribers (one
 * fleet per server under test, the same harness for each), and for every
 * burst counts what each client receives, checks it (every expected event,
 * nothing else, nothing out of its scope, in order) and measures
 * publish-to-deliver latency from the send time inside each event.
 */

interface Burst {
  seqStart: number;
  count: number;
  expectedPerClient: Uint32Array;
  receivedPerClient: Uint32Array;
  expected: number;
  received: number;
  latencies: Float64Array;
  firstSentAt: number;
  lastReceivedAt: number;
  leaked: number;
  strays: number;
  outOfOrder: number;
  bytesAtStart: number;
  cpuAtStart: NodeJS.CpuUsage;
  complete: Promise<void>;
  markComplete: () => void;
}

class Fleet {
  readonly subs: string[] = [];
  readonly seesAll: boolean[] = [];
  readonly subscribers: Subscriber[] = [];
  lastSeq: Float64Array = new Float64Array(0);
  burst: Burst | null = null;
  bytes = 0;
  /** Deliveries outside any armed burst (late or duplicate). */
  strays = 0;
  readonly problems: ClientProblems = {};

  problem(what: string): void {
    this.problems[what] = (this.problems[what] ?? 0) + 1;
  }

  deliver(client: number, event: BenchEvent): void {
    const receivedAt = now();
    const burst = this.burst;
    const seq = event.details.seq;
    if (!burst || seq < burst.seqStart || seq >= burst.seqStart + burst.count) {
      this.strays++;
      return;
    }
    if (!this.seesAll[client] && event.userId !== this.subs[client]) burst.leaked++;
    if (seq <= (this.lastSeq[client] ?? 0)) burst.outOfOrder++;
    else this.lastSeq[client] = seq;
    const got = (burst.receivedPerClient[client] ?? 0) + 1;
    burst.receivedPerClient[client] = got;
    if (got > (burst.expectedPerClient[client] ?? 0)) burst.strays++;
    if (burst.received < burst.latencies.length)
      burst.latencies[burst.received] = receivedAt - event.details.sentAt;
    burst.received++;
    if (event.details.sentAt < burst.firstSentAt) burst.firstSentAt = event.details.sentAt;
    burst.lastReceivedAt = receivedAt;
    if (burst.received >= burst.expected) burst.markComplete();
  }
}

const fleets = new Map<string, Fleet>();
const fleetOf = (name: string) => {
  const fleet = fleets.get(name);
  if (!fleet) throw new Error(`no fleet ${name}`);
  return fleet;
};

/** Runs `task(i)` for i in [0, count) with at most `limit` at once. */
async function pool(count: number, limit: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, worker));
}

async function open(spec: FleetSpec) {
  const started = now();
  const fleet = new Fleet();
  fleets.set(spec.fleet, fleet);
  const { officers, admins, users } = spec.population;
  const roles: ['officer' | 'admin' | 'user', number][] = [
    ['officer', officers],
    ['admin', admins],
    ['user', users],
  ];
  for (const [role, count] of roles) {
    for (let i = 0; i < count; i++) {
      fleet.subs.push(subOf(role, i));
      fleet.seesAll.push(role !== 'user');
    }
  }
  const total = fleet.subs.length;
  fleet.lastSeq = new Float64Array(total);
  const errors: string[] = [];
  let failed = 0;
  await pool(total, spec.concurrency, async (client) => {
    const sub = fleet.subs[client] as string;
    const role = sub.slice(0, sub.indexOf('-')) as 'officer' | 'admin' | 'user';
    const token = await signToken(BENCH_SECRET, { sub, roles: [role], ttlSeconds: 6 * 3600 });
    const url = spec.urls[client % spec.urls.length] as string;
    try {
      fleet.subscribers[client] = await connectSubscriber(spec.kind, url, token, {
        onEvent: (event) => fleet.deliver(client, event),
        onBytes: (bytes) => {
          fleet.bytes += bytes;
        },
        onProblem: (problem) => fleet.problem(problem),
      });
    } catch (error) {
      failed++;
      if (errors.length < 5) errors.push(`${sub}: ${(error as Error).message}`);
    }
  });
  return { connected: total - failed, failed, errors, ms: now() - started };
}

function expect({ fleet: name, seqStart, targets }: { fleet: string } & BurstCommand): null {
  const fleet = fleetOf(name);
  const addressed = new Map<string, number>();
  for (const target of targets) addressed.set(target, (addressed.get(target) ?? 0) + 1);
  const expectedPerClient = new Uint32Array(fleet.subs.length);
  let expected = 0;
  for (const [client, sub] of fleet.subs.entries()) {
    const count = fleet.seesAll[client] ? targets.length : (addressed.get(sub) ?? 0);
    expectedPerClient[client] = count;
    expected += count;
  }
  let markComplete!: () => void;
  const complete = new Promise<void>((resolve) => {
    markComplete = resolve;
  });
  fleet.burst = {
    seqStart,
    count: targets.length,
    expectedPerClient,
    receivedPerClient: new Uint32Array(fleet.subs.length),
    expected,
    received: 0,
    latencies: new Float64Array(expected),
    firstSentAt: Number.POSITIVE_INFINITY,
    lastReceivedAt: 0,
    leaked: 0,
    strays: 0,
    outOfOrder: 0,
    bytesAtStart: fleet.bytes,
    cpuAtStart: process.cpuUsage(),
    complete,
    markComplete,
  };
  if (expected === 0) markComplete();
  return null;
}

// After the last expected delivery, wait this long for duplicates or strays before judging the burst.
const SETTLE_MS = 20;

async function collect({ fleet: name, timeoutMs }: { fleet: string; timeoutMs: number }) {
  const fleet = fleetOf(name);
  const burst = fleet.burst;
  if (!burst) throw new Error(`fleet ${name} has no burst armed`);
  let timedOut = false;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    burst.complete,
    new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        timedOut = true;
        resolve();
      }, timeoutMs);
    }),
  ]);
  clearTimeout(timer);
  const cpu = process.cpuUsage(burst.cpuAtStart);
  const spanMs = burst.lastReceivedAt - burst.firstSentAt;
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  fleet.burst = null;
  let missing = 0;
  for (let client = 0; client < fleet.subs.length; client++) {
    missing += Math.max(
      0,
      (burst.expectedPerClient[client] as number) - (burst.receivedPerClient[client] as number),
    );
  }
  const samples = burst.latencies.subarray(0, Math.min(burst.received, burst.latencies.length)).sort();
  const received = burst.received;
  return {
    expected: burst.expected,
    received,
    missing,
    unexpected: burst.strays,
    leaked: burst.leaked,
    outOfOrder: burst.outOfOrder,
    deliveriesPerSecond: received > 0 && spanMs > 0 ? (received * 1000) / spanMs : 0,
    p50: percentile(samples, 0.5),
    p99: percentile(samples, 0.99),
    max: samples.length > 0 ? (samples[samples.length - 1] as number) : 0,
    bytesPerDelivery: received > 0 ? (fleet.bytes - burst.bytesAtStart) / received : 0,
    spanMs: Math.max(0, spanMs),
    clientCpu: spanMs > 0 ? (cpu.user + cpu.system) / 1000 / spanMs : 0,
    timedOut,
  } satisfies BurstMeasurement;
}

serve<LoadgenApi>({
  open,
  expect,
  collect,
  problems: ({ fleet }) => {
    const f = fleetOf(fleet);
    return f.strays > 0 ? { ...f.problems, 'stray deliveries': f.strays } : { ...f.problems };
  },
  async close({ fleet }) {
    const f = fleets.get(fleet);
    if (!f) return null;
    fleets.delete(fleet);
    await pool(f.subscribers.length, 500, async (i) => {
      await f.subscribers[i]?.close();
    });
    return null;
  },
  exit() {
    setImmediate(() => process.exit(0));
    return null;
  },
});
announce({ nofile: Number(process.env.BENCH_NOFILE ?? 0) } satisfies LoadgenReady);
