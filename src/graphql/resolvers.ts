import type { GraphQLResolveInfo } from 'graphql';
import { DateTimeResolver, JSONObjectResolver } from 'graphql-scalars';
import { authorize, requirePrincipal } from '../auth/guard.js';
import { hasRole, type Principal } from '../auth/principal.js';
import type { Stream, StreamPayloads } from '../events/types.js';
import type { Resolvers } from '../generated/graphql.js';
import type { Hub } from '../hub.js';
import { matchesFilter, type StreamFilters } from '../policy/filters.js';
import { canSee, mayWatch } from '../policy/scope.js';
import { acknowledgeAlert, raiseAlert } from '../publish/alerts.js';
import { publishRbacEvent } from '../publish/rbac.js';
import { decideOnRecovery, requestRecovery } from '../publish/recovery.js';
import { reportSession, terminateSession } from '../publish/sessions.js';
import { changeToolAccess } from '../publish/tools.js';
import { requireLimit } from '../publish/validate.js';
import { entityKeyOf } from '../store/store.js';
import type { Context, OperationRoot } from './context.js';
import { watch } from './watch.js';

/** Log entries examined per round trip when scanning history. */
const SCAN_PAGE = 200;

/** False for an event superseded by a later version of itself (an alert, once acknowledged). */
async function isCurrent<S extends Stream>(hub: Hub, stream: S, event: StreamPayloads[S]): Promise<boolean> {
  if (entityKeyOf(stream, event) !== event.id) return true;
  const latest = await hub.latest(stream, event.id);
  return latest === null || latest.cursor === event.cursor;
}

/**
 * Recent events of a stream, newest first, through the same scope check as
 * live delivery, older than `before` when given. An event updated later under
 * the same id (an acknowledged alert) is listed once, in its latest state.
 */
async function recent<S extends Stream>(
  hub: Hub,
  principal: Principal,
  stream: S,
  args: { limit?: number | null; filter?: StreamFilters[S] | null; before?: string | null },
): Promise<StreamPayloads[S][]> {
  authorize(mayWatch(principal, stream), `Your roles give no access to ${stream}`);
  const limit = requireLimit(args.limit);
  const result: StreamPayloads[S][] = [];
  let before = args.before ?? null;
  for (;;) {
    const page = await hub.readBefore(stream, before, SCAN_PAGE);
    const candidates = page.filter(
      (event) => canSee(principal, stream, event) && matchesFilter(stream, args.filter, event),
    );
    const current = await Promise.all(candidates.map((event) => isCurrent(hub, stream, event)));
    for (const [i, event] of candidates.entries()) {
      if (!current[i]) continue;
      result.push(event);
      if (result.length === limit) return result;
    }
    if (page.length < SCAN_PAGE) return result;
    before = (page[page.length - 1] as StreamPayloads[S]).cursor;
  }
}

/** A subscription field: the live (and, with `after`, resumed) scoped stream; each event is the field's value. */
function live<S extends Stream>(stream: S) {
  return {
    subscribe: (
      root: OperationRoot | undefined,
      args: { filter?: StreamFilters[S] | null; after?: string | null },
      ctx: Context,
      info: GraphQLResolveInfo,
    ) => {
      const principal = requirePrincipal(ctx.principal);
      // Over WebSocket, subscribers share execution; SSE streams results one subscriber at a time.
      const socket = root?.socket;
      if (socket) {
        return ctx.fanout.join({
          stream,
          principal,
          filter: args.filter,
          after: args.after,
          info,
          context: socket.context,
          target: socket,
        });
      }
      return watch(ctx.hub, ctx.revocations, principal, stream, args.filter, args.after, ctx.metrics);
    },
    resolve: (event: StreamPayloads[S]) => event,
  };
}

const me = (ctx: Context) => requirePrincipal(ctx.principal);

/** Resolvers: thin glue from fields to the publish, policy and history modules. */
export const resolvers: Resolvers = {
  DateTime: DateTimeResolver,
  JSONObject: JSONObjectResolver,

  Principal: {
    roles: (p) => p.roles.map((role) => role.toUpperCase() as Uppercase<typeof role>),
    expiresAt: (p) => new Date(p.exp * 1000).toISOString(),
  },
  SecurityAlert: {
    acknowledgedBy: (alert) => alert.acknowledgement?.by ?? null,
  },

  Query: {
    me: (_, __, ctx) => me(ctx),
    recentAlerts: (_, args, ctx) => recent(ctx.hub, me(ctx), 'securityAlerts', args),
    recentSessionUpdates: (_, args, ctx) => recent(ctx.hub, me(ctx), 'sessionUpdates', args),
    recentToolAccessEvents: (_, args, ctx) => recent(ctx.hub, me(ctx), 'toolAccessEvents', args),
    recentRecoveryUpdates: (_, args, ctx) => recent(ctx.hub, me(ctx), 'recoveryStatus', args),
    recentRbacEvents: (_, args, ctx) => recent(ctx.hub, me(ctx), 'rbacEvents', args),
    // Operations (issue 7): figures, webhooks.
    stats: (_, __, ctx) => {
      authorize(hasRole(me(ctx), 'admin'), 'Only admins may read the stats');
      return ctx.metrics.snapshot();
    },
    webhookEndpoints: (_, __, ctx) => ctx.webhooks.endpoints(me(ctx)),
    webhookDeliveries: (_, args, ctx) => ctx.webhooks.deliveries(me(ctx), args),
  },

  Mutation: {
    raiseAlert: (_, { input }, ctx) => raiseAlert(ctx.hub, me(ctx), input),
    acknowledgeAlert: (_, { id, note }, ctx) => acknowledgeAlert(ctx.hub, me(ctx), id, note),
    reportSession: (_, { input }, ctx) => reportSession(ctx.hub, me(ctx), input),
    terminateSession: (_, { sessionId }, ctx) => terminateSession(ctx.hub, me(ctx), sessionId),
    requestToolAccess: (_, { input }, ctx) => changeToolAccess(ctx.hub, me(ctx), 'REQUESTED', input),
    grantToolAccess: (_, { input }, ctx) => changeToolAccess(ctx.hub, me(ctx), 'GRANTED', input),
    revokeToolAccess: (_, { input }, ctx) => changeToolAccess(ctx.hub, me(ctx), 'REVOKED', input),
    blockToolAccess: (_, { input }, ctx) => changeToolAccess(ctx.hub, me(ctx), 'BLOCKED', input),
    requestRecovery: (_, { input }, ctx) => requestRecovery(ctx.hub, me(ctx), input),
    approveRecovery: (_, { requestId }, ctx) =>
      decideOnRecovery(ctx.hub, me(ctx), requestId, { kind: 'approve' }),
    denyRecovery: (_, { requestId, reason }, ctx) =>
      decideOnRecovery(ctx.hub, me(ctx), requestId, { kind: 'deny', reason: reason ?? null }),
    publishRbacEvent: (_, { input }, ctx) => publishRbacEvent(ctx.hub, me(ctx), input),
    // Operations (issue 7): webhooks, login attempts.
    registerWebhook: (_, { input }, ctx) => ctx.webhooks.register(me(ctx), input),
    removeWebhook: (_, { id }, ctx) => ctx.webhooks.remove(me(ctx), id),
    reportLoginAttempt: async (_, { input }, ctx) => ({
      raised: await ctx.loginRules.report(me(ctx), input),
    }),
  },

  Subscription: {
    securityAlerts: live('securityAlerts'),
    sessionUpdates: live('sessionUpdates'),
    toolAccessEvents: live('toolAccessEvents'),
    recoveryStatus: live('recoveryStatus'),
    rbacEvents: live('rbacEvents'),
  },
};
