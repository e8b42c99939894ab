import { type KeyboardEvent, useCallback, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import type { Api } from '../api/client.js';
import { describeRoles, type Viewer } from '../auth/viewer.js';
import type { SourceProblem } from '../feed/source.js';
import { createAlertsTab } from '../streams/alerts.js';
import { createRbacTab } from '../streams/rbac.js';
import { createRecoveryTab } from '../streams/recovery.js';
import { createSessionsTab } from '../streams/sessions.js';
import { NO_FILTER, type StreamFilter, type StreamTab } from '../streams/stream.js';
import { createToolsTab } from '../streams/tools.js';
import { ConnectionIndicator } from '../ui/ConnectionIndicator.js';
import { BellIcon, ShieldIcon, SignOutIcon } from '../ui/icons.js';
import { NowProvider } from '../ui/now.js';
import { notifyCritical, useNotificationPermission } from './notifications.js';
import { StreamPanel } from './StreamPanel.js';

type TabId = StreamTab['id'];

const tabFromHash = (tabs: readonly StreamTab[]): TabId | null =>
  tabs.find((tab) => `#${tab.id}` === window.location.hash)?.id ?? null;

/** The signed-in page: header, one tab per stream, each fed live. */
export function Dashboard(props: { viewer: Viewer; api: Api; onSignOut: (reason: string | null) => void }) {
  const { viewer, api, onSignOut } = props;
  const [tabs] = useState<readonly StreamTab[]>(() => [
    createAlertsTab(notifyCritical),
    createSessionsTab(),
    createToolsTab(),
    createRecoveryTab(),
    createRbacTab(),
  ]);
  const [selected, setSelected] = useState<TabId>(() => tabFromHash(tabs) ?? 'alerts');
  const [filters, setFilters] = useState<Partial<Record<TabId, StreamFilter>>>({});
  // Bumped when a stream cannot resume (cursor expired): its source remounts, reloads history, subscribes afresh.
  const [generations, setGenerations] = useState<Partial<Record<TabId, number>>>({});

  const problemHandlers = useMemo(() => {
    const handlers = {} as Record<TabId, (problem: SourceProblem) => void>;
    for (const tab of tabs) {
      handlers[tab.id] = (problem) => {
        if (problem.kind === 'unauthenticated') return onSignOut(`Signed out: ${problem.message}`);
        setGenerations((current) => ({ ...current, [tab.id]: (current[tab.id] ?? 0) + 1 }));
      };
    }
    return handlers;
  }, [tabs, onSignOut]);

  const expireOld = useCallback(
    (now: number) => {
      for (const tab of tabs) tab.feed.expire(now);
    },
    [tabs],
  );

  const select = (id: TabId) => {
    setSelected(id);
    window.history.replaceState(null, '', `#${id}`);
  };
  const tabRefs = useRef(new Map<TabId, HTMLButtonElement>());
  // Arrow keys move between tabs (the ARIA tabs pattern); Tab moves on into the panel.
  const onTabKey = (event: KeyboardEvent, index: number) => {
    const step = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0;
    const target =
      event.key === 'Home'
        ? 0
        : event.key === 'End'
          ? tabs.length - 1
          : step
            ? (index + step + tabs.length) % tabs.length
            : null;
    const tab = target === null ? undefined : tabs[target];
    if (!tab) return;
    event.preventDefault();
    select(tab.id);
    tabRefs.current.get(tab.id)?.focus();
  };

  const current = tabs.find((tab) => tab.id === selected) ?? tabs[0];
  return (
    <NowProvider onTick={expireOld}>
      <header className="topbar">
        <div className="brand">
          <span className="brand-mark">
            <ShieldIcon size={22} />
          </span>
          <span>Security Event Hub</span>
        </div>
        <div className="topbar-right">
          <ConnectionIndicator store={api.connection} onRetryNow={api.retryNow} />
          <NotificationToggle />
          <div className="who">
            <span className="avatar" aria-hidden="true">
              {viewer.sub.charAt(0).toUpperCase()}
            </span>
            <span className="who-text">
              <span className="who-name">{viewer.sub}</span>
              <span className="who-roles">{describeRoles(viewer)}</span>
            </span>
          </div>
          <button type="button" className="button ghost" onClick={() => onSignOut(null)}>
            <SignOutIcon /> Sign out
          </button>
        </div>
      </header>
      <main className="content">
        <div className="tabs" role="tablist" aria-label="Event streams">
          {tabs.map((tab, index) => (
            <button
              key={tab.id}
              ref={(element) => {
                if (element) tabRefs.current.set(tab.id, element);
              }}
              type="button"
              role="tab"
              id={`tab-${tab.id}`}
              aria-controls={`panel-${tab.id}`}
              aria-selected={tab.id === selected}
              tabIndex={tab.id === selected ? 0 : -1}
              className="tab"
              onClick={() => select(tab.id)}
              onKeyDown={(event) => onTabKey(event, index)}
            >
              {tab.label}
              <TabCount tab={tab} />
            </button>
          ))}
        </div>
        {tabs.map((tab) => {
          const filter = filters[tab.id] ?? NO_FILTER;
          return (
            <tab.Source
              key={`${tab.id}:${filter.kind}:${filter.minSeverity}:${generations[tab.id] ?? 0}`}
              filter={filter}
              onProblem={problemHandlers[tab.id]}
            />
          );
        })}
        {current ? (
          <StreamPanel
            tab={current}
            viewer={viewer}
            filter={filters[current.id] ?? NO_FILTER}
            onFilter={(filter) => {
              current.feed.reset();
              setFilters((all) => ({ ...all, [current.id]: filter }));
            }}
          />
        ) : null}
      </main>
    </NowProvider>
  );
}

/** The number of events a tab lists. */
function TabCount({ tab }: { tab: StreamTab }) {
  const { events } = useSyncExternalStore(tab.feed.subscribe, tab.feed.getSnapshot);
  return (
    <span className="count" data-testid={`count-${tab.id}`}>
      {events.length}
    </span>
  );
}

/** Offers browser notifications for CRITICAL alerts; says so once they are on. */
function NotificationToggle() {
  const [permission, request] = useNotificationPermission();
  if (permission === 'default') {
    return (
      <button type="button" className="button ghost" onClick={request}>
        <BellIcon /> Notify on critical
      </button>
    );
  }
  if (permission === 'granted') {
    return (
      <span className="notifications-on" title="You get a browser notification for each critical alert">
        <BellIcon /> Critical alerts notify
      </span>
    );
  }
  return null;
}
