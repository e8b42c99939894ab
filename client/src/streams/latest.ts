/**
 * The ids of the newest event of each entity (a session, a request, a user's
 * access to a tool) in a newest-first list: only those rows offer actions,
 * since older rows describe a state that has already changed.
 */
export function latestOfEach<E extends { readonly id: string }>(
  events: readonly E[],
  entityOf: (event: E) => string,
): ReadonlySet<string> {
  const seen = new Set<string>();
  const latest = new Set<string>();
  for (const event of events) {
    const entity = entityOf(event);
    if (seen.has(entity)) continue;
    seen.add(entity);
    latest.add(event.id);
  }
  return latest;
}
