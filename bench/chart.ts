import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { renderChart, WIDTH } from './chart-svg.js';
import { formatMarkdown } from './report.js';
import type { BenchResults } from './results.js';

/**
 * `npm run bench:chart`: draws bench/results/latest.json (chart-svg.ts) and
 * turns it into docs/bench.png with headless Chromium (Debian's, no network);
 * also writes the results as Markdown tables (bench/results/latest.md) for the README.
 *
 *   npm run bench:chart -- --in bench/results/latest.json --png docs/bench.png --svg bench/results/chart.svg
 */

const ROOT = resolve(import.meta.dirname, '..');
const { values: args } = parseArgs({
  options: {
    in: { type: 'string', default: join(ROOT, 'bench/results/latest.json') },
    png: { type: 'string', default: join(ROOT, 'docs/bench.png') },
    svg: { type: 'string', default: join(ROOT, 'bench/results/chart.svg') },
    md: { type: 'string', default: join(ROOT, 'bench/results/latest.md') },
  },
});

async function main(): Promise<void> {
  const results = JSON.parse(readFileSync(args.in, 'utf8')) as BenchResults;
  const svg = renderChart(results);
  mkdirSync(dirname(args.svg), { recursive: true });
  writeFileSync(args.svg, svg);
  const height = Number(/height="(\d+)"/.exec(svg)?.[1] ?? 800);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: WIDTH, height }, deviceScaleFactor: 1.5 });
    await page.setContent(`<!doctype html><html><body style="margin:0">${svg}</body></html>`);
    mkdirSync(dirname(args.png), { recursive: true });
    await page.locator('svg').screenshot({ path: args.png });
  } finally {
    await browser.close();
  }
  writeFileSync(args.md, `${formatMarkdown(results)}\n`);
  process.stdout.write(`Wrote ${args.svg}, ${args.png} and ${args.md} (the README's tables)\n`);
}

await main();
