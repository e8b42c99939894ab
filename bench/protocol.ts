/**
 * What the orchestrator (bench/run.ts) says to its children: every server
 * under test answers ServerApi, the load generator answers LoadgenApi.
 */

/** The three servers compared in every scenario. */
export const SERVER_KINDS = ['hub', 'ws', 'socketio'] as const;
/** `hub`: this product; `ws`: a raw ws broadcast; `socketio`: a Socket.IO broadcast. */
export type ServerKind = (typeof SERVER_KINDS)[number];

/** Human names, for tables and charts. */
export const SERVER_LABELS: Record<ServerKind, string> = {
  hub: 'event hub (graphql-ws)',
  ws: 'raw ws',
  socketio: 'Socket.IO',
};

/** The HS256 secret every server in a run verifies tokens with (the hub, and the baselines alike). */
export const BENCH_SECRET = 'bench-secret-that-is-at-least-32-characters-long';

/** Process memory after forced garbage collection, in bytes. */
export interface MemorySample {
  rss: number;
  heapUsed: number;
}

/**
 * A burst: `targets.length` alerts, the i-th with sequence number `seqStart + i`, addressed to
 * `targets[i]`, meant to be published `intervalMs` apart (0: all at once, back to back). Each
 * event carries the time it was *meant* to be published, so time spent waiting for the server
 * to get to it (busy fanning out the previous ones) counts as latency, whether the server fans
 * out synchronously or queues.
 */
export interface BurstCommand {
  seqStart: number;
  targets: string[];
  intervalMs: number;
}

/** What a server reports after publishing a burst. */
export interface BurstPublished {
  /** When the burst started (the bench clock, see clock.ts). */
  firstSentAt: number;
  /** How long publishing took inside the server. */
  publishMs: number;
}

/** Audit-derived counts the hub reports; the baselines report their own equivalents. */
export interface ServerCounters {
  /** Subscriptions currently live (the hub: audit `subscription started` minus `subscription ended`). */
  subscribers: number;
  /** Refusals and cut-offs seen on the server side (auth failures, connection limits, ...), by kind. */
  refusals: Record<string, number>;
}

/** Commands every server wrapper answers. */
export type ServerApi = {
  /** Memory after two forced collections. */
  memory: { payload: null; result: MemorySample };
  counters: { payload: null; result: ServerCounters };
  /** Publishes a burst (only on the publishing instance). */
  burst: { payload: BurstCommand; result: BurstPublished };
  /** Starts counting CPU time (before a burst). */
  cpuStart: { payload: null; result: null };
  /** CPU time (user + system) since cpuStart, in microseconds. */
  cpuStop: { payload: null; result: number };
  /** Starts V8's sampling profiler, or stops it and writes the profile to `file` (.cpuprofile). */
  profile: { payload: { action: 'start' | 'stop'; file: string }; result: null };
  /** Closes the server and exits. */
  exit: { payload: null; result: null };
};

/** What a server sends when it is listening. */
export interface ServerReady {
  port: number;
}

/** Who connects: how many of each role, named `<role>-<i>`. Users are addressed by alerts; officers and admins see all. */
export interface Population {
  officers: number;
  admins: number;
  users: number;
}

/** A fleet: the clients of one server kind (split round-robin over `urls` when there are several instances). */
export interface FleetSpec {
  fleet: string;
  kind: ServerKind;
  urls: string[];
  population: Population;
  /** Connections opened at once. */
  concurrency: number;
}

/** What opening a fleet gave. */
export interface FleetOpened {
  connected: number;
  failed: number;
  /** The first few failures, for the report. */
  errors: string[];
  ms: number;
}

/** Per-burst measurement on the client side. */
export interface BurstMeasurement {
  expected: number;
  received: number;
  /** Expected deliveries that never came (summed per client). */
  missing: number;
  /** Deliveries beyond a client's expectation, or from another burst (duplicates, strays). */
  unexpected: number;
  /** Events a user received that were not addressed to them: a scope leak. */
  leaked: number;
  /** Events not in increasing sequence order on one client. */
  outOfOrder: number;
  /** Deliveries per second: received / (last delivery − start of the burst). */
  deliveriesPerSecond: number;
  /** Publish-to-deliver latency percentiles (from each event's intended publish time), ms. */
  p50: number;
  p99: number;
  max: number;
  /** Bytes received per delivery (the WebSocket message, without frame headers). */
  bytesPerDelivery: number;
  /** Wall time from the start of the burst to the last delivery, ms. */
  spanMs: number;
  /** Load generator CPU over that span, as a fraction of one core. */
  clientCpu: number;
  timedOut: boolean;
}

/** Closes and error frames clients saw, by kind (e.g. `close 1013`, `error SLOW_CONSUMER`). */
export type ClientProblems = Record<string, number>;

/** Commands the load generator answers. */
export type LoadgenApi = {
  open: { payload: FleetSpec; result: FleetOpened };
  /** Arms the counters of a fleet for the next burst. */
  expect: { payload: { fleet: string } & BurstCommand; result: null };
  /** Waits until the burst is fully delivered (or the timeout passes) and measures it. */
  collect: { payload: { fleet: string; timeoutMs: number }; result: BurstMeasurement };
  problems: { payload: { fleet: string }; result: ClientProblems };
  close: { payload: { fleet: string }; result: null };
  exit: { payload: null; result: null };
};

/** What the load generator sends when ready. */
export interface LoadgenReady {
  nofile: number;
}
