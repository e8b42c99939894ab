import type { Stream, StreamPayloads } from '../events/types.js';
import { revocationKeyOf, revokedUserOf } from '../policy/revocation.js';

/** An event as mutations build it: everything but its place in the log. */
export type Draft<S extends Stream> = Omit<StreamPayloads[S], 'cursor'>;

/** Options of an append. */
export interface AppendOptions {
  /**
   * Compare-and-set on the entity's latest state (see `entityKeyOf`): the
   * cursor of the state the caller decided on, or null for "no state yet".
   * When another append got there first, the append fails with StateConflict
   * and writes nothing. Omitted: append unconditionally.
   */
  expect?: string | null;
}

/** The entity's state changed since the caller read it; nothing was written. Re-read and decide again. */
export class StateConflict extends Error {
  override name = 'StateConflict';
}

/** The cursor is older than what is retained, or from another epoch: the client must resync. */
export class CursorExpired extends Error {
  override name = 'CursorExpired';
}

/**
 * The event store: one append-only log per stream, and live delivery of every
 * append to every instance in log order. Appending logs the event before it is
 * fanned out, so anything a subscriber misses can be replayed from the log.
 * Memory and Redis (Streams + pub/sub) implement it alike; one test suite runs
 * against both.
 */
export interface EventStore {
  /** `memory` (one process) or `redis` (any number of instances). */
  readonly kind: 'memory' | 'redis';
  /** Logs the event, then publishes it to every instance; resolves to the stored event with its cursor. */
  append<S extends Stream>(stream: S, draft: Draft<S>, options?: AppendOptions): Promise<StreamPayloads[S]>;
  /** Calls `onEvent` for every event appended from now on, on any instance, in log order. */
  subscribe<S extends Stream>(stream: S, onEvent: (event: StreamPayloads[S]) => void): Promise<() => void>;
  /**
   * Up to `limit` retained events after `after` (null: from the oldest retained), oldest first.
   * Throws CursorExpired if events after the cursor are no longer retained or the epoch changed.
   */
  readAfter<S extends Stream>(stream: S, after: string | null, limit: number): Promise<StreamPayloads[S][]>;
  /** Up to `limit` retained events before `before` (null: the newest), newest first. */
  readBefore<S extends Stream>(stream: S, before: string | null, limit: number): Promise<StreamPayloads[S][]>;
  /** The latest event of an entity (an alert, a session, a recovery request), if retained. */
  latest<S extends Stream>(stream: S, entityKey: string): Promise<StreamPayloads[S] | null>;
  /** True while appends and live delivery work. Drives `/ready`. */
  isReady(): boolean;
  close(): Promise<void>;
}

/** Retention of each stream's log. */
export interface Retention {
  /** Events kept per stream. */
  maxEvents: number;
  /** Events older than this are dropped, in milliseconds. */
  maxAgeMs: number;
}

/**
 * Which entity an event updates, for `latest` and compare-and-set: an alert
 * by its id, a session by its session id, a recovery request by its request id,
 * a user's rights by their latest revoking RBAC event. Others return null.
 */
export function entityKeyOf<S extends Stream>(stream: S, event: Draft<S>): string | null {
  switch (stream) {
    case 'securityAlerts':
      return (event as Draft<'securityAlerts'>).id;
    case 'sessionUpdates':
      return (event as Draft<'sessionUpdates'>).sessionId;
    case 'recoveryStatus':
      return (event as Draft<'recoveryStatus'>).requestId;
    case 'rbacEvents': {
      // A user's latest revoking event, so tokens issued before it can be refused.
      const revoked = revokedUserOf(event as Draft<'rbacEvents'>);
      return revoked === null ? null : revocationKeyOf(revoked);
    }
    default:
      return null;
  }
}
