import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/transport/server.js';
import { tokenFor } from './support/auth.js';
import { launchChromium } from './support/browser.js';
import { gqlOk, startTestServer } from './support/server.js';

/**
 * GraphiQL as a developer uses it, in a real headless Chromium (the Debian
 * `chromium` package; `npx playwright install` cannot download here): open
 * /graphql, put an officer token in the Headers tab, run a subscription, raise
 * an alert from a second client, and see it in the result pane.
 *
 * "Works on a closed network" is proven two ways: Chromium resolves no host but
 * 127.0.0.1, and every request the page or its workers make is recorded and
 * must stay on the server's own origin (blob: and data: are local).
 */

const ALERT_MESSAGE = 'browser-visible alert';
const SUBSCRIPTION = 'subscription BrowserAlerts { securityAlerts { id message severity } }';

describe('GraphiQL in a browser, offline', () => {
  let server: RunningServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let officer: string;
  let service: string;
  /** Requests that left the server's origin (aborted, and a failure). */
  const foreign: string[] = [];
  /** Every request URL, to check that no token travels in one. */
  const requested: string[] = [];
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    server = await startTestServer({ GRAPHIQL: 'true' });
    officer = await tokenFor('olga', ['officer']);
    service = await tokenFor('login-service', ['service']);
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
    const ownOrigin = new URL(server.url).origin;
    const isLocal = (url: string) =>
      url.startsWith('blob:') || url.startsWith('data:') || new URL(url).origin === ownOrigin;
    // Observe at the context, so requests from Monaco's web workers count too.
    context.on('request', (request) => {
      requested.push(request.url());
      if (!isLocal(request.url())) foreign.push(request.url());
    });
    await context.route('**/*', (route) =>
      isLocal(route.request().url()) ? route.continue() : route.abort(),
    );
    page = await context.newPage();
    page.on('websocket', (socket) => {
      if (!isLocal(socket.url().replace(/^ws/, 'http'))) foreign.push(socket.url());
    });
    // No console noise was seen from this page in Chromium 156, so nothing is filtered: any error fails.
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => consoleErrors.push(`uncaught: ${error.message}`));
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('serves a page that references nothing outside this server', async () => {
    const response = await fetch(`${server.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await response.text();
    expect(html.match(/https?:\/\/[^\s"'`)]*/g) ?? []).toEqual([]);

    const assets = [...new Set(html.match(/\/graphiql\/[\w-]+\.[0-9a-f]{12}\.\w+/g))];
    const types = { js: /^text\/javascript/, css: /^text\/css/, ico: /^image\// };
    // The page, its stylesheet, the three Monaco workers and the favicon.
    expect(assets.map((path) => path.split('.').pop()).sort()).toEqual([
      'css',
      'ico',
      'js',
      'js',
      'js',
      'js',
    ]);
    for (const path of assets) {
      const asset = await fetch(server.url + path);
      const extension = path.split('.').pop() as keyof typeof types;
      expect(asset.status, path).toBe(200);
      expect(asset.headers.get('content-type'), path).toMatch(types[extension]);
      expect(asset.headers.get('cache-control'), path).toMatch(/\bimmutable\b/);
      await asset.arrayBuffer();
    }
    expect((await fetch(`${server.url}/graphiql/graphiql.000000000000.js`)).status).toBe(404);
  });

  it('runs a subscription with the Headers tab token and shows a live alert, with no request off the server', async () => {
    await page.goto(`${server.url}/graphql`);
    // GraphiQL 5 edits with Monaco; each editor names its model in data-uri.
    const queryEditor = page.locator('.graphiql-query-editor .monaco-editor');
    const headersEditor = page.locator('.monaco-editor[data-uri$="request-headers.json"]');
    const result = page.locator('section.result-window');
    await queryEditor.locator('.view-lines').waitFor();
    await headersEditor.locator('.view-lines').waitFor();

    // insertText sends the text as one input, so Monaco's bracket auto-closing does not double it.
    const replaceText = async (editor: typeof queryEditor, text: string) => {
      await editor.click();
      await page.keyboard.press('ControlOrMeta+A');
      await page.keyboard.insertText(text);
    };
    await replaceText(headersEditor, JSON.stringify({ Authorization: `Bearer ${officer}` }));
    await replaceText(queryEditor, SUBSCRIPTION);
    // GraphiQL parses the editor after a debounce; running before it would send the old operation name.
    await page.locator('.graphiql-tab-button[title="BrowserAlerts"]').waitFor();

    const stream = page.waitForResponse(
      (response) =>
        new URL(response.url()).pathname === '/graphql' &&
        (response.headers()['content-type'] ?? '').startsWith('text/event-stream'),
    );
    await page.locator('button.graphiql-execute-button').click();
    const response = await stream;
    expect(response.status()).toBe(200);
    expect(await response.request().headerValue('authorization')).toBe(`Bearer ${officer}`);

    // The stream is open (its headers arrived), so the server is listening: raise the alert as a backend service.
    await gqlOk(
      server,
      `mutation { raiseAlert(input: { type: BRUTE_FORCE, severity: HIGH, message: "${ALERT_MESSAGE}", userId: "alice" }) { id } }`,
      { token: service },
    );
    await result.getByText(ALERT_MESSAGE).waitFor({ timeout: 5_000 });
    // Monaco renders spaces as U+00A0; \s covers both.
    const shown = (await result.locator('.view-lines').textContent())?.replace(/\s+/g, ' ');
    expect(shown).toContain(`"message": "${ALERT_MESSAGE}", "severity": "HIGH"`);
    await page.screenshot({ path: '/tmp/graphiql.png' });

    expect(foreign).toEqual([]);
    expect(requested.filter((url) => url.includes(officer))).toEqual([]);
    expect(consoleErrors).toEqual([]);
  });
});
