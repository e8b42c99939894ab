import type {
  RbacEvent,
  RecoveryUpdate,
  SecurityAlert,
  SessionUpdate,
  Stream,
  StreamPayloads,
  ToolAccessEvent,
} from '../events/types.js';
import type {
  AlertFilter,
  RbacFilter,
  RecoveryFilter,
  SessionFilter,
  Severity,
  ToolAccessFilter,
} from '../generated/graphql.js';

/**
 * Client-side filters: what a subscriber asked for. They only ever narrow;
 * the scope check in scope.ts runs first and independently.
 */

/** Each stream's filter input type. */
export interface StreamFilters {
  securityAlerts: AlertFilter;
  sessionUpdates: SessionFilter;
  toolAccessEvents: ToolAccessFilter;
  recoveryStatus: RecoveryFilter;
  rbacEvents: RbacFilter;
}

const SEVERITY_RANK: Record<Severity, number> = { LOW: 0, MEDIUM: 1, HIGH: 2, CRITICAL: 3 };

/** True when `severity` is at least `min`. */
export function atLeast(severity: Severity, min: Severity): boolean {
  return SEVERITY_RANK[severity] >= SEVERITY_RANK[min];
}

/** An absent or null filter field admits everything. */
const oneOf = <T>(allowed: readonly T[] | null | undefined, value: T): boolean =>
  allowed == null || allowed.includes(value);
const equals = <T>(wanted: T | null | undefined, value: T | null): boolean =>
  wanted == null || wanted === value;

const MATCHERS: { [S in Stream]: (filter: StreamFilters[S], event: StreamPayloads[S]) => boolean } = {
  securityAlerts: (f: AlertFilter, a: SecurityAlert) =>
    (f.minSeverity == null || atLeast(a.severity, f.minSeverity)) &&
    oneOf(f.severities, a.severity) &&
    oneOf(f.types, a.type) &&
    equals(f.userId, a.userId) &&
    equals(f.source, a.source),
  sessionUpdates: (f: SessionFilter, s: SessionUpdate) =>
    equals(f.userId, s.userId) && equals(f.sessionId, s.sessionId) && oneOf(f.statuses, s.status),
  toolAccessEvents: (f: ToolAccessFilter, t: ToolAccessEvent) =>
    equals(f.userId, t.userId) && equals(f.toolId, t.toolId) && oneOf(f.actions, t.action),
  recoveryStatus: (f: RecoveryFilter, r: RecoveryUpdate) =>
    equals(f.userId, r.userId) && equals(f.requestId, r.requestId) && oneOf(f.statuses, r.status),
  rbacEvents: (f: RbacFilter, e: RbacEvent) =>
    oneOf(f.types, e.type) &&
    equals(f.userId, e.userId) &&
    (f.minSecurityLevel == null ||
      (e.securityLevel !== null && atLeast(e.securityLevel, f.minSecurityLevel))),
};

/** True when the event passes the subscriber's filter (or there is none). */
export function matchesFilter<S extends Stream>(
  stream: S,
  filter: StreamFilters[S] | null | undefined,
  event: StreamPayloads[S],
): boolean {
  return filter == null || MATCHERS[stream](filter, event);
}
