/** The first reconnect waits about this long. */
export const BASE_DELAY_MS = 500;

/** No reconnect waits longer than this. */
export const MAX_DELAY_MS = 30_000;

/**
 * How long to wait before reconnect attempt `attempt` (0 for the first):
 * exponential from 500 ms, capped at 30 s, with "equal jitter" (half the step
 * fixed, half random) so that the dashboards a restarted server just dropped
 * do not all come back in the same instant, yet none retries at once.
 */
export function reconnectDelay(attempt: number, random: () => number = Math.random): number {
  const step = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** Math.max(0, attempt));
  return Math.round(step / 2 + (random() * step) / 2);
}
