import type { ComponentType } from 'react';
import type { Viewer } from '../auth/viewer.js';
import type { FeedEvent } from '../feed/merge.js';
import type { SourceProblem } from '../feed/source.js';
import type { FeedSnapshot } from '../feed/store.js';
import type { Severity } from '../generated/graphql.js';

/** The filters a tab offers. Both are sent to the server as subscription and history arguments. */
export interface StreamFilter {
  /** One kind (alert type, session status, tool action, ...), or null for all. */
  readonly kind: string | null;
  /** The least severity shown, or null for all; only for streams that have one. */
  readonly minSeverity: Severity | null;
}

/** Alerts keep the last 50, none older than a day. */
export const ALERT_RETENTION = { max: 50, maxAgeMs: 24 * 3600 * 1000 } as const;

/** Of two versions of one alert, the acknowledged one is the later: an acknowledgement is never undone. */
export const acknowledgedWins = <A extends { readonly acknowledgement: unknown }>(
  current: A,
  incoming: A,
): A => (current.acknowledgement && !incoming.acknowledgement ? current : incoming);

/** Session, tool-access, recovery and RBAC tabs keep the last 20 events. */
export const RETENTION_20 = { max: 20 } as const;

/** No narrowing. */
export const NO_FILTER: StreamFilter = { kind: null, minSeverity: null };

/** What the tab frame (counter, toolbar, Clear) needs of a feed, whatever its event type. */
export interface FeedView {
  subscribe(listener: () => void): () => void;
  getSnapshot(): FeedSnapshot<FeedEvent>;
  clear(): void;
  reset(): void;
  expire(now: number): void;
}

/** One tab: its feed, the component that fills it, and the component that lists it. */
export interface StreamTab {
  readonly id: 'alerts' | 'sessions' | 'tools' | 'recovery' | 'rbac';
  readonly label: string;
  /** Plural noun for empty states and summaries ("alerts", "session updates"). */
  readonly noun: string;
  /** One sentence under the list on what it keeps. */
  readonly retentionNote: string;
  readonly feed: FeedView;
  /** The filter the kind select sets ("Kind", "Status", "Action"), and its options. */
  readonly kindFilter: { readonly label: string; readonly options: (viewer: Viewer) => readonly string[] };
  /** Whether the severity select applies. */
  readonly hasSeverity: boolean;
  /** Runs the history query and the subscription for `filter` (remounted when it changes); renders nothing. */
  readonly Source: ComponentType<{
    readonly filter: StreamFilter;
    readonly onProblem: (problem: SourceProblem) => void;
  }>;
  /** The rows. */
  readonly List: ComponentType<{ readonly viewer: Viewer }>;
  /** At-a-glance figures for the toolbar, if the stream has any worth showing. */
  readonly Summary?: ComponentType;
}
