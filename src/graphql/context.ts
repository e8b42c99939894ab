import type { YogaInitialContext } from 'graphql-yoga';
import type { Principal } from '../auth/principal.js';
import type { Revocations } from '../auth/revocation.js';
import type { Hub } from '../hub.js';

/** What the context factory adds for every operation, on every transport. */
export interface RequestContext {
  /** The verified caller, or null for an anonymous HTTP request. */
  principal: Principal | null;
  hub: Hub;
  /** Live revocation of sessions and rights, which ends subscriptions. */
  revocations: Revocations;
}

/** What every resolver receives. */
export type Context = YogaInitialContext & RequestContext;
