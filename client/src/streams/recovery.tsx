import { useMemo, useSyncExternalStore } from 'react';
import { can, type Viewer } from '../auth/viewer.js';
import { type Received, receive, resumeFrom, useFeedSource } from '../feed/source.js';
import { Feed } from '../feed/store.js';
import {
  type RecoveryFieldsFragment,
  type RecoveryMethod,
  type RecoveryState,
  useApproveRecoveryMutation,
  useDenyRecoveryMutation,
  useRecentRecoveryUpdatesQuery,
  useRecoveryStatusSubscription,
} from '../generated/graphql.js';
import { ActionButton, Actions } from '../ui/Actions.js';
import { EventCard } from '../ui/EventCard.js';
import { humanize } from '../ui/format.js';
import type { Tone } from '../ui/tone.js';
import { useAction } from '../ui/useAction.js';
import { latestOfEach } from './latest.js';
import { RETENTION_20, type StreamTab } from './stream.js';

const STATES: readonly RecoveryState[] = ['PENDING', 'APPROVED', 'COMPLETED', 'DENIED'];

const TONE: Record<RecoveryState, Tone> = {
  PENDING: 'medium',
  APPROVED: 'low',
  COMPLETED: 'ok',
  DENIED: 'high',
};

const TITLE: Record<RecoveryState, string> = {
  PENDING: 'Recovery requested',
  APPROVED: 'Recovery approved in part',
  COMPLETED: 'Recovery completed',
  DENIED: 'Recovery denied',
};

const METHOD: Record<RecoveryMethod, string> = {
  CUSTODIAN: 'custodian approval',
  EMAIL: 'email',
  SMS: 'SMS',
  HARDWARE_KEY: 'hardware key',
};

/** The recovery tab. */
export function createRecoveryTab(): StreamTab {
  const feed = new Feed<RecoveryFieldsFragment>(RETENTION_20);

  function RecoveryRow(props: { update: RecoveryFieldsFragment; viewer: Viewer; latest: boolean }) {
    const { update, viewer } = props;
    const [, approve] = useApproveRecoveryMutation();
    const [, deny] = useDenyRecoveryMutation();
    const action = useAction();
    const open = update.status === 'PENDING' || update.status === 'APPROVED';
    const offer =
      props.latest && open && can.decideRecovery(viewer, update) && !update.approvals.includes(viewer.sub);
    return (
      <EventCard
        tone={TONE[update.status]}
        badge={humanize(update.status)}
        title={TITLE[update.status]}
        message={
          <>
            Account <strong>{update.userId}</strong>, by {METHOD[update.method]}
            {update.decidedBy ? ` — last decided by ${update.decidedBy}` : null}
            {update.reason ? `: “${update.reason}”` : null}
          </>
        }
        facts={[
          ['Approvals', `${update.approvalCount} of ${update.threshold}`],
          ['Custodians', update.custodians.join(', ')],
          ['Requested by', update.requestedBy],
        ]}
        createdAt={update.createdAt}
        actions={
          offer ? (
            <Actions action={action}>
              <ActionButton
                label="Approve"
                busyLabel="Approving…"
                variant="primary"
                action={action}
                run={async () => {
                  const result = await approve({ requestId: update.requestId });
                  if (result.data) feed.add([result.data.approveRecovery], 'action');
                  return result;
                }}
              />
              <ActionButton
                label="Deny"
                busyLabel="Denying…"
                variant="danger"
                action={action}
                run={async () => {
                  const result = await deny({ requestId: update.requestId });
                  if (result.data) feed.add([result.data.denyRecovery], 'action');
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
    id: 'recovery',
    label: 'Recovery',
    noun: 'recovery updates',
    retentionNote: 'Showing the last 20 account-recovery updates, newest first.',
    feed,
    kindFilter: { label: 'Status', options: () => STATES },
    hasSeverity: false,
    Source({ filter, onProblem }) {
      const variables = { filter: { statuses: filter.kind ? [filter.kind as RecoveryState] : null } };
      const [history] = useRecentRecoveryUpdatesQuery({
        variables: { ...variables, limit: RETENTION_20.max },
      });
      const events = history.data?.recentRecoveryUpdates;
      const [live] = useRecoveryStatusSubscription(
        { variables: { ...variables, after: resumeFrom(events) }, pause: !events },
        (received: Received<RecoveryFieldsFragment> | undefined, data) =>
          receive(received, data.recoveryStatus),
      );
      useFeedSource(feed, { events, error: history.error }, live, onProblem);
      return null;
    },
    List({ viewer }) {
      const { events } = useSyncExternalStore(feed.subscribe, feed.getSnapshot);
      const latest = useMemo(() => latestOfEach(events, (update) => update.requestId), [events]);
      return (
        <>
          {events.map((update) => (
            <RecoveryRow key={update.id} update={update} viewer={viewer} latest={latest.has(update.id)} />
          ))}
        </>
      );
    },
  };
}
