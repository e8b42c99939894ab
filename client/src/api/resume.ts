import type { SubscribePayload, Client as WsClient } from 'graphql-ws';

/** What a subscription result looks like on the wire. */
interface Result {
  readonly data?: Record<string, unknown> | null;
  readonly errors?: readonly unknown[];
}

/** Receives a subscription's results. */
export interface ResultSink {
  next(result: Result): void;
  error(error: unknown): void;
  complete(): void;
}

/** The cursor of the event in a single-field subscription result, if it carries one. */
export function cursorOf(result: Result): string | null {
  const fields = result.data ? Object.values(result.data) : [];
  const event = fields.length === 1 ? fields[0] : null;
  if (typeof event !== 'object' || event === null || !('cursor' in event)) return null;
  return typeof event.cursor === 'string' ? event.cursor : null;
}

/**
 * Subscribes through graphql-ws so that a reconnect resumes where the stream
 * left off. graphql-ws sends the same payload again on every reconnect; for an
 * operation with an `after` variable, that payload's `after` is kept at the
 * cursor of the last event received, so the resent subscription replays
 * exactly what was missed while away, and nothing twice.
 *
 * Returns the function that ends the subscription.
 */
export function subscribeResumable(
  client: WsClient,
  request: SubscribePayload,
  sink: ResultSink,
): () => void {
  // A copy: the caller's variables (urql's operation) stay as they were.
  const payload: SubscribePayload = { ...request, variables: { ...request.variables } };
  const variables = payload.variables as Record<string, unknown>;
  const resumes = 'after' in variables;
  return client.subscribe<Record<string, unknown>>(payload, {
    next(result) {
      const cursor = resumes ? cursorOf(result) : null;
      if (cursor !== null) variables.after = cursor;
      sink.next(result);
    },
    error: (error) => sink.error(error),
    complete: () => sink.complete(),
  });
}
