/** Words that keep their capitals when an enum value is turned into a label. */
const ACRONYMS: Record<string, string> = { API: 'API', DDOS: 'DDoS', SMS: 'SMS', RBAC: 'RBAC', IP: 'IP' };

/** `BRUTE_FORCE` → `Brute force`, `DDOS` → `DDoS`, `API_ABUSE` → `API abuse`. */
export function humanize(value: string): string {
  return value
    .split('_')
    .map((word, i) => {
      const acronym = ACRONYMS[word];
      if (acronym) return acronym;
      const lower = word.toLowerCase();
      return i === 0 ? lower.charAt(0).toUpperCase() + lower.slice(1) : lower;
    })
    .join(' ');
}

const relative = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });

const UNITS: readonly [Intl.RelativeTimeFormatUnit, number][] = [
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
];

/** "just now", "2 minutes ago", "3 hours ago", "yesterday": how long before `now` the instant was. */
export function relativeTime(iso: string, now: number): string {
  const elapsed = now - Date.parse(iso);
  if (elapsed < 45_000) return 'just now';
  for (const [unit, ms] of UNITS) {
    if (elapsed >= ms) return relative.format(-Math.floor(elapsed / ms), unit);
  }
  return relative.format(-1, 'minute');
}

/** The instant in the reader's locale, for tooltips. */
export function absoluteTime(iso: string): string {
  return new Date(iso).toLocaleString();
}
