import { useSyncExternalStore } from 'react';
import { can, type Viewer } from '../auth/viewer.js';
import { type Received, receive, resumeFrom, useFeedSource } from '../feed/source.js';
import { Feed } from '../feed/store.js';
import {
  type AlertFieldsFragment,
  type AlertType,
  useAcknowledgeAlertMutation,
  useRecentAlertsQuery,
  useSecurityAlertsSubscription,
} from '../generated/graphql.js';
import { ActionButton, Actions } from '../ui/Actions.js';
import { EventCard } from '../ui/EventCard.js';
import { humanize } from '../ui/format.js';
import { CheckIcon } from '../ui/icons.js';
import { RelativeTime } from '../ui/now.js';
import { SEVERITIES, severityTone } from '../ui/tone.js';
import { useAction } from '../ui/useAction.js';
import { ALERT_RETENTION, acknowledgedWins, type StreamTab } from './stream.js';

const ALERT_TYPES: readonly AlertType[] = [
  'BRUTE_FORCE',
  'SUSPICIOUS_LOGIN',
  'DATA_ACCESS_VIOLATION',
  'TOOL_ACCESS_BLOCKED',
  'DDOS',
  'TOKEN_REPLAY',
  'API_ABUSE',
  'PRIVILEGE_ESCALATION',
  'OTHER',
];

/** The alerts tab; `onCritical` hears of each CRITICAL alert raised while the page is open. */
export function createAlertsTab(onCritical: (alert: AlertFieldsFragment) => void): StreamTab {
  const feed = new Feed<AlertFieldsFragment>(ALERT_RETENTION, acknowledgedWins);
  feed.onNews((alerts) => {
    for (const alert of alerts)
      if (alert.severity === 'CRITICAL' && !alert.acknowledgement) onCritical(alert);
  });

  function AlertRow({ alert, viewer }: { alert: AlertFieldsFragment; viewer: Viewer }) {
    const [, acknowledge] = useAcknowledgeAlertMutation();
    const action = useAction();
    const ack = alert.acknowledgement;
    return (
      <EventCard
        tone={severityTone[alert.severity]}
        badge={humanize(alert.severity)}
        title={humanize(alert.type)}
        message={alert.message}
        settled={ack !== null}
        facts={[
          ['User', alert.userId],
          ['Source', alert.source],
          ['Identifier', alert.identifier],
          ['Mitigation', alert.mitigation],
        ]}
        createdAt={alert.createdAt}
        footnote={
          ack ? (
            <span className="acknowledged">
              <CheckIcon />
              <span>
                Acknowledged by <strong>{ack.by}</strong> <RelativeTime iso={ack.at} />
                {ack.note ? ` · “${ack.note}”` : null}
              </span>
            </span>
          ) : null
        }
        actions={
          !ack && can.acknowledgeAlert(viewer) ? (
            <Actions action={action}>
              <ActionButton
                label="Acknowledge"
                busyLabel="Acknowledging…"
                variant="primary"
                action={action}
                run={async () => {
                  const result = await acknowledge({ id: alert.id });
                  if (result.data) feed.add([result.data.acknowledgeAlert], 'action');
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
    id: 'alerts',
    label: 'Alerts',
    noun: 'alerts',
    retentionNote: 'Showing the last 50 alerts of the past 24 hours, newest first.',
    feed,
    kindFilter: { label: 'Type', options: () => ALERT_TYPES },
    hasSeverity: true,
    Source({ filter, onProblem }) {
      const variables = {
        filter: { types: filter.kind ? [filter.kind as AlertType] : null, minSeverity: filter.minSeverity },
      };
      const [history] = useRecentAlertsQuery({ variables: { ...variables, limit: ALERT_RETENTION.max } });
      const events = history.data?.recentAlerts;
      const [live] = useSecurityAlertsSubscription(
        { variables: { ...variables, after: resumeFrom(events) }, pause: !events },
        (received: Received<AlertFieldsFragment> | undefined, data) => receive(received, data.securityAlerts),
      );
      useFeedSource(feed, { events, error: history.error }, live, onProblem);
      return null;
    },
    List({ viewer }) {
      const { events } = useSyncExternalStore(feed.subscribe, feed.getSnapshot);
      return (
        <>
          {events.map((alert) => (
            <AlertRow key={alert.id} alert={alert} viewer={viewer} />
          ))}
        </>
      );
    },
    Summary() {
      const { events } = useSyncExternalStore(feed.subscribe, feed.getSnapshot);
      const open = events.filter((alert) => !alert.acknowledgement);
      return (
        <ul className="summary" aria-label="Open alerts by severity">
          {SEVERITIES.map((severity) => (
            <li key={severity} className={`summary-chip tone-${severityTone[severity]}`}>
              <span className="summary-dot" aria-hidden="true" />
              <strong>{open.filter((alert) => alert.severity === severity).length}</strong>{' '}
              {severity.toLowerCase()}
            </li>
          ))}
          <li className="summary-total">
            {open.length} open of {events.length}
          </li>
        </ul>
      );
    },
  };
}
