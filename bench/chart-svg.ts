import { SERVER_KINDS, SERVER_LABELS, type ServerKind } from './protocol.js';
import type { BenchResults, ScenarioResult, ServerResult } from './results.js';
import type { ScenarioId } from './scenarios.js';

/**
 * The benchmark chart as an SVG, by plain string building: four panels
 * (throughput, burst p99 latency, server CPU per delivery, memory per
 * connection), a bar per server, and a dashed line where the hub's bar has to
 * reach for issue #6's target. bench/chart.ts turns it into a PNG.
 */

const COLORS: Record<ServerKind, string> = { hub: '#d9480f', ws: '#495057', socketio: '#1971c2' };
/** Width of the chart in CSS pixels. */
export const WIDTH = 1200;
const PANEL_W = 570;
const PANEL_H = 330;
const HEADER = 92;

const xml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A value for one server in one group, or null when it was not measured. */
type Pick = (server: ServerResult) => number | null;

interface Panel {
  title: string;
  unit: string;
  groups: { label: string; scenario: ScenarioResult | undefined; pick: Pick; target: number | null }[];
  format: (value: number) => string;
  /** Axis labels, given the step between them. */
  tick: (value: number, step: number) => string;
}

/** An axis from 0 to at least `value` in round steps: its top and step. */
function axis(value: number): { top: number; step: number } {
  if (value <= 0) return { top: 1, step: 0.2 };
  const power = 10 ** Math.floor(Math.log10(value));
  const step = ([0.2, 0.5, 1, 2].map((m) => m * power).find((m) => m * 5 >= value) ?? 2 * power) as number;
  return { top: step * Math.ceil(value / step), step };
}

function drawPanel(panel: Panel, x: number, y: number): string {
  const plot = { x: x + 60, y: y + 40, w: PANEL_W - 75, h: PANEL_H - 95 };
  const values = panel.groups.flatMap((g) =>
    SERVER_KINDS.map((k) => (g.scenario?.servers[k] ? g.pick(g.scenario.servers[k] as ServerResult) : null)),
  );
  const { top, step } = axis(
    Math.max(0, ...values.filter((v): v is number => v !== null), ...panel.groups.map((g) => g.target ?? 0)) *
      1.1,
  );
  const scale = (v: number) => plot.y + plot.h - (Math.max(0, v) / top) * plot.h;
  const parts: string[] = [
    `<text x="${x + 10}" y="${y + 22}" class="panel">${xml(panel.title)}</text>`,
    `<text x="${x + PANEL_W - 10}" y="${y + 22}" class="unit" text-anchor="end">${xml(panel.unit)}</text>`,
  ];
  for (let i = 0; i * step <= top + step / 1000; i++) {
    const v = i * step;
    const gy = scale(v);
    parts.push(
      `<line x1="${plot.x}" x2="${plot.x + plot.w}" y1="${gy}" y2="${gy}" class="grid"/>`,
      `<text x="${plot.x - 6}" y="${gy + 4}" class="tick" text-anchor="end">${xml(panel.tick(v, step))}</text>`,
    );
  }
  const groupW = plot.w / panel.groups.length;
  const barW = Math.min(44, (groupW - 30) / SERVER_KINDS.length);
  for (const [gi, group] of panel.groups.entries()) {
    const gx = plot.x + gi * groupW + (groupW - barW * SERVER_KINDS.length) / 2;
    for (const [ki, kind] of SERVER_KINDS.entries()) {
      const server = group.scenario?.servers[kind];
      const value = server ? group.pick(server) : null;
      const bx = gx + ki * barW;
      if (value === null) continue;
      const by = scale(value);
      parts.push(
        `<rect x="${bx + 2}" y="${by}" width="${barW - 4}" height="${plot.y + plot.h - by}" fill="${COLORS[kind]}"/>`,
        `<text x="${bx + barW / 2}" y="${by - 4}" class="value" text-anchor="middle">${xml(panel.format(value))}</text>`,
      );
      if (kind === 'hub' && group.target !== null) {
        const ty = scale(group.target);
        parts.push(`<line x1="${bx - 4}" x2="${bx + barW + 4}" y1="${ty}" y2="${ty}" class="target"/>`);
      }
    }
    parts.push(
      `<text x="${plot.x + gi * groupW + groupW / 2}" y="${plot.y + plot.h + 20}" class="group" text-anchor="middle">${xml(group.label)}</text>`,
    );
  }
  parts.push(
    `<line x1="${plot.x}" x2="${plot.x + plot.w}" y1="${plot.y + plot.h}" y2="${plot.y + plot.h}" class="axis"/>`,
  );
  return parts.join('\n');
}

/** The chart as an SVG document. */
export function renderChart(results: BenchResults): string {
  const scenario = (id: ScenarioId) => results.scenarios.find((s) => s.id === id);
  const server = (id: ScenarioId, kind: ServerKind) => scenario(id)?.servers[kind];
  const dps = (id: ScenarioId, kind: ServerKind) => server(id, kind)?.summary.deliveriesPerSecond ?? null;
  const times = (value: number | null, factor: number) => (value === null ? null : value * factor);
  const maxOf = (...values: (number | null)[]) => {
    const known = values.filter((v): v is number => v !== null);
    return known.length > 0 ? Math.max(...known) : null;
  };
  const thousands = (v: number) => (v >= 1000 ? `${(v / 1000).toFixed(v >= 10_000 ? 0 : 1)}k` : v.toFixed(0));
  const ms = (v: number) => (v >= 100 ? v.toFixed(0) : v.toFixed(1));
  const plain = (v: number, step: number) => (step >= 1 ? v.toFixed(0) : v.toFixed(1));
  const s1 = scenario('S1');
  const s2 = scenario('S2');
  const s3 = scenario('S3');
  const s4 = scenario('S4');
  const panels: Panel[] = [
    {
      title: 'Throughput in bursts (higher is better)',
      unit: 'deliveries/s',
      format: thousands,
      tick: thousands,
      groups: [
        {
          label: 'S1 broadcast',
          scenario: s1,
          pick: (s) => s.summary.deliveriesPerSecond,
          target: maxOf(times(dps('S1', 'ws'), 0.8), times(dps('S1', 'socketio'), 1.2)),
        },
        {
          label: 'S2 scoped',
          scenario: s2,
          pick: (s) => s.summary.deliveriesPerSecond,
          target: times(dps('S2', 'ws'), 0.7),
        },
        {
          label: 'S4 Redis, 2 instances',
          scenario: s4,
          pick: (s) => s.summary.deliveriesPerSecond,
          target: times(dps('S1', 'hub'), 0.6),
        },
      ],
    },
    {
      title: 'Burst p99 latency (lower is better)',
      unit: 'ms',
      format: ms,
      tick: plain,
      groups: [
        {
          label: 'S1 broadcast',
          scenario: s1,
          pick: (s) => s.summary.p99Ms,
          target: times(server('S1', 'ws')?.summary.p99Ms ?? null, 2),
        },
        { label: 'S2 scoped', scenario: s2, pick: (s) => s.summary.p99Ms, target: null },
        { label: 'S4 Redis, 2 instances', scenario: s4, pick: (s) => s.summary.p99Ms, target: null },
      ],
    },
    {
      title: 'Server CPU per delivery (lower is better)',
      unit: 'µs',
      format: (v) => (v >= 100 ? v.toFixed(0) : v.toFixed(1)),
      tick: plain,
      groups: [
        { label: 'S1 broadcast', scenario: s1, pick: (s) => s.summary.cpuUsPerDelivery, target: null },
        { label: 'S2 scoped', scenario: s2, pick: (s) => s.summary.cpuUsPerDelivery, target: null },
        {
          label: 'S4 Redis, 2 instances',
          scenario: s4,
          pick: (s) => s.summary.cpuUsPerDelivery,
          target: null,
        },
      ],
    },
    {
      title: 'S3: memory per idle subscriber (lower is better)',
      unit: 'KiB',
      format: (v) => v.toFixed(1),
      tick: plain,
      groups: [
        {
          label: 'RSS',
          scenario: s3,
          pick: (s) => s.memory.rssPerConnection / 1024,
          target: times(server('S3', 'ws')?.memory.rssPerConnection ?? null, 1.5 / 1024),
        },
        { label: 'JS heap', scenario: s3, pick: (s) => s.memory.heapPerConnection / 1024, target: null },
      ],
    },
  ];
  const height = HEADER + 2 * PANEL_H + 20;
  const commit = results.hub.commit ? results.hub.commit.slice(0, 7) : 'unknown';
  const subtitle = `${results.startedAt.slice(0, 10)} · ${results.machine.cpus} cores (${results.machine.cpuModel.trim()}) · Node ${results.machine.node} · hub at ${commit}${results.hub.dirty ? ' (uncommitted changes)' : ''} · medians of ${s1?.burst.rounds ?? '?'} bursts`;
  const legend = SERVER_KINDS.map(
    (kind, i) =>
      `<rect x="${20 + i * 230}" y="62" width="14" height="14" fill="${COLORS[kind]}"/><text x="${40 + i * 230}" y="74" class="legend">${xml(SERVER_LABELS[kind])}</text>`,
  ).join('');
  const targetLegend = `<line x1="${20 + 3 * 230}" x2="${44 + 3 * 230}" y1="69" y2="69" class="target"/><text x="${50 + 3 * 230}" y="74" class="legend">issue #6 target for the hub</text>`;
  const body = panels
    .map((panel, i) => drawPanel(panel, 20 + (i % 2) * (PANEL_W + 20), HEADER + Math.floor(i / 2) * PANEL_H))
    .join('\n');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}">
<style>
  text { font-family: 'DejaVu Sans', Arial, sans-serif; fill: #212529; }
  .title { font-size: 22px; font-weight: bold; }
  .subtitle { font-size: 13px; fill: #495057; }
  .legend { font-size: 14px; }
  .panel { font-size: 15px; font-weight: bold; }
  .unit, .tick { font-size: 12px; fill: #495057; }
  .value { font-size: 11px; }
  .group { font-size: 13px; }
  .grid { stroke: #e9ecef; stroke-width: 1; }
  .axis { stroke: #868e96; stroke-width: 1; }
  .target { stroke: #212529; stroke-width: 2; stroke-dasharray: 5 3; }
</style>
<rect width="100%" height="100%" fill="#ffffff"/>
<text x="20" y="30" class="title">Security event hub: fan-out benchmark (${xml(results.mode)})</text>
<text x="20" y="50" class="subtitle">${xml(subtitle)}</text>
${legend}${targetLegend}
${body}
</svg>
`;
}
