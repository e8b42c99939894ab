import type { IncomingMessage } from 'node:http';
import type { ExecutionArgs, GraphQLError } from 'graphql';
import { CloseCode, type Context as WsContext } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import type { WebSocket, WebSocketServer } from 'ws';
import type { Principal } from '../auth/principal.js';
import { revocationReason } from '../auth/revocation.js';
import type { TokenVerifier } from '../auth/verify.js';
import type { Hub } from '../hub.js';
import { at } from '../util/at.js';
import type { App } from './http.js';

/** Per-socket state: what graphql-ws's `ws` adapter provides, plus the authenticated principal. */
type Extra = {
  readonly socket: WebSocket;
  readonly request: IncomingMessage;
  principal?: Principal;
  cancelExpiry?: () => void;
};

/** The `connection_init` payload clients send: `{ "authorization": "Bearer <jwt>" }`. */
type ConnectionParams = { authorization?: unknown };

// Yoga's envelope hands its execute/subscribe through rootValue (graphql-ws's documented Yoga recipe).
interface EnvelopedRoot {
  execute: (args: ExecutionArgs) => unknown;
  subscribe: (args: ExecutionArgs) => unknown;
}

/** Options of the WebSocket transport. */
export interface WsTransportOptions {
  app: App;
  hub: Hub;
  verify: TokenVerifier;
  /** Ping interval; a peer that does not answer a ping within it is terminated. */
  heartbeatIntervalMs: number;
}

// Close reasons must fit a close frame (123 bytes).
const forbiddenReason = (reason: string) => `Forbidden: ${reason}`.slice(0, 123);

/**
 * GraphQL over WebSocket (`graphql-transport-ws`) on a ws server, executing
 * through the same Yoga envelope (schema, context, plugins) as HTTP. The token
 * in `connection_init` is verified before any acknowledgement: a bad one closes
 * the socket with 4403 and a reason; an expiring one closes it at `exp`.
 */
export function useWsTransport(wss: WebSocketServer, options: WsTransportOptions) {
  const { app, verify, hub } = options;
  const sockets = new Set<Extra>();
  // A terminated login session loses its open sockets at once, on every instance (the update travels the bus).
  const unlisten = hub.listen('sessionUpdates', (update) => {
    if (update.status !== 'TERMINATED') return;
    for (const extra of sockets) {
      if (extra.principal?.sessionId === update.sessionId) {
        // After this tick's deliveries, so a user watching sessions gets the termination frame first.
        setImmediate(() => extra.socket.close(CloseCode.Forbidden, forbiddenReason('session terminated')));
      }
    }
  });
  const server = useServer<ConnectionParams, Extra>(
    {
      execute: (args) => (args.rootValue as EnvelopedRoot).execute(args) as never,
      subscribe: (args) => (args.rootValue as EnvelopedRoot).subscribe(args) as never,
      onConnect: async (ctx: WsContext<ConnectionParams, Extra>) => {
        const result = await verify(ctx.connectionParams?.authorization);
        // The client may have left while its token was checked: arm nothing for a closed socket.
        if (ctx.extra.socket.readyState !== ctx.extra.socket.OPEN) return false;
        if (!result.ok) {
          // Close with the specific reason; graphql-ws's own generic 4403 that follows is then a no-op.
          ctx.extra.socket.close(CloseCode.Forbidden, forbiddenReason(result.reason));
          return false;
        }
        const revoked = await revocationReason(hub, result.principal);
        if (revoked) {
          ctx.extra.socket.close(CloseCode.Forbidden, forbiddenReason(revoked));
          return false;
        }
        ctx.extra.principal = result.principal;
        sockets.add(ctx.extra);
        ctx.extra.cancelExpiry = at(result.principal.exp * 1000, () =>
          ctx.extra.socket.close(CloseCode.Forbidden, forbiddenReason('token expired')),
        );
        return true;
      },
      onClose: (ctx) => {
        ctx.extra.cancelExpiry?.();
        sockets.delete(ctx.extra);
      },
      onSubscribe: async (ctx, _id, payload) => {
        const { schema, execute, subscribe, contextFactory, parse, validate } = app.getEnveloped({
          ...ctx,
          req: ctx.extra.request,
          socket: ctx.extra.socket,
          params: payload,
          socketPrincipal: ctx.extra.principal,
        });
        let document: ReturnType<typeof parse>;
        try {
          document = parse(payload.query);
        } catch (error) {
          return [error as GraphQLError];
        }
        const args: ExecutionArgs = {
          schema,
          operationName: payload.operationName ?? null,
          document,
          variableValues: payload.variables ?? null,
          contextValue: await contextFactory(),
          rootValue: { execute, subscribe } satisfies EnvelopedRoot,
        };
        const errors = validate(args.schema, args.document);
        if (errors.length > 0) return errors;
        return args;
      },
    },
    wss,
    options.heartbeatIntervalMs,
  );
  return {
    /** Closes every socket with 1001 and stops listening. */
    dispose: async () => {
      unlisten();
      await server.dispose();
    },
  };
}
