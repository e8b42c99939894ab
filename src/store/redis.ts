import { randomBytes } from 'node:crypto';
import { RedisPubSub } from 'graphql-redis-subscriptions';
import { Cluster, Redis } from 'ioredis';
import type { Stream, StreamPayloads } from '../events/types.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import {
  CursorExpired,
  type Draft,
  type EventStore,
  entityKeyOf,
  type Retention,
  StateConflict,
} from './store.js';

/** A node of a Redis Cluster, as listed in REDIS_CLUSTER_NODES. */
export interface RedisNode {
  host: string;
  port: number;
}

/** Where Redis is: one server by URL (`redis://`, `rediss://`), or a Redis Cluster by some of its nodes. */
export type RedisConnection = { url: string } | { clusterNodes: readonly RedisNode[] };

/** A connection to a single Redis or to a Redis Cluster; both speak the same commands here. */
export type RedisClient = Redis | Cluster;

/** Which variable configured `connection`, for error messages. */
const describeConnection = (connection: RedisConnection) =>
  'url' in connection ? 'REDIS_URL' : 'REDIS_CLUSTER_NODES';

/**
 * A client for `connection`, not yet connected (call `connect()`). `failFast`:
 * commands fail at once while Redis is down instead of queueing without bound,
 * what request handlers want; without it, commands wait for the reconnect, what
 * a pub/sub subscriber needs to resubscribe. On a cluster, keys of one command or
 * transaction must share a hash tag (`{...}`), as every key of this code does.
 */
export function createRedisClient(connection: RedisConnection, options: { failFast: boolean }): RedisClient {
  const failFast = options.failFast ? { enableOfflineQueue: false, maxRetriesPerRequest: 1 } : {};
  if ('url' in connection) return new Redis(connection.url, { lazyConnect: true, ...failFast });
  return new Cluster(
    connection.clusterNodes.map((node) => ({ ...node })),
    {
      lazyConnect: true,
      enableOfflineQueue: !options.failFast,
      redisOptions: options.failFast ? { maxRetriesPerRequest: 1 } : {},
    },
  );
}

/** Connects the clients, or disconnects them all and rejects with a message naming the variable. */
export async function connectRedisClients(
  connection: RedisConnection,
  clients: readonly RedisClient[],
): Promise<void> {
  // ioredis reports every failed reconnect as an 'error' event; the state that matters is read from `status`.
  for (const client of clients) client.on('error', () => {});
  try {
    await Promise.all(clients.map((client) => client.connect()));
  } catch (error) {
    for (const client of clients) client.disconnect();
    throw new Error(`Cannot reach Redis at ${describeConnection(connection)}: ${(error as Error).message}`);
  }
}

/** Options for the Redis store: where Redis is, plus retention. */
export type RedisStoreOptions = RedisConnection & {
  retention: Retention;
  /** Prefix of every key and channel; default `seh`. */
  prefix?: string;
  /** How long an entity's latest state is kept after its last update, in seconds; default 7 days. */
  stateTtlSeconds?: number;
};

/**
 * Appends atomically: log entry (Redis Stream, trimmed exactly by count and age),
 * sequence number, entity state (optionally compare-and-set), and the pub/sub
 * message. Being one script, pub/sub order is log order, and no subscriber can
 * see an event that is not yet in the log. All keys share one hash tag, so it
 * runs on a Redis Cluster too.
 *
 * KEYS: log, meta (epoch + seq), state. ARGV: new epoch, event JSON, max events,
 * max age ms, channel, mode (none | set | cas), expected cursor, state TTL s.
 */
const APPEND = `
local epoch = redis.call('HGET', KEYS[2], 'epoch')
if not epoch then
  epoch = ARGV[1]
  redis.call('HSET', KEYS[2], 'epoch', epoch, 'seq', 0)
end
if ARGV[6] == 'cas' then
  local current = redis.call('HGET', KEYS[3], 'cursor') or ''
  if current ~= ARGV[7] then return {'conflict'} end
end
local seq = redis.call('HINCRBY', KEYS[2], 'seq', 1)
local id = redis.call('XADD', KEYS[1], 'MAXLEN', ARGV[3], '*', 'n', seq, 'e', ARGV[2])
local now = redis.call('TIME')
local minId = string.format('%.0f', tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000) - tonumber(ARGV[4]))
redis.call('XTRIM', KEYS[1], 'MINID', minId)
local cursor = epoch .. '.' .. seq .. '.' .. id
if ARGV[6] ~= 'none' then
  redis.call('HSET', KEYS[3], 'cursor', cursor, 'event', ARGV[2])
  redis.call('EXPIRE', KEYS[3], ARGV[8])
end
redis.call('PUBLISH', ARGV[5], '{"cursor":"' .. cursor .. '","event":' .. ARGV[2] .. '}')
return {'ok', cursor}
`;

type StreamEntry = [id: string, fields: string[]];

interface AppendCommand {
  sehAppend(...args: (string | number)[]): Promise<[string, string?]>;
}

/** Runs a MULTI and returns each reply, failing on the first command that failed. */
export async function execMulti(multi: ReturnType<RedisClient['multi']>): Promise<unknown[]> {
  return ((await multi.exec()) ?? []).map(([error, reply]) => {
    if (error) throw error;
    return reply;
  });
}

/**
 * Event store on Redis: a Stream per event stream for the log, pub/sub
 * (graphql-redis-subscriptions over ioredis, separate publisher and subscriber
 * connections) for live delivery. Resolves once connected; rejects if Redis
 * cannot be reached at start-up.
 */
export async function createRedisStore(options: RedisStoreOptions): Promise<EventStore> {
  const prefix = options.prefix ?? 'seh';
  const { maxEvents, maxAgeMs } = options.retention;
  const stateTtl = options.stateTtlSeconds ?? 7 * 24 * 3600;
  // The publisher fails fast while Redis is down instead of queueing without bound;
  // the subscriber keeps its queue so ioredis can resubscribe on reconnect.
  const publisher = createRedisClient(options, { failFast: true });
  const subscriber = createRedisClient(options, { failFast: false });
  await connectRedisClients(options, [publisher, subscriber]);
  publisher.defineCommand('sehAppend', { numberOfKeys: 3, lua: APPEND });
  const pubsub = new RedisPubSub({ publisher, subscriber });
  let closed = false;

  // One hash tag per stream: its keys live in one cluster slot, streams spread over slots.
  const keys = (stream: Stream) => {
    const tag = `{${prefix}:${stream}}`;
    return { log: `${tag}:log`, meta: `${tag}:meta`, state: (key: string) => `${tag}:state:${key}` };
  };
  const channelOf = (stream: Stream) => `${prefix}:${stream}`;

  const field = ([, fields]: StreamEntry, name: string) => fields[fields.indexOf(name) + 1] as string;
  const parse = <S extends Stream>(epoch: string, entry: StreamEntry): StreamPayloads[S] => ({
    ...JSON.parse(field(entry, 'e')),
    cursor: encodeCursor({ epoch, seq: Number(field(entry, 'n')), id: entry[0] }),
  });

  /** Runs a MULTI and returns each reply, failing on the first error. */
  const transaction = (build: (multi: ReturnType<RedisClient['multi']>) => void): Promise<unknown[]> => {
    const multi = publisher.multi();
    build(multi);
    return execMulti(multi);
  };

  return {
    kind: 'redis',
    async append<S extends Stream>(stream: S, draft: Draft<S>, appendOptions?: { expect?: string | null }) {
      const k = keys(stream);
      const entity = entityKeyOf(stream, draft);
      const cas = appendOptions !== undefined && 'expect' in appendOptions && entity !== null;
      const json = JSON.stringify(draft);
      const [status, cursor] = await (publisher as unknown as AppendCommand).sehAppend(
        k.log,
        k.meta,
        entity === null ? k.meta : k.state(entity),
        randomBytes(8).toString('hex'),
        json,
        maxEvents,
        maxAgeMs,
        channelOf(stream),
        cas ? 'cas' : entity === null ? 'none' : 'set',
        cas ? (appendOptions?.expect ?? '') : '',
        stateTtl,
      );
      if (status === 'conflict') throw new StateConflict();
      return { ...draft, cursor } as StreamPayloads[S];
    },

    async subscribe<S extends Stream>(stream: S, onEvent: (event: StreamPayloads[S]) => void) {
      const id = await pubsub.subscribe(
        channelOf(stream),
        (message: { cursor: string; event: Draft<S> }) =>
          onEvent({ ...message.event, cursor: message.cursor } as StreamPayloads[S]),
        {},
      );
      return () => pubsub.unsubscribe(id);
    },

    async readAfter<S extends Stream>(stream: S, after: string | null, limit: number) {
      const k = keys(stream);
      const cursor = after === null ? null : decodeCursor(after, 'after');
      const [epoch, lastSeq, entries, first] = (await transaction((m) =>
        m
          .hget(k.meta, 'epoch')
          .hget(k.meta, 'seq')
          .xrange(k.log, cursor ? `(${cursor.id}` : '-', '+', 'COUNT', limit)
          .xrange(k.log, '-', '+', 'COUNT', 1),
      )) as [string | null, string | null, StreamEntry[], StreamEntry[]];
      if (epoch === null) {
        if (cursor) throw new CursorExpired();
        return [];
      }
      if (cursor) {
        const last = Number(lastSeq);
        const firstSeq = first[0] ? Number(field(first[0], 'n')) : last + 1;
        if (cursor.epoch !== epoch || cursor.seq > last || cursor.seq + 1 < firstSeq)
          throw new CursorExpired();
      }
      return entries.map((entry) => parse<S>(epoch, entry));
    },

    async readBefore<S extends Stream>(stream: S, before: string | null, limit: number) {
      const k = keys(stream);
      const cursor = before === null ? null : decodeCursor(before, 'before');
      const [epoch, entries] = (await transaction((m) =>
        m.hget(k.meta, 'epoch').xrevrange(k.log, cursor ? `(${cursor.id}` : '+', '-', 'COUNT', limit),
      )) as [string | null, StreamEntry[]];
      if (epoch === null || (cursor && cursor.epoch !== epoch)) return [];
      return entries.map((entry) => parse<S>(epoch, entry));
    },

    async latest<S extends Stream>(stream: S, entityKey: string) {
      const state = await publisher.hgetall(keys(stream).state(entityKey));
      if (!state.cursor || !state.event) return null;
      return { ...JSON.parse(state.event), cursor: state.cursor } as StreamPayloads[S];
    },

    isReady: () => !closed && publisher.status === 'ready' && subscriber.status === 'ready',
    async close() {
      if (closed) return;
      closed = true;
      await pubsub.close().catch(() => undefined);
    },
  };
}
