import { useMemo, useSyncExternalStore } from 'react';
import { can, type Viewer } from '../auth/viewer.js';
import { type Received, receive, resumeFrom, useFeedSource } from '../feed/source.js';
import { Feed } from '../feed/store.js';
import {
  type ToolAccessAction,
  type ToolAccessFieldsFragment,
  useGrantToolAccessMutation,
  useRecentToolAccessEventsQuery,
  useRevokeToolAccessMutation,
  useToolAccessEventsSubscription,
} from '../generated/graphql.js';
import { ActionButton, Actions } from '../ui/Actions.js';
import { EventCard } from '../ui/EventCard.js';
import { humanize } from '../ui/format.js';
import type { Tone } from '../ui/tone.js';
import { useAction } from '../ui/useAction.js';
import { latestOfEach } from './latest.js';
import { RETENTION_20, type StreamTab } from './stream.js';

const ACTIONS: readonly ToolAccessAction[] = ['REQUESTED', 'GRANTED', 'REVOKED', 'BLOCKED'];

const TONE: Record<ToolAccessAction, Tone> = {
  REQUESTED: 'low',
  GRANTED: 'ok',
  REVOKED: 'medium',
  BLOCKED: 'high',
};

const VERB: Record<ToolAccessAction, string> = {
  REQUESTED: 'asked for access to',
  GRANTED: 'was granted access to',
  REVOKED: 'lost access to',
  BLOCKED: 'was blocked from',
};

/** The tool-access tab. */
export function createToolsTab(): StreamTab {
  const feed = new Feed<ToolAccessFieldsFragment>(RETENTION_20);

  function ToolRow(props: { event: ToolAccessFieldsFragment; viewer: Viewer; latest: boolean }) {
    const { event, viewer } = props;
    const [, grant] = useGrantToolAccessMutation();
    const [, revoke] = useRevokeToolAccessMutation();
    const action = useAction();
    const input = { toolId: event.toolId, userId: event.userId, dataPoints: event.dataPoints };
    const offer = props.latest && can.changeToolAccess(viewer);
    return (
      <EventCard
        tone={TONE[event.action]}
        badge={humanize(event.action)}
        title={event.toolId}
        message={
          <>
            <strong>{event.userId}</strong> {VERB[event.action]} <strong>{event.toolId}</strong>
            {event.reason ? ` — ${event.reason}` : null}
          </>
        }
        facts={[
          ['Data points', event.dataPoints.join(', ')],
          ['By', event.actor === event.userId ? null : event.actor],
        ]}
        createdAt={event.createdAt}
        actions={
          offer && (event.action === 'REQUESTED' || event.action === 'GRANTED') ? (
            <Actions action={action}>
              {event.action === 'REQUESTED' ? (
                <ActionButton
                  label="Grant"
                  busyLabel="Granting…"
                  variant="primary"
                  action={action}
                  run={async () => {
                    const result = await grant({ input });
                    if (result.data) feed.add([result.data.grantToolAccess], 'action');
                    return result;
                  }}
                />
              ) : (
                <ActionButton
                  label="Revoke"
                  busyLabel="Revoking…"
                  variant="danger"
                  action={action}
                  run={async () => {
                    const result = await revoke({ input });
                    if (result.data) feed.add([result.data.revokeToolAccess], 'action');
                    return result;
                  }}
                />
              )}
            </Actions>
          ) : null
        }
      />
    );
  }

  return {
    id: 'tools',
    label: 'Tool access',
    noun: 'tool-access events',
    retentionNote: 'Showing the last 20 tool-access changes, newest first.',
    feed,
    kindFilter: { label: 'Action', options: () => ACTIONS },
    hasSeverity: false,
    Source({ filter, onProblem }) {
      const variables = { filter: { actions: filter.kind ? [filter.kind as ToolAccessAction] : null } };
      const [history] = useRecentToolAccessEventsQuery({
        variables: { ...variables, limit: RETENTION_20.max },
      });
      const events = history.data?.recentToolAccessEvents;
      const [live] = useToolAccessEventsSubscription(
        { variables: { ...variables, after: resumeFrom(events) }, pause: !events },
        (received: Received<ToolAccessFieldsFragment> | undefined, data) =>
          receive(received, data.toolAccessEvents),
      );
      useFeedSource(feed, { events, error: history.error }, live, onProblem);
      return null;
    },
    List({ viewer }) {
      const { events } = useSyncExternalStore(feed.subscribe, feed.getSnapshot);
      const latest = useMemo(
        () => latestOfEach(events, (event) => `${event.userId}\n${event.toolId}`),
        [events],
      );
      return (
        <>
          {events.map((event) => (
            <ToolRow key={event.id} event={event} viewer={viewer} latest={latest.has(event.id)} />
          ))}
        </>
      );
    },
  };
}
