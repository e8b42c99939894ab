import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { dirname } from 'node:path';
import { setTimeout as sleep, setImmediate as tick } from 'node:timers/promises';
import { jwtVerify } from 'jose';
import { now } from '../clock.js';
import { announce, serve } from '../ipc.js';
import {
  BENCH_SECRET,
  type BurstCommand,
  type BurstPublished,
  type MemorySample,
  type ServerApi,
  type ServerCounters,
  type ServerReady,
} from '../protocol.js';

/**
 * What every server wrapper shares: memory and CPU sampling for the
 * orchestrator, and the baselines' token check (the same HS256 tokens the hub
 * verifies, so every server's connections are authenticated alike).
 */

const gc = (globalThis as { gc?: () => void }).gc;

/** Memory after two forced collections (children run with --expose-gc), so per-connection figures are live data. */
export async function memorySample(): Promise<MemorySample> {
  if (!gc) throw new Error('run with --expose-gc');
  for (let i = 0; i < 2; i++) {
    gc();
    await tick();
  }
  const { rss, heapUsed } = process.memoryUsage();
  return { rss, heapUsed };
}

/** CPU accounting between cpuStart and cpuStop. */
export function cpuMeter() {
  let since = process.cpuUsage();
  return {
    start(): null {
      since = process.cpuUsage();
      return null;
    },
    /** User + system CPU since start, in microseconds. */
    stop(): number {
      const used = process.cpuUsage(since);
      return used.user + used.system;
    },
  };
}

/**
 * Publishes a burst with `publishOne(seq, target, sentAt)`, the same way on
 * every server: back to back when `intervalMs` is 0, else one event per
 * interval. `sentAt` is when the event was meant to go out (the start, for a
 * back-to-back burst), so a publisher held up by the previous fan-out does
 * not hide that wait.
 */
export async function publishBurst(
  { seqStart, targets, intervalMs }: BurstCommand,
  publishOne: (seq: number, target: string, sentAt: number) => Promise<unknown> | undefined,
): Promise<BurstPublished> {
  const start = now();
  const pending: Promise<unknown>[] = [];
  for (const [i, target] of targets.entries()) {
    const intended = start + i * intervalMs;
    // Timers have millisecond granularity and may fire a fraction early: never publish before `intended`.
    while (now() < intended) await sleep(Math.ceil(intended - now()));
    const published = publishOne(seqStart + i, target, intended);
    if (published) pending.push(published);
  }
  await Promise.all(pending);
  return { firstSentAt: start, publishMs: now() - start };
}

/**
 * V8's sampling profiler in this process, on command: the orchestrator starts
 * it before the measured bursts and stops it after, so the profile shows
 * fan-out, not start-up. Sampling costs a little: numbers of a profiled run
 * are not for publishing.
 */
export function profiler() {
  let session: Session | null = null;
  return async ({ action, file }: { action: 'start' | 'stop'; file: string }): Promise<null> => {
    if (action === 'start') {
      session = new Session();
      session.connect();
      await session.post('Profiler.enable');
      await session.post('Profiler.setSamplingInterval', { interval: 200 });
      await session.post('Profiler.start');
      return null;
    }
    if (!session) throw new Error('the profiler was not started');
    const { profile } = await session.post('Profiler.stop');
    session.disconnect();
    session = null;
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify(profile));
    return null;
  };
}

/** A baseline's idea of who connected: the token's subject and whether it sees every alert. */
export interface BaselinePrincipal {
  sub: string;
  /** Officers and admins see every alert; users only their own (the hub's scope rule for alerts). */
  seesAll: boolean;
}

const key = new TextEncoder().encode(BENCH_SECRET);

/** Verifies a bench token as the hub does (HS256, `exp` required) and reads its scope for alerts. */
export async function verifyBaselineToken(token: unknown): Promise<BaselinePrincipal> {
  if (typeof token !== 'string') throw new Error('no token');
  const { payload } = await jwtVerify(token, key, { algorithms: ['HS256'], requiredClaims: ['exp', 'sub'] });
  const roles = Array.isArray(payload.roles) ? payload.roles : [];
  return { sub: String(payload.sub), seesAll: roles.includes('admin') || roles.includes('officer') };
}

/** What differs between the servers under test; serveBench adds what they share. */
export interface BenchServer {
  port: number;
  counters(): ServerCounters;
  /** Publishes one event of a burst (see publishBurst). */
  publishOne(seq: number, target: string, sentAt: number): Promise<unknown> | undefined;
  /** Closes the server before the process exits. */
  close?(): Promise<unknown>;
}

/** Answers the orchestrator's commands for a started server, then tells it the server's port. */
export function serveBench(server: BenchServer): void {
  const cpu = cpuMeter();
  serve<ServerApi>({
    memory: () => memorySample(),
    counters: () => server.counters(),
    burst: (command) => publishBurst(command, server.publishOne),
    cpuStart: () => cpu.start(),
    cpuStop: () => cpu.stop(),
    profile: profiler(),
    exit() {
      setImmediate(async () => {
        await server.close?.();
        process.exit(0);
      });
      return null;
    },
  });
  announce({ port: server.port } satisfies ServerReady);
}
