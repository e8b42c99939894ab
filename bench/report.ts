import { SERVER_KINDS, SERVER_LABELS, type ServerKind } from './protocol.js';
import type { BenchResults, BurstRecord, ScenarioResult, Summary, TargetResult } from './results.js';
import type { ScenarioId } from './scenarios.js';
import { median } from './stats.js';

/**
 * Medians of the measured bursts: warm-up and disturbed bursts are left out
 * (when that would leave none, the disturbed ones count after all).
 */
export function summarize(records: readonly BurstRecord[]): Summary {
  const undisturbed = (list: BurstRecord[]) =>
    list.some((b) => !b.disturbed) ? list.filter((b) => !b.disturbed) : list;
  const bursts = records.filter((b) => b.phase === 'burst');
  const real = bursts.some((b) => !b.warmup) ? bursts.filter((b) => !b.warmup) : bursts;
  const measured = undisturbed(real);
  const steady = undisturbed(records.filter((b) => b.phase === 'steady'));
  const of = (pick: (b: BurstRecord) => number) => median(measured.map(pick));
  return {
    bursts: measured.length,
    disturbed: measured.some((b) => b.disturbed),
    deliveriesPerSecond: of((b) => b.deliveriesPerSecond),
    p50Ms: of((b) => b.p50),
    p99Ms: of((b) => b.p99),
    maxMs: measured.length > 0 ? Math.max(...measured.map((b) => b.max)) : null,
    steadyP50Ms: median(steady.map((b) => b.p50)),
    steadyP99Ms: median(steady.map((b) => b.p99)),
    cpuUsPerDelivery: of((b) => b.cpuUsPerDelivery),
    bytesPerDelivery: of((b) => b.bytesPerDelivery),
    clientCpu: of((b) => b.clientCpu),
    serverCpu: of((b) => (b.spanMs > 0 ? b.serverCpuUs / 1000 / b.spanMs : 0)),
    foreignCores: of((b) => b.foreignCores),
  };
}

const serverOf = (scenarios: readonly ScenarioResult[], id: ScenarioId, kind: ServerKind) =>
  scenarios.find((s) => s.id === id)?.servers[kind];

/** Issue #6's targets, as ratios of this run's medians. */
export function evaluateTargets(scenarios: readonly ScenarioResult[]): TargetResult[] {
  const dps = (id: ScenarioId, kind: ServerKind) =>
    serverOf(scenarios, id, kind)?.summary.deliveriesPerSecond ?? null;
  const p99 = (id: ScenarioId, kind: ServerKind) => serverOf(scenarios, id, kind)?.summary.p99Ms ?? null;
  const rss = (id: ScenarioId, kind: ServerKind) =>
    serverOf(scenarios, id, kind)?.memory.rssPerConnection ?? null;
  const target = (
    scenario: ScenarioId,
    description: string,
    hub: number | null,
    reference: number | null,
    comparison: '>=' | '<=',
    threshold: number,
  ): TargetResult => {
    const ratio = hub !== null && reference !== null && reference > 0 ? hub / reference : null;
    const pass = ratio === null ? null : comparison === '>=' ? ratio >= threshold : ratio <= threshold;
    return { scenario, description, ratio, comparison, threshold, pass };
  };
  return [
    target('S1', 'deliveries/s vs raw ws', dps('S1', 'hub'), dps('S1', 'ws'), '>=', 0.8),
    target('S1', 'deliveries/s vs Socket.IO', dps('S1', 'hub'), dps('S1', 'socketio'), '>=', 1.2),
    target('S1', 'p99 latency vs raw ws', p99('S1', 'hub'), p99('S1', 'ws'), '<=', 2),
    target('S2', 'deliveries/s vs raw ws', dps('S2', 'hub'), dps('S2', 'ws'), '>=', 0.7),
    target('S3', 'RSS per connection vs raw ws', rss('S3', 'hub'), rss('S3', 'ws'), '<=', 1.5),
    target('S4', 'deliveries/s vs the hub in S1', dps('S4', 'hub'), dps('S1', 'hub'), '>=', 0.6),
  ];
}

const fixed = (value: number | null | undefined, digits = 0) =>
  value === null || value === undefined
    ? '—'
    : value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const kib = (bytes: number | null | undefined) =>
  bytes === null || bytes === undefined ? '—' : fixed(bytes / 1024, 1);

function table(header: string[], rows: string[][], alignLeft: number): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i < alignLeft ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
      .join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** The console report: scenario × server, then the targets. */
export function formatReport(results: BenchResults): string {
  const rows: string[][] = [];
  const disturbed: string[] = [];
  for (const scenario of results.scenarios) {
    for (const kind of SERVER_KINDS) {
      const server = scenario.servers[kind];
      if (!server) continue;
      const s = server.summary;
      rows.push([
        scenario.title,
        SERVER_LABELS[kind],
        fixed(server.connections),
        fixed(s.deliveriesPerSecond),
        fixed(s.p50Ms, 1),
        fixed(s.p99Ms, 1),
        fixed(s.steadyP50Ms, 1),
        fixed(s.steadyP99Ms, 1),
        kib(server.memory.rssPerConnection),
        kib(server.memory.heapPerConnection),
        fixed(s.cpuUsPerDelivery, 1),
        fixed(s.bytesPerDelivery),
        s.serverCpu === null ? '—' : `${fixed(s.serverCpu * 100)}%`,
        s.clientCpu === null ? '—' : `${fixed(s.clientCpu * 100)}%`,
        server.correctness.ok ? 'ok' : 'FAILED',
      ]);
      if (s.disturbed) disturbed.push(`${scenario.id} ${SERVER_LABELS[kind]}`);
    }
  }
  const main = table(
    [
      'scenario',
      'server',
      'conns',
      'deliveries/s',
      'p50 ms',
      'p99 ms',
      'steady p50',
      'steady p99',
      'RSS KiB/conn',
      'heap KiB/conn',
      'CPU µs/deliv',
      'B/deliv',
      'server CPU',
      'client CPU',
      'correct',
    ],
    rows,
    2,
  );
  const targets = table(
    ['scenario', 'target', 'needed', 'measured', 'verdict'],
    results.targets.map((t) => [
      t.scenario,
      t.description,
      `${t.comparison === '>=' ? '≥' : '≤'} ${t.threshold}×`,
      t.ratio === null ? '—' : `${fixed(t.ratio, 2)}×`,
      t.pass === null ? 'not run' : t.pass ? 'pass' : 'FAIL',
    ]),
    2,
  );
  const problems = results.scenarios.flatMap((scenario) =>
    SERVER_KINDS.flatMap((kind) => {
      const c = scenario.servers[kind]?.correctness;
      if (!c || c.ok) return [];
      return [
        `${scenario.id} ${SERVER_LABELS[kind]}: missing ${c.missing}, unexpected ${c.unexpected}, leaked ${c.leaked}, out of order ${c.outOfOrder}, timed-out bursts ${c.timedOutBursts}, failed connections ${c.failedConnections}, client problems ${JSON.stringify(c.clientProblems)}, server refusals ${JSON.stringify(c.serverRefusals)}`,
      ];
    }),
  );
  return [
    main,
    '',
    'Medians over the measured bursts (warm-up and disturbed ones left out).',
    'p50, p99: latency in back-to-back bursts, from the start of the burst. steady p50, p99: one event per interval,',
    "from each event's scheduled time. CPU µs/deliv: server CPU time per delivery, the cost of fan-out (least",
    'sensitive to other load). server CPU, client CPU: share of one core during bursts; a load generator near 100%',
    'means the clients, not the server, were the limit.',
    '',
    targets,
    ...(disturbed.length > 0
      ? [
          '',
          `Other processes kept the machine busy during every measured burst of: ${disturbed.join(', ')}. Run again on a quiet machine.`,
        ]
      : []),
    ...(problems.length > 0 ? ['', 'Correctness problems:', ...problems] : []),
  ].join('\n');
}

/** The same tables in Markdown, for the README (`npm run bench:chart` writes them to bench/results/latest.md). */
export function formatMarkdown(results: BenchResults): string {
  const rows = results.scenarios.flatMap((scenario) =>
    SERVER_KINDS.flatMap((kind) => {
      const server = scenario.servers[kind];
      if (!server) return [];
      const s = server.summary;
      return [
        `| ${scenario.title} | ${SERVER_LABELS[kind]} | ${fixed(server.connections)} | ${fixed(s.deliveriesPerSecond)} | ${fixed(s.p50Ms)} / ${fixed(s.p99Ms)} | ${fixed(s.steadyP50Ms, 1)} / ${fixed(s.steadyP99Ms, 1)} | ${kib(server.memory.rssPerConnection)} / ${kib(server.memory.heapPerConnection)} | ${fixed(s.cpuUsPerDelivery, 1)} | ${server.correctness.ok ? 'ok' : '**failed**'} |`,
      ];
    }),
  );
  const targets = results.targets.map(
    (t) =>
      `| ${t.scenario} | ${t.description} | ${t.comparison === '>=' ? '≥' : '≤'} ${t.threshold}× | ${t.ratio === null ? '—' : `${fixed(t.ratio, 2)}×`} | ${t.pass === null ? 'not run' : t.pass ? 'pass' : '**fail**'} |`,
  );
  return [
    '| scenario | server | subscribers | deliveries/s | burst p50 / p99 ms | steady p50 / p99 ms | RSS / heap KiB per subscriber | server CPU µs per delivery | correct |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
    ...rows,
    '',
    '| scenario | target (hub ÷ reference) | needed | measured | verdict |',
    '| --- | --- | --- | ---: | --- |',
    ...targets,
  ].join('\n');
}
