import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin, type UserConfig } from 'vite';

/** The API server `npm run dev:client` proxies to (the one `npm start` runs). */
const API = process.env.API_URL ?? 'http://localhost:4000';

/**
 * In `dev:client`, tells the page about the API's development sign-in the way
 * the API server does for its own copy (src/transport/dashboard.ts): a meta
 * tag, present only when the API answers for it.
 */
const devSignInFromApi: Plugin = {
  name: 'dev-sign-in-from-api',
  apply: 'serve',
  async transformIndexHtml() {
    const offered = await fetch(`${API}/dev/identities`).then(
      (response) => response.ok,
      () => false,
    );
    return offered
      ? [{ tag: 'meta', attrs: { name: 'dev-sign-in', content: '/dev/' }, injectTo: 'head-prepend' }]
      : [];
  },
};

const config: UserConfig = {
  root: new URL('.', import.meta.url).pathname,
  plugins: [react(), devSignInFromApi],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
  },
  server: {
    proxy: {
      // The API refuses foreign browser origins; present proxied requests and sockets as its own.
      '/graphql': { target: API, ws: true, changeOrigin: true, headers: { origin: API } },
      '/dev': { target: API, changeOrigin: true, headers: { origin: API } },
    },
  },
};

/**
 * The dashboard's build: `npm run build:client` writes client/dist, which the
 * API server serves at `/` (src/transport/dashboard.ts). `npm run dev:client`
 * serves it with hot reload on :5173 and proxies the API, so the page still
 * talks to its own origin only.
 */
export default defineConfig(({ command }) => {
  // A build is for serving: React's production bundle, whatever NODE_ENV the caller has (vitest sets "test").
  if (command === 'build') process.env.NODE_ENV = 'production';
  return config;
});
