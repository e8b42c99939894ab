import { randomBytes } from 'node:crypto';
import type { RedisClient } from '../store/redis.js';
import type { FailureCounts } from './rules.js';

/**
 * Sliding-window counters of failed logins, and the claims that make a rule
 * fire once per window. In memory for one instance; in Redis for several, so
 * attempts reported to different instances add up and only one of them raises
 * the alert.
 */
export interface LoginCounters {
  /**
   * Records a failed attempt at `now` (ms) and returns the counts within the
   * windows: failures per user and per IP within `bruteForceMs`, distinct users
   * failing from the IP within `suspiciousMs`.
   */
  recordFailure(
    attempt: { userId: string; ip: string },
    now: number,
    windows: { bruteForceMs: number; suspiciousMs: number },
  ): Promise<FailureCounts>;
  /**
   * Claims every key for `ttlMs`; resolves to true if at least one was not
   * claimed yet (by any instance), false if all already were.
   */
  claim(keys: readonly string[], ttlMs: number): Promise<boolean>;
}

/** Entries kept per counter at most: counts stop growing there, far above any sensible threshold. */
export const MAX_COUNTED = 10_000;

/** Counters in this process. */
export function createMemoryCounters(): LoginCounters {
  /** Counter key → times (ms), oldest first; for users-per-IP, user → last failure time. */
  const failures = new Map<string, number[]>();
  const usersByIp = new Map<string, Map<string, number>>();
  const claims = new Map<string, number>();
  let recorded = 0;

  const count = (key: string, now: number, windowMs: number) => {
    const times = (failures.get(key) ?? []).filter((t) => t > now - windowMs);
    times.push(now);
    if (times.length > MAX_COUNTED) times.splice(0, times.length - MAX_COUNTED);
    failures.set(key, times);
    return times.length;
  };
  /** Drops counters and claims nothing can count any more, so an attacker's spray of keys does not pile up. */
  const sweep = (now: number, longestMs: number) => {
    for (const [key, times] of failures) if ((times.at(-1) ?? 0) <= now - longestMs) failures.delete(key);
    for (const [ip, users] of usersByIp) {
      if (Math.max(...users.values()) <= now - longestMs) usersByIp.delete(ip);
    }
    for (const [key, until] of claims) if (until <= now) claims.delete(key);
  };

  return {
    async recordFailure({ userId, ip }, now, { bruteForceMs, suspiciousMs }) {
      if (++recorded % 1000 === 0) sweep(now, Math.max(bruteForceMs, suspiciousMs));
      const users = usersByIp.get(ip) ?? new Map<string, number>();
      users.delete(userId);
      users.set(userId, now);
      for (const [user, at] of users) {
        if (at > now - suspiciousMs && users.size <= MAX_COUNTED) break;
        users.delete(user);
      }
      usersByIp.set(ip, users);
      return {
        userFailures: count(`user:${userId}`, now, bruteForceMs),
        ipFailures: count(`ip:${ip}`, now, bruteForceMs),
        ipUsers: users.size,
      };
    },
    async claim(keys, ttlMs) {
      const now = Date.now();
      let won = false;
      for (const key of keys) {
        if ((claims.get(key) ?? 0) > now) continue;
        claims.set(key, now + ttlMs);
        won = true;
      }
      return won;
    },
  };
}

/**
 * Records one failure in the three counters, trims them to their windows and
 * caps, and returns their sizes. Sorted sets scored by time: the per-user and
 * per-IP ones hold one member per failure, the users-per-IP one a member per
 * user (re-adding updates its time). KEYS: user, ip, users-of-ip. ARGV: now,
 * brute-force window, suspicious window, unique member, user id, cap.
 */
const RECORD = `
local now = tonumber(ARGV[1])
local cap = tonumber(ARGV[6])
local function count(key, window, member)
  redis.call('ZADD', key, now, member)
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - tonumber(window))
  redis.call('ZREMRANGEBYRANK', key, 0, -(cap + 1))
  redis.call('PEXPIRE', key, window)
  return redis.call('ZCARD', key)
end
return { count(KEYS[1], ARGV[2], ARGV[4]), count(KEYS[2], ARGV[2], ARGV[4]), count(KEYS[3], ARGV[3], ARGV[5]) }
`;

/** Sets each key that is not set yet, with a TTL; returns 1 if any was set. KEYS: claims. ARGV: TTL ms. */
const CLAIM = `
local won = 0
for _, key in ipairs(KEYS) do
  if redis.call('SET', key, '1', 'NX', 'PX', ARGV[1]) then won = 1 end
end
return won
`;

interface CounterCommands {
  sehLoginRecord(...args: (string | number)[]): Promise<[number, number, number]>;
  sehLoginClaim(numberOfKeys: number, ...args: (string | number)[]): Promise<number>;
}

/**
 * Counters in Redis, shared by every instance. Every key carries one hash tag,
 * so each script's keys share a cluster slot (login attempts are few enough for
 * one slot). Rejects when Redis is unreachable.
 */
export function createRedisCounters(client: RedisClient, prefix: string): LoginCounters {
  client.defineCommand('sehLoginRecord', { numberOfKeys: 3, lua: RECORD });
  client.defineCommand('sehLoginClaim', { lua: CLAIM });
  const commands = client as unknown as CounterCommands;
  const key = (name: string) => `{${prefix}:login-rules}:${name}`;
  return {
    async recordFailure({ userId, ip }, now, { bruteForceMs, suspiciousMs }) {
      const [userFailures, ipFailures, ipUsers] = await commands.sehLoginRecord(
        key(`failures:user:${userId}`),
        key(`failures:ip:${ip}`),
        key(`users:ip:${ip}`),
        now,
        bruteForceMs,
        suspiciousMs,
        `${now}-${randomBytes(6).toString('hex')}`,
        userId,
        MAX_COUNTED,
      );
      return { userFailures, ipFailures, ipUsers };
    },
    async claim(keys, ttlMs) {
      if (keys.length === 0) return false;
      return (await commands.sehLoginClaim(keys.length, ...keys.map((k) => key(`claim:${k}`)), ttlMs)) === 1;
    },
  };
}
