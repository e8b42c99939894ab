import { readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * `npm run bench:profile -- <file.cpuprofile>`: where a server spent its CPU,
 * from a V8 CPU profile (`npm run bench -- --profile` writes one per hub
 * process into bench/results/profiles/). Prints self time by area (a package
 * under node_modules, a folder under src/, Node's internals, GC) and the
 * hottest functions, as shares of the busy (non-idle) time.
 */

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const ROOT = resolve(import.meta.dirname, '..');

/** Which part of the program a frame belongs to. */
function areaOf(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return 'node internals';
  const path = url.startsWith('file://') ? fileURLToPath(url) : url;
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  if (modules) return modules[1] as string;
  // This checkout's sources, or another's (--hub-root): src/<folder>, bench/<folder>.
  const own = /\/((?:src|bench)\/[^/]+)/.exec(path);
  return own ? (own[1] as string) : relative(ROOT, path);
}

function where(frame: CallFrame): string {
  const name = frame.functionName || '(anonymous)';
  if (!frame.url) return name;
  const path = frame.url.startsWith('file://') ? fileURLToPath(frame.url) : frame.url;
  const shown = path.includes('node_modules/')
    ? path.slice(path.lastIndexOf('node_modules/') + 13)
    : (/\/((?:src|bench)\/.*)$/.exec(path)?.[1] ?? relative(ROOT, path));
  // tsx compiles each TypeScript file to one line: a line number there says nothing.
  return frame.lineNumber > 0 ? `${name}  ${shown}:${frame.lineNumber + 1}` : `${name}  ${shown}`;
}

function summarize(file: string, top: number): string {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  // Stopping the profiler (node:inspector) is sampled too; it is the harness, not the server.
  const harness = new Set<number>();
  const mark = (id: number) => {
    harness.add(id);
    for (const child of byId.get(id)?.children ?? []) mark(child);
  };
  for (const node of profile.nodes) if (node.callFrame.url === 'node:inspector') mark(node.id);
  const self = new Map<number, number>();
  for (const [i, id] of profile.samples.entries())
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  const areas = new Map<string, number>();
  const functions = new Map<string, number>();
  let busy = 0;
  let idle = 0;
  for (const [id, micros] of self) {
    if (harness.has(id)) continue;
    const frame = (byId.get(id) as ProfileNode).callFrame;
    if (frame.functionName === '(idle)') {
      idle += micros;
      continue;
    }
    busy += micros;
    const area = areaOf(frame);
    areas.set(area, (areas.get(area) ?? 0) + micros);
    const fn = where(frame);
    functions.set(fn, (functions.get(fn) ?? 0) + micros);
  }
  const share = (micros: number) => `${((micros / busy) * 100).toFixed(1).padStart(5)}%`;
  const ranked = (map: Map<string, number>) => [...map].sort((a, b) => b[1] - a[1]).slice(0, top);
  return [
    `${file}: busy ${(busy / 1e6).toFixed(2)} s, idle ${(idle / 1e6).toFixed(2)} s`,
    '',
    'Self time by area:',
    ...ranked(areas).map(([area, micros]) => `  ${share(micros)}  ${area}`),
    '',
    'Hottest functions (self time):',
    ...ranked(functions).map(([fn, micros]) => `  ${share(micros)}  ${fn}`),
  ].join('\n');
}

const files = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
if (files.length === 0) {
  process.stderr.write('usage: npm run bench:profile -- <file.cpuprofile> [...]\n');
  process.exit(2);
}
for (const file of files) process.stdout.write(`${summarize(file, 25)}\n\n`);
