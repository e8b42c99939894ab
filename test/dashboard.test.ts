import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSchema, createYoga } from 'graphql-yoga';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/config.js';
import { createDashboard, DEMO_IDENTITIES } from '../src/transport/dashboard.js';
import type { RunningServer } from '../src/transport/server.js';
import { TEST_SECRET } from './support/auth.js';
import { gqlOk, startTestServer } from './support/server.js';

/**
 * The dashboard's server side: the built client served at `/`, and the
 * development sign-in, which must exist only outside production and only with
 * the public development secret. Real servers for the sign-in (it is about
 * configuration); the static files through Yoga's fetch, no socket needed.
 */

const mint = (server: RunningServer, body: unknown, contentType = 'application/json') =>
  fetch(`${server.url}/dev/token`, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body: JSON.stringify(body),
  });

describe('development sign-in', () => {
  const servers: RunningServer[] = [];
  const start = async (env: Record<string, string>) => {
    const server = await startTestServer(env);
    servers.push(server);
    return server;
  };
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.close()));
  });

  it('does not exist in production: every path under /dev/ answers 404', async () => {
    const server = await start({ NODE_ENV: 'production' });
    expect((await fetch(`${server.url}/dev/identities`)).status).toBe(404);
    expect((await mint(server, { sub: 'ada' })).status).toBe(404);
    const page = await fetch(server.url);
    expect(await page.text()).not.toContain('dev-sign-in');
  });

  it('does not exist outside production either when a real JWT_SECRET is configured', async () => {
    const server = await start({ NODE_ENV: 'development' });
    expect((await fetch(`${server.url}/dev/identities`)).status).toBe(404);
    expect((await mint(server, { sub: 'ada' })).status).toBe(404);
  });

  it('with the development secret, lists the demo identities and mints tokens the API accepts', async () => {
    const server = await start({ NODE_ENV: 'development', JWT_SECRET: '' });
    const identities = await fetch(`${server.url}/dev/identities`);
    expect(identities.status).toBe(200);
    expect(await identities.json()).toEqual(DEMO_IDENTITIES);
    expect(DEMO_IDENTITIES.map((identity) => identity.roles.join())).toEqual([
      'admin',
      'officer',
      'user',
      'user',
    ]);

    const response = await mint(server, { sub: 'olga' });
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const { token } = (await response.json()) as { token: string };
    const data = await gqlOk<{ me: { sub: string; roles: string[] } }>(server, '{ me { sub roles } }', {
      token,
    });
    expect(data.me).toEqual({ sub: 'olga', roles: ['OFFICER'] });
  });

  it('mints only for demo identities, only from JSON, and never through a GET', async () => {
    const server = await start({ NODE_ENV: 'development', JWT_SECRET: '' });
    expect((await mint(server, { sub: 'root' })).status).toBe(400);
    expect((await mint(server, { sub: 'ada' }, 'text/plain')).status).toBe(415);
    expect((await fetch(`${server.url}/dev/token?sub=ada`)).status).toBe(404);
    // A page on another origin is refused before the endpoint runs.
    const foreign = await fetch(`${server.url}/dev/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'https://evil.example' },
      body: JSON.stringify({ sub: 'ada' }),
    });
    expect(foreign.status).toBe(403);
  });
});

describe('static dashboard', () => {
  let directory: string;
  const yogaFor = async (env: Record<string, string>, dir: string) =>
    createYoga({
      schema: createSchema({ typeDefs: 'type Query { ok: Boolean }' }),
      landingPage: false,
      logging: false,
      plugins: [await createDashboard(loadConfig({ PORT: '0', ...env }), { directory: dir })],
    });

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'dashboard-'));
    await mkdir(join(directory, 'assets'));
    await writeFile(
      join(directory, 'index.html'),
      '<!doctype html><html><head><title>t</title></head></html>',
    );
    await writeFile(join(directory, 'assets', 'index-abc123.js'), 'console.log(1)');
    await writeFile(join(directory, 'favicon.svg'), '<svg/>');
  });
  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('serves the page at / with a strict content security policy, revalidated on every load', async () => {
    const yoga = await yogaFor({ NODE_ENV: 'production', JWT_SECRET: TEST_SECRET }, directory);
    const page = await yoga.fetch('http://localhost/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('cache-control')).toBe('no-cache');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.headers.get('content-security-policy')).toContain("connect-src 'self'");
    expect(await page.text()).not.toContain('dev-sign-in');
  });

  it('serves hashed assets as immutable and nothing that was not built', async () => {
    const yoga = await yogaFor({ NODE_ENV: 'production', JWT_SECRET: TEST_SECRET }, directory);
    const asset = await yoga.fetch('http://localhost/assets/index-abc123.js');
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(asset.headers.get('cache-control')).toContain('immutable');
    expect((await yoga.fetch('http://localhost/favicon.svg')).headers.get('content-type')).toBe(
      'image/svg+xml',
    );
    // Only the URL parser's own normalisation (/assets/../index.html is /index.html) reaches a file.
    const outcomes: Record<string, number> = {};
    for (const path of [
      '/assets/missing.js',
      '/assets/../index.html',
      '/%2e%2e/package.json',
      '/etc/passwd',
    ]) {
      const response = await yoga.fetch(`http://localhost${path}`);
      outcomes[path] = response.status;
      if (response.status === 200) expect(await response.text()).toContain('<!doctype html>');
    }
    expect(outcomes).toEqual({
      '/assets/missing.js': 404,
      '/assets/../index.html': 200,
      '/%2e%2e/package.json': 404,
      '/etc/passwd': 404,
    });
  });

  it('tells the page about the development sign-in only when it exists', async () => {
    const yoga = await yogaFor({ NODE_ENV: 'development' }, directory);
    expect(await (await yoga.fetch('http://localhost/')).text()).toContain(
      '<meta name="dev-sign-in" content="/dev/" />',
    );
  });

  it('explains how to build the dashboard when it is not built', async () => {
    const yoga = await yogaFor(
      { NODE_ENV: 'production', JWT_SECRET: TEST_SECRET },
      join(directory, 'nowhere'),
    );
    const page = await yoga.fetch('http://localhost/');
    expect(page.status).toBe(503);
    expect(await page.text()).toContain('npm run build:client');
  });
});
