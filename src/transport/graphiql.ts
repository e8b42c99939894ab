import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { GraphiQLOptions, Plugin } from 'graphql-yoga';

/**
 * GraphiQL served entirely from this server. Yoga's default page loads its
 * scripts from a public CDN, which closed networks block. The bundle comes from
 * @graphql-yoga/render-graphiql; instead of inlining ~9 MB into every page (its
 * own renderer), the assets are served once, content-hashed and cacheable.
 */

interface Bundle {
  css: string;
  js: string;
  editorWorkerService: string;
  jsonWorker: string;
  graphqlWorker: string;
  favicon: string;
}

interface Asset {
  body: string | Uint8Array<ArrayBuffer>;
  type: string;
}

/** Where the assets are served from. */
export const GRAPHIQL_ASSET_PREFIX = '/graphiql/';

async function loadBundle(): Promise<Bundle> {
  // The package exports only its renderer; its bundle module sits beside the entry point.
  const entry = createRequire(import.meta.url).resolve('@graphql-yoga/render-graphiql');
  const bundlePath = join(dirname(entry), '..', 'esm', 'graphiql.js');
  return (await import(pathToFileURL(bundlePath).href)) as Bundle;
}

const hashed = (name: string, extension: string, body: string | Uint8Array) =>
  `${name}.${createHash('sha256').update(body).digest('hex').slice(0, 12)}.${extension}`;

/** The bytes and media type of a base64 `data:` URL, or null for anything else. */
function fromDataUrl(url: string): { body: Uint8Array<ArrayBuffer>; type: string } | null {
  const match = /^data:([^;,]+);base64,(.*)$/s.exec(url);
  return match?.[1] && match[2] !== undefined
    ? { type: match[1], body: new Uint8Array(Buffer.from(match[2], 'base64')) }
    : null;
}

const escapeHtml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The renderer and the asset-serving plugin for an offline GraphiQL. */
export interface OfflineGraphiQL {
  render: (options: GraphiQLOptions) => string;
  plugin: Plugin;
}

/** Loads the bundle once and returns the page renderer and the plugin that serves its assets. */
export async function createOfflineGraphiQL(): Promise<OfflineGraphiQL> {
  const bundle = await loadBundle();
  const assets = new Map<string, Asset>();
  const add = (name: string, extension: string, body: string | Uint8Array<ArrayBuffer>, type: string) => {
    const file = hashed(name, extension, body);
    assets.set(file, { body, type });
    return GRAPHIQL_ASSET_PREFIX + file;
  };
  const script = 'text/javascript; charset=utf-8';
  const js = add('graphiql', 'js', bundle.js, script);
  const css = add('graphiql', 'css', bundle.css, 'text/css; charset=utf-8');
  const workers = {
    editorWorkerService: add('editor-worker', 'js', bundle.editorWorkerService, script),
    json: add('json-worker', 'js', bundle.jsonWorker, script),
    graphql: add('graphql-worker', 'js', bundle.graphqlWorker, script),
  };
  // The bundle's favicon is a ~150 kB data: URL; inlined, it would be most of every page.
  const icon = fromDataUrl(bundle.favicon);
  const favicon = icon ? add('favicon', 'ico', icon.body, icon.type) : bundle.favicon;
  // Serialised into an inline script: escape `<` so no value can close the script element.
  const json = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');

  const render = (options: GraphiQLOptions) => `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>${escapeHtml(options.title ?? 'GraphiQL')}</title>
    <link rel="icon" href="${escapeHtml(favicon)}" />
    <link rel="stylesheet" href="${css}" />
  </head>
  <body id="body" class="no-focus-outline">
    <noscript>You need to enable JavaScript to run GraphiQL.</noscript>
    <div id="root"></div>
    <script>
      const workers = ${json(workers)};
      self.MonacoEnvironment = {
        globalAPI: false,
        getWorkerUrl: (_moduleId, label) => new URL(workers[label] || workers.editorWorkerService, location.href).href,
      };
    </script>
    <script src="${js}"></script>
    <script>
      YogaGraphiQL.renderYogaGraphiQL(document.querySelector('#root'), ${json(options)});
    </script>
  </body>
</html>`;

  const plugin: Plugin = {
    onRequest({ url, endResponse, fetchAPI }) {
      if (!url.pathname.startsWith(GRAPHIQL_ASSET_PREFIX)) return;
      const asset = assets.get(url.pathname.slice(GRAPHIQL_ASSET_PREFIX.length));
      endResponse(
        asset
          ? new fetchAPI.Response(asset.body, {
              headers: { 'content-type': asset.type, 'cache-control': 'public, max-age=31536000, immutable' },
            })
          : new fetchAPI.Response('Not found', { status: 404 }),
      );
    },
  };
  return { render, plugin };
}
