import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES, ConfigError, DEVELOPMENT_SECRET, loadConfig } from './config.js';

/** Configuration comes from the environment; a bad variable stops start-up and is named. */

const SECRET = 'a-real-secret-that-is-long-enough-0123456789';

/** The ConfigError that `env` produces, or a failure if it loads. */
const refusal = (env: NodeJS.ProcessEnv): ConfigError => {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`expected ${JSON.stringify(env)} to be refused`);
};

describe('defaults', () => {
  it('an empty environment gives a development server', () => {
    expect(loadConfig({})).toEqual({
      port: 4000,
      redisUrl: null,
      redisClusterNodes: null,
      redisKeyPrefix: 'seh',
      keys: { kind: 'secret', secret: DEVELOPMENT_SECRET },
      usingDevelopmentSecret: true,
      allowedOrigins: [],
      maxConnections: 10_000,
      heartbeatIntervalMs: 30_000,
      limits: {
        connectionsPerUser: 20,
        subscriptionsPerSocket: 50,
        maxMessageBytes: 65_536,
        messagesPerMinute: 100,
        maxBufferedBytes: 4_194_304,
      },
      operationLimits: { maxTokens: 1000, maxDepth: 10, maxAliases: 15, maxCost: 1000 },
      production: false,
      logLevel: 'info',
      graphiql: true,
      retention: { maxEvents: 10_000, maxAgeMs: 86_400_000 },
      metricsToken: null,
      webhooks: { retryBaseMs: 1000, maxAttempts: 6, timeoutMs: 5000 },
      loginRules: {
        bruteForceThreshold: 5,
        bruteForceWindowMs: 60_000,
        suspiciousLoginUsers: 3,
        suspiciousLoginWindowMs: 60_000,
      },
    });
  });

  it('empty strings count as unset', () => {
    const empty = {
      NODE_ENV: '',
      PORT: '',
      REDIS_URL: '',
      JWT_SECRET: '',
      JWT_JWKS_URL: '',
      JWT_ISSUER: '',
      JWT_AUDIENCE: '',
      ALLOWED_ORIGINS: '',
      MAX_CONNECTIONS: '',
      HEARTBEAT_INTERVAL_MS: '',
      HISTORY_MAX_EVENTS: '',
      HISTORY_MAX_AGE_SECONDS: '',
      GRAPHIQL: '',
      REDIS_CLUSTER_NODES: '',
      METRICS_TOKEN: '',
      WEBHOOK_RETRY_BASE_MS: '',
      BRUTE_FORCE_THRESHOLD: '',
    };
    expect(loadConfig(empty)).toEqual(loadConfig({}));
  });

  it('ignores unrelated variables', () => {
    expect(loadConfig({ HOME: '/root', PATH: '/usr/bin' })).toEqual(loadConfig({}));
  });
});

describe('valid values are read', () => {
  // biome-ignore format: laid out as a table
  const ROWS: [env: NodeJS.ProcessEnv, expected: Record<string, unknown>][] = [
    [{ PORT: '8080' },                                         { port: 8080 }],
    [{ PORT: '0' },                                            { port: 0 }],
    [{ PORT: '65535' },                                        { port: 65535 }],
    [{ REDIS_URL: 'redis://localhost:6379' },                  { redisUrl: 'redis://localhost:6379' }],
    [{ REDIS_URL: 'rediss://cache.internal:6380/0' },          { redisUrl: 'rediss://cache.internal:6380/0' }],
    [{ ALLOWED_ORIGINS: 'https://app.example.com' },           { allowedOrigins: ['https://app.example.com'] }],
    [{ ALLOWED_ORIGINS: 'https://a.example.com, http://localhost:5173,' },
                                                               { allowedOrigins: ['https://a.example.com', 'http://localhost:5173'] }],
    [{ MAX_CONNECTIONS: '1' },                                 { maxConnections: 1 }],
    [{ HEARTBEAT_INTERVAL_MS: '1000' },                        { heartbeatIntervalMs: 1000 }],
    [{ HISTORY_MAX_EVENTS: '50' },                             { retention: { maxEvents: 50, maxAgeMs: 86_400_000 } }],
    [{ HISTORY_MAX_AGE_SECONDS: '60' },                        { retention: { maxEvents: 10_000, maxAgeMs: 60_000 } }],
    [{ NODE_ENV: 'test' },                                     { production: false, graphiql: true }],
    [{ GRAPHIQL: 'false' },                                    { graphiql: false }],
    [{ GRAPHIQL: 'true' },                                     { graphiql: true }],
    [{ JWT_SECRET: SECRET },                                   { keys: { kind: 'secret', secret: SECRET }, usingDevelopmentSecret: false }],
    [{ REDIS_CLUSTER_NODES: '10.0.0.1:7000' },                 { redisUrl: null, redisClusterNodes: [{ host: '10.0.0.1', port: 7000 }] }],
    [{ REDIS_CLUSTER_NODES: 'redis-a:7000, redis-b.internal:7001,' },
                                                               { redisClusterNodes: [{ host: 'redis-a', port: 7000 }, { host: 'redis-b.internal', port: 7001 }] }],
    [{ METRICS_TOKEN: 'scrape-token-0123456789' },             { metricsToken: 'scrape-token-0123456789' }],
    [{ WEBHOOK_RETRY_BASE_MS: '50', WEBHOOK_MAX_ATTEMPTS: '3', WEBHOOK_TIMEOUT_MS: '1000' },
                                                               { webhooks: { retryBaseMs: 50, maxAttempts: 3, timeoutMs: 1000 } }],
    [{ BRUTE_FORCE_THRESHOLD: '10', BRUTE_FORCE_WINDOW_SECONDS: '300' },
                                                               { loginRules: { bruteForceThreshold: 10, bruteForceWindowMs: 300_000, suspiciousLoginUsers: 3, suspiciousLoginWindowMs: 60_000 } }],
    [{ SUSPICIOUS_LOGIN_USERS: '5', SUSPICIOUS_LOGIN_WINDOW_SECONDS: '600' },
                                                               { loginRules: { bruteForceThreshold: 5, bruteForceWindowMs: 60_000, suspiciousLoginUsers: 5, suspiciousLoginWindowMs: 600_000 } }],
  ];

  it.each(ROWS)('%j → %j', (env, expected) => {
    expect(loadConfig(env)).toMatchObject(expected);
  });
});

describe('each invalid variable is refused by name', () => {
  // biome-ignore format: laid out as a table
  const ROWS: [env: NodeJS.ProcessEnv, names: string][] = [
    [{ PORT: 'abc' },                                          'PORT'],
    [{ PORT: '70000' },                                        'PORT'],
    [{ PORT: '-1' },                                           'PORT'],
    [{ PORT: '80.5' },                                         'PORT'],
    [{ REDIS_URL: 'http://x' },                                'REDIS_URL'],
    [{ REDIS_URL: 'localhost:6379' },                          'REDIS_URL'],
    [{ JWT_SECRET: 'too-short' },                              'JWT_SECRET'],
    [{ JWT_SECRET: 'x'.repeat(31) },                           'JWT_SECRET'],
    [{ JWT_JWKS_URL: 'not-a-url' },                            'JWT_JWKS_URL'],
    [{ JWT_JWKS_URL: 'ftp://keys.example.com/jwks.json' },     'JWT_JWKS_URL'],
    [{ ALLOWED_ORIGINS: 'https://app.example.com/path' },      'ALLOWED_ORIGINS'],
    [{ ALLOWED_ORIGINS: 'https://ok.example.com,app.example.com' }, 'ALLOWED_ORIGINS'],
    [{ MAX_CONNECTIONS: '0' },                                 'MAX_CONNECTIONS'],
    [{ HEARTBEAT_INTERVAL_MS: '5' },                           'HEARTBEAT_INTERVAL_MS'],
    [{ HISTORY_MAX_EVENTS: '0' },                              'HISTORY_MAX_EVENTS'],
    [{ HISTORY_MAX_AGE_SECONDS: '1.5' },                       'HISTORY_MAX_AGE_SECONDS'],
    [{ NODE_ENV: 'staging' },                                  'NODE_ENV'],
    [{ GRAPHIQL: 'yes' },                                      'GRAPHIQL'],
    [{ REDIS_CLUSTER_NODES: 'redis-a' },                       'REDIS_CLUSTER_NODES'],
    [{ REDIS_CLUSTER_NODES: 'redis://redis-a:7000' },          'REDIS_CLUSTER_NODES'],
    [{ REDIS_CLUSTER_NODES: 'redis-a:70000' },                 'REDIS_CLUSTER_NODES'],
    [{ REDIS_CLUSTER_NODES: ' , ' },                           'REDIS_CLUSTER_NODES'],
    [{ METRICS_TOKEN: 'short' },                               'METRICS_TOKEN'],
    [{ METRICS_TOKEN: 'has spaces in the middle of it' },      'METRICS_TOKEN'],
    [{ WEBHOOK_RETRY_BASE_MS: '5' },                           'WEBHOOK_RETRY_BASE_MS'],
    [{ WEBHOOK_MAX_ATTEMPTS: '0' },                            'WEBHOOK_MAX_ATTEMPTS'],
    [{ WEBHOOK_MAX_ATTEMPTS: '21' },                           'WEBHOOK_MAX_ATTEMPTS'],
    [{ WEBHOOK_TIMEOUT_MS: 'soon' },                           'WEBHOOK_TIMEOUT_MS'],
    [{ BRUTE_FORCE_THRESHOLD: '1' },                           'BRUTE_FORCE_THRESHOLD'],
    [{ BRUTE_FORCE_WINDOW_SECONDS: '0' },                      'BRUTE_FORCE_WINDOW_SECONDS'],
    [{ SUSPICIOUS_LOGIN_USERS: '1' },                          'SUSPICIOUS_LOGIN_USERS'],
    [{ SUSPICIOUS_LOGIN_WINDOW_SECONDS: '-5' },                'SUSPICIOUS_LOGIN_WINDOW_SECONDS'],
  ];

  it.each(ROWS)('%j → ConfigError naming %s', (env, name) => {
    expect(refusal(env).message).toContain(name);
  });

  it('names every bad variable at once', () => {
    const { message } = refusal({ PORT: 'abc', MAX_CONNECTIONS: '0', NODE_ENV: 'staging' });
    expect(message).toContain('PORT');
    expect(message).toContain('MAX_CONNECTIONS');
    expect(message).toContain('NODE_ENV');
  });

  it('says what a bad PORT should be', () => {
    expect(refusal({ PORT: '70000' }).message).toMatch(/PORT.*65535/);
  });

  it('says what REDIS_CLUSTER_NODES should look like', () => {
    expect(refusal({ REDIS_CLUSTER_NODES: 'redis-a' }).message).toMatch(/REDIS_CLUSTER_NODES.*host:port/);
  });

  it('refuses REDIS_URL and REDIS_CLUSTER_NODES together', () => {
    const { message } = refusal({ REDIS_URL: 'redis://a:6379', REDIS_CLUSTER_NODES: 'b:7000' });
    expect(message).toContain('REDIS_URL');
    expect(message).toContain('REDIS_CLUSTER_NODES');
  });
});

describe('JWT configuration', () => {
  // biome-ignore format: laid out as a table
  const REFUSED: [name: string, env: NodeJS.ProcessEnv, names: string[]][] = [
    ['production without JWT configuration',
      { NODE_ENV: 'production' },                                                     ['JWT_SECRET', 'JWT_JWKS_URL', 'production']],
    ['production with the development secret',
      { NODE_ENV: 'production', JWT_SECRET: DEVELOPMENT_SECRET },                      ['JWT_SECRET']],
    ['a secret and a JWKS together',
      { JWT_SECRET: SECRET, JWT_JWKS_URL: 'https://idp.example.com/jwks.json' },       ['JWT_SECRET', 'JWT_JWKS_URL']],
    ['an issuer without a JWKS',
      { JWT_ISSUER: 'https://idp.example.com/' },                                      ['JWT_ISSUER', 'JWT_JWKS_URL']],
    ['an audience without a JWKS',
      { JWT_AUDIENCE: 'event-hub' },                                                   ['JWT_AUDIENCE', 'JWT_JWKS_URL']],
    ['an issuer with a secret',
      { JWT_SECRET: SECRET, JWT_ISSUER: 'https://idp.example.com/' },                  ['JWT_ISSUER', 'JWT_JWKS_URL']],
  ];

  it.each(REFUSED)('refuses %s', (_name, env, names) => {
    const { message } = refusal(env);
    for (const name of names) expect(message).toContain(name);
  });

  it('a JWKS gives keys of kind jwks, with issuer and audience', () => {
    const config = loadConfig({
      JWT_JWKS_URL: 'https://idp.example.com/.well-known/jwks.json',
      JWT_ISSUER: 'https://idp.example.com/',
      JWT_AUDIENCE: 'event-hub',
    });
    expect(config.keys).toEqual({
      kind: 'jwks',
      url: 'https://idp.example.com/.well-known/jwks.json',
      issuer: 'https://idp.example.com/',
      audience: 'event-hub',
    });
    expect(config.usingDevelopmentSecret).toBe(false);
  });

  it('a JWKS without issuer or audience leaves them unset', () => {
    const { keys } = loadConfig({ JWT_JWKS_URL: 'http://localhost:9000/jwks.json' });
    expect(keys).toMatchObject({ kind: 'jwks', url: 'http://localhost:9000/jwks.json' });
    expect(keys.kind === 'jwks' && keys.issuer).toBeFalsy();
    expect(keys.kind === 'jwks' && keys.audience).toBeFalsy();
  });

  // biome-ignore format: laid out as a table
  const PRODUCTION: [name: string, env: NodeJS.ProcessEnv][] = [
    ['a secret', { NODE_ENV: 'production', JWT_SECRET: SECRET }],
    ['a JWKS',   { NODE_ENV: 'production', JWT_JWKS_URL: 'https://idp.example.com/jwks.json' }],
  ];

  it.each(PRODUCTION)('production starts with %s', (_name, env) => {
    const config = loadConfig(env);
    expect(config.production).toBe(true);
    expect(config.usingDevelopmentSecret).toBe(false);
  });
});

describe('GraphiQL', () => {
  // biome-ignore format: laid out as a table
  const ROWS: [nodeEnv: string, graphiql: string | undefined, expected: boolean][] = [
    ['development', undefined, true],
    ['development', 'true',    true],
    ['development', 'false',   false],
    ['test',        undefined, true],
    ['production',  undefined, false],
    ['production',  'false',   false],
    ['production',  'true',    false],
  ];

  it.each(ROWS)('NODE_ENV=%s GRAPHIQL=%s → %s', (nodeEnv, graphiql, expected) => {
    expect(loadConfig({ NODE_ENV: nodeEnv, GRAPHIQL: graphiql, JWT_SECRET: SECRET }).graphiql).toBe(expected);
  });
});

describe('documentation', () => {
  const read = (file: string) => readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8');

  it('.env.example sets every variable, and only those', () => {
    const listed = [...read('.env.example').matchAll(/^([A-Z_]+)=/gm)].map((m) => m[1]);
    expect([...listed].sort()).toEqual([...CONFIG_VARIABLES].sort());
  });

  it('the README names every variable', () => {
    const readme = read('README.md');
    expect(CONFIG_VARIABLES.filter((name) => !readme.includes(`\`${name}\``))).toEqual([]);
  });

  it('every value in .env.example is valid', () => {
    const env = Object.fromEntries(
      [...read('.env.example').matchAll(/^([A-Z_]+)=(.*)$/gm)].map((m) => [m[1], m[2]]),
    );
    expect(() => loadConfig(env)).not.toThrow();
  });
});
