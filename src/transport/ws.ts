import { type DocumentNode, type ExecutionArgs, GraphQLError } from 'graphql';
import { CloseCode, makeServer, type SubscribePayload, type Context as WsContext } from 'graphql-ws';
import type { Logger } from 'pino';
import type { WebSocketServer } from 'ws';
import type { Principal } from '../auth/principal.js';
import { type Revocable, type Revocations, revocationReason } from '../auth/revocation.js';
import type { TokenVerifier } from '../auth/verify.js';
import { apiError } from '../errors.js';
import type { Fanout } from '../fanout/fanout.js';
import type { OperationRoot, RequestContext } from '../graphql/context.js';
import type { Hub } from '../hub.js';
import type { Metrics } from '../metrics/metrics.js';
import { Deadlines, type Due } from '../util/deadlines.js';
import type { App } from './http.js';
import {
  attachGraphQLWs,
  CLOSE,
  closeSocket,
  type MessageTaker,
  type SocketExtra,
  type SocketLimits,
} from './ws-adapter.js';
import { type Prepared, SessionOperation, type StreamSession, StreamSubscriptions } from './ws-streams.js';

/** Per-socket state: the socket and its peer's address, plus what authentication established. */
type Extra = SocketExtra & { session?: SocketSession };

/** The `connection_init` payload clients send: `{ "authorization": "Bearer <jwt>" }`. */
type ConnectionParams = { authorization?: unknown };

// Yoga's envelope hands its execute/subscribe through rootValue (graphql-ws's documented Yoga recipe).
interface EnvelopedRoot extends OperationRoot {
  execute: (args: ExecutionArgs) => unknown;
  subscribe: (args: ExecutionArgs) => unknown;
}

type SocketContext = WsContext<ConnectionParams, Extra>;

/** What one server's socket sessions share. */
interface Sessions {
  readonly hub: Hub;
  readonly fanout: Fanout;
  readonly revocations: Revocations;
  readonly expiries: Deadlines<SocketSession>;
  readonly socketsPerUser: Map<string, number>;
  readonly streams: StreamSubscriptions<SocketContext>;
}

/**
 * One authenticated socket: closed (4403) at its token's expiry (one timer for
 * all sockets: see Deadlines) or when its session or rights are revoked;
 * released when it closes. It takes the socket's stream subscriptions from
 * graphql-ws (see StreamSubscriptions). A class, as one is held per socket:
 * fields, not closures.
 */
class SocketSession implements Revocable, Due, MessageTaker, StreamSession<SocketContext> {
  readonly dueAt: number;
  slot = -1;
  private readonly watch: { release(): void };
  /** All a stream subscription's resolver reads (see live in src/graphql/resolvers.ts): one per socket. */
  readonly context: RequestContext;

  constructor(
    readonly principal: Principal,
    readonly ctx: SocketContext,
    private readonly sessions: Sessions,
  ) {
    const { hub, fanout, revocations } = sessions;
    this.context = { principal, hub, revocations, fanout };
    this.dueAt = principal.exp * 1000;
    sessions.expiries.add(this);
    this.watch = revocations.watch(principal, this);
  }

  take(message: string): Promise<void> | null {
    return this.sessions.streams.take(this, message);
  }

  /** Its token expired. */
  due(): void {
    this.close('token expired');
  }

  revoked(reason: string): void {
    // After this tick's deliveries, so a subscriber still gets the revoking event's own frame first.
    setImmediate(() => this.close(reason));
  }

  private close(reason: string): void {
    closeSocket(this.ctx.extra.socket, CloseCode.Forbidden, forbiddenReason(reason));
  }

  release(): void {
    const { expiries, socketsPerUser } = this.sessions;
    expiries.delete(this);
    this.watch.release();
    const { sub } = this.principal;
    const left = (socketsPerUser.get(sub) ?? 1) - 1;
    if (left > 0) socketsPerUser.set(sub, left);
    else socketsPerUser.delete(sub);
  }
}

/** Options of the WebSocket transport. */
export interface WsTransportOptions {
  app: App;
  hub: Hub;
  fanout: Fanout;
  revocations: Revocations;
  verify: TokenVerifier;
  logger: Logger;
  metrics: Metrics;
  limits: SocketLimits & {
    /** Open sockets one user (`sub`) may hold in this process. */
    connectionsPerUser: number;
    /** Operations one socket may run at once. */
    subscriptionsPerSocket: number;
  };
}

/** The error as a GraphQLError with `code` unless it has one. */
function withCode(error: unknown, code: string): GraphQLError {
  const graphqlError = error instanceof GraphQLError ? error : new GraphQLError(String(error));
  const extensions = graphqlError.extensions as Record<string, unknown>;
  extensions.code ??= code;
  return graphqlError;
}

// Close reasons must fit a close frame (123 bytes).
const forbiddenReason = (reason: string) => `Forbidden: ${reason}`.slice(0, 123);

/**
 * GraphQL over WebSocket (`graphql-transport-ws`): graphql-ws's protocol
 * server on our ws adapter, executing through the same Yoga envelope (schema,
 * context, plugins, limits) as HTTP. The token in `connection_init` is verified
 * before any acknowledgement: a bad, expired or revoked one closes the socket
 * with 4403 and a reason; a socket is closed with 4403 the moment its token
 * expires, its session is terminated or its user's rights are revoked.
 */
export function useWsTransport(wss: WebSocketServer, options: WsTransportOptions) {
  const { app, hub, fanout, revocations, verify, limits, logger, metrics } = options;

  /** Parses and validates a payload through the envelope (the query limits are validation rules). */
  function prepare(ctx: SocketContext, payload: SubscribePayload): Prepared<ReturnType<App['getEnveloped']>> {
    const envelope = app.getEnveloped({
      ...ctx,
      socket: ctx.extra.socket,
      params: payload,
      socketPrincipal: ctx.extra.session?.principal,
    });
    const { schema, parse, validate } = envelope;
    // Same codes as Yoga gives these over HTTP; parse and validation rules (the limits) may throw.
    let document: DocumentNode;
    try {
      document = parse(payload.query);
    } catch (error) {
      return { ok: false, errors: [withCode(error, 'GRAPHQL_PARSE_FAILED')] };
    }
    let errors: readonly GraphQLError[];
    try {
      errors = validate(schema, document);
    } catch (error) {
      errors = [error as GraphQLError];
    }
    if (errors.length > 0)
      return { ok: false, errors: errors.map((error) => withCode(error, 'GRAPHQL_VALIDATION_FAILED')) };
    return { ok: true, schema, document, envelope };
  }

  const sessions: Sessions = {
    hub,
    fanout,
    revocations,
    expiries: new Deadlines<SocketSession>(),
    socketsPerUser: new Map<string, number>(),
    streams: new StreamSubscriptions({
      prepare,
      logger,
      metrics,
      subscriptionsPerSocket: limits.subscriptionsPerSocket,
    }),
  };

  const server = makeServer<ConnectionParams, Extra>({
    execute: (args) => (args.rootValue as EnvelopedRoot).execute(args) as never,
    subscribe: (args) => (args.rootValue as EnvelopedRoot).subscribe(args) as never,
    // The adapter times the wait for connection_init (see CONNECTION_INIT_WAIT_MS).
    connectionInitWaitTimeout: 0,
    onConnect: async (ctx: WsContext<ConnectionParams, Extra>) => {
      const { socket } = ctx.extra;
      ctx.extra.connection.initialised();
      // graphql-ws would close with a bare "Forbidden"; closing first with the reason wins.
      const ip = ctx.extra.ip;
      const refuse = (reason: string) => {
        logger.warn({ audit: 'auth failed', transport: 'ws', reason, ip }, 'auth failed');
        metrics.authFailure('ws');
        closeSocket(socket, CloseCode.Forbidden, forbiddenReason(reason));
        return false;
      };
      const result = await verify(ctx.connectionParams?.authorization);
      // graphql-ws keeps the connection_init payload for the socket's life; the token need not stay with it.
      if (ctx.connectionParams) delete (ctx.connectionParams as ConnectionParams).authorization;
      // The client may have left while its token was checked: arm nothing for a closed socket.
      if (socket.readyState !== socket.OPEN) return false;
      if (!result.ok) return refuse(result.reason);
      const principal = result.principal;
      let revoked: string | null;
      try {
        revoked = await revocationReason(hub, principal);
      } catch {
        // Revocations cannot be checked while the event store is down: fail closed, retryably.
        closeSocket(socket, CLOSE.tryAgainLater, 'Service unavailable: try again shortly');
        return false;
      }
      if (socket.readyState !== socket.OPEN) return false;
      if (revoked) return refuse(revoked);
      const open = sessions.socketsPerUser.get(principal.sub) ?? 0;
      if (open >= limits.connectionsPerUser) {
        logger.warn(
          { audit: 'connection refused', actor: principal.sub, reason: 'too many connections', ip },
          'connection refused',
        );
        metrics.rateLimited('connections_per_user');
        closeSocket(socket, CLOSE.tooManyRequests, 'Too many connections for this user');
        return false;
      }
      sessions.socketsPerUser.set(principal.sub, open + 1);
      logger.info({ audit: 'connected', actor: principal.sub, roles: principal.roles, ip }, 'connected');
      ctx.extra.session = new SocketSession(principal, ctx, sessions);
      ctx.extra.connection.taker = ctx.extra.session;
      return true;
    },
    onClose: (ctx, code, reason) => {
      const { session } = ctx.extra;
      if (!session) return;
      logger.info({ audit: 'disconnected', actor: session.principal.sub, code, reason }, 'disconnected');
      session.release();
    },
    onSubscribe: async (ctx, id, payload) => {
      // graphql-ws registered this operation already; count it among the socket's running ones.
      if (Object.keys(ctx.subscriptions).length > limits.subscriptionsPerSocket) {
        metrics.rateLimited('subscriptions_per_socket');
        return [
          apiError(
            'LIMIT_EXCEEDED',
            `At most ${limits.subscriptionsPerSocket} operations may run on one socket`,
          ),
        ];
      }
      const prepared = prepare(ctx, payload);
      if (!prepared.ok) return prepared.errors;
      const { schema, execute, subscribe, contextFactory } = prepared.envelope;
      return {
        schema,
        operationName: payload.operationName ?? null,
        document: prepared.document,
        variableValues: payload.variables ?? null,
        contextValue: await contextFactory(),
        // A subscription writes its frames itself, shared with its fan-out group (see src/fanout).
        rootValue: {
          execute,
          subscribe,
          // graphql-ws runs no operation before the socket is acknowledged, when its session exists.
          socket: ctx.extra.session && new SessionOperation(id, ctx.extra.session),
        } satisfies EnvelopedRoot,
      };
    },
  });

  return attachGraphQLWs(wss, server, limits, metrics);
}
