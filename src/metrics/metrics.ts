import { Counter, Gauge, type Metric, Registry } from 'prom-client';
import { STREAMS, type Stream } from '../events/types.js';
import type { AlertType, HubStats } from '../generated/graphql.js';
import type { AttemptOutcome } from '../webhooks/dispatcher.js';

/**
 * Operational figures of one server instance: what it counts as it runs, as
 * Prometheus text for `GET /metrics` (prom-client, a registry per server) and
 * as the admin `stats` query, both read from the same tallies. Recording is a
 * few additions, cheap enough for every delivery on the hot path.
 */

/** Upper bounds of the publish-to-deliver latency histogram, in milliseconds. */
export const LATENCY_BUCKETS_MS = [1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000] as const;

/** The transports a token is checked on. */
export type Transport = 'http' | 'ws';

/** Why something was refused for exceeding a limit. */
export type RateLimitReason =
  /** A socket sent more than MESSAGES_PER_MINUTE (closed with 4429). */
  | 'messages'
  /** A user opened more than MAX_CONNECTIONS_PER_USER sockets (closed with 4429). */
  | 'connections_per_user'
  /** The process holds MAX_CONNECTIONS sockets (upgrade refused with 503). */
  | 'max_connections'
  /** A socket ran more than MAX_SUBSCRIPTIONS_PER_SOCKET operations (LIMIT_EXCEEDED). */
  | 'subscriptions_per_socket';

/** What the server reports as it runs. Every method is a few additions: call it freely on the hot path. */
export interface Metrics {
  /**
   * `count` subscribers (default 1) were sent one event of `stream`,
   * `latencyMs` after it was published (now minus its `createdAt`); null for
   * an event replayed from history, whose age is no delivery latency.
   */
  delivered(stream: Stream, latencyMs: number | null, count?: number): void;
  /** A subscription to `stream` started (it passed authorization and validation). */
  subscriptionStarted(stream: Stream): void;
  /** A subscription to `stream` ended, however it ended. */
  subscriptionEnded(stream: Stream): void;
  /** A token was refused: missing where required, invalid, expired, or revoked. */
  authFailure(transport: Transport): void;
  /** Something was refused for exceeding a limit. */
  rateLimited(reason: RateLimitReason): void;
  /** A webhook delivery attempt ended so. */
  webhookAttempt(outcome: AttemptOutcome): void;
  /** The login service reported an attempt. */
  loginAttempt(success: boolean): void;
  /** A login rule raised an alert of this kind. */
  ruleAlert(type: AlertType): void;
}

/** Metrics that record nothing, for code run without a server. */
export const NO_METRICS: Metrics = {
  delivered: () => {},
  subscriptionStarted: () => {},
  subscriptionEnded: () => {},
  authFailure: () => {},
  rateLimited: () => {},
  webhookAttempt: () => {},
  loginAttempt: () => {},
  ruleAlert: () => {},
};

/** Where the figures that are read rather than counted come from. */
export interface MetricsSources {
  /** `memory` or `redis`. */
  backend: 'memory' | 'redis';
  /** True while the event backend works (for Redis: connected). */
  isReady(): boolean;
}

/** One server's metrics: recording, plus the two ways of reading them. */
export interface ServerMetrics extends Metrics {
  /** The figures for the `stats` query. */
  snapshot(): HubStats;
  /** The Prometheus text exposition, with its content type. */
  prometheus(): Promise<{ contentType: string; body: string }>;
  /** Where open connections are read from, once the WebSocket server exists. */
  countConnections(read: () => number): void;
  /** A published event of `stream` reached this instance (the hub's listener calls it). */
  published(stream: Stream): void;
}

/** A latency histogram: a count per bucket (the last one past every bound), and the sum. */
interface Histogram {
  counts: number[];
  sum: number;
  total: number;
}

/**
 * The `q` quantile (0..1) estimated from a histogram, like Prometheus's
 * histogram_quantile: linear within the bucket that holds it, the highest
 * bound when it falls past every bound, null when empty.
 */
export function estimateQuantile(
  bounds: readonly number[],
  counts: readonly number[],
  q: number,
): number | null {
  const total = counts.reduce((sum, n) => sum + n, 0);
  if (total === 0) return null;
  const rank = q * total;
  let below = 0;
  for (const [i, n] of counts.entries()) {
    if (below + n >= rank && n > 0) {
      const upper = bounds[i];
      if (upper === undefined) return bounds.at(-1) ?? null;
      const lower = i === 0 ? 0 : (bounds[i - 1] as number);
      return lower + ((upper - lower) * (rank - below)) / n;
    }
    below += n;
  }
  return bounds.at(-1) ?? null;
}

const byLabel = <K extends string>(counts: Map<K, number>) =>
  [...counts].map(([label, count]) => ({ label, count })).sort((a, b) => a.label.localeCompare(b.label));

/** Adds `n` to a label's count. */
const bump = <K extends string>(counts: Map<K, number>, label: K, n = 1) =>
  counts.set(label, (counts.get(label) ?? 0) + n);

/** Creates one server's metrics and its Prometheus registry. */
export function createMetrics(sources: MetricsSources): ServerMetrics {
  const streams = Object.fromEntries(
    STREAMS.map((stream) => [
      stream,
      {
        published: 0,
        delivered: 0,
        subscriptions: 0,
        latency: { counts: new Array(LATENCY_BUCKETS_MS.length + 1).fill(0), sum: 0, total: 0 } as Histogram,
      },
    ]),
  ) as Record<Stream, { published: number; delivered: number; subscriptions: number; latency: Histogram }>;
  const authFailures = new Map<Transport, number>();
  const rateLimited = new Map<RateLimitReason, number>();
  const webhookAttempts = new Map<AttemptOutcome, number>();
  const loginAttempts = new Map<'success' | 'failure', number>();
  const ruleAlerts = new Map<AlertType, number>();
  // Read from the WebSocket server once it exists (countConnections).
  let openConnections = () => 0;

  const registry = new Registry();
  const registers = [registry];
  /** A counter by one label, read from `counts` at each scrape. */
  const counter = <K extends string>(
    name: string,
    help: string,
    label: string,
    counts: () => Map<K, number>,
  ) =>
    new Counter({
      name,
      help,
      labelNames: [label],
      registers,
      collect() {
        this.reset();
        for (const [value, n] of counts()) this.inc({ [label]: value }, n);
      },
    });
  const perStream = (key: 'published' | 'delivered' | 'subscriptions') =>
    new Map(STREAMS.map((stream) => [stream, streams[stream][key]]));

  new Gauge({
    name: 'seh_open_connections',
    help: 'Open WebSocket connections on this instance.',
    registers,
    collect() {
      this.set(openConnections());
    },
  });
  new Gauge({
    name: 'seh_active_subscriptions',
    help: 'Subscriptions running on this instance, per stream (WebSocket and SSE).',
    labelNames: ['stream'],
    registers,
    collect() {
      for (const [stream, n] of perStream('subscriptions')) this.set({ stream }, n);
    },
  });
  counter(
    'seh_events_published_total',
    'Events published on each stream (by any instance) that reached this instance.',
    'stream',
    () => perStream('published'),
  );
  counter(
    'seh_events_delivered_total',
    'Events sent to subscribers of this instance, per stream (one per subscriber).',
    'stream',
    () => perStream('delivered'),
  );
  counter('seh_auth_failures_total', 'Refused tokens, per transport.', 'transport', () => authFailures);
  counter(
    'seh_rate_limited_total',
    'Refusals for exceeding a limit, per limit.',
    'reason',
    () => rateLimited,
  );
  counter(
    'seh_webhook_attempts_total',
    'Webhook delivery attempts made by this instance, by outcome.',
    'outcome',
    () => webhookAttempts,
  );
  counter(
    'seh_login_attempts_total',
    'Login attempts reported to this instance.',
    'outcome',
    () => loginAttempts,
  );
  counter(
    'seh_rule_alerts_total',
    'Alerts raised by the login rules on this instance.',
    'type',
    () => ruleAlerts,
  );
  if (sources.backend === 'redis') {
    new Gauge({
      name: 'seh_redis_connected',
      help: '1 while this instance is connected to Redis (publishing and subscribed), else 0.',
      registers,
      collect() {
        this.set(sources.isReady() ? 1 : 0);
      },
    });
  }
  // prom-client has no histogram that can be set from counts kept elsewhere; its registry renders any
  // metric by what get() returns, so the histogram is rendered from the tallies the hot path updates.
  const latencyName = 'seh_delivery_latency_seconds';
  const latencyHelp = 'Time from an event being published to it being sent to a subscriber.';
  const latencyMetric = {
    name: latencyName,
    help: latencyHelp,
    type: 'histogram',
    aggregator: 'sum',
    get: async () => ({
      name: latencyName,
      help: latencyHelp,
      type: 'histogram',
      aggregator: 'sum',
      values: STREAMS.flatMap((stream) => {
        const { counts, sum, total } = streams[stream].latency;
        let cumulative = 0;
        return [
          ...LATENCY_BUCKETS_MS.map((bound, i) => {
            cumulative += counts[i] as number;
            return {
              metricName: `${latencyName}_bucket`,
              labels: { stream, le: bound / 1000 },
              value: cumulative,
            };
          }),
          { metricName: `${latencyName}_bucket`, labels: { stream, le: '+Inf' }, value: total },
          { metricName: `${latencyName}_sum`, labels: { stream }, value: sum / 1000 },
          { metricName: `${latencyName}_count`, labels: { stream }, value: total },
        ];
      }),
    }),
  };
  registry.registerMetric(latencyMetric as unknown as Metric);

  return {
    delivered(stream, latencyMs, count = 1) {
      const tally = streams[stream];
      tally.delivered += count;
      if (latencyMs === null) return;
      // Clocks of different instances may disagree a little; a delivery is never before its publish.
      const ms = latencyMs > 0 ? latencyMs : 0;
      let i = 0;
      while (i < LATENCY_BUCKETS_MS.length && ms > (LATENCY_BUCKETS_MS[i] as number)) i++;
      tally.latency.counts[i] = (tally.latency.counts[i] as number) + count;
      tally.latency.sum += ms * count;
      tally.latency.total += count;
    },
    subscriptionStarted(stream) {
      streams[stream].subscriptions++;
    },
    subscriptionEnded(stream) {
      streams[stream].subscriptions--;
    },
    published(stream) {
      streams[stream].published++;
    },
    authFailure: (transport) => bump(authFailures, transport),
    rateLimited: (reason) => bump(rateLimited, reason),
    webhookAttempt: (outcome) => bump(webhookAttempts, outcome),
    loginAttempt: (success) => bump(loginAttempts, success ? 'success' : 'failure'),
    ruleAlert: (type) => bump(ruleAlerts, type),
    countConnections(read) {
      openConnections = read;
    },

    snapshot() {
      const ready = sources.isReady();
      return {
        backend: sources.backend,
        ready,
        redisConnected: sources.backend === 'redis' ? ready : null,
        openConnections: openConnections(),
        streams: STREAMS.map((stream) => {
          const { published, delivered, subscriptions, latency } = streams[stream];
          const quantile = (q: number) => estimateQuantile(LATENCY_BUCKETS_MS, latency.counts, q);
          return {
            stream,
            activeSubscriptions: subscriptions,
            published,
            delivered,
            latency: {
              count: latency.total,
              averageMs: latency.total === 0 ? null : latency.sum / latency.total,
              p50Ms: quantile(0.5),
              p95Ms: quantile(0.95),
              p99Ms: quantile(0.99),
            },
          };
        }),
        authFailures: byLabel(authFailures),
        rateLimited: byLabel(rateLimited),
        webhookAttempts: byLabel(webhookAttempts),
        loginAttempts: byLabel(loginAttempts),
        ruleAlerts: byLabel(ruleAlerts),
        measuredAt: new Date().toISOString(),
      };
    },
    async prometheus() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}
