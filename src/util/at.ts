import { Deadlines, type Due } from './deadlines.js';

// One timer for every `at` in the process (see Deadlines).
const shared = new Deadlines<Due>();

/** Calls `fn` at wall-clock time `epochMs` (at once if past); returns a cancel function. */
export function at(epochMs: number, fn: () => void): () => void {
  const entry: Due = { dueAt: epochMs, slot: -1, due: fn };
  shared.add(entry);
  return () => shared.delete(entry);
}
