/**
 * The bench clock: wall-clock milliseconds with sub-millisecond resolution.
 * Publishers stamp each event with it and the load generator reads it on
 * delivery; both run on this machine, so the difference is the
 * publish-to-deliver latency (to within the processes' clock-origin error,
 * microseconds).
 */
export function now(): number {
  return performance.timeOrigin + performance.now();
}
