import { readFileSync } from 'node:fs';

/**
 * How busy the machine was with processes other than the benchmark's own.
 * On a 2-core machine shared with other work (a test run, a build), a burst
 * measured while something else ran says little; the orchestrator measures
 * this around every burst and repeats disturbed ones. Linux only (/proc); null
 * elsewhere.
 */

/** Clock ticks per second of /proc's CPU counters (USER_HZ; 100 on Linux). */
const TICKS_PER_SECOND = 100;

/** A reading of machine-wide and own CPU time, in ticks. */
export interface CpuSnapshot {
  at: number;
  /** Busy ticks of all CPUs (everything but idle and iowait). */
  busy: number;
  /** Ticks used by the given processes (user + system). */
  ours: number;
}

function processTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces), counted from field 3.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

/** Reads /proc now; null where it does not exist. */
export function cpuSnapshot(pids: readonly number[]): CpuSnapshot | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
    const [, user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).map(Number);
    const busy = [user, nice, system, irq, softirq, steal].reduce<number>((sum, n) => sum + (n ?? 0), 0);
    const ours = pids.reduce((sum, pid) => sum + processTicks(pid), 0);
    return { at: Date.now(), busy, ours };
  } catch {
    return null;
  }
}

/** CPU cores used by other processes between two snapshots (0 when unknown or too short to tell). */
export function foreignCores(before: CpuSnapshot | null, after: CpuSnapshot | null): number {
  if (!before || !after || after.at - before.at < 50) return 0;
  const foreignTicks = after.busy - before.busy - (after.ours - before.ours);
  return Math.max(0, foreignTicks / TICKS_PER_SECOND / ((after.at - before.at) / 1000));
}
