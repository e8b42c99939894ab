import type { Principal } from '../auth/principal.js';
import type { Revocations } from '../auth/revocation.js';
import { apiError } from '../errors.js';
import type { Stream, StreamPayloads } from '../events/types.js';
import type { Hub } from '../hub.js';
import { at } from '../util/at.js';

/**
 * A subscription's lifetime and replay: what ends an SSE subscription besides
 * its client (WebSocket ones end with their socket, see transport/ws.ts, and
 * on fan-out's own shutdown and revocation hooks), and how a resumed one,
 * over either transport, reads the log.
 */

/** Events read from the log per round trip while replaying. */
export const REPLAY_PAGE = 500;

/**
 * Arms what ends a subscription besides its client: its token's expiry, the
 * revocation of its session or rights, and server shutdown. `end` receives the
 * error the client gets, or undefined to complete cleanly. Returns the release.
 */
export function armEnds(
  hub: Hub,
  revocations: Revocations,
  principal: Principal,
  end: (error?: unknown) => void,
): () => void {
  const watch = revocations.watch(principal, {
    revoked: (reason) => end(apiError('UNAUTHENTICATED', `Unauthenticated: ${reason}`)),
  });
  const cancelExpiry = at(principal.exp * 1000, () =>
    end(apiError('UNAUTHENTICATED', 'Token expired; subscribe again with a fresh token')),
  );
  // On shutdown subscriptions complete, so clients reconnect elsewhere and resume.
  const unhook = hub.onShutdown(() => end());
  return () => {
    watch.release();
    cancelExpiry();
    unhook();
  };
}

/**
 * The retained events after a cursor, oldest first, page by page, starting
 * from the first page (which the caller reads itself, so that a bad or expired
 * cursor fails the subscribe call plainly).
 */
export async function* pagesAfter<S extends Stream>(
  hub: Hub,
  stream: S,
  firstPage: StreamPayloads[S][],
): AsyncGenerator<StreamPayloads[S]> {
  let page = firstPage;
  while (page.length > 0) {
    yield* page;
    if (page.length < REPLAY_PAGE) return;
    page = await hub.readAfter(stream, (page[page.length - 1] as StreamPayloads[S]).cursor, REPLAY_PAGE);
  }
}
