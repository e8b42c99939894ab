import { randomBytes } from 'node:crypto';
import { PubSub } from 'graphql-subscriptions';
import { STREAMS, type Stream, type StreamPayloads } from '../events/types.js';
import { type Cursor, decodeCursor, encodeCursor } from './cursor.js';
import {
  CursorExpired,
  type Draft,
  type EventStore,
  entityKeyOf,
  type Retention,
  StateConflict,
} from './store.js';

interface Entry<S extends Stream> {
  seq: number;
  at: number;
  event: StreamPayloads[S];
}

/** One stream's log in memory: a bounded array ordered by seq, with an epoch per process. */
class MemoryLog<S extends Stream> {
  readonly epoch = randomBytes(8).toString('hex');
  readonly entries: Entry<S>[] = [];
  readonly latest = new Map<string, StreamPayloads[S]>();
  lastSeq = 0;

  constructor(private readonly retention: Retention) {}

  append(draft: Draft<S>, entityKey: string | null, now: number): StreamPayloads[S] {
    const seq = ++this.lastSeq;
    const cursor = encodeCursor({ epoch: this.epoch, seq, id: String(seq) });
    const event = { ...draft, cursor } as StreamPayloads[S];
    this.entries.push({ seq, at: now, event });
    if (entityKey !== null) {
      // Re-inserting keeps the map ordered by last update, so eviction drops the stalest entity.
      this.latest.delete(entityKey);
      this.latest.set(entityKey, event);
    }
    this.trim(now);
    return event;
  }

  trim(now: number): void {
    let drop = Math.max(0, this.entries.length - this.retention.maxEvents);
    while (drop < this.entries.length && (this.entries[drop] as Entry<S>).at < now - this.retention.maxAgeMs)
      drop++;
    if (drop > 0) this.entries.splice(0, drop);
    while (this.latest.size > this.retention.maxEvents) {
      const oldest = this.latest.keys().next();
      if (oldest.done) break;
      this.latest.delete(oldest.value);
    }
  }

  /** Index of the first entry after `cursor`; throws CursorExpired when that part of the log is gone. */
  indexAfter(cursor: Cursor | null, now: number): number {
    this.trim(now);
    if (cursor === null) return 0;
    if (cursor.epoch !== this.epoch || cursor.seq > this.lastSeq) throw new CursorExpired();
    const firstSeq = this.entries[0]?.seq ?? this.lastSeq + 1;
    if (cursor.seq + 1 < firstSeq) throw new CursorExpired();
    return cursor.seq + 1 - firstSeq;
  }
}

/** In-process event store for a single instance: no Redis needed, always ready. Lost on restart (new epoch). */
export function createMemoryStore(retention: Retention, clock: () => number = Date.now): EventStore {
  const pubsub = new PubSub();
  const logs = Object.fromEntries(STREAMS.map((s) => [s, new MemoryLog(retention)])) as {
    [S in Stream]: MemoryLog<S>;
  };
  let open = true;

  return {
    kind: 'memory',
    async append(stream, draft, options) {
      const log = logs[stream];
      const key = entityKeyOf(stream, draft);
      if (options && 'expect' in options && key !== null) {
        const current = log.latest.get(key)?.cursor ?? null;
        if (current !== (options.expect ?? null)) throw new StateConflict();
      }
      const event = log.append(draft, key, clock());
      await pubsub.publish(stream, event);
      return event;
    },
    async subscribe(stream, onEvent) {
      const id = await pubsub.subscribe(stream, onEvent);
      return () => pubsub.unsubscribe(id);
    },
    async readAfter(stream, after, limit) {
      const log = logs[stream];
      const start = log.indexAfter(after === null ? null : decodeCursor(after, 'after'), clock());
      return log.entries.slice(start, start + limit).map((e) => e.event);
    },
    async readBefore(stream, before, limit) {
      const log = logs[stream];
      log.trim(clock());
      const cursor = before === null ? null : decodeCursor(before, 'before');
      if (cursor && cursor.epoch !== log.epoch) return [];
      const firstSeq = log.entries[0]?.seq ?? log.lastSeq + 1;
      const end =
        cursor === null
          ? log.entries.length
          : Math.max(0, Math.min(log.entries.length, cursor.seq - firstSeq));
      return log.entries
        .slice(Math.max(0, end - limit), end)
        .reverse()
        .map((e) => e.event);
    },
    async latest(stream, entityKey) {
      return logs[stream].latest.get(entityKey) ?? null;
    },
    isReady: () => open,
    async close() {
      open = false;
    },
  };
}
