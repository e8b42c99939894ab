import { useId, useSyncExternalStore } from 'react';
import type { Viewer } from '../auth/viewer.js';
import type { Severity } from '../generated/graphql.js';
import type { StreamFilter, StreamTab } from '../streams/stream.js';
import { humanize } from '../ui/format.js';

const SEVERITY_OPTIONS: readonly [Severity | '', string][] = [
  ['', 'Any severity'],
  ['MEDIUM', 'Medium and above'],
  ['HIGH', 'High and above'],
  ['CRITICAL', 'Critical only'],
];

/** A tab's panel: filters (sent to the server), Clear, and the live list. */
export function StreamPanel(props: {
  tab: StreamTab;
  viewer: Viewer;
  filter: StreamFilter;
  onFilter: (filter: StreamFilter) => void;
}) {
  const { tab, viewer, filter, onFilter } = props;
  const snapshot = useSyncExternalStore(tab.feed.subscribe, tab.feed.getSnapshot);
  const kindId = useId();
  const severityId = useId();
  const filtered = filter.kind !== null || filter.minSeverity !== null;
  return (
    <section className="panel" role="tabpanel" id={`panel-${tab.id}`} aria-labelledby={`tab-${tab.id}`}>
      <div className="toolbar">
        <div className="field">
          <label htmlFor={kindId}>{tab.kindFilter.label}</label>
          <select
            id={kindId}
            value={filter.kind ?? ''}
            onChange={(event) => onFilter({ ...filter, kind: event.target.value || null })}
          >
            <option value="">All</option>
            {tab.kindFilter.options(viewer).map((kind) => (
              <option key={kind} value={kind}>
                {humanize(kind)}
              </option>
            ))}
          </select>
        </div>
        {tab.hasSeverity ? (
          <div className="field">
            <label htmlFor={severityId}>Severity</label>
            <select
              id={severityId}
              value={filter.minSeverity ?? ''}
              onChange={(event) =>
                onFilter({ ...filter, minSeverity: (event.target.value || null) as Severity | null })
              }
            >
              {SEVERITY_OPTIONS.map(([value, label]) => (
                <option key={value} value={value}>
                  {label}
                </option>
              ))}
            </select>
          </div>
        ) : null}
        <div className="toolbar-spacer" />
        {tab.Summary ? <tab.Summary /> : null}
        <button
          type="button"
          className="button"
          onClick={() => tab.feed.clear()}
          disabled={snapshot.events.length === 0}
        >
          Clear
        </button>
      </div>
      {snapshot.error ? (
        <p className="panel-error" role="alert">
          {snapshot.error}
        </p>
      ) : null}
      {snapshot.loading ? (
        <p className="empty">Loading recent {tab.noun}…</p>
      ) : snapshot.events.length === 0 ? (
        <p className="empty">
          {filtered ? `No ${tab.noun} match these filters yet.` : `No ${tab.noun} yet.`} New ones appear here
          the moment they happen.
        </p>
      ) : (
        <>
          <ul className="events" aria-label={tab.label}>
            <tab.List viewer={viewer} />
          </ul>
          <p className="list-note">{tab.retentionNote}</p>
        </>
      )}
    </section>
  );
}
