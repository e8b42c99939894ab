import { createSourceEventStream, type ExecutionArgs, type ExecutionResult, GraphQLError } from 'graphql';
import { CloseCode, makeServer, type Context as WsContext } from 'graphql-ws';
import type { Logger } from 'pino';
import type { WebSocket, WebSocketServer } from 'ws';
import type { Principal } from '../auth/principal.js';
import { type Revocable, type Revocations, revocationReason } from '../auth/revocation.js';
import type { TokenVerifier } from '../auth/verify.js';
import { apiError, masked } from '../errors.js';
import { STREAMS, type Stream } from '../events/types.js';
import { type EndListener, type Fanout, isJoined } from '../fanout/fanout.js';
import { SubscriptionAudit } from '../graphql/audit.js';
import type { RequestContext } from '../graphql/context.js';
import { tagVariableErrors } from '../graphql/variables-error-code.js';
import type { Hub } from '../hub.js';
import type { Metrics } from '../metrics/metrics.js';
import { subscribedStream } from '../metrics/plugin.js';
import { Deadlines, type Due } from '../util/deadlines.js';
import type { App } from './http.js';
import {
  attachGraphQLWs,
  CLOSE,
  type Connection,
  closeSocket,
  type SocketExtra,
  type SocketLimits,
} from './ws-adapter.js';

/** Per-socket state: the socket and its peer's address, plus what authentication established. */
type Extra = SocketExtra & { session?: SocketSession };

/** The `connection_init` payload clients send: `{ "authorization": "Bearer <jwt>" }`. */
type ConnectionParams = { authorization?: unknown };

// Yoga's envelope hands its execute/subscribe through rootValue (graphql-ws's documented Yoga recipe).
interface EnvelopedRoot {
  execute: (args: ExecutionArgs) => unknown;
  subscribe: (args: ExecutionArgs) => unknown;
}

/**
 * A fan-out subscription runs without envelop's subscribe: its root field's
 * resolver joins a group and returns an iterator that yields nothing, so the
 * layers envelop and graphql-js wrap around it (one per plugin hook, plus the
 * result mapping) would be held per subscriber for nothing. What those plugins
 * do for a subscription is done here, with their own functions: the audit
 * entries (subscriptionAudit), the metrics count, BAD_USER_INPUT on variable
 * errors (tagVariableErrors) and masking of unexpected errors (masked). Parsing
 * and validation (with the query limits) still run through the envelope.
 */
class LeanSubscription implements EndListener {
  constructor(
    readonly stream: Stream,
    readonly audit: SubscriptionAudit,
    private readonly metrics: Pick<Metrics, 'subscriptionEnded'>,
  ) {}

  ended(): void {
    this.audit.ended();
    this.metrics.subscriptionEnded(this.stream);
  }
}

/** A refused fan-out subscription's errors, coded and masked as Yoga's plugins would. */
function refusal(result: ExecutionResult): ExecutionResult {
  const tagged = tagVariableErrors(result);
  return { ...tagged, errors: tagged.errors?.map(masked) };
}

/**
 * One authenticated socket: closed (4403) at its token's expiry (one timer for
 * all sockets: see Deadlines) or when its session or rights are revoked;
 * released when it closes. A class, as one is held per socket: fields, not closures.
 */
class SocketSession implements Revocable, Due {
  readonly dueAt: number;
  slot = -1;
  private readonly watch: { release(): void };

  constructor(
    readonly principal: Principal,
    private readonly socket: WebSocket,
    revocations: Revocations,
    private readonly expiries: Deadlines<SocketSession>,
    private readonly socketsPerUser: Map<string, number>,
  ) {
    this.dueAt = principal.exp * 1000;
    expiries.add(this);
    this.watch = revocations.watch(principal, this);
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
    closeSocket(this.socket, CloseCode.Forbidden, forbiddenReason(reason));
  }

  release(): void {
    this.expiries.delete(this);
    this.watch.release();
    const { sub } = this.principal;
    const left = (this.socketsPerUser.get(sub) ?? 1) - 1;
    if (left > 0) this.socketsPerUser.set(sub, left);
    else this.socketsPerUser.delete(sub);
  }
}

/** Where a WebSocket operation's frames go (see FrameTarget). */
class SocketFrames {
  constructor(
    readonly id: string,
    private readonly connection: Connection,
  ) {}

  write(head: Buffer, tail: Buffer): void | Promise<void> {
    return this.connection.sendParts(head, tail);
  }
}

/**
 * One copy of each query text that subscribers send. graphql-ws holds an
 * operation's subscribe message, query text included, for the operation's
 * life; clients mostly send the same few queries, so each subscriber's payload
 * is given the shared copy. Bounded: short texts only, the oldest forgotten first.
 */
class QueryTexts {
  private static readonly MAX_TEXTS = 256;
  private static readonly MAX_LENGTH = 4096;
  private readonly texts = new Map<string, string>();

  intern(text: string): string {
    if (text.length > QueryTexts.MAX_LENGTH) return text;
    const known = this.texts.get(text);
    if (known !== undefined) return known;
    if (this.texts.size >= QueryTexts.MAX_TEXTS) this.texts.delete(this.texts.keys().next().value as string);
    this.texts.set(text, text);
    return text;
  }
}

// A fan-out subscription's audited `fields`: one array per stream, not one per subscriber.
const STREAM_FIELDS: Record<Stream, readonly string[]> = Object.fromEntries(
  STREAMS.map((stream): [Stream, readonly string[]] => [stream, [stream]]),
) as Record<Stream, readonly string[]>;

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
  const socketsPerUser = new Map<string, number>();
  const queryTexts = new QueryTexts();
  const expiries = new Deadlines<SocketSession>();

  const server = makeServer<ConnectionParams, Extra>({
    execute: (args) => (args.rootValue as EnvelopedRoot).execute(args) as never,
    subscribe: async (args) => {
      const lean = args.rootValue;
      if (!(lean instanceof LeanSubscription))
        return (args.rootValue as EnvelopedRoot).subscribe(args) as never;
      const { stream, audit } = lean;
      const result = await createSourceEventStream(args);
      if (!(Symbol.asyncIterator in result)) {
        const refused = refusal(result);
        audit.refused(refused.errors);
        return refused as never;
      }
      // Over WebSocket a stream's resolver always joins fan-out (`live` in graphql/resolvers.ts).
      if (!isJoined(result)) throw new Error('A WebSocket stream subscription did not join fan-out');
      audit.started();
      metrics.subscriptionStarted(stream);
      // The member reports its end itself, with no wrapper held per subscriber.
      result.whenEnded(lean);
      return result as never;
    },
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
      const open = socketsPerUser.get(principal.sub) ?? 0;
      if (open >= limits.connectionsPerUser) {
        logger.warn(
          { audit: 'connection refused', actor: principal.sub, reason: 'too many connections', ip },
          'connection refused',
        );
        metrics.rateLimited('connections_per_user');
        closeSocket(socket, CLOSE.tooManyRequests, 'Too many connections for this user');
        return false;
      }
      socketsPerUser.set(principal.sub, open + 1);
      logger.info({ audit: 'connected', actor: principal.sub, roles: principal.roles, ip }, 'connected');
      ctx.extra.session = new SocketSession(principal, socket, revocations, expiries, socketsPerUser);
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
      const { schema, execute, subscribe, contextFactory, parse, validate } = app.getEnveloped({
        ...ctx,
        socket: ctx.extra.socket,
        params: payload,
        socketPrincipal: ctx.extra.session?.principal,
      });
      // Same codes as Yoga gives these over HTTP; parse and validation rules (the limits) may throw.
      let document: ReturnType<typeof parse>;
      try {
        document = parse(payload.query);
      } catch (error) {
        return [withCode(error, 'GRAPHQL_PARSE_FAILED')];
      }
      let errors: readonly GraphQLError[];
      try {
        errors = validate(schema, document);
      } catch (error) {
        errors = [error as GraphQLError];
      }
      if (errors.length > 0) return errors.map((error) => withCode(error, 'GRAPHQL_VALIDATION_FAILED'));
      // The same text, shared (see QueryTexts).
      (payload as { query: string }).query = queryTexts.intern(payload.query);
      // Subscriptions write their frames themselves, shared with their group (see src/fanout).
      const frames = new SocketFrames(id, ctx.extra.connection);
      const stream = subscribedStream(document, payload.operationName);
      let contextValue: RequestContext;
      let rootValue: LeanSubscription | EnvelopedRoot;
      if (stream !== null) {
        const principal = ctx.extra.session?.principal ?? null;
        rootValue = new LeanSubscription(
          stream,
          new SubscriptionAudit(logger, principal?.sub ?? null, STREAM_FIELDS[stream]),
          metrics,
        );
        // All a subscription's resolver reads (see live in src/graphql/resolvers.ts); event types read no context.
        contextValue = { principal, hub, revocations, fanout, frames };
      } else {
        contextValue = await contextFactory();
        contextValue.frames = frames;
        rootValue = { execute, subscribe };
      }
      return {
        schema,
        operationName: payload.operationName ?? null,
        document,
        variableValues: payload.variables ?? null,
        contextValue,
        rootValue,
      };
    },
  });

  return attachGraphQLWs(wss, server, limits, metrics);
}
