import type {
  BurstMeasurement,
  ClientProblems,
  FleetOpened,
  MemorySample,
  Population,
  ServerKind,
} from './protocol.js';
import { SERVER_KINDS } from './protocol.js';
import type { BurstPlan, Mode, ScenarioId, SteadyPlan } from './scenarios.js';

/** The shape of `bench/results/latest.json`. */

/** One burst as measured: the client side, plus the server's CPU. */
export interface BurstRecord extends BurstMeasurement {
  /** `burst`: back to back, for throughput and burst latency; `steady`: paced, for latency at moderate load. */
  phase: 'burst' | 'steady';
  /** Gap between events (0 for a burst), ms. */
  intervalMs: number;
  round: number;
  warmup: boolean;
  /** CPU time of the server process(es) from just before publishing to the end of the burst, µs. */
  serverCpuUs: number;
  /** Server CPU per delivery, µs: the cost of fan-out, independent of how busy the load generator was. */
  cpuUsPerDelivery: number;
  /** Time the publishing loop took inside the server, ms. */
  publishMs: number;
  /** CPU cores other processes on the machine used during the burst (see machine.ts). */
  foreignCores: number;
  /** Measured while other processes used more than the allowed share of the machine; repeated, left out of the summary. */
  disturbed: boolean;
}

/** Medians over the measured bursts (not warm-up, not disturbed). */
export interface Summary {
  /** How many bursts the medians are over. */
  bursts: number;
  /** True when every measured burst was disturbed by other processes, so the medians include disturbed ones. */
  disturbed: boolean;
  deliveriesPerSecond: number | null;
  p50Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
  /** Latency in the steady phase (one event per interval), ms. */
  steadyP50Ms: number | null;
  steadyP99Ms: number | null;
  cpuUsPerDelivery: number | null;
  bytesPerDelivery: number | null;
  /** Load generator CPU during bursts, as a fraction of one core (near 1: the clients were the limit). */
  clientCpu: number | null;
  /** Server CPU during bursts, as a fraction of one core. */
  serverCpu: number | null;
  /** Other processes' CPU during the bursts, in cores (0 on a quiet machine). */
  foreignCores: number | null;
}

/** Whether every burst delivered exactly what it should, and what went wrong otherwise. */
export interface Correctness {
  bursts: number;
  expected: number;
  received: number;
  missing: number;
  unexpected: number;
  leaked: number;
  outOfOrder: number;
  timedOutBursts: number;
  failedConnections: number;
  /** Closes and error frames the clients saw (a tripped limit shows here). */
  clientProblems: ClientProblems;
  /** Refusals the server reported (auth failures, connection limits). */
  serverRefusals: Record<string, number>;
  ok: boolean;
}

/** One server kind in one scenario. */
export interface ServerResult {
  kind: ServerKind;
  label: string;
  instances: number;
  connections: number;
  opened: FleetOpened;
  memory: {
    /** Summed over instances, before any client connected. */
    before: MemorySample;
    /** Summed over instances, with every client connected and subscribed. */
    after: MemorySample;
    rssPerConnection: number;
    heapPerConnection: number;
  };
  summary: Summary;
  correctness: Correctness;
  bursts: BurstRecord[];
}

/** One scenario, all servers. */
export interface ScenarioResult {
  id: ScenarioId;
  title: string;
  description: string;
  population: Population;
  instances: number;
  redis: boolean;
  burst: BurstPlan;
  steady: SteadyPlan | null;
  seconds: number;
  servers: Partial<Record<ServerKind, ServerResult>>;
}

/** One of issue #6's targets, evaluated on this run. */
export interface TargetResult {
  scenario: ScenarioId;
  description: string;
  /** hub ÷ reference. */
  ratio: number | null;
  comparison: '>=' | '<=';
  threshold: number;
  /** null when a server it needs was not run. */
  pass: boolean | null;
}

/** The whole run. */
export interface BenchResults {
  schema: 1;
  mode: Mode;
  startedAt: string;
  seconds: number;
  command: string;
  machine: {
    node: string;
    cpus: number;
    cpuModel: string;
    memoryGiB: number;
    platform: string;
    loadAverageAtStart: number[];
    openFilesLimit: number;
  };
  hub: {
    /** The checkout whose server was measured. */
    root: string;
    commit: string | null;
    /** True when src/ or schema/ had uncommitted changes. */
    dirty: boolean | null;
    env: Record<string, string>;
  };
  scenarios: ScenarioResult[];
  targets: TargetResult[];
  /** Every burst of every server delivered exactly what it should. */
  correct: boolean;
}

const isNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

/** What is wrong with a parsed results file; empty when it is well-formed. */
export function problemsOf(results: unknown): string[] {
  const problems: string[] = [];
  const r = results as Partial<BenchResults>;
  if (r?.schema !== 1) return ['schema is not 1'];
  if (!Array.isArray(r.scenarios) || r.scenarios.length === 0) problems.push('no scenarios');
  if (!Array.isArray(r.targets)) problems.push('no targets');
  for (const scenario of r.scenarios ?? []) {
    for (const kind of SERVER_KINDS) {
      const server = scenario.servers?.[kind];
      if (!server) continue;
      const where = `${scenario.id}/${kind}`;
      for (const [name, value] of Object.entries({
        rssPerConnection: server.memory?.rssPerConnection,
        heapPerConnection: server.memory?.heapPerConnection,
        deliveriesPerSecond: server.summary?.deliveriesPerSecond,
        p50Ms: server.summary?.p50Ms,
        p99Ms: server.summary?.p99Ms,
      })) {
        if (!isNumber(value)) problems.push(`${where}: ${name} is ${String(value)}`);
      }
      if (!Array.isArray(server.bursts) || server.bursts.length === 0) problems.push(`${where}: no bursts`);
      if (typeof server.correctness?.ok !== 'boolean') problems.push(`${where}: no correctness verdict`);
    }
  }
  return problems;
}
