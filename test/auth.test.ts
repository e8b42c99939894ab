import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeJwt, exportJWK, exportSPKI, generateKeyPair, type JWTPayload, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { RunningServer } from '../src/transport/server.js';
import { TEST_SECRET, tokenFor } from './support/auth.js';
import { gqlOk, startTestServer } from './support/server.js';
import { subscribeSse } from './support/sse.js';
import {
  openAuthedSocket,
  openSocket,
  subscribeOn,
  type TestSocket,
  type WsSubscription,
} from './support/ws.js';

/**
 * Authentication at every door, against a real server on real sockets: the
 * WebSocket handshake (exact 4403 close reasons, never an ack), expiry while
 * open, graphql-ws protocol errors, HTTP and SSE, and JWKS mode with the
 * algorithm pinned to asymmetric keys.
 *
 * "Nothing was published" is checked without sleeping: an officer watches
 * alerts, the refused mutation runs, then a service raises a sentinel; delivery
 * is ordered, so the sentinel being the next event means nothing came before it.
 */

const now = () => Math.floor(Date.now() / 1000);
const encode = (secret: string) => new TextEncoder().encode(secret);
const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** An HS-signed token with exactly `claims` (no defaults), for the cases `tokenFor` cannot make. */
function signHs(claims: JWTPayload, options: { secret?: string | Uint8Array; alg?: string } = {}) {
  const secret = options.secret ?? TEST_SECRET;
  return new SignJWT(claims)
    .setProtectedHeader({ alg: options.alg ?? 'HS256', typ: 'JWT' })
    .sign(typeof secret === 'string' ? encode(secret) : secret);
}

const valid = (): JWTPayload => ({ sub: 'mallory', roles: ['admin'], iat: now(), exp: now() + 3600 });
const without = (claim: keyof JWTPayload): JWTPayload => {
  const { [claim]: _, ...rest } = valid();
  return rest;
};

/** An unsecured JWT (`alg: none`, empty signature), built by hand since no library should make one. */
const UNSECURED = `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(valid())}.`;

// [case, connection_init payload (undefined: no payload at all), close reason]
const BAD_CREDENTIALS: [string, Record<string, unknown> | undefined, string][] = [
  ['no payload', undefined, 'Forbidden: missing token'],
  [
    'a payload without authorization',
    { token: await tokenFor('mallory', ['admin']) },
    'Forbidden: missing token',
  ],
  ['an empty authorization', { authorization: '' }, 'Forbidden: missing token'],
  ['an authorization that is not a string', { authorization: 42 }, 'Forbidden: malformed authorization'],
  [
    'a Basic authorization',
    { authorization: `Basic ${Buffer.from('admin:admin').toString('base64')}` },
    'Forbidden: authorization must be "Bearer <token>"',
  ],
  [
    'a bare token without "Bearer"',
    { authorization: await tokenFor('mallory', ['admin']) },
    'Forbidden: authorization must be "Bearer <token>"',
  ],
  ['a malformed JWT', { authorization: 'Bearer abc.def' }, 'Forbidden: malformed token'],
  [
    'a token forged with another secret',
    {
      authorization: `Bearer ${await signHs(valid(), { secret: 'another-secret-that-is-at-least-32-chars!' })}`,
    },
    'Forbidden: token signature invalid',
  ],
  [
    'an unsecured alg:none token',
    { authorization: `Bearer ${UNSECURED}` },
    'Forbidden: token algorithm not allowed',
  ],
  [
    'an expired token',
    { authorization: `Bearer ${await signHs({ ...valid(), iat: now() - 120, exp: now() - 60 })}` },
    'Forbidden: token expired',
  ],
  [
    'a token without exp',
    { authorization: `Bearer ${await signHs(without('exp'))}` },
    'Forbidden: token has no exp claim',
  ],
  [
    'a token without sub',
    { authorization: `Bearer ${await signHs(without('sub'))}` },
    'Forbidden: token has no sub claim',
  ],
  [
    'an HS512 token with the right secret',
    { authorization: `Bearer ${await signHs(valid(), { alg: 'HS512' })}` },
    'Forbidden: token algorithm not allowed',
  ],
  [
    'a token whose roles is not an array',
    { authorization: `Bearer ${await signHs({ ...valid(), roles: 'admin' })}` },
    'Forbidden: token roles claim must be an array',
  ],
  [
    'a token whose exp is not a number',
    // A string exp is exactly what the type forbids, hence the cast.
    { authorization: `Bearer ${await signHs({ ...valid(), exp: 'tomorrow' } as unknown as JWTPayload)}` },
    'Forbidden: token exp claim is invalid',
  ],
  [
    'a token whose sid is not a string',
    { authorization: `Bearer ${await signHs({ ...valid(), sid: 7 })}` },
    'Forbidden: token sid claim must be a string',
  ],
];

const RAISE = 'mutation($i: RaiseAlertInput!) { raiseAlert(input: $i) { message raisedBy } }';
const ALERTS = 'subscription { securityAlerts { message raisedBy } }';
const alertInput = (message: string) => ({ i: { type: 'OTHER', severity: 'LOW', message } });

/** POST /graphql with a raw Authorization header (or none); returns the status and the parsed body. */
async function post(url: string, authorization: string | null, query: string, variables?: object) {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json, application/json',
      ...(authorization === null ? {} : { authorization }),
    },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** Sends `connection_init` and returns the close; asserts no frame at all arrived before it. */
async function refusedHandshake(url: string, payload: Record<string, unknown> | undefined) {
  const socket = await openSocket(url);
  socket.send(payload === undefined ? { type: 'connection_init' } : { type: 'connection_init', payload });
  const closed = await socket.waitForClose();
  // The close frame follows anything sent before it on the same TCP stream.
  expect(socket.messages.seen).toEqual([]);
  return closed;
}

describe('with an HS256 secret', () => {
  let server: RunningServer;
  let service: string;
  let officer: string;

  beforeAll(async () => {
    server = await startTestServer();
    service = await tokenFor('login-service', ['service']);
    officer = await tokenFor('olga', ['officer']);
  });
  afterAll(() => server.close());

  /** Raises an alert as the service and returns it. */
  const raise = (message: string) => gqlOk(server, RAISE, { token: service, variables: alertInput(message) });

  /** An officer watching alerts, proven live by a first event it received. */
  async function watchAlerts(): Promise<{ socket: TestSocket; alerts: WsSubscription }> {
    const socket = await openAuthedSocket(server.url, officer);
    const alerts = subscribeOn(socket, ALERTS);
    await raise('watching');
    expect(await alerts.next()).toEqual({
      securityAlerts: { message: 'watching', raisedBy: 'login-service' },
    });
    return { socket, alerts };
  }

  describe('WebSocket handshake', () => {
    it.each(BAD_CREDENTIALS)('closes %s with 4403 and no ack', async (_case, payload, reason) => {
      expect(await refusedHandshake(server.url, payload)).toEqual({ code: 4403, reason });
    });

    it('acknowledges a valid token with exactly {"type":"connection_ack"}', async () => {
      const socket = await openSocket(server.url);
      socket.send({ type: 'connection_init', payload: { authorization: `Bearer ${officer}` } });
      expect(await socket.waitForMessage()).toEqual({ type: 'connection_ack' });
      socket.close();
    });

    it('closes a socket with 4403 "token expired" when its token expires, and delivers nothing after', async () => {
      const watcher = await watchAlerts();
      const token = await tokenFor('olga', ['officer'], { ttlSeconds: 2 });
      const exp = decodeJwt(token).exp as number;
      const socket = await openAuthedSocket(server.url, token);
      const expiring = subscribeOn(socket, ALERTS);
      await raise('before expiry');
      expect(await expiring.next()).toEqual({
        securityAlerts: { message: 'before expiry', raisedBy: 'login-service' },
      });

      expect(await socket.waitForClose(4000)).toEqual({ code: 4403, reason: 'Forbidden: token expired' });
      // At expiry, not before it (a little slack for timer and clock granularity).
      expect(Date.now()).toBeGreaterThanOrEqual(exp * 1000 - 50);

      await raise('after expiry');
      expect(await watcher.alerts.next()).toEqual({
        securityAlerts: { message: 'before expiry', raisedBy: 'login-service' },
      });
      expect(await watcher.alerts.next()).toEqual({
        securityAlerts: { message: 'after expiry', raisedBy: 'login-service' },
      });
      // The stream ends itself at expiry too; that may beat the close by a frame, but no event follows.
      const streamEnd = {
        id: expiring.id,
        type: 'error',
        payload: [
          {
            message: 'Token expired; subscribe again with a fresh token',
            extensions: { code: 'UNAUTHENTICATED' },
          },
        ],
      };
      expect([[], [streamEnd]]).toContainEqual(expiring.frames.slice(1));
      watcher.socket.close();
    });
  });

  describe('graphql-ws protocol errors', () => {
    it('closes with 4401 Unauthorized on a subscribe before any connection_init', async () => {
      const socket = await openSocket(server.url);
      socket.send({ id: '1', type: 'subscribe', payload: { query: ALERTS } });
      expect(await socket.waitForClose()).toEqual({ code: 4401, reason: 'Unauthorized' });
      expect(socket.messages.seen).toEqual([]);
    });

    it('closes with 4401 Unauthorized on a subscribe sent before the ack arrived', async () => {
      const socket = await openSocket(server.url);
      socket.send({ type: 'connection_init', payload: { authorization: `Bearer ${officer}` } });
      socket.send({ id: '1', type: 'subscribe', payload: { query: ALERTS } });
      expect(await socket.waitForClose()).toEqual({ code: 4401, reason: 'Unauthorized' });
    });

    it('refuses the handshake of a client offering only another subprotocol', async () => {
      // The server picks no subprotocol, and a client must not proceed without the one it asked for.
      await expect(openSocket(server.url, { protocol: 'graphql-ws' })).rejects.toThrow(
        'Server sent no subprotocol',
      );
    });

    it('closes with 4406 a client offering no subprotocol', async () => {
      const ws = new WebSocket(`${server.url.replace(/^http/, 'ws')}/graphql`);
      const closed = await new Promise<{ code: number; reason: string }>((resolve) =>
        ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
      );
      expect(closed).toEqual({ code: 4406, reason: 'Subprotocol not acceptable' });
    });

    it('closes with 4408 when no connection_init arrives within 3 s', async () => {
      const socket = await openSocket(server.url);
      expect(await socket.waitForClose(5000)).toEqual({
        code: 4408,
        reason: 'Connection initialisation timeout',
      });
      expect(socket.messages.seen).toEqual([]);
    });
  });

  describe('GraphQL over HTTP', () => {
    // [caller, Authorization header, HTTP status, error code]
    const REFUSED: [string, () => Promise<string | null>, number, string][] = [
      ['an anonymous caller', async () => null, 200, 'UNAUTHENTICATED'],
      [
        'a forged token',
        async () =>
          `Bearer ${await signHs(valid(), { secret: 'another-secret-that-is-at-least-32-chars!' })}`,
        401,
        'UNAUTHENTICATED',
      ],
      ['a user', async () => `Bearer ${await tokenFor('alice', ['user'])}`, 200, 'FORBIDDEN'],
      ['an officer', async () => `Bearer ${await tokenFor('olga', ['officer'])}`, 200, 'FORBIDDEN'],
    ];

    it.each(REFUSED)(
      'refuses raiseAlert from %s and publishes nothing',
      async (_who, authorization, status, code) => {
        const { socket, alerts } = await watchAlerts();
        const refused = await post(server.url, await authorization(), RAISE, alertInput('refused'));
        expect(refused.status).toBe(status);
        expect(refused.body.errors).toEqual([expect.objectContaining({ extensions: { code } })]);

        await raise('sentinel');
        expect(await alerts.next()).toEqual({
          securityAlerts: { message: 'sentinel', raisedBy: 'login-service' },
        });
        socket.close();
      },
    );

    it('answers a bad token with 401 and a reason, whatever the operation', async () => {
      const expired = await signHs({ ...valid(), exp: now() - 60 });
      expect(await post(server.url, `Bearer ${expired}`, '{ me { sub } }')).toEqual({
        status: 401,
        body: {
          errors: [{ message: 'Unauthenticated: token expired', extensions: { code: 'UNAUTHENTICATED' } }],
        },
      });
    });

    it('lets a service raise an alert, delivered to a watching officer', async () => {
      const { socket, alerts } = await watchAlerts();
      expect(await raise('raised by a service')).toEqual({
        raiseAlert: { message: 'raised by a service', raisedBy: 'login-service' },
      });
      expect(await alerts.next()).toEqual({
        securityAlerts: { message: 'raised by a service', raisedBy: 'login-service' },
      });
      socket.close();
    });

    it('answers me with the principal: roles upper-case, unknown and repeated roles dropped', async () => {
      const token = await signHs({
        sub: 'olga',
        roles: ['officer', 'officer', 'root'],
        sid: 'session-1',
        iat: now(),
        exp: now() + 600,
      });
      const exp = decodeJwt(token).exp as number;
      expect(await gqlOk(server, '{ me { sub roles sessionId expiresAt } }', { token })).toEqual({
        me: {
          sub: 'olga',
          roles: ['OFFICER'],
          sessionId: 'session-1',
          expiresAt: new Date(exp * 1000).toISOString(),
        },
      });
    });

    it('answers an anonymous me with UNAUTHENTICATED', async () => {
      const { status, body } = await post(server.url, null, '{ me { sub } }');
      expect(status).toBe(200);
      expect(body).toEqual({
        data: null,
        errors: [expect.objectContaining({ extensions: { code: 'UNAUTHENTICATED' }, path: ['me'] })],
      });
    });
  });

  describe('GraphQL over SSE', () => {
    it('answers a bad token with 401 UNAUTHENTICATED', async () => {
      const forged = await signHs(valid(), { secret: 'another-secret-that-is-at-least-32-chars!' });
      const sse = await subscribeSse(server.url, forged, ALERTS);
      expect(sse.status).toBe(401);
      expect(await sse.results.next('an error result')).toEqual({
        errors: [
          { message: 'Unauthenticated: token signature invalid', extensions: { code: 'UNAUTHENTICATED' } },
        ],
      });
      sse.close();
    });

    it('answers a missing token with an UNAUTHENTICATED error result', async () => {
      const sse = await subscribeSse(server.url, null, ALERTS);
      expect(sse.status).toBe(200);
      expect(await sse.results.next('an error result')).toEqual({
        errors: [
          {
            message: 'A valid bearer token is required',
            locations: [{ line: 1, column: 16 }],
            path: ['securityAlerts'],
            extensions: { code: 'UNAUTHENTICATED' },
          },
        ],
      });
      sse.close();
    });
  });
});

// The identity provider's key pair, published in the JWKS, and an impostor's.
const idpKeys = await generateKeyPair('RS256');
const otherKeys = await generateKeyPair('RS256');

describe('with a JWKS', () => {
  const ISSUER = 'https://idp.test';
  const AUDIENCE = 'hub';
  const KID = 'key-1';

  let jwks: Server;
  let server: RunningServer;

  beforeAll(async () => {
    const jwk = { ...(await exportJWK(idpKeys.publicKey)), kid: KID, alg: 'RS256', use: 'sig' };
    jwks = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    const { port } = jwks.address() as AddressInfo;
    server = await startTestServer({
      JWT_SECRET: '',
      JWT_JWKS_URL: `http://127.0.0.1:${port}/.well-known/jwks.json`,
      JWT_ISSUER: ISSUER,
      JWT_AUDIENCE: AUDIENCE,
    });
  });
  afterAll(async () => {
    await server.close();
    await new Promise((resolve) => jwks.close(resolve));
  });

  /** An RS256 token from the identity provider (or, with `key`, from someone else), right claims unless overridden. */
  function signRs(claims: JWTPayload = {}, options: { key?: CryptoKey; kid?: string } = {}) {
    return new SignJWT({ sub: 'olga', roles: ['officer'], iss: ISSUER, aud: AUDIENCE, ...claims })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: options.kid ?? KID })
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(options.key ?? idpKeys.privateKey);
  }

  it('acknowledges an RS256 token with the right issuer and audience', async () => {
    const token = await signRs();
    const socket = await openSocket(server.url);
    socket.send({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } });
    expect(await socket.waitForMessage()).toEqual({ type: 'connection_ack' });
    socket.close();
    expect(await gqlOk(server, '{ me { sub roles } }', { token })).toEqual({
      me: { sub: 'olga', roles: ['OFFICER'] },
    });
  });

  const REFUSED: [string, () => Promise<string>, string][] = [
    ['another audience', () => signRs({ aud: 'other-app' }), 'Forbidden: token aud claim is invalid'],
    ['another issuer', () => signRs({ iss: 'https://evil.test' }), 'Forbidden: token iss claim is invalid'],
    [
      'an HS256 token keyed with the public key',
      async () =>
        signHs({ ...valid(), iss: ISSUER, aud: AUDIENCE }, { secret: await exportSPKI(idpKeys.publicKey) }),
      'Forbidden: token algorithm not allowed',
    ],
    [
      'an HS256 token keyed with any secret',
      () => signHs({ ...valid(), iss: ISSUER, aud: AUDIENCE }),
      'Forbidden: token algorithm not allowed',
    ],
    [
      'a token signed by another RSA key under the same kid',
      () => signRs({}, { key: otherKeys.privateKey }),
      'Forbidden: token signature invalid',
    ],
    [
      'a token signed under an unknown kid',
      () => signRs({}, { key: otherKeys.privateKey, kid: 'key-2' }),
      'Forbidden: token signed by an unknown key',
    ],
  ];

  it.each(REFUSED)('closes %s with 4403', async (_case, token, reason) => {
    expect(await refusedHandshake(server.url, { authorization: `Bearer ${await token()}` })).toEqual({
      code: 4403,
      reason,
    });
  });
});
