import { Repeater } from '@graphql-yoga/subscription';
import { authorize } from '../auth/guard.js';
import type { Principal } from '../auth/principal.js';
import type { Revocations } from '../auth/revocation.js';
import { apiError } from '../errors.js';
import type { Stream, StreamPayloads } from '../events/types.js';
import type { Hub } from '../hub.js';
import { type Metrics, NO_METRICS } from '../metrics/metrics.js';
import { matchesFilter, type StreamFilters } from '../policy/filters.js';
import { canSee, mayWatch } from '../policy/scope.js';
import { positionTracker } from '../store/cursor.js';
import { armEnds, pagesAfter, REPLAY_PAGE } from './lifetime.js';

/** How many undelivered events one subscription may hold before it is cut off (it can resume from its cursor). */
const SUBSCRIBER_BUFFER = 1000;

/** Live events held back while a replay is still being consumed. */
const MAX_BUFFERED_DURING_REPLAY = 10_000;

/**
 * A stream of the events the principal may see, narrowed by its filter. With
 * `after`, it first replays every retained event after that cursor, then
 * continues live: live events are buffered from the start and merged at the
 * seam by sequence number, so nothing is missed or repeated. The scope check
 * runs on every event, replayed ones included, with the principal's current
 * roles. The stream ends when the token expires, its session is terminated or its rights are revoked,
 * and errors with SLOW_CONSUMER (resume from the last cursor) rather than
 * silently dropping if the subscriber falls too far behind.
 */
export async function watch<S extends Stream>(
  hub: Hub,
  revocations: Revocations,
  principal: Principal,
  stream: S,
  filter: StreamFilters[S] | null | undefined,
  after: string | null | undefined,
  metrics: Pick<Metrics, 'delivered'> = NO_METRICS,
): Promise<AsyncIterableIterator<StreamPayloads[S]>> {
  authorize(mayWatch(principal, stream), `Your roles give no access to ${stream}`);
  const admits = (event: StreamPayloads[S]) =>
    canSee(principal, stream, event) && matchesFilter(stream, filter, event);

  // Everything that can end the stream is armed now, before the first pull: a revocation or expiry
  // that comes first is remembered, and the listeners are released even if the stream never starts.
  let stopRepeater: ((error?: unknown) => void) | null = null;
  let ended: { error: unknown } | null = null;
  const end = (error: unknown) => {
    if (stopRepeater) stopRepeater(error);
    else ended ??= { error };
  };
  // Listen before reading the log, so an event appended during the replay is buffered, not lost.
  let deliver: ((event: StreamPayloads[S]) => void) | null = null;
  const early: StreamPayloads[S][] = [];
  const releases = [
    hub.listen(stream, (event) => (deliver ? deliver(event) : early.push(event))),
    armEnds(hub, revocations, principal, end),
  ];
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    for (const r of releases) r();
  };

  let firstPage: StreamPayloads[S][] = [];
  if (after != null) {
    try {
      // Read once here so a bad or expired cursor fails the subscribe call itself, plainly.
      firstPage = await hub.readAfter(stream, after, REPLAY_PAGE);
    } catch (error) {
      release();
      throw error;
    }
  }

  const repeater = new Repeater<StreamPayloads[S]>(async (push, stop) => {
    stopRepeater = stop;
    if (ended !== null) stop(ended.error);
    let pending = 0;
    // The client has seen everything up to its cursor, even if that event's live copy reaches us late.
    const position = positionTracker(after);
    const send = (event: StreamPayloads[S]) => {
      if (!position.advance(event.cursor) || !admits(event)) return;
      if (++pending > SUBSCRIBER_BUFFER) {
        stop(
          apiError(
            'SLOW_CONSUMER',
            'Subscriber fell too far behind; resubscribe with `after` set to the last cursor received',
          ),
        );
        return;
      }
      push(event).then(
        () => pending--,
        () => undefined,
      );
      metrics.delivered(stream, Date.now() - Date.parse(event.createdAt));
    };
    // Replayed events wait for the consumer (backpressure): a long replay must not read as a slow consumer.
    let stopped = false;
    void stop.then(() => {
      stopped = true;
    });
    try {
      if (after != null) {
        for await (const event of pagesAfter(hub, stream, firstPage)) {
          if (stopped) break;
          if (early.length > MAX_BUFFERED_DURING_REPLAY) {
            throw apiError(
              'SLOW_CONSUMER',
              'Too many live events arrived during the replay; resubscribe with `after` set to the last cursor received',
            );
          }
          if (position.advance(event.cursor) && admits(event)) {
            await push(event);
            metrics.delivered(stream, null);
          }
        }
      }
      // The seam: what arrived live during the replay, minus what the replay already sent.
      for (const event of early) send(event);
      early.length = 0;
      deliver = send;
    } catch (error) {
      stop(error);
    }
    await stop;
    release();
  });

  // A consumer may return before ever pulling (graphql-ws does when a client completes at once):
  // release then too, since the executor above never ran.
  const iterator: AsyncIterableIterator<StreamPayloads[S]> = {
    [Symbol.asyncIterator]: () => iterator,
    next: () => repeater.next(),
    return: (value?: unknown) => {
      release();
      return repeater.return(value as never);
    },
    throw: (error?: unknown) => {
      release();
      return repeater.throw(error);
    },
  };
  return iterator;
}
