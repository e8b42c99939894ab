// setTimeout's longest wait; longer waits are re-armed.
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Calls `fn` at wall-clock time `epochMs` (at once if past); returns a cancel function. */
export function at(epochMs: number, fn: () => void): () => void {
  let timer: NodeJS.Timeout;
  const arm = () => {
    const wait = epochMs - Date.now();
    timer = wait > MAX_TIMER_MS ? setTimeout(arm, MAX_TIMER_MS) : setTimeout(fn, Math.max(0, wait));
  };
  arm();
  return () => clearTimeout(timer);
}
