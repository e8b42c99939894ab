import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SecurityAlert } from '../src/events/types.js';
import { createMemoryStore } from '../src/store/memory.js';
import { createRedisStore } from '../src/store/redis.js';
import {
  CursorExpired,
  type Draft,
  type EventStore,
  type Retention,
  StateConflict,
} from '../src/store/store.js';
import { AsyncQueue } from './support/queue.js';
import { startRedis, type TestRedis } from './support/redis.js';

/**
 * The event store's contract, run against every backend alike (graphql-yoga's
 * pattern): in memory, and on a real redis-server the harness starts.
 */

let redis: TestRedis;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(() => redis.stop());

const DEFAULT_RETENTION: Retention = { maxEvents: 10_000, maxAgeMs: 24 * 3600 * 1000 };

type Factory = (retention?: Retention) => Promise<EventStore>;
const BACKENDS: [string, Factory][] = [
  ['memory', async (retention = DEFAULT_RETENTION) => createMemoryStore(retention)],
  [
    'redis',
    (retention = DEFAULT_RETENTION) =>
      createRedisStore({ url: redis.url, retention, prefix: `t${Math.random().toString(36).slice(2)}` }),
  ],
];

const alert = (n: number, over: Partial<Draft<'securityAlerts'>> = {}): Draft<'securityAlerts'> => ({
  id: `a${n}`,
  type: 'OTHER',
  severity: 'LOW',
  message: `alert ${n}`,
  userId: null,
  source: null,
  identifier: null,
  details: { n, nested: { list: [], empty: {} } },
  mitigation: null,
  raisedBy: 'svc',
  createdAt: new Date(0).toISOString(),
  acknowledgement: null,
  ...over,
});
const messages = (events: SecurityAlert[]) => events.map((e) => e.message);

describe.each(BACKENDS)('%s store', (_name, create) => {
  const stores: EventStore[] = [];
  const open = async (retention?: Retention) => {
    const store = await create(retention);
    stores.push(store);
    return store;
  };
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((s) => s.close()));
  });

  it('is ready once created, not after close', async () => {
    const store = await open();
    expect(store.isReady()).toBe(true);
    await store.close();
    expect(store.isReady()).toBe(false);
  });

  it('delivers every append live, in order, payload intact, with the cursor the append returned', async () => {
    const store = await open();
    const live = new AsyncQueue<SecurityAlert>();
    await store.subscribe('securityAlerts', (e) => live.push(e));
    const appended: SecurityAlert[] = [];
    for (let n = 0; n < 50; n++) appended.push(await store.append('securityAlerts', alert(n)));
    for (const expected of appended) expect(await live.next(expected.message)).toEqual(expected);
    expect(appended[0]).toEqual({ ...alert(0), cursor: expect.any(String) });
  });

  it('keeps streams apart', async () => {
    const store = await open();
    const sessions: unknown[] = [];
    const alerts = new AsyncQueue<SecurityAlert>();
    await store.subscribe('sessionUpdates', (e) => sessions.push(e));
    await store.subscribe('securityAlerts', (e) => alerts.push(e));
    await store.append('securityAlerts', alert(1));
    await alerts.next('the alert');
    expect(sessions).toEqual([]);
    expect(await store.readAfter('sessionUpdates', null, 10)).toEqual([]);
  });

  it('reads after a cursor, oldest first, in pages', async () => {
    const store = await open();
    const appended: SecurityAlert[] = [];
    for (let n = 0; n < 7; n++) appended.push(await store.append('securityAlerts', alert(n)));
    expect(await store.readAfter('securityAlerts', null, 100)).toEqual(appended);
    expect(messages(await store.readAfter('securityAlerts', appended[2]?.cursor ?? '', 3))).toEqual([
      'alert 3',
      'alert 4',
      'alert 5',
    ]);
    expect(await store.readAfter('securityAlerts', appended[6]?.cursor ?? '', 3)).toEqual([]);
  });

  it('reads before a cursor, newest first', async () => {
    const store = await open();
    const appended: SecurityAlert[] = [];
    for (let n = 0; n < 5; n++) appended.push(await store.append('securityAlerts', alert(n)));
    expect(messages(await store.readBefore('securityAlerts', null, 2))).toEqual(['alert 4', 'alert 3']);
    expect(messages(await store.readBefore('securityAlerts', appended[3]?.cursor ?? '', 10))).toEqual([
      'alert 2',
      'alert 1',
      'alert 0',
    ]);
  });

  it('keeps the latest state per entity and appends conditionally on it', async () => {
    const store = await open();
    const first = await store.append('securityAlerts', alert(1));
    expect(await store.latest('securityAlerts', 'a1')).toEqual(first);
    const acked = await store.append(
      'securityAlerts',
      alert(1, { acknowledgement: { by: 'olga', at: new Date(0).toISOString(), note: null } }),
      { expect: first.cursor },
    );
    expect(await store.latest('securityAlerts', 'a1')).toEqual(acked);
    // A second decision based on the stale state loses, and writes nothing.
    await expect(
      store.append('securityAlerts', alert(1, { message: 'stale' }), { expect: first.cursor }),
    ).rejects.toBeInstanceOf(StateConflict);
    await expect(store.append('securityAlerts', alert(2), { expect: 'something' })).rejects.toBeInstanceOf(
      StateConflict,
    );
    expect(messages(await store.readAfter('securityAlerts', null, 10))).toEqual(['alert 1', 'alert 1']);
    expect(await store.latest('securityAlerts', 'a2')).toBeNull();
    // `expect: null` means "no state yet".
    await store.append('securityAlerts', alert(3), { expect: null });
    await expect(store.append('securityAlerts', alert(3), { expect: null })).rejects.toBeInstanceOf(
      StateConflict,
    );
  });

  it('trims by count, and a cursor into the trimmed part is expired while one at the edge is not', async () => {
    const store = await open({ maxEvents: 5, maxAgeMs: DEFAULT_RETENTION.maxAgeMs });
    const appended: SecurityAlert[] = [];
    for (let n = 0; n < 12; n++) appended.push(await store.append('securityAlerts', alert(n)));
    expect(messages(await store.readAfter('securityAlerts', null, 100))).toEqual([
      'alert 7',
      'alert 8',
      'alert 9',
      'alert 10',
      'alert 11',
    ]);
    // alert 6 is gone, but nothing after it is: resuming after it misses nothing.
    expect(messages(await store.readAfter('securityAlerts', appended[6]?.cursor ?? '', 100))).toHaveLength(5);
    await expect(store.readAfter('securityAlerts', appended[5]?.cursor ?? '', 100)).rejects.toBeInstanceOf(
      CursorExpired,
    );
  });

  it('trims by age', async () => {
    const store = await open({ maxEvents: 100, maxAgeMs: 200 });
    const old = await store.append('securityAlerts', alert(1));
    await store.append('securityAlerts', alert(2));
    await new Promise((resolve) => setTimeout(resolve, 400));
    await store.append('securityAlerts', alert(3));
    expect(messages(await store.readAfter('securityAlerts', null, 100))).toEqual(['alert 3']);
    await expect(store.readAfter('securityAlerts', old.cursor, 100)).rejects.toBeInstanceOf(CursorExpired);
  });

  it('refuses a cursor from another epoch (another store, or one that started over)', async () => {
    const first = await open();
    const cursor = (await first.append('securityAlerts', alert(1))).cursor;
    const other = await open();
    await other.append('securityAlerts', alert(1));
    await expect(other.readAfter('securityAlerts', cursor, 10)).rejects.toBeInstanceOf(CursorExpired);
  });

  it('refuses a malformed cursor as bad input', async () => {
    const store = await open();
    await expect(store.readAfter('securityAlerts', 'nonsense', 10)).rejects.toMatchObject({
      extensions: { code: 'BAD_USER_INPUT' },
    });
  });
});

describe('redis store', () => {
  it('expires every cursor when Redis is flushed, and starts a new epoch', async () => {
    const prefix = `f${Math.random().toString(36).slice(2)}`;
    const store = await createRedisStore({ url: redis.url, retention: DEFAULT_RETENTION, prefix });
    try {
      const before = await store.append('securityAlerts', alert(1));
      const admin = new Redis(redis.url);
      await admin.flushall();
      admin.disconnect();
      await expect(store.readAfter('securityAlerts', before.cursor, 10)).rejects.toBeInstanceOf(
        CursorExpired,
      );
      const after = await store.append('securityAlerts', alert(2));
      expect(after.cursor.split('.')[0]).not.toBe(before.cursor.split('.')[0]);
      await expect(store.readAfter('securityAlerts', before.cursor, 10)).rejects.toBeInstanceOf(
        CursorExpired,
      );
      expect(messages(await store.readAfter('securityAlerts', null, 10))).toEqual(['alert 2']);
    } finally {
      await store.close();
    }
  });

  it('shares log, state and live delivery between two connections, as between two instances', async () => {
    const prefix = `x${Math.random().toString(36).slice(2)}`;
    const a = await createRedisStore({ url: redis.url, retention: DEFAULT_RETENTION, prefix });
    const b = await createRedisStore({ url: redis.url, retention: DEFAULT_RETENTION, prefix });
    try {
      const received = new AsyncQueue<SecurityAlert>();
      await b.subscribe('securityAlerts', (e) => received.push(e));
      const appended: SecurityAlert[] = [];
      for (let n = 0; n < 100; n++) appended.push(await (n % 2 ? b : a).append('securityAlerts', alert(n)));
      for (const expected of appended) expect(await received.next(expected.message)).toEqual(expected);
      expect(await b.readAfter('securityAlerts', null, 1000)).toEqual(appended);
      expect(await b.latest('securityAlerts', 'a0')).toEqual(appended[0]);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('refuses to start when Redis cannot be reached, without leaking the URL', async () => {
    const attempt = createRedisStore({ url: 'redis://:s3cret@127.0.0.1:1', retention: DEFAULT_RETENTION });
    await expect(attempt).rejects.toThrow(/Cannot reach Redis/);
    await expect(attempt).rejects.not.toThrow(/s3cret/);
  });
});
