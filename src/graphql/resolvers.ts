import { DateTimeResolver, JSONObjectResolver } from 'graphql-scalars';
import { authorize, requirePrincipal } from '../auth/guard.js';
import type { Principal } from '../auth/principal.js';
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
import type { Context } from './context.js';
import { watch } from './watch.js';

/** Recent events of a stream, newest first, through the same scope check as live delivery. */
function recent<S extends Stream>(
  hub: Hub,
  principal: Principal,
  stream: S,
  limit: number | null | undefined,
  filter: StreamFilters[S] | null | undefined,
): StreamPayloads[S][] {
  authorize(mayWatch(principal, stream), `Your roles give no access to ${stream}`);
  const keep = (event: StreamPayloads[S]) =>
    canSee(principal, stream, event) && matchesFilter(stream, filter, event);
  return hub.history.log(stream).recent(requireLimit(limit), keep);
}

/** A subscription field: the live, scoped stream; each event is the field's value. */
function live<S extends Stream>(stream: S) {
  return {
    subscribe: (_: unknown, args: { filter?: StreamFilters[S] | null }, ctx: Context) =>
      watch(ctx.hub, requirePrincipal(ctx.principal), stream, args.filter),
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
    recentAlerts: (_, { limit, filter }, ctx) => recent(ctx.hub, me(ctx), 'securityAlerts', limit, filter),
    recentSessionUpdates: (_, { limit, filter }, ctx) =>
      recent(ctx.hub, me(ctx), 'sessionUpdates', limit, filter),
    recentToolAccessEvents: (_, { limit, filter }, ctx) =>
      recent(ctx.hub, me(ctx), 'toolAccessEvents', limit, filter),
    recentRecoveryUpdates: (_, { limit, filter }, ctx) =>
      recent(ctx.hub, me(ctx), 'recoveryStatus', limit, filter),
    recentRbacEvents: (_, { limit, filter }, ctx) => recent(ctx.hub, me(ctx), 'rbacEvents', limit, filter),
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
  },

  Subscription: {
    securityAlerts: live('securityAlerts'),
    sessionUpdates: live('sessionUpdates'),
    toolAccessEvents: live('toolAccessEvents'),
    recoveryStatus: live('recoveryStatus'),
    rbacEvents: live('rbacEvents'),
  },
};
