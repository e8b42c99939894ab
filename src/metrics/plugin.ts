import { timingSafeEqual } from 'node:crypto';
import { type DocumentNode, getOperationAST } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { STREAMS, type Stream } from '../events/types.js';
import { onceEnded } from '../util/once-ended.js';
import type { ServerMetrics } from './metrics.js';

/** Where the Prometheus text is served. */
export const METRICS_PATH = '/metrics';

/** The stream a subscription operation watches (its root field), or null for anything else. */
export function subscribedStream(document: DocumentNode, operationName?: string | null): Stream | null {
  const operation = getOperationAST(document, operationName);
  if (operation?.operation !== 'subscription') return null;
  const [field] = operation.selectionSet.selections;
  const name = field?.kind === 'Field' ? field.name.value : null;
  return (STREAMS as readonly string[]).includes(name ?? '') ? (name as Stream) : null;
}

/** True when `authorization` is `Bearer <token>`, compared in constant time. */
function bearerMatches(authorization: string | null, token: string): boolean {
  const given = Buffer.from(authorization ?? '');
  const expected = Buffer.from(`Bearer ${token}`);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

const isAsyncIterable = (value: unknown): value is AsyncIterable<unknown> =>
  typeof (value as AsyncIterable<unknown> | null)?.[Symbol.asyncIterator] === 'function';

/**
 * Serves `GET /metrics` (Prometheus text; with `token`, only to
 * `Authorization: Bearer <token>`), and counts running subscriptions per
 * stream on every transport, since both execute through Yoga.
 */
export function useMetrics(metrics: ServerMetrics, options: { token: string | null }): Plugin {
  return {
    async onRequest({ request, url, endResponse, fetchAPI }) {
      if (url.pathname !== METRICS_PATH) return;
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        endResponse(
          new fetchAPI.Response('Method not allowed', { status: 405, headers: { allow: 'GET, HEAD' } }),
        );
        return;
      }
      if (options.token !== null && !bearerMatches(request.headers.get('authorization'), options.token)) {
        endResponse(
          new fetchAPI.Response('Unauthorized', { status: 401, headers: { 'www-authenticate': 'Bearer' } }),
        );
        return;
      }
      const { contentType, body } = await metrics.prometheus();
      endResponse(
        new fetchAPI.Response(request.method === 'HEAD' ? null : body, {
          headers: { 'content-type': contentType, 'cache-control': 'no-store' },
        }),
      );
    },
    onSubscribe({ args }) {
      const stream = subscribedStream(args.document, args.operationName);
      if (stream === null) return;
      return {
        onSubscribeResult({ result, setResult }) {
          if (!isAsyncIterable(result)) return;
          metrics.subscriptionStarted(stream);
          setResult(onceEnded(result, () => metrics.subscriptionEnded(stream)) as typeof result);
        },
      };
    },
  };
}
