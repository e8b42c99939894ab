import { execMulti, type RedisClient } from '../store/redis.js';
import type { WebhookDelivery, WebhookEndpoint } from './endpoints.js';

/**
 * Where webhook endpoints and delivery records live: in memory for one
 * instance, in Redis for several, so an endpoint registered on one instance is
 * served by all, and exactly one instance claims each delivery.
 */
export interface WebhookStore {
  addEndpoint(endpoint: WebhookEndpoint): Promise<void>;
  /** Resolves to false if there was no such endpoint. */
  removeEndpoint(id: string): Promise<boolean>;
  /** Every endpoint, oldest first, secrets included (for signing). */
  endpoints(): Promise<WebhookEndpoint[]>;
  /**
   * Creates the delivery record unless one with its id exists; resolves to true
   * for the one caller, on any instance, that created it: that caller delivers.
   */
  claimDelivery(record: WebhookDelivery): Promise<boolean>;
  /** Replaces a claimed delivery's record (after an attempt). */
  updateDelivery(record: WebhookDelivery): Promise<void>;
  /** Delivery records, newest first, optionally of one endpoint or one alert. */
  deliveries(
    filter: { endpointId?: string | null; alertId?: string | null },
    limit: number,
  ): Promise<WebhookDelivery[]>;
}

/** How long delivery records are kept: 7 days. */
export const DELIVERY_TTL_SECONDS = 7 * 24 * 3600;

/** Delivery records kept at most (the oldest go first). */
export const MAX_DELIVERY_RECORDS = 100_000;

/** Records examined at most to answer one filtered query. */
const MAX_SCANNED = 10_000;

const matches = (filter: { endpointId?: string | null; alertId?: string | null }, record: WebhookDelivery) =>
  (filter.endpointId == null || record.endpointId === filter.endpointId) &&
  (filter.alertId == null || record.alertId === filter.alertId);

/** Oldest first; ties by id. */
const byCreation = (a: WebhookEndpoint, b: WebhookEndpoint) =>
  a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id);

/** The store in this process. */
export function createMemoryWebhookStore(): WebhookStore {
  const endpoints = new Map<string, WebhookEndpoint>();
  /** By id, in creation order. */
  const deliveries = new Map<string, WebhookDelivery>();
  const expired = (record: WebhookDelivery) =>
    Date.parse(record.createdAt) < Date.now() - DELIVERY_TTL_SECONDS * 1000;
  return {
    async addEndpoint(endpoint) {
      endpoints.set(endpoint.id, { ...endpoint });
    },
    async removeEndpoint(id) {
      return endpoints.delete(id);
    },
    async endpoints() {
      return [...endpoints.values()].map((e) => ({ ...e })).sort(byCreation);
    },
    async claimDelivery(record) {
      if (deliveries.has(record.id)) return false;
      deliveries.set(record.id, { ...record });
      for (const [id, oldest] of deliveries) {
        if (deliveries.size <= MAX_DELIVERY_RECORDS && !expired(oldest)) break;
        deliveries.delete(id);
      }
      return true;
    },
    async updateDelivery(record) {
      if (deliveries.has(record.id)) deliveries.set(record.id, { ...record });
    },
    async deliveries(filter, limit) {
      const found: WebhookDelivery[] = [];
      for (const record of [...deliveries.values()].reverse()) {
        if (found.length >= limit) break;
        if (matches(filter, record) && !expired(record)) found.push({ ...record });
      }
      return found;
    },
  };
}

/**
 * The store in Redis. Keys share one hash tag (`{<prefix>:webhooks}`), so a
 * claim (record and index in one transaction) stays in one cluster slot.
 * Endpoints: a hash of id → JSON. Deliveries: a key per record with a TTL, and
 * a sorted set by creation time as the index.
 */
export function createRedisWebhookStore(client: RedisClient, prefix: string): WebhookStore {
  const tag = `{${prefix}:webhooks}`;
  const endpointsKey = `${tag}:endpoints`;
  const indexKey = `${tag}:deliveries`;
  const recordKey = (id: string) => `${tag}:delivery:${id}`;

  return {
    async addEndpoint(endpoint) {
      await client.hset(endpointsKey, endpoint.id, JSON.stringify(endpoint));
    },
    async removeEndpoint(id) {
      return (await client.hdel(endpointsKey, id)) === 1;
    },
    async endpoints() {
      const all = Object.values(await client.hgetall(endpointsKey));
      return all.map((json) => JSON.parse(json) as WebhookEndpoint).sort(byCreation);
    },
    async claimDelivery(record) {
      const created = Date.parse(record.createdAt);
      const [claimed] = await execMulti(
        client
          .multi()
          .set(recordKey(record.id), JSON.stringify(record), 'EX', DELIVERY_TTL_SECONDS, 'NX')
          // NX: a losing claim leaves the winner's place in the index alone.
          .zadd(indexKey, 'NX', created, record.id)
          .zremrangebyscore(indexKey, '-inf', created - DELIVERY_TTL_SECONDS * 1000)
          .zremrangebyrank(indexKey, 0, -(MAX_DELIVERY_RECORDS + 1)),
      );
      return claimed === 'OK';
    },
    async updateDelivery(record) {
      await client.set(recordKey(record.id), JSON.stringify(record), 'EX', DELIVERY_TTL_SECONDS, 'XX');
    },
    async deliveries(filter, limit) {
      const found: WebhookDelivery[] = [];
      const page = Math.max(limit, 100);
      for (let start = 0; start < MAX_SCANNED && found.length < limit; start += page) {
        const ids = await client.zrevrange(indexKey, start, start + page - 1);
        if (ids.length === 0) break;
        const records = await client.mget(ids.map(recordKey));
        for (const json of records) {
          if (json === null) continue;
          const record = JSON.parse(json) as WebhookDelivery;
          if (matches(filter, record)) found.push(record);
          if (found.length >= limit) break;
        }
        if (ids.length < page) break;
      }
      return found;
    },
  };
}
