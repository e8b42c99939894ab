/**
 * A set that holds a lone element as the element itself. Fan-out keeps one
 * set per user and one per group, and most of them hold one element (a user's
 * group, a group's member), where a Set costs about 170 bytes. Elements are
 * objects and never Sets.
 */
export type OneOrSet<T extends object> = T | Set<T>;

/** The set with `item` added (a new value when it was empty or had one element). */
export function withItem<T extends object>(set: OneOrSet<T> | undefined, item: T): OneOrSet<T> {
  if (set === undefined || set === item) return item;
  if (set instanceof Set) return set.add(item);
  return new Set([set, item]);
}

/** The set without `item`: undefined when that empties it, the last element alone when one remains. */
export function withoutItem<T extends object>(
  set: OneOrSet<T> | undefined,
  item: T,
): OneOrSet<T> | undefined {
  if (set === undefined || set === item) return undefined;
  if (!(set instanceof Set)) return set;
  set.delete(item);
  if (set.size > 1) return set;
  // A set being iterated stays valid: it is only replaced, not changed further.
  return set.size === 1 ? (set.values().next().value as T) : undefined;
}

export function sizeOf<T extends object>(set: OneOrSet<T> | undefined): number {
  return set === undefined ? 0 : set instanceof Set ? set.size : 1;
}

/** The elements, as a Set or a one-element array (both iterable; callers may change the set meanwhile). */
export function itemsOf<T extends object>(set: OneOrSet<T> | undefined): Iterable<T> {
  return set === undefined ? [] : set instanceof Set ? set : [set];
}
