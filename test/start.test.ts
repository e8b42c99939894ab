import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { jwtVerify } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { TEST_SECRET } from './support/auth.js';
import { subscribeSse } from './support/sse.js';
import { openAuthedSocket, subscribeOn } from './support/ws.js';

/** The README's commands as a newcomer runs them: `npm start` and `npm run token`, as real processes. */

const ROOT = new URL('..', import.meta.url).pathname;
// `npm start` runs exactly this; calling tsx directly keeps npm's own output out of the way.
const START = ['node_modules/.bin/tsx', 'src/main.ts'];
const TOKEN = ['node_modules/.bin/tsx', 'src/cli/token.ts'];

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

/** Starts the server as `npm start` does and resolves with its base URL once it prints it. */
function start(
  env: Record<string, string>,
): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  const [command, ...args] = START as [string, ...string[]];
  const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, NODE_ENV: '', ...env } });
  children.push(child);
  let output = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/localhost:\d+)/.exec(output);
      if (match?.[1]) resolve({ child, url: match[1], output: () => output });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`server exited with ${code}: ${output}`)));
  });
}

describe('npm start', () => {
  it('serves /health, /ready and GraphQL on in-memory pub/sub, warns about the dev secret, and exits 0 on SIGTERM', async () => {
    const { child, url, output } = await start({ PORT: '0', JWT_SECRET: '' });
    expect(output()).toMatch(/WARNING: no JWT_SECRET or JWT_JWKS_URL set/);
    expect(output()).toMatch(/pub\/sub: memory/);
    expect(output()).toMatch(/npm run token -- --sub alice --roles officer/);
    expect((await fetch(`${url}/health`)).status).toBe(200);
    expect((await fetch(`${url}/ready`)).status).toBe(200);
    const html = await fetch(`${url}/graphql`, { headers: { accept: 'text/html' } });
    expect(html.headers.get('content-type')).toMatch(/text\/html/);

    // A token minted by `npm run token` for the local (development) configuration works on the socket.
    const [command, ...args] = TOKEN as [string, ...string[]];
    const minted = spawnSync(command, [...args, '--sub', 'olga', '--roles', 'officer'], {
      cwd: ROOT,
      env: { ...process.env, NODE_ENV: '', JWT_SECRET: '' },
      encoding: 'utf8',
    });
    const token = minted.stdout.trim();
    const socket = await openAuthedSocket(url, token);
    const sub = subscribeOn(socket, '{ me { sub roles } }');
    expect(await sub.next()).toEqual({ me: { sub: 'olga', roles: ['OFFICER'] } });

    // Graceful shutdown: sockets are told to go elsewhere (1001), SSE streams complete, exit 0.
    const alerts = subscribeOn(socket, 'subscription { securityAlerts { id } }');
    const sse = await subscribeSse(url, token, 'subscription { securityAlerts { id } }');
    const sseEnded = sse.ended;
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await socket.waitForClose()).toEqual({ code: 1001, reason: 'Server shutting down' });
    // No `complete`: that would tell the client its subscription is over, not to resubscribe elsewhere.
    expect(alerts.frames).toEqual([]);
    await sseEnded;
    expect(await exited).toBe(0);
    expect(output()).toMatch(/SIGTERM received, shutting down/);
  });

  it('refuses to start in production without JWT configuration, naming the variables', () => {
    const [command, ...args] = START as [string, ...string[]];
    const run = spawnSync(command, args, {
      cwd: ROOT,
      env: { ...process.env, NODE_ENV: 'production', PORT: '0', JWT_SECRET: '', JWT_JWKS_URL: '' },
      encoding: 'utf8',
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/JWT_SECRET or JWT_JWKS_URL is required when NODE_ENV=production/);
  });

  it('refuses an invalid PORT, naming it', () => {
    const [command, ...args] = START as [string, ...string[]];
    const run = spawnSync(command, args, {
      cwd: ROOT,
      env: { ...process.env, PORT: 'eighty' },
      encoding: 'utf8',
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/PORT must be a whole number from 0 to 65535/);
  });
});

describe('npm run token', () => {
  const [command, ...args] = TOKEN as [string, ...string[]];
  const token = (extra: string[], env: Record<string, string> = {}) =>
    spawnSync(command, [...args, ...extra], { cwd: ROOT, env: { ...process.env, ...env }, encoding: 'utf8' });

  it('prints an HS256 token for JWT_SECRET with sub, roles, sid and exp', async () => {
    const run = token(['--sub', 'alice', '--roles', 'user,officer', '--sid', 's1', '--ttl', '600'], {
      JWT_SECRET: TEST_SECRET,
    });
    expect(run.status).toBe(0);
    const { payload, protectedHeader } = await jwtVerify(
      run.stdout.trim(),
      new TextEncoder().encode(TEST_SECRET),
    );
    expect(protectedHeader.alg).toBe('HS256');
    expect(payload).toMatchObject({ sub: 'alice', roles: ['user', 'officer'], sid: 's1' });
    expect((payload.exp as number) - (payload.iat as number)).toBe(600);
  });

  it('refuses unknown roles and a missing --sub', () => {
    expect(token(['--sub', 'alice', '--roles', 'root'], { JWT_SECRET: TEST_SECRET }).stderr).toMatch(
      /Unknown role root; roles are admin, officer, user, service/,
    );
    expect(token(['--roles', 'user'], { JWT_SECRET: TEST_SECRET }).stderr).toMatch(/--sub is required/);
  });
});
