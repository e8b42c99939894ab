import { ConfigError, loadConfig } from './config/config.js';
import { devSignInEnabled } from './transport/dashboard.js';
import { startServer } from './transport/server.js';

/** Entry point: `npm start`. Reads the environment, starts the server, stops cleanly on SIGINT/SIGTERM. */
async function main(): Promise<void> {
  const config = loadConfig();
  if (config.usingDevelopmentSecret) {
    console.warn(
      [
        '',
        '  WARNING: no JWT_SECRET or JWT_JWKS_URL set; tokens are signed with a DEVELOPMENT secret.',
        '  Anyone can mint tokens for this server. Never run it like this in production',
        '  (with NODE_ENV=production it refuses to start).',
        '',
      ].join('\n'),
    );
  }
  const server = await startServer(config);
  const base = `http://localhost:${server.port}`;
  console.log(
    [
      `Security event hub listening on ${base} (pub/sub: ${server.hub.backend})`,
      `  Dashboard: ${base}/${devSignInEnabled(config) ? ' (sign in as a demo person; `npm run simulate` brings it to life)' : ''}`,
      `  GraphQL (HTTP, SSE, WebSocket graphql-transport-ws): ${base}/graphql`,
      config.graphiql ? `  GraphiQL: open ${base}/graphql in a browser` : '  GraphiQL: off',
      `  Health: ${base}/health   Readiness: ${base}/ready`,
      config.keys.kind === 'secret'
        ? '  Get a token: npm run token -- --sub alice --roles officer'
        : '  Tokens: issued by your identity provider (JWT_JWKS_URL)',
    ].join('\n'),
  );

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal} received, shutting down`);
    await server.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
