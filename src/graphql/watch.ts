import { Repeater } from '@graphql-yoga/subscription';
import { authorize } from '../auth/guard.js';
import type { Principal } from '../auth/principal.js';
import { apiError } from '../errors.js';
import type { Stream, StreamPayloads } from '../events/types.js';
import type { Hub } from '../hub.js';
import { matchesFilter, type StreamFilters } from '../policy/filters.js';
import { canSee, mayWatch } from '../policy/scope.js';
import { at } from '../util/at.js';

/** How many undelivered events one subscription may hold before it is cut off. */
export const SUBSCRIBER_BUFFER = 1000;

/**
 * A live stream of the events the principal may see, narrowed by its filter.
 * The scope check runs on every event; the stream ends when the token expires
 * or its login session is terminated,
 * and errors (SLOW_CONSUMER) rather than silently dropping if the subscriber
 * falls too far behind.
 */
export function watch<S extends Stream>(
  hub: Hub,
  principal: Principal,
  stream: S,
  filter: StreamFilters[S] | null | undefined,
): AsyncIterable<StreamPayloads[S]> {
  authorize(mayWatch(principal, stream), `Your roles give no access to ${stream}`);
  return new Repeater<StreamPayloads[S]>(async (push, stop) => {
    let pending = 0;
    const unlisten = hub.listen(stream, (event) => {
      if (!canSee(principal, stream, event) || !matchesFilter(stream, filter, event)) return;
      if (++pending > SUBSCRIBER_BUFFER) {
        stop(apiError('SLOW_CONSUMER', 'Subscriber fell too far behind; resubscribe to continue'));
        return;
      }
      push(event).then(
        () => pending--,
        () => undefined,
      );
    });
    const cancelExpiry = at(principal.exp * 1000, () =>
      stop(apiError('UNAUTHENTICATED', 'Token expired; subscribe again with a fresh token')),
    );
    // Registered after the event listener, so a user watching sessions still sees their own termination.
    const unlistenSession =
      principal.sessionId === null
        ? () => {}
        : hub.listen('sessionUpdates', (update) => {
            if (update.status === 'TERMINATED' && update.sessionId === principal.sessionId) {
              stop(apiError('UNAUTHENTICATED', 'Session terminated; sign in again'));
            }
          });
    await stop;
    unlisten();
    unlistenSession();
    cancelExpiry();
  });
}
