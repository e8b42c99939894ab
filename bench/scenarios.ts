import { BENCH_SECRET, type Population } from './protocol.js';

/** Which scenario. */
export type ScenarioId = 'S1' | 'S2' | 'S3' | 'S4';

/** Bursts of a scenario: `events` alerts published back to back, `warmup` unmeasured rounds, then `rounds` measured. */
export interface BurstPlan {
  events: number;
  warmup: number;
  rounds: number;
  /**
   * How many users alerts are addressed among (`user-0` ...): the scenario's users, or, when it has
   * none (officers see every alert anyway), a fixed pool.
   */
  addressees: number;
}

/**
 * A steady phase: `rounds` times `events` alerts, one every `intervalMs`, well below every server's
 * capacity, for latency at a moderate load (a burst's latency is mostly the time to drain the burst).
 */
export interface SteadyPlan {
  events: number;
  intervalMs: number;
  rounds: number;
}

/** One scenario of issue #6. */
export interface ScenarioSpec {
  id: ScenarioId;
  title: string;
  description: string;
  population: Population;
  /** Server instances per server kind (clients split round-robin; the first instance publishes). */
  instances: 1 | 2;
  /** One Redis between the instances (the hub's REDIS_URL, the baselines' pub/sub or adapter). */
  redis: boolean;
  /** All server kinds connected at once, bursts taking turns (fair under drift); else one kind after another. */
  interleaved: boolean;
  burst: BurstPlan;
  steady: SteadyPlan | null;
  /** Connections opened at once by the load generator. */
  concurrency: number;
}

/** Size of each run: `full` for the numbers, `smoke` to prove the harness works (CI). */
export type Mode = 'full' | 'smoke';

/** The four scenarios at the chosen size. */
export function scenarios(mode: Mode): ScenarioSpec[] {
  const full = mode === 'full';
  return [
    {
      id: 'S1',
      title: 'S1 broadcast',
      description:
        'Officers subscribed to securityAlerts; bursts of alerts published back to back; every subscriber gets every alert.',
      population: { officers: full ? 1000 : 20, admins: 0, users: 0 },
      instances: 1,
      redis: false,
      interleaved: true,
      burst: full
        ? { events: 50, warmup: 2, rounds: 10, addressees: 1000 }
        : { events: 5, warmup: 1, rounds: 2, addressees: 20 },
      steady: full ? { events: 40, intervalMs: 50, rounds: 3 } : { events: 5, intervalMs: 10, rounds: 1 },
      concurrency: 100,
    },
    {
      id: 'S2',
      title: 'S2 scoped',
      description:
        'Users and admins subscribed to securityAlerts; each alert addressed to a random user; a user gets only their own, admins all.',
      population: { officers: 0, admins: full ? 10 : 2, users: full ? 1000 : 20 },
      instances: 1,
      redis: false,
      interleaved: true,
      burst: full
        ? { events: 500, warmup: 2, rounds: 10, addressees: 1000 }
        : { events: 20, warmup: 1, rounds: 2, addressees: 20 },
      steady: full ? { events: 200, intervalMs: 10, rounds: 3 } : { events: 10, intervalMs: 5, rounds: 1 },
      concurrency: 100,
    },
    {
      id: 'S3',
      title: 'S3 idle',
      description:
        'Authenticated users, each subscribed to securityAlerts, idle: memory per connection. One burst of alerts to random users then checks they are live.',
      population: { officers: 0, admins: 0, users: full ? 10_000 : 50 },
      instances: 1,
      redis: false,
      // 10,000 sockets per server: one server at a time (the smoke size needs no such care).
      interleaved: !full,
      burst: full
        ? { events: 100, warmup: 0, rounds: 1, addressees: 10_000 }
        : { events: 10, warmup: 0, rounds: 1, addressees: 50 },
      steady: null,
      concurrency: 200,
    },
    {
      id: 'S4',
      title: 'S4 Redis',
      description:
        'S1 on two instances of each server sharing one Redis, subscribers split between them; alerts published on the first.',
      population: { officers: full ? 1000 : 20, admins: 0, users: 0 },
      instances: 2,
      redis: true,
      interleaved: true,
      burst: full
        ? { events: 50, warmup: 2, rounds: 10, addressees: 1000 }
        : { events: 5, warmup: 1, rounds: 2, addressees: 20 },
      steady: full ? { events: 40, intervalMs: 50, rounds: 3 } : { events: 5, intervalMs: 10, rounds: 1 },
      concurrency: 100,
    },
  ];
}

/**
 * The hub's configuration in every scenario: production mode, the bench
 * secret, and limits raised so that nothing legitimate in the benchmark trips
 * them (every client is its own user, sends two messages, reads promptly).
 * Heartbeats and the slow-reader cap stay at their defaults, as deployed.
 * Audit logging stays on at `info` (the wrapper counts the entries instead of
 * printing them). A limit that trips anyway shows up in the result's
 * correctness section.
 */
export function hubEnv(redis: { url: string; prefix: string } | null): Record<string, string> {
  return {
    NODE_ENV: 'production',
    PORT: '0',
    JWT_SECRET: BENCH_SECRET,
    LOG_LEVEL: 'info',
    MAX_CONNECTIONS: '100000',
    MAX_CONNECTIONS_PER_USER: '100000',
    MESSAGES_PER_MINUTE: '10000',
    MAX_SUBSCRIPTIONS_PER_SOCKET: '50',
    HEARTBEAT_INTERVAL_MS: '30000',
    MAX_BUFFERED_BYTES: String(4 * 1024 * 1024),
    ...(redis ? { REDIS_URL: redis.url, REDIS_KEY_PREFIX: redis.prefix } : {}),
  };
}
