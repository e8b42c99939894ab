import { describe, expect, it } from 'vitest';
import { createMetrics, estimateQuantile, LATENCY_BUCKETS_MS } from './metrics.js';

/** The tallies behind /metrics and `stats`: both read the same numbers. */

/** The value of one sample line of a Prometheus text exposition, or undefined. */
const sample = (text: string, line: string) => {
  const found = text.split('\n').find((l) => l.startsWith(`${line} `));
  return found === undefined ? undefined : Number(found.slice(line.length + 1));
};

describe('estimateQuantile', () => {
  const bounds = [10, 20, 40];
  // biome-ignore format: laid out as a table
  const ROWS: [counts: number[], q: number, expected: number | null][] = [
    [[0, 0, 0, 0],   0.5,  null],
    [[10, 0, 0, 0],  0.5,  5],
    [[0, 10, 0, 0],  0.5,  15],
    [[5, 5, 0, 0],   0.5,  10],
    [[5, 5, 0, 0],   0.75, 15],
    [[0, 0, 4, 0],   1,    40],
    [[0, 0, 0, 3],   0.5,  40],
    [[98, 0, 0, 2],  0.99, 40],
  ];
  it.each(ROWS)('%j, q=%f → %s', (counts, q, expected) => {
    expect(estimateQuantile(bounds, counts, q)).toBe(expected);
  });
});

describe('createMetrics', () => {
  const redis = (ready: boolean) => createMetrics({ backend: 'redis', isReady: () => ready });

  it('renders every figure as Prometheus text, and the same figures as stats', async () => {
    const metrics = redis(true);
    metrics.countConnections(() => 3);
    metrics.published('securityAlerts');
    metrics.published('securityAlerts');
    metrics.delivered('securityAlerts', 3);
    metrics.delivered('securityAlerts', 40, 9);
    metrics.delivered('securityAlerts', null, 2);
    metrics.subscriptionStarted('sessionUpdates');
    metrics.subscriptionStarted('sessionUpdates');
    metrics.subscriptionEnded('sessionUpdates');
    metrics.authFailure('ws');
    metrics.authFailure('http');
    metrics.authFailure('ws');
    metrics.rateLimited('messages');
    metrics.webhookAttempt('retrying');
    metrics.webhookAttempt('delivered');
    metrics.loginAttempt(false);
    metrics.ruleAlert('BRUTE_FORCE');

    const { contentType, body } = await metrics.prometheus();
    expect(contentType).toMatch(/^text\/plain; version=0.0.4/);
    const expected: [string, number][] = [
      ['seh_open_connections', 3],
      ['seh_active_subscriptions{stream="sessionUpdates"}', 1],
      ['seh_active_subscriptions{stream="securityAlerts"}', 0],
      ['seh_events_published_total{stream="securityAlerts"}', 2],
      ['seh_events_published_total{stream="rbacEvents"}', 0],
      ['seh_events_delivered_total{stream="securityAlerts"}', 12],
      ['seh_delivery_latency_seconds_bucket{stream="securityAlerts",le="0.0025"}', 0],
      ['seh_delivery_latency_seconds_bucket{stream="securityAlerts",le="0.005"}', 1],
      ['seh_delivery_latency_seconds_bucket{stream="securityAlerts",le="0.05"}', 10],
      ['seh_delivery_latency_seconds_bucket{stream="securityAlerts",le="+Inf"}', 10],
      ['seh_delivery_latency_seconds_sum{stream="securityAlerts"}', 0.363],
      ['seh_delivery_latency_seconds_count{stream="securityAlerts"}', 10],
      ['seh_auth_failures_total{transport="ws"}', 2],
      ['seh_auth_failures_total{transport="http"}', 1],
      ['seh_rate_limited_total{reason="messages"}', 1],
      ['seh_webhook_attempts_total{outcome="retrying"}', 1],
      ['seh_login_attempts_total{outcome="failure"}', 1],
      ['seh_rule_alerts_total{type="BRUTE_FORCE"}', 1],
      ['seh_redis_connected', 1],
    ];
    for (const [line, value] of expected) expect([line, sample(body, line)]).toEqual([line, value]);
    expect(body).toContain('# TYPE seh_delivery_latency_seconds histogram');
    expect(body).toContain('# TYPE seh_events_delivered_total counter');

    const stats = metrics.snapshot();
    expect(stats).toMatchObject({
      backend: 'redis',
      ready: true,
      redisConnected: true,
      openConnections: 3,
      authFailures: [
        { label: 'http', count: 1 },
        { label: 'ws', count: 2 },
      ],
      rateLimited: [{ label: 'messages', count: 1 }],
      webhookAttempts: [
        { label: 'delivered', count: 1 },
        { label: 'retrying', count: 1 },
      ],
      loginAttempts: [{ label: 'failure', count: 1 }],
      ruleAlerts: [{ label: 'BRUTE_FORCE', count: 1 }],
    });
    const alerts = stats.streams.find((s) => s.stream === 'securityAlerts');
    // Replayed deliveries count as deliveries, not in the latency histogram.
    expect(alerts).toMatchObject({ published: 2, delivered: 12, activeSubscriptions: 0 });
    expect(alerts?.latency.count).toBe(10);
    expect(alerts?.latency.averageMs).toBeCloseTo(36.3);
    expect(alerts?.latency.p50Ms).toBeGreaterThan(25);
    expect(alerts?.latency.p50Ms).toBeLessThanOrEqual(50);
    expect(stats.streams.find((s) => s.stream === 'sessionUpdates')?.activeSubscriptions).toBe(1);
  });

  it('reports Redis as disconnected while the backend is not ready; nothing about Redis on memory', async () => {
    expect(sample((await redis(false).prometheus()).body, 'seh_redis_connected')).toBe(0);
    expect(redis(false).snapshot()).toMatchObject({ ready: false, redisConnected: false });
    const memory = createMetrics({ backend: 'memory', isReady: () => true });
    expect((await memory.prometheus()).body).not.toContain('seh_redis_connected');
    expect(memory.snapshot()).toMatchObject({ backend: 'memory', ready: true, redisConnected: null });
  });

  it('counts a negative latency (clocks apart) as zero, and one beyond every bound in +Inf only', async () => {
    const metrics = redis(true);
    metrics.delivered('rbacEvents', -5);
    metrics.delivered('rbacEvents', 60_000);
    const { body } = await metrics.prometheus();
    const first = LATENCY_BUCKETS_MS[0] / 1000;
    const last = (LATENCY_BUCKETS_MS.at(-1) as number) / 1000;
    expect(sample(body, `seh_delivery_latency_seconds_bucket{stream="rbacEvents",le="${first}"}`)).toBe(1);
    expect(sample(body, `seh_delivery_latency_seconds_bucket{stream="rbacEvents",le="${last}"}`)).toBe(1);
    expect(sample(body, 'seh_delivery_latency_seconds_bucket{stream="rbacEvents",le="+Inf"}')).toBe(2);
  });

  it('keeps each server its own registry', async () => {
    const [a, b] = [redis(true), redis(true)];
    a.published('rbacEvents');
    expect(sample((await a.prometheus()).body, 'seh_events_published_total{stream="rbacEvents"}')).toBe(1);
    expect(sample((await b.prometheus()).body, 'seh_events_published_total{stream="rbacEvents"}')).toBe(0);
  });
});
