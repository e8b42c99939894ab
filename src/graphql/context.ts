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

/**
 * An operation's root value over WebSocket: where its frames go, so a
 * subscription can join a fan-out group. Per operation, unlike the context,
 * which fan-out groups keep for executing later events.
 */
export interface OperationRoot {
  readonly frames?: FrameTarget;
}

/** What every resolver receives; the operations plugin adds metrics, webhooks and the login rules. */
export type Context = YogaInitialContext & RequestContext & OperationsContext;
