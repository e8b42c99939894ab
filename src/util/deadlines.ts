// setTimeout's longest wait; longer waits are re-armed.
const MAX_TIMER_MS = 2 ** 31 - 1;

/** An entry of Deadlines: due at `dueAt` (epoch ms); `slot` is its place in the heap, -1 outside it. */
export interface Due {
  readonly dueAt: number;
  slot: number;
  due(): void;
}

/**
 * Calls `due()` on each entry at its wall-clock time (at once if past), with
 * one timer for all of them: a binary heap by time, the timer armed for the
 * earliest. One entry is held per socket; this way it costs a heap slot where
 * a timer of its own costs about 300 bytes (Timeout, callback, closure).
 */
export class Deadlines<T extends Due> {
  private readonly heap: T[] = [];
  private timer: NodeJS.Timeout | null = null;
  private armedFor = Number.POSITIVE_INFINITY;

  add(entry: T): void {
    entry.slot = this.heap.length;
    this.heap.push(entry);
    this.up(entry.slot);
    this.arm();
  }

  delete(entry: T): void {
    const slot = entry.slot;
    if (slot < 0) return;
    entry.slot = -1;
    const last = this.heap.pop() as T;
    if (slot < this.heap.length) {
      this.heap[slot] = last;
      last.slot = slot;
      this.down(slot);
      this.up(last.slot);
    }
    // A timer armed for an earlier entry just wakes up early once; with none left it must not hold the process.
    if (this.heap.length === 0) this.disarm();
  }

  private arm(): void {
    const first = this.heap[0];
    if (first === undefined || this.armedFor <= first.dueAt) return;
    this.disarm();
    this.armedFor = first.dueAt;
    this.timer = setTimeout(() => this.fire(), Math.min(MAX_TIMER_MS, Math.max(0, first.dueAt - Date.now())));
  }

  private disarm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.armedFor = Number.POSITIVE_INFINITY;
  }

  private fire(): void {
    this.timer = null;
    this.armedFor = Number.POSITIVE_INFINITY;
    try {
      const now = Date.now();
      for (let first = this.heap[0]; first !== undefined && first.dueAt <= now; first = this.heap[0]) {
        this.delete(first);
        first.due();
      }
    } finally {
      this.arm();
    }
  }

  private up(slot: number): void {
    const heap = this.heap;
    const entry = heap[slot] as T;
    while (slot > 0) {
      const parentSlot = (slot - 1) >> 1;
      const parent = heap[parentSlot] as T;
      if (parent.dueAt <= entry.dueAt) break;
      heap[slot] = parent;
      parent.slot = slot;
      slot = parentSlot;
    }
    heap[slot] = entry;
    entry.slot = slot;
  }

  private down(slot: number): void {
    const heap = this.heap;
    const entry = heap[slot] as T;
    for (;;) {
      let child = 2 * slot + 1;
      if (child >= heap.length) break;
      if (child + 1 < heap.length && (heap[child + 1] as T).dueAt < (heap[child] as T).dueAt) child++;
      const next = heap[child] as T;
      if (entry.dueAt <= next.dueAt) break;
      heap[slot] = next;
      next.slot = slot;
      slot = child;
    }
    heap[slot] = entry;
    entry.slot = slot;
  }
}
