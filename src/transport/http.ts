import type { IncomingMessage, ServerResponse } from 'node:http';
import { createYoga, useReadinessCheck, type YogaServerInstance } from 'graphql-yoga';
import type { Logger } from 'pino';
import type { Principal } from '../auth/principal.js';
import { type Revocations, revocationReason } from '../auth/revocation.js';
import type { TokenVerifier } from '../auth/verify.js';
import type { Config } from '../config/config.js';
import { apiError } from '../errors.js';
import type { Fanout } from '../fanout/fanout.js';
import { useAudit } from '../graphql/audit.js';
import type { RequestContext } from '../graphql/context.js';
import { protections } from '../graphql/protections.js';
import { buildSchema } from '../graphql/schema.js';
import { useVariablesErrorCode } from '../graphql/variables-error-code.js';
import type { Hub } from '../hub.js';
import type { Operations } from '../operations/operations.js';
import { createDashboard } from './dashboard.js';
import { createOfflineGraphiQL } from './graphiql.js';
import { useOriginCheck } from './origin.js';

/** What the Node adapter and the WebSocket transport hand to Yoga per request. */
export interface ServerContext {
  req?: IncomingMessage;
  res?: ServerResponse;
  /** Set by the WebSocket transport, which authenticated the socket at `connection_init`. */
  socketPrincipal?: Principal;
}

/** The Yoga app: GraphQL over HTTP and SSE, GraphiQL, the dashboard at /, /health and /ready. */
export type App = YogaServerInstance<ServerContext, RequestContext>;

const DEFAULT_QUERY = `# Security event hub
#
# 1. Get a token:  npm run token -- --sub alice --roles officer
# 2. Open the Headers tab below and paste:
#      { "Authorization": "Bearer <token>" }
# 3. Run this subscription, then raise an alert from another tab
#    with a service or admin token.

subscription LiveAlerts {
  securityAlerts(filter: { minSeverity: LOW }) {
    id
    type
    severity
    message
    userId
    source
    createdAt
  }
}
`;

/** Creates the Yoga app over the hub. HTTP requests authenticate with `Authorization: Bearer <jwt>`. */
export async function createApp(
  config: Config,
  hub: Hub,
  revocations: Revocations,
  verify: TokenVerifier,
  logger: Logger,
  fanout: Fanout,
  operations: Operations,
): Promise<App> {
  const graphiql = config.graphiql ? await createOfflineGraphiQL() : null;
  const dashboard = await createDashboard(config);
  return createYoga<ServerContext, RequestContext>({
    schema: buildSchema(),
    graphqlEndpoint: '/graphql',
    healthCheckEndpoint: '/health',
    landingPage: false,
    logging: logger.child({ component: 'yoga' }),
    cors: config.allowedOrigins.length > 0 ? { origin: config.allowedOrigins, credentials: false } : false,
    graphiql: graphiql
      ? { title: 'Security event hub', defaultQuery: DEFAULT_QUERY, defaultEditorToolsVisibility: 'headers' }
      : false,
    ...(graphiql ? { renderGraphiQL: graphiql.render } : {}),
    plugins: [
      useOriginCheck(config.allowedOrigins),
      // Operations: GET /metrics, subscription counts, and metrics, webhooks and login rules in the context.
      ...operations.plugins,
      ...protections(config.operationLimits, config.production),
      ...(graphiql ? [graphiql.plugin] : []),
      dashboard,
      useReadinessCheck({ endpoint: '/ready', check: () => hub.isReady() }),
      useVariablesErrorCode(),
      useAudit(logger),
    ],
    context: async ({ request, socketPrincipal }): Promise<RequestContext> => {
      // WebSocket operations arrive already authenticated by the socket.
      if (socketPrincipal) return { principal: socketPrincipal, hub, revocations, fanout };
      const authorization = request.headers.get('authorization');
      if (authorization === null) return { principal: null, hub, revocations, fanout };
      const result = await verify(authorization);
      if (!result.ok) {
        logger.warn({ audit: 'auth failed', transport: 'http', reason: result.reason }, 'auth failed');
        operations.metrics.authFailure('http');
        throw apiError('UNAUTHENTICATED', `Unauthenticated: ${result.reason}`, { http: { status: 401 } });
      }
      const revoked = await revocationReason(hub, result.principal);
      if (revoked) {
        operations.metrics.authFailure('http');
        logger.warn(
          { audit: 'auth failed', transport: 'http', reason: revoked, actor: result.principal.sub },
          'auth failed',
        );
        throw apiError('UNAUTHENTICATED', `Unauthenticated: ${revoked}`, { http: { status: 401 } });
      }
      return { principal: result.principal, hub, revocations, fanout };
    },
  });
}
