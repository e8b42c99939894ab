import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'graphql-yoga';
import type { Role } from '../auth/principal.js';
import { signToken } from '../auth/sign.js';
import type { Config } from '../config/config.js';

/**
 * The sample dashboard (client/, built by Vite into client/dist) served at `/`
 * from memory, and, only while the server signs with the public development
 * secret, a sign-in shortcut that mints tokens for a few demo identities.
 */

/** Where `npm run build:client` writes the dashboard. */
export const DASHBOARD_DIST = fileURLToPath(new URL('../../client/dist/', import.meta.url));

/** Where the development sign-in lives; nothing answers under it otherwise. */
export const DEV_SIGN_IN_PREFIX = '/dev/';

/** A person the development sign-in can mint a token for. */
export interface DemoIdentity {
  /** The token's `sub`, and how the dashboard refers to them. */
  readonly sub: string;
  readonly roles: readonly Role[];
  /** What they can do, in a few words, for the sign-in list. */
  readonly description: string;
}

/** The demo cast; `npm run simulate` raises events about alice and asks carol to approve recoveries. */
export const DEMO_IDENTITIES: readonly DemoIdentity[] = [
  { sub: 'ada', roles: ['admin'], description: 'Admin: sees every stream, grants tool access' },
  { sub: 'olga', roles: ['officer'], description: 'Security officer: sees all alerts, acknowledges them' },
  { sub: 'alice', roles: ['user'], description: 'User: sees only her own alerts and sessions' },
  { sub: 'carol', roles: ['user'], description: 'User and recovery custodian: approves others’ recoveries' },
];

/** Lifetime of a development token: a working day, so a demo is not cut short. */
const DEV_TOKEN_TTL_SECONDS = 8 * 3600;

/** True when the development sign-in exists: never in production, only with the public development secret. */
export function devSignInEnabled(config: Config): boolean {
  return !config.production && config.usingDevelopmentSecret && config.keys.kind === 'secret';
}

interface Asset {
  readonly body: Uint8Array<ArrayBuffer>;
  readonly type: string;
  readonly cacheControl: string;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.woff2': 'font/woff2',
};

// The page loads nothing but its own scripts and styles, and talks only to this origin (HTTP and WebSocket).
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const PAGE_HEADERS = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

async function filesUnder(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { withFileTypes: true, recursive: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
}

/**
 * Reads the built dashboard into memory, keyed by URL path. Only files that
 * exist at start-up are ever served, so no request path reaches the disk.
 */
async function loadAssets(directory: string, devSignIn: boolean): Promise<Map<string, Asset>> {
  const assets = new Map<string, Asset>();
  for (const file of await filesUnder(directory)) {
    const path = `/${relative(directory, file).split(sep).join('/')}`;
    let body: Uint8Array<ArrayBuffer> = new Uint8Array(await readFile(file));
    if (path === '/index.html' && devSignIn) {
      // Tells the page the development sign-in exists, without a request that would 404 in production.
      const html = new TextDecoder()
        .decode(body)
        .replace('<head>', `<head>\n    <meta name="dev-sign-in" content="${DEV_SIGN_IN_PREFIX}" />`);
      body = new TextEncoder().encode(html);
    }
    assets.set(path, {
      body,
      type: TYPES[extname(file)] ?? 'application/octet-stream',
      // Vite content-hashes everything under assets/; the page itself must always be revalidated.
      cacheControl: path.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
    });
  }
  return assets;
}

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8" /><title>Security event hub</title></head>
<body><h1>The dashboard is not built</h1>
<p>Run <code>npm run build:client</code> (<code>npm start</code> does it for you), then reload.</p>
<p>The API is at <a href="/graphql">/graphql</a>.</p></body></html>`;

/** Options of the dashboard plugin. */
export interface DashboardOptions {
  /** The built client; default client/dist. */
  directory?: string;
}

/**
 * A Yoga plugin that serves the dashboard at `/` and its assets, plus the
 * development sign-in (`GET /dev/identities`, `POST /dev/token`) when
 * `devSignInEnabled(config)`. Every other path falls through to Yoga.
 */
export async function createDashboard(config: Config, options: DashboardOptions = {}): Promise<Plugin> {
  const directory = options.directory ?? DASHBOARD_DIST;
  const devSignIn = devSignInEnabled(config) && config.keys.kind === 'secret' ? config.keys.secret : null;
  const assets = existsSync(join(directory, 'index.html'))
    ? await loadAssets(directory, devSignIn !== null)
    : null;

  return {
    async onRequest({ request, url, endResponse, fetchAPI }) {
      const { pathname } = url;
      const json = (body: unknown, status = 200) =>
        endResponse(
          new fetchAPI.Response(JSON.stringify(body), {
            status,
            headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
          }),
        );

      if (devSignIn !== null && pathname.startsWith(DEV_SIGN_IN_PREFIX)) {
        if (pathname === '/dev/identities' && request.method === 'GET') return json(DEMO_IDENTITIES);
        if (pathname === '/dev/token' && request.method === 'POST') {
          // JSON only: a cross-site form cannot send it, and a cross-site fetch needs a preflight we never grant.
          if (!(request.headers.get('content-type') ?? '').startsWith('application/json')) {
            return json({ error: 'Send {"sub": "<demo identity>"} as application/json' }, 415);
          }
          const body = (await request.json().catch(() => null)) as { sub?: unknown } | null;
          const identity = DEMO_IDENTITIES.find((candidate) => candidate.sub === body?.sub);
          if (!identity) return json({ error: 'Unknown demo identity' }, 400);
          const token = await signToken(devSignIn, {
            sub: identity.sub,
            roles: identity.roles,
            ttlSeconds: DEV_TOKEN_TTL_SECONDS,
          });
          return json({ token });
        }
        return json({ error: 'Not found' }, 404);
      }

      if (request.method !== 'GET' && request.method !== 'HEAD') return;
      const path = pathname === '/' ? '/index.html' : pathname;
      if (!assets) {
        if (path !== '/index.html') return;
        return endResponse(
          new fetchAPI.Response(NOT_BUILT, {
            status: 503,
            headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' },
          }),
        );
      }
      const asset = assets.get(path);
      if (!asset) return;
      endResponse(
        new fetchAPI.Response(request.method === 'HEAD' ? null : asset.body, {
          headers: {
            'content-type': asset.type,
            'cache-control': asset.cacheControl,
            ...(asset.type.startsWith('text/html') ? PAGE_HEADERS : { 'x-content-type-options': 'nosniff' }),
          },
        }),
      );
    },
  };
}
