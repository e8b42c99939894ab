import { describe, expect, it } from 'vitest';
import { itemsOf, type OneOrSet, sizeOf, withItem, withoutItem } from './one-or-set.js';

describe('OneOrSet', () => {
  const [a, b, c] = [{ n: 'a' }, { n: 'b' }, { n: 'c' }];
  const items = (set: OneOrSet<{ n: string }> | undefined) => [...itemsOf(set)].map((x) => x.n);

  it('holds one element as itself, a Set from two on, and shrinks back', () => {
    let set: OneOrSet<{ n: string }> | undefined = withItem(undefined, a);
    expect(set).toBe(a);
    expect(withItem(set, a)).toBe(a);
    set = withItem(withItem(set, b), c);
    expect(set).toBeInstanceOf(Set);
    expect([sizeOf(set), items(set)]).toEqual([3, ['a', 'b', 'c']]);
    set = withoutItem(set, b);
    expect(items(set)).toEqual(['a', 'c']);
    set = withoutItem(set, a);
    expect(set).toBe(c);
    expect(withoutItem(set, a)).toBe(c);
    expect(withoutItem(set, c)).toBeUndefined();
    expect([sizeOf(undefined), items(undefined)]).toEqual([0, []]);
  });

  it('a Set being iterated while an element leaves still yields the others', () => {
    let set: OneOrSet<{ n: string }> | undefined = withItem(withItem(withItem(undefined, a), b), c);
    const seen: string[] = [];
    for (const item of itemsOf(set)) {
      seen.push(item.n);
      if (item === a) set = withoutItem(set, b);
    }
    expect(seen).toEqual(['a', 'c']);
    expect(items(set)).toEqual(['a', 'c']);
  });
});
