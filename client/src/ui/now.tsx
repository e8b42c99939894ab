import { createContext, type ReactNode, useContext, useEffect, useState } from 'react';
import { absoluteTime, relativeTime } from './format.js';

/** How often relative times ("2 minutes ago") are redrawn. */
export const TICK_MS = 10_000;

const NowContext = createContext<number>(Date.now());

/** The current time, refreshed every TICK_MS: one timer for the whole page, not one per row. */
export function NowProvider({ children, onTick }: { children: ReactNode; onTick?: (now: number) => void }) {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    const timer = setInterval(() => {
      const current = Date.now();
      setNow(current);
      onTick?.(current);
    }, TICK_MS);
    return () => clearInterval(timer);
  }, [onTick]);
  return <NowContext.Provider value={now}>{children}</NowContext.Provider>;
}

/** The time the page last ticked. */
export function useNow(): number {
  return useContext(NowContext);
}

/** "2 minutes ago", kept current; the exact instant is in the tooltip and the `datetime` attribute. */
export function RelativeTime({ iso }: { iso: string }) {
  const now = useNow();
  return (
    <time dateTime={iso} title={absoluteTime(iso)}>
      {relativeTime(iso, Math.max(now, Date.now()))}
    </time>
  );
}
