import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BusMessage, EventBus } from '../src/bus/bus.js';
import { createMemoryBus } from '../src/bus/memory.js';
import { createRedisBus } from '../src/bus/redis.js';
import type { SecurityAlert } from '../src/events/types.js';
import { AsyncQueue } from './support/queue.js';
import { startRedis, type TestRedis } from './support/redis.js';

/**
 * The bus contract, run against every backend alike (graphql-yoga's pattern):
 * in-memory, and a real redis-server started by the harness.
 */

let redis: TestRedis;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(() => redis.stop());

const BACKENDS: [string, () => Promise<EventBus>][] = [
  ['memory', async () => createMemoryBus()],
  ['redis', () => createRedisBus({ url: redis.url, channelPrefix: `t${Math.random()}:` })],
];

const alert = (n: number): SecurityAlert => ({
  id: `a${n}`,
  type: 'OTHER',
  severity: 'LOW',
  message: `alert ${n}`,
  userId: null,
  source: null,
  identifier: null,
  details: { n },
  mitigation: null,
  raisedBy: 'svc',
  createdAt: new Date(0).toISOString(),
  acknowledgement: null,
});

describe.each(BACKENDS)('%s bus', (_name, create) => {
  const buses: EventBus[] = [];
  const open = async () => {
    const bus = await create();
    buses.push(bus);
    return bus;
  };
  afterEach(async () => {
    await Promise.all(buses.splice(0).map((b) => b.close()));
  });

  it('is ready once created', async () => {
    expect((await open()).isReady()).toBe(true);
  });

  it('delivers every message to every listener, in publish order, payload intact', async () => {
    const bus = await open();
    const first = new AsyncQueue<BusMessage<'securityAlerts'>>();
    const second = new AsyncQueue<BusMessage<'securityAlerts'>>();
    await bus.subscribe('securityAlerts', (m) => first.push(m));
    await bus.subscribe('securityAlerts', (m) => second.push(m));
    for (let n = 0; n < 100; n++) await bus.publish('securityAlerts', { origin: 'me', event: alert(n) });
    for (const queue of [first, second]) {
      for (let n = 0; n < 100; n++)
        expect(await queue.next(`message ${n}`)).toEqual({ origin: 'me', event: alert(n) });
    }
  });

  it('keeps streams apart', async () => {
    const bus = await open();
    const sessions = new AsyncQueue<BusMessage>();
    const alerts = new AsyncQueue<BusMessage>();
    await bus.subscribe('sessionUpdates', (m) => sessions.push(m));
    await bus.subscribe('securityAlerts', (m) => alerts.push(m));
    await bus.publish('securityAlerts', { origin: 'me', event: alert(1) });
    expect((await alerts.next('the alert')).event).toEqual(alert(1));
    expect(sessions.seen).toEqual([]);
  });

  it('stops delivering after unsubscribe', async () => {
    const bus = await open();
    const kept = new AsyncQueue<BusMessage>();
    const dropped: BusMessage[] = [];
    const unsubscribe = await bus.subscribe('securityAlerts', (m) => dropped.push(m));
    await bus.subscribe('securityAlerts', (m) => kept.push(m));
    unsubscribe();
    await bus.publish('securityAlerts', { origin: 'me', event: alert(1) });
    // The kept listener is the sentinel: once it has the message, the other would have had it too.
    await kept.next('the message');
    expect(dropped).toEqual([]);
  });

  it('reports not ready after close', async () => {
    const bus = await open();
    await bus.close();
    expect(bus.isReady()).toBe(false);
  });
});

describe('redis bus across connections', () => {
  it('delivers one bus’s messages to another on the same Redis, in order', async () => {
    const prefix = `x${Math.random()}:`;
    const a = await createRedisBus({ url: redis.url, channelPrefix: prefix });
    const b = await createRedisBus({ url: redis.url, channelPrefix: prefix });
    try {
      const received = new AsyncQueue<BusMessage>();
      await b.subscribe('securityAlerts', (m) => received.push(m));
      for (let n = 0; n < 200; n++) await a.publish('securityAlerts', { origin: 'a', event: alert(n) });
      for (let n = 0; n < 200; n++) expect((await received.next(`message ${n}`)).event).toEqual(alert(n));
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('refuses to start when Redis cannot be reached, without leaking the URL', async () => {
    await expect(createRedisBus({ url: 'redis://:s3cret@127.0.0.1:1' })).rejects.toThrow(
      /Cannot reach Redis/,
    );
    await expect(createRedisBus({ url: 'redis://:s3cret@127.0.0.1:1' })).rejects.not.toThrow(/s3cret/);
  });
});
