// setTimeout's longest wait; longer waits are re-armed.
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Calls `fn` at wall-clock time `epochMs` (at once if past); returns a cancel function. */
export function at(epochMs: number, fn: () => void): () => void {
  const alarm = new Alarm(epochMs, fn);
  return () => alarm.cancel();
}

class Alarm {
  private timer!: NodeJS.Timeout;

  constructor(
    private readonly epochMs: number,
    private readonly fn: () => void,
  ) {
    this.arm();
  }

  private arm(): void {
    const wait = this.epochMs - Date.now();
    this.timer =
      wait > MAX_TIMER_MS
        ? setTimeout(() => this.arm(), MAX_TIMER_MS)
        : setTimeout(this.fn, Math.max(0, wait));
  }

  cancel(): void {
    clearTimeout(this.timer);
  }
}
