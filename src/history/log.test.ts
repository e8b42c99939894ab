import { describe, expect, it } from 'vitest';
import { EventLog } from './log.js';

/** A stream's recent events: bounded, in arrival order, an id recorded again updated in place. */

interface Entry {
  readonly id: string;
  readonly userId: string;
  readonly acknowledged: boolean;
}

const entry = (id: string, over: Partial<Entry> = {}): Entry => ({
  id,
  userId: 'alice',
  acknowledged: false,
  ...over,
});

/** A log holding the given ids, recorded in order. */
const logOf = (limit: number, ...ids: string[]): EventLog<Entry> => {
  const log = new EventLog<Entry>(limit);
  for (const id of ids) log.record(entry(id));
  return log;
};

const everything = () => true;
const ids = (entries: readonly Entry[]) => entries.map((e) => e.id);

describe('EventLog', () => {
  describe('bounded', () => {
    // biome-ignore format: laid out as a table
    const ROWS: [limit: number, recorded: string[], kept: string[]][] = [
      [3, [],                         []],
      [3, ['a', 'b'],                 ['b', 'a']],
      [3, ['a', 'b', 'c'],            ['c', 'b', 'a']],
      [3, ['a', 'b', 'c', 'd'],       ['d', 'c', 'b']],
      [3, ['a', 'b', 'c', 'd', 'e'],  ['e', 'd', 'c']],
      [1, ['a', 'b'],                 ['b']],
    ];

    it.each(ROWS)('limit %s, recorded %j → keeps %j (newest first)', (limit, recorded, kept) => {
      expect(ids(logOf(limit, ...recorded).recent(100, everything))).toEqual(kept);
    });

    it('forgets the oldest: get finds only retained events', () => {
      const log = logOf(2, 'a', 'b', 'c');
      expect(log.get('a')).toBeUndefined();
      expect(log.get('b')).toEqual(entry('b'));
      expect(log.get('c')).toEqual(entry('c'));
    });

    it('keeps its limit', () => {
      expect(new EventLog<Entry>(7).limit).toBe(7);
    });
  });

  describe('recording an id again replaces it in place', () => {
    it('keeps its position and takes the new value', () => {
      const log = logOf(10, 'a', 'b', 'c');
      log.record(entry('a', { acknowledged: true }));
      expect(ids(log.recent(10, everything))).toEqual(['c', 'b', 'a']);
      expect(log.get('a')).toEqual(entry('a', { acknowledged: true }));
      expect(log.recent(10, everything).at(-1)).toEqual(entry('a', { acknowledged: true }));
    });

    it('does not count twice against the limit', () => {
      const log = logOf(3, 'a', 'b', 'c');
      log.record(entry('b', { acknowledged: true }));
      log.record(entry('b', { acknowledged: true }));
      expect(ids(log.recent(10, everything))).toEqual(['c', 'b', 'a']);
    });

    it('an updated oldest entry is still the next to go', () => {
      const log = logOf(3, 'a', 'b', 'c');
      log.record(entry('a', { acknowledged: true }));
      log.record(entry('d'));
      expect(ids(log.recent(10, everything))).toEqual(['d', 'c', 'b']);
    });

    it('an id that was forgotten comes back as the newest', () => {
      const log = logOf(2, 'a', 'b', 'c');
      log.record(entry('a'));
      expect(ids(log.recent(10, everything))).toEqual(['a', 'c']);
    });
  });

  describe('recent: newest first, up to a limit, only what passes', () => {
    // a1..a6 alternate between alice (odd) and bob (even).
    const log = new EventLog<Entry>(100);
    for (let n = 1; n <= 6; n++) log.record(entry(`a${n}`, { userId: n % 2 === 1 ? 'alice' : 'bob' }));
    const alices = (e: Entry) => e.userId === 'alice';
    const bobs = (e: Entry) => e.userId === 'bob';
    const nobody = () => false;

    // biome-ignore format: laid out as a table
    const ROWS: [limit: number, keep: string, predicate: (e: Entry) => boolean, expected: string[]][] = [
      [100, 'everything', everything, ['a6', 'a5', 'a4', 'a3', 'a2', 'a1']],
      [6,   'everything', everything, ['a6', 'a5', 'a4', 'a3', 'a2', 'a1']],
      [2,   'everything', everything, ['a6', 'a5']],
      [0,   'everything', everything, []],
      [100, "alice's",    alices,     ['a5', 'a3', 'a1']],
      [2,   "alice's",    alices,     ['a5', 'a3']],
      [1,   "bob's",      bobs,       ['a6']],
      [100, 'nothing',    nobody,     []],
    ];

    it.each(ROWS)('recent(%s), keeping %s → %j', (limit, _keep, predicate, expected) => {
      expect(ids(log.recent(limit, predicate))).toEqual(expected);
    });

    it('stops asking once it has enough', () => {
      const asked: string[] = [];
      log.recent(2, (e) => {
        asked.push(e.id);
        return true;
      });
      expect(asked).toEqual(['a6', 'a5']);
    });

    it('returns a fresh array each time', () => {
      const first = log.recent(100, everything);
      first.length = 0;
      expect(log.recent(100, everything)).toHaveLength(6);
    });
  });
});
