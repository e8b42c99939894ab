import { z } from 'zod';
import type { KeySource } from '../auth/verify.js';
import type { OperationLimits } from '../graphql/protections.js';
import { LOG_LEVELS } from '../log.js';
import type { LoginRuleSettings } from '../rules/rules.js';
import type { RedisNode } from '../store/redis.js';
import type { Retention } from '../store/store.js';
import type { WebhookSettings } from '../webhooks/dispatcher.js';

/** The development secret used when no JWT configuration is given outside production. Never in production. */
export const DEVELOPMENT_SECRET = 'development-only-secret-do-not-use-in-production!';

/** The validated runtime configuration. */
export interface Config {
  port: number;
  /** Unset: in-memory pub/sub, single instance. */
  redisUrl: string | null;
  /** A Redis Cluster's seed nodes (`REDIS_CLUSTER_NODES`), used instead of `redisUrl`; null when unset. */
  redisClusterNodes: RedisNode[] | null;
  /** Prefix of this deployment's Redis keys and channels, so several can share one Redis. */
  redisKeyPrefix: string;
  /** Where token keys come from. */
  keys: KeySource;
  /** True when the development secret is in use (no JWT configuration, not production). */
  usingDevelopmentSecret: boolean;
  /** Origins allowed for browsers besides the server's own; empty means only the server's own. */
  allowedOrigins: string[];
  maxConnections: number;
  heartbeatIntervalMs: number;
  /** What one GraphQL operation may ask for, on every transport. */
  operationLimits: OperationLimits;
  /** Per-connection and per-user limits of the WebSocket transport. */
  limits: {
    connectionsPerUser: number;
    subscriptionsPerSocket: number;
    /** Bigger messages close the socket with 1009. */
    maxMessageBytes: number;
    /** A flood beyond this closes the socket with 4429. */
    messagesPerMinute: number;
    /** Bytes queued for a slow reader before it is closed with 1013. */
    maxBufferedBytes: number;
  };
  production: boolean;
  /** pino level of the JSON logs (audit entries are `info`). */
  logLevel: (typeof LOG_LEVELS)[number];
  /** GraphiQL at /graphql in a browser; off in production. */
  graphiql: boolean;
  /** How much of each stream's log is kept for history and replay. */
  retention: Retention;
  /** When set, `GET /metrics` requires `Authorization: Bearer <metricsToken>`; null: open, like /health. */
  metricsToken: string | null;
  /** Delivery of alerts to registered webhook endpoints: retries and timeouts. */
  webhooks: WebhookSettings;
  /** Thresholds of the rules that turn reported login attempts into alerts. */
  loginRules: LoginRuleSettings;
}

/** A configuration error; its message names the variable and what it expects. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

const integer = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, `must be a whole number from ${min} to ${max}`)
    .transform(Number)
    .pipe(z.number().int().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));

const url = (protocols: readonly string[]) =>
  z.string().refine(
    (value) => {
      try {
        return protocols.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    },
    `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`,
  );

const origin = z.string().refine((value) => {
  try {
    return new URL(value).origin === value;
  } catch {
    return false;
  }
}, 'must be a comma-separated list of origins like https://app.example.com (scheme, host and port only)');

/** `host:port`, comma-separated; at least one. */
const redisNodes = z
  .string()
  .transform((value) =>
    value
      .split(',')
      .map((node) => node.trim())
      .filter(Boolean),
  )
  .pipe(
    z
      .array(
        z
          .string()
          .regex(
            /^[A-Za-z0-9.-]+:\d{1,5}$/,
            'must be a comma-separated list of host:port, like 10.0.0.1:7000',
          )
          .transform((node) => {
            const at = node.lastIndexOf(':');
            return { host: node.slice(0, at), port: Number(node.slice(at + 1)) };
          })
          .refine(({ port }) => port >= 1 && port <= 65535, 'must have ports from 1 to 65535'),
      )
      .min(1, 'must list at least one host:port'),
  );

const ENV = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: integer(0, 65535).default(4000),
  REDIS_URL: url(['redis:', 'rediss:']).optional(),
  REDIS_CLUSTER_NODES: redisNodes.optional(),
  REDIS_KEY_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,32}$/, 'must be 1 to 32 letters, digits, _ or -')
    .default('seh'),
  JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  JWT_JWKS_URL: url(['https:', 'http:']).optional(),
  JWT_ISSUER: z.string().min(1).optional(),
  JWT_AUDIENCE: z.string().min(1).optional(),
  ALLOWED_ORIGINS: z
    .string()
    .transform((value) =>
      value
        .split(',')
        .map((o) => o.trim())
        .filter(Boolean),
    )
    .pipe(z.array(origin))
    .default([]),
  MAX_CONNECTIONS: integer(1, 1_000_000).default(10_000),
  HEARTBEAT_INTERVAL_MS: integer(100, 3_600_000).default(30_000),
  MAX_CONNECTIONS_PER_USER: integer(1, 100_000).default(20),
  MAX_SUBSCRIPTIONS_PER_SOCKET: integer(1, 10_000).default(50),
  MAX_MESSAGE_BYTES: integer(1024, 64 * 1024 * 1024).default(64 * 1024),
  MESSAGES_PER_MINUTE: integer(1, 1_000_000).default(100),
  MAX_QUERY_TOKENS: integer(10, 100_000).default(1000),
  MAX_QUERY_DEPTH: integer(1, 100).default(10),
  MAX_QUERY_ALIASES: integer(0, 1000).default(15),
  MAX_QUERY_COST: integer(1, 1_000_000).default(1000),
  MAX_BUFFERED_BYTES: integer(1024, 1024 * 1024 * 1024).default(4 * 1024 * 1024),
  HISTORY_MAX_EVENTS: integer(1, 10_000_000).default(10_000),
  HISTORY_MAX_AGE_SECONDS: integer(1, 365 * 24 * 3600).default(24 * 3600),
  GRAPHIQL: z.enum(['true', 'false']).optional(),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  METRICS_TOKEN: z
    .string()
    .regex(/^[\x21-\x7e]{16,256}$/, 'must be 16 to 256 printable characters without spaces')
    .optional(),
  WEBHOOK_RETRY_BASE_MS: integer(10, 3_600_000).default(1000),
  WEBHOOK_MAX_ATTEMPTS: integer(1, 20).default(6),
  WEBHOOK_TIMEOUT_MS: integer(100, 60_000).default(5000),
  BRUTE_FORCE_THRESHOLD: integer(2, 10_000).default(5),
  BRUTE_FORCE_WINDOW_SECONDS: integer(1, 86_400).default(60),
  SUSPICIOUS_LOGIN_USERS: integer(2, 10_000).default(3),
  SUSPICIOUS_LOGIN_WINDOW_SECONDS: integer(1, 86_400).default(60),
});

/** Every variable the configuration reads (documented in README.md and .env.example). */
export const CONFIG_VARIABLES = Object.keys(ENV.shape) as readonly (keyof typeof ENV.shape)[];

/**
 * Reads and validates the configuration from environment variables. Throws a
 * ConfigError naming every bad variable. Empty strings count as unset.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const present = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ''),
  );
  const parsed = ENV.safeParse(present);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${String(issue.path[0])} ${issue.message}`);
    throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
  }
  const e = parsed.data;
  const production = e.NODE_ENV === 'production';
  if (e.JWT_SECRET && e.JWT_JWKS_URL) {
    throw new ConfigError('Invalid configuration: set JWT_SECRET or JWT_JWKS_URL, not both');
  }
  if (e.REDIS_URL && e.REDIS_CLUSTER_NODES) {
    throw new ConfigError('Invalid configuration: set REDIS_URL or REDIS_CLUSTER_NODES, not both');
  }
  if ((e.JWT_ISSUER || e.JWT_AUDIENCE) && !e.JWT_JWKS_URL) {
    throw new ConfigError('Invalid configuration: JWT_ISSUER and JWT_AUDIENCE go with JWT_JWKS_URL');
  }
  if (production && !e.JWT_SECRET && !e.JWT_JWKS_URL) {
    throw new ConfigError(
      'Invalid configuration: JWT_SECRET or JWT_JWKS_URL is required when NODE_ENV=production; refusing to start',
    );
  }
  if (production && e.JWT_SECRET === DEVELOPMENT_SECRET) {
    throw new ConfigError(
      'Invalid configuration: JWT_SECRET must not be the development secret in production',
    );
  }
  const keys: KeySource = e.JWT_JWKS_URL
    ? { kind: 'jwks', url: e.JWT_JWKS_URL, issuer: e.JWT_ISSUER, audience: e.JWT_AUDIENCE }
    : { kind: 'secret', secret: e.JWT_SECRET ?? DEVELOPMENT_SECRET };
  return {
    port: e.PORT,
    redisUrl: e.REDIS_URL ?? null,
    redisClusterNodes: e.REDIS_CLUSTER_NODES ?? null,
    redisKeyPrefix: e.REDIS_KEY_PREFIX,
    keys,
    usingDevelopmentSecret: !e.JWT_SECRET && !e.JWT_JWKS_URL,
    allowedOrigins: e.ALLOWED_ORIGINS,
    maxConnections: e.MAX_CONNECTIONS,
    heartbeatIntervalMs: e.HEARTBEAT_INTERVAL_MS,
    operationLimits: {
      maxTokens: e.MAX_QUERY_TOKENS,
      maxDepth: e.MAX_QUERY_DEPTH,
      maxAliases: e.MAX_QUERY_ALIASES,
      maxCost: e.MAX_QUERY_COST,
    },
    limits: {
      connectionsPerUser: e.MAX_CONNECTIONS_PER_USER,
      subscriptionsPerSocket: e.MAX_SUBSCRIPTIONS_PER_SOCKET,
      maxMessageBytes: e.MAX_MESSAGE_BYTES,
      messagesPerMinute: e.MESSAGES_PER_MINUTE,
      maxBufferedBytes: e.MAX_BUFFERED_BYTES,
    },
    production,
    logLevel: e.LOG_LEVEL,
    graphiql: e.GRAPHIQL ? e.GRAPHIQL === 'true' && !production : !production,
    retention: { maxEvents: e.HISTORY_MAX_EVENTS, maxAgeMs: e.HISTORY_MAX_AGE_SECONDS * 1000 },
    metricsToken: e.METRICS_TOKEN ?? null,
    webhooks: {
      retryBaseMs: e.WEBHOOK_RETRY_BASE_MS,
      maxAttempts: e.WEBHOOK_MAX_ATTEMPTS,
      timeoutMs: e.WEBHOOK_TIMEOUT_MS,
    },
    loginRules: {
      bruteForceThreshold: e.BRUTE_FORCE_THRESHOLD,
      bruteForceWindowMs: e.BRUTE_FORCE_WINDOW_SECONDS * 1000,
      suspiciousLoginUsers: e.SUSPICIOUS_LOGIN_USERS,
      suspiciousLoginWindowMs: e.SUSPICIOUS_LOGIN_WINDOW_SECONDS * 1000,
    },
  };
}
