import type * as G from '../generated/graphql.js';

/**
 * The payloads of the five streams: the GraphQL object types, minus fields
 * that resolvers derive (so each fact is stored once).
 */
export type SecurityAlert = Omit<G.SecurityAlert, '__typename' | 'acknowledgedBy'>;
export type SessionUpdate = Omit<G.SessionUpdate, '__typename'>;
export type ToolAccessEvent = Omit<G.ToolAccessEvent, '__typename'>;
export type RecoveryUpdate = Omit<G.RecoveryUpdate, '__typename'>;
export type RbacEvent = Omit<G.RbacEvent, '__typename'>;

/** Topic map: each stream's name and the payload it carries. Declared once, used everywhere. */
export interface StreamPayloads {
  securityAlerts: SecurityAlert;
  sessionUpdates: SessionUpdate;
  toolAccessEvents: ToolAccessEvent;
  recoveryStatus: RecoveryUpdate;
  rbacEvents: RbacEvent;
}

/** A stream's name; equal to its subscription field's name. */
export type Stream = keyof StreamPayloads;

/** Every stream, in the order the spec lists them. */
export const STREAMS = [
  'securityAlerts',
  'sessionUpdates',
  'toolAccessEvents',
  'recoveryStatus',
  'rbacEvents',
] as const satisfies readonly Stream[];
