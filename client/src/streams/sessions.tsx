import { useMemo, useSyncExternalStore } from 'react';
import { can, type Viewer } from '../auth/viewer.js';
import { type Received, receive, resumeFrom, useFeedSource } from '../feed/source.js';
import { Feed } from '../feed/store.js';
import {
  type SessionFieldsFragment,
  type SessionStatus,
  useRecentSessionUpdatesQuery,
  useSessionUpdatesSubscription,
  useTerminateSessionMutation,
} from '../generated/graphql.js';
import { ActionButton, Actions } from '../ui/Actions.js';
import { EventCard } from '../ui/EventCard.js';
import { humanize } from '../ui/format.js';
import type { Tone } from '../ui/tone.js';
import { useAction } from '../ui/useAction.js';
import { latestOfEach } from './latest.js';
import { RETENTION_20, type StreamTab } from './stream.js';

const STATUSES: readonly SessionStatus[] = ['CONNECTED', 'DISCONNECTED', 'TERMINATED'];

const TONE: Record<SessionStatus, Tone> = { CONNECTED: 'ok', DISCONNECTED: 'neutral', TERMINATED: 'high' };

const TITLE: Record<SessionStatus, string> = {
  CONNECTED: 'Signed in',
  DISCONNECTED: 'Signed out',
  TERMINATED: 'Session terminated',
};

const device = (update: SessionFieldsFragment) =>
  [update.device?.deviceType, update.device?.location].filter(Boolean).join(' · ') || null;

/** The sessions tab. */
export function createSessionsTab(): StreamTab {
  const feed = new Feed<SessionFieldsFragment>(RETENTION_20);

  function SessionRow(props: { update: SessionFieldsFragment; viewer: Viewer; latest: boolean }) {
    const { update, viewer } = props;
    const [, terminate] = useTerminateSessionMutation();
    const action = useAction();
    const offerTerminate =
      props.latest && update.status === 'CONNECTED' && can.terminateSession(viewer, update);
    return (
      <EventCard
        tone={TONE[update.status]}
        badge={humanize(update.status)}
        title={TITLE[update.status]}
        message={
          <>
            <strong>{update.userId}</strong>
            {update.status === 'TERMINATED' && update.terminatedBy
              ? ` — session ended by ${update.terminatedBy}`
              : update.status === 'CONNECTED'
                ? ' started a session'
                : ' ended a session'}
          </>
        }
        facts={[
          ['Session', <code key="s">{update.sessionId}</code>],
          ['Device', device(update)],
          ['IP', update.device?.ip],
        ]}
        createdAt={update.createdAt}
        actions={
          offerTerminate ? (
            <Actions action={action}>
              <ActionButton
                label="Terminate"
                busyLabel="Terminating…"
                variant="danger"
                action={action}
                run={async () => {
                  const result = await terminate({ sessionId: update.sessionId });
                  if (result.data) feed.add([result.data.terminateSession], 'action');
                  return result;
                }}
              />
            </Actions>
          ) : null
        }
      />
    );
  }

  return {
    id: 'sessions',
    label: 'Sessions',
    noun: 'session updates',
    retentionNote: 'Showing the last 20 session updates, newest first.',
    feed,
    kindFilter: { label: 'Status', options: () => STATUSES },
    hasSeverity: false,
    Source({ filter, onProblem }) {
      const variables = { filter: { statuses: filter.kind ? [filter.kind as SessionStatus] : null } };
      const [history] = useRecentSessionUpdatesQuery({
        variables: { ...variables, limit: RETENTION_20.max },
      });
      const events = history.data?.recentSessionUpdates;
      const [live] = useSessionUpdatesSubscription(
        { variables: { ...variables, after: resumeFrom(events) }, pause: !events },
        (received: Received<SessionFieldsFragment> | undefined, data) =>
          receive(received, data.sessionUpdates),
      );
      useFeedSource(feed, { events, error: history.error }, live, onProblem);
      return null;
    },
    List({ viewer }) {
      const { events } = useSyncExternalStore(feed.subscribe, feed.getSnapshot);
      const latest = useMemo(() => latestOfEach(events, (update) => update.sessionId), [events]);
      return (
        <>
          {events.map((update) => (
            <SessionRow key={update.id} update={update} viewer={viewer} latest={latest.has(update.id)} />
          ))}
        </>
      );
    },
  };
}
