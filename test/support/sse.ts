import { AsyncQueue } from './queue.js';

/** A GraphQL subscription over Server-Sent Events (Yoga's distinct-connection mode). */
export interface SseSubscription {
  /** The `data` of the next `next` event. */
  next(timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Every parsed result so far. */
  readonly results: AsyncQueue<{ data?: Record<string, unknown>; errors?: unknown[] }>;
  /** The HTTP status of the response. */
  readonly status: number;
  /** Resolves when the server ends the response (the stream completed or the server went away). */
  readonly ended: Promise<void>;
  close(): void;
}

/** Subscribes over SSE with `Authorization: Bearer <token>`; resolves once the response headers arrive. */
export async function subscribeSse(
  url: string,
  token: string | null,
  query: string,
  variables?: Record<string, unknown>,
): Promise<SseSubscription> {
  const abort = new AbortController();
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'text/event-stream',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ query, variables }),
    signal: abort.signal,
  });
  const results = new AsyncQueue<{ data?: Record<string, unknown>; errors?: unknown[] }>();
  const body = response.body;
  let markEnded: () => void = () => {};
  const ended = new Promise<void>((resolve) => {
    markEnded = resolve;
  });
  if (!body) markEnded();
  if (body) {
    void (async () => {
      const decoder = new TextDecoder();
      let buffer = '';
      try {
        const reader = body.getReader();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          buffer += decoder.decode(value, { stream: true });
          let end = buffer.indexOf('\n\n');
          while (end !== -1) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const data = block
              .split('\n')
              .filter((line) => line.startsWith('data:'))
              .map((line) => line.slice(5).trim())
              .join('\n');
            const event = /^event: ?(.*)$/m.exec(block)?.[1] ?? 'message';
            if (data && event !== 'complete') results.push(JSON.parse(data));
            end = buffer.indexOf('\n\n');
          }
        }
      } catch {
        // aborted by close()
      }
      markEnded();
    })();
  }
  return {
    status: response.status,
    ended,
    results,
    async next(timeoutMs = 5000) {
      const result = await results.next('an SSE result', timeoutMs);
      if (!result.data) throw new Error(`expected data over SSE, got ${JSON.stringify(result)}`);
      return result.data;
    },
    close: () => abort.abort(),
  };
}
