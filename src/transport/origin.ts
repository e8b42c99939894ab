import type { IncomingMessage } from 'node:http';
import type { Plugin } from 'graphql-yoga';

/**
 * True when a request's Origin may use the API: no Origin (not a browser), the
 * server's own (GraphiQL, the dashboard), or one listed in ALLOWED_ORIGINS
 * (exact match).
 */
export function isOriginAllowed(
  origin: string | null | undefined,
  host: string | null | undefined,
  allowed: readonly string[],
): boolean {
  if (origin == null) return true;
  if (host != null && (origin === `http://${host}` || origin === `https://${host}`)) return true;
  return allowed.includes(origin);
}

/** The same check for a WebSocket upgrade request. */
export function isUpgradeOriginAllowed(request: IncomingMessage, allowed: readonly string[]): boolean {
  return isOriginAllowed(request.headers.origin, request.headers.host, allowed);
}

/** Refuses browser requests from foreign origins with 403 before anything else runs. */
export function useOriginCheck(allowed: readonly string[]): Plugin {
  return {
    onRequest({ request, endResponse, fetchAPI }) {
      if (isOriginAllowed(request.headers.get('origin'), request.headers.get('host'), allowed)) return;
      endResponse(
        new fetchAPI.Response(
          JSON.stringify({ errors: [{ message: 'Origin not allowed', extensions: { code: 'FORBIDDEN' } }] }),
          {
            status: 403,
            headers: { 'content-type': 'application/json' },
          },
        ),
      );
    },
  };
}
