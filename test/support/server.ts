import { loadConfig } from '../../src/config/config.js';
import { type RunningServer, startServer } from '../../src/transport/server.js';
import { TEST_SECRET } from './auth.js';

/** Starts a real server on a free port with the test secret; `env` overrides any variable. */
export function startTestServer(
  env: Record<string, string> = {},
  options: Parameters<typeof startServer>[1] = {},
): Promise<RunningServer> {
  return startServer(
    loadConfig({
      NODE_ENV: 'test',
      PORT: '0',
      JWT_SECRET: TEST_SECRET,
      GRAPHIQL: 'false',
      LOG_LEVEL: 'silent',
      ...env,
    }),
    options,
  );
}

/** One GraphQL-over-HTTP call; returns the parsed JSON body. */
export async function gql<T = Record<string, unknown>>(
  server: Pick<RunningServer, 'url'>,
  query: string,
  options: { token?: string; variables?: Record<string, unknown> } = {},
): Promise<{ data?: T | null; errors?: { message: string; extensions?: { code?: string } }[] }> {
  const response = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json, application/json',
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
    },
    body: JSON.stringify({ query, variables: options.variables }),
  });
  return (await response.json()) as never;
}

/** Like gql, but fails the test on any error and returns `data`. */
export async function gqlOk<T = Record<string, unknown>>(
  server: Pick<RunningServer, 'url'>,
  query: string,
  options: { token?: string; variables?: Record<string, unknown> } = {},
): Promise<T> {
  const result = await gql<T>(server, query, options);
  if (result.errors?.length || !result.data)
    throw new Error(`GraphQL errors: ${JSON.stringify(result.errors)}`);
  return result.data;
}
