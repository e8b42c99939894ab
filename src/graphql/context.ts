import type { YogaInitialContext } from 'graphql-yoga';
import type { Principal } from '../auth/principal.js';
import type { Revocations } from '../auth/revocation.js';
import type { Fanout, FrameTarget } from '../fanout/fanout.js';
import type { Hub } from '../hub.js';
import type { OperationsContext } from '../operations/operations.js';

/** What the context factory adds for every operation, on every transport. */
export interface RequestContext {
  /** The verified caller, or null for an anonymous HTTP request. */
  principal: Principal | null;
  hub: Hub;
  /** Live revocation of sessions and rights, which ends subscriptions. */
  revocations: Revocations;
  /** Shared execution of WebSocket subscriptions. */
  fanout: Fanout;
}

/** An operation's root value: over WebSocket, it carries the operation's `socket` (see SocketOperation). */
export interface OperationRoot {
  readonly socket?: SocketOperation;
}

/**
 * A WebSocket operation, for a subscription to join a fan-out group: where
 * its frames go, and the socket's context, with which the group executes
 * later events. The socket's, not the operation's: a group outlives its first
 * member, and must not keep that member's operation (or its socket) alive.
 */
export interface SocketOperation extends FrameTarget {
  readonly context: RequestContext;
}

/** What every resolver receives; the operations plugin adds metrics, webhooks and the login rules. */
export type Context = YogaInitialContext & RequestContext & OperationsContext;
