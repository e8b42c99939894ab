import { GraphQLError } from 'graphql';

/** The `extensions.code` values clients can branch on. */
export type ErrorCode =
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'BAD_USER_INPUT'
  | 'UNAVAILABLE'
  | 'SLOW_CONSUMER'
  | 'CURSOR_EXPIRED'
  | 'CONFLICT'
  | 'LIMIT_EXCEEDED';

/**
 * A GraphQL error that Yoga passes to clients unmasked, with its code. Field
 * errors keep HTTP 200 (partial results); `extra` adds extensions.
 */
export function apiError(
  code: ErrorCode,
  message: string,
  extra: Record<string, unknown> = {},
): GraphQLError {
  return new GraphQLError(message, { extensions: { code, ...extra } });
}

/**
 * An error as clients may see it, as Yoga masks them: errors raised on purpose
 * (GraphQLErrors) as they are; anything unexpected as "Unexpected error." with
 * INTERNAL_SERVER_ERROR, its message (which may hold internals) withheld. For
 * the paths that run outside Yoga's envelope (WebSocket fan-out).
 */
export function masked(error: GraphQLError): GraphQLError {
  // By name: graphql may be loaded twice (ESM and CJS builds), and instanceof would fail across them.
  const expected = error.originalError === undefined || error.originalError?.name === 'GraphQLError';
  return expected
    ? error
    : new GraphQLError('Unexpected error.', {
        nodes: error.nodes,
        path: error.path,
        extensions: { code: 'INTERNAL_SERVER_ERROR' },
      });
}

/** No valid token. */
export const unauthenticated = (message = 'A valid bearer token is required') =>
  apiError('UNAUTHENTICATED', message);

/** Authenticated, but the role or ownership does not allow it. */
export const forbidden = (message: string) => apiError('FORBIDDEN', message);

/** The input was refused; `field` names the offending argument path. */
export const badInput = (message: string, field?: string) =>
  apiError('BAD_USER_INPUT', message, field ? { field } : {});

/**
 * Runs a backend operation; a failure becomes UNAVAILABLE with `message`,
 * while API errors (with a code) and the errors in `passThrough` go through
 * unchanged. Nothing was changed when it throws UNAVAILABLE.
 */
export async function unavailableOnFailure<T>(
  message: string,
  operation: () => Promise<T>,
  passThrough: (error: unknown) => boolean = () => false,
): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    if ((error as { extensions?: unknown }).extensions || passThrough(error)) throw error;
    throw apiError('UNAVAILABLE', message);
  }
}
