import { createSourceEventStream, type ExecutionArgs, type ExecutionResult, GraphQLError } from 'graphql';
import { CloseCode, makeServer, type Context as WsContext } from 'graphql-ws';
import type { Logger } from 'pino';
import type { WebSocketServer } from 'ws';
import type { Principal } from '../auth/principal.js';
import { type Revocations, revocationReason } from '../auth/revocation.js';
import type { TokenVerifier } from '../auth/verify.js';
import { apiError, masked } from '../errors.js';
import type { Stream } from '../events/types.js';
import type { Fanout } from '../fanout/fanout.js';
import { subscriptionAudit } from '../graphql/audit.js';
import type { RequestContext } from '../graphql/context.js';
import { tagVariableErrors } from '../graphql/variables-error-code.js';
import type { Hub } from '../hub.js';
import type { Metrics } from '../metrics/metrics.js';
import { subscribedStream } from '../metrics/plugin.js';
import { at } from '../util/at.js';
import { onceEnded } from '../util/once-ended.js';
import type { App } from './http.js';
import {
  attachGraphQLWs,
  CLOSE,
  type Connection,
  closeSocket,
  type SocketExtra,
  type SocketLimits,
} from './ws-adapter.js';

/** Per-socket state: the socket and request, plus what authentication established. */
type Extra = SocketExtra & {
  principal?: Principal;
  /** Releases the expiry timer and the revocation watch. */
  release?: () => void;
};

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
const LEAN = Symbol('lean fan-out subscription');
interface LeanRoot {
  [LEAN]: { stream: Stream; audit: ReturnType<typeof subscriptionAudit> };
}

/** A refused fan-out subscription's errors, coded and masked as Yoga's plugins would. */
function refusal(result: ExecutionResult): ExecutionResult {
  const tagged = tagVariableErrors(result);
  return { ...tagged, errors: tagged.errors?.map(masked) };
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

  const server = makeServer<ConnectionParams, Extra>({
    execute: (args) => (args.rootValue as EnvelopedRoot).execute(args) as never,
    subscribe: async (args) => {
      const lean = (args.rootValue as Partial<LeanRoot>)[LEAN];
      if (!lean) return (args.rootValue as EnvelopedRoot).subscribe(args) as never;
      const { stream, audit } = lean;
      const result = await createSourceEventStream(args);
      if (!(Symbol.asyncIterator in result)) {
        const refused = refusal(result);
        audit.refused(refused.errors);
        return refused as never;
      }
      audit.started();
      metrics.subscriptionStarted(stream);
      return onceEnded(result, () => {
        audit.ended();
        metrics.subscriptionEnded(stream);
      }) as never;
    },
    onConnect: async (ctx: WsContext<ConnectionParams, Extra>) => {
      const { socket } = ctx.extra;
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
      ctx.extra.principal = principal;
      const releases = [
        at(principal.exp * 1000, () =>
          closeSocket(socket, CloseCode.Forbidden, forbiddenReason('token expired')),
        ),
        // After this tick's deliveries, so a subscriber still gets the revoking event's own frame first.
        revocations.watch(principal, (reason) =>
          setImmediate(() => closeSocket(socket, CloseCode.Forbidden, forbiddenReason(reason))),
        ),
      ];
      ctx.extra.release = () => {
        for (const release of releases) release();
        const left = (socketsPerUser.get(principal.sub) ?? 1) - 1;
        if (left > 0) socketsPerUser.set(principal.sub, left);
        else socketsPerUser.delete(principal.sub);
      };
      return true;
    },
    onClose: (ctx, code, reason) => {
      if (ctx.extra.principal)
        logger.info({ audit: 'disconnected', actor: ctx.extra.principal.sub, code, reason }, 'disconnected');
      ctx.extra.release?.();
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
        socketPrincipal: ctx.extra.principal,
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
      // Subscriptions write their frames themselves, shared with their group (see src/fanout).
      const frames = new SocketFrames(id, ctx.extra.connection);
      const stream = subscribedStream(document, payload.operationName);
      if (stream !== null) {
        const root: LeanRoot = {
          [LEAN]: { stream, audit: subscriptionAudit(logger, ctx.extra.principal?.sub ?? null, [stream]) },
        };
        // All a subscription's resolver reads (see live in src/graphql/resolvers.ts); event types read no context.
        const contextValue: RequestContext = {
          principal: ctx.extra.principal ?? null,
          hub,
          revocations,
          fanout,
          frames,
        };
        return {
          schema,
          operationName: payload.operationName ?? null,
          document,
          variableValues: payload.variables ?? null,
          contextValue,
          rootValue: root,
        };
      }
      const contextValue = await contextFactory();
      contextValue.frames = frames;
      return {
        schema,
        operationName: payload.operationName ?? null,
        document,
        variableValues: payload.variables ?? null,
        contextValue,
        rootValue: { execute, subscribe } satisfies EnvelopedRoot,
      };
    },
  });

  return attachGraphQLWs(wss, server, limits, metrics);
}
