import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Deadlines, type Due } from './deadlines.js';

class Entry implements Due {
  slot = -1;
  constructor(
    readonly dueAt: number,
    private readonly fired: number[],
  ) {}

  due(): void {
    this.fired.push(this.dueAt);
  }
}

describe('Deadlines', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('calls each entry at its time, in time order, with one timer; deleted entries never', () => {
    const fired: number[] = [];
    const deadlines = new Deadlines<Entry>();
    const now = Date.now();
    // A shuffled set of times, some shared, one already past.
    const times = [50, 10, 30, 10, 70, 20, 60, -5, 40, 30].map((ms) => now + ms * 1000);
    const entries = times.map((at) => new Entry(at, fired));
    for (const entry of entries) deadlines.add(entry);
    const gone = [entries[2], entries[4]] as Entry[];
    for (const entry of gone) deadlines.delete(entry);
    expect(vi.getTimerCount()).toBe(1);

    vi.advanceTimersByTime(25_000);
    expect(fired).toEqual(times.filter((t) => t <= now + 25_000).sort((a, b) => a - b));
    vi.advanceTimersByTime(60_000);
    const kept = entries.filter((e) => !gone.includes(e)).map((e) => e.dueAt);
    expect(fired).toEqual(kept.sort((a, b) => a - b));
    expect(entries.every((e) => e.slot === -1)).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('holds no timer once its last entry is deleted, and waits past setTimeout’s longest delay', () => {
    const fired: number[] = [];
    const deadlines = new Deadlines<Entry>();
    const first = new Entry(Date.now() + 1000, fired);
    deadlines.add(first);
    deadlines.delete(first);
    expect(vi.getTimerCount()).toBe(0);

    const far = new Entry(Date.now() + 2 ** 31 + 5000, fired);
    deadlines.add(far);
    vi.advanceTimersByTime(2 ** 31 - 1);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(6000);
    expect(fired).toEqual([far.dueAt]);
  });
});
