import { useSyncExternalStore } from 'react';
import { visibleRbacKinds } from '../auth/viewer.js';
import { type Received, receive, resumeFrom, useFeedSource } from '../feed/source.js';
import { Feed } from '../feed/store.js';
import {
  type RbacEventType,
  type RbacFieldsFragment,
  useRbacEventsSubscription,
  useRecentRbacEventsQuery,
} from '../generated/graphql.js';
import { EventCard } from '../ui/EventCard.js';
import { humanize } from '../ui/format.js';
import { severityTone, type Tone } from '../ui/tone.js';
import { RETENTION_20, type StreamTab } from './stream.js';

const KINDS: readonly RbacEventType[] = [
  'SECURITY_VIOLATION',
  'SUSPICIOUS_ACTIVITY',
  'ACCESS_DENIED',
  'PERMISSION_GRANTED',
  'PERMISSION_DENIED',
  'PERMISSION_REVOKED',
  'ROLE_ASSIGNED',
  'ROLE_REVOKED',
  'ROLE_MODIFIED',
  'USER_CREATED',
  'USER_UPDATED',
  'USER_DELETED',
  'POLICY_UPDATED',
  'CONFIGURATION_CHANGED',
];

/** Without a security level, violations still look like what they are. */
const KIND_TONE: Partial<Record<RbacEventType, Tone>> = {
  SECURITY_VIOLATION: 'high',
  SUSPICIOUS_ACTIVITY: 'medium',
  ACCESS_DENIED: 'medium',
  PERMISSION_DENIED: 'medium',
};

const toneOf = (event: RbacFieldsFragment): Tone =>
  event.securityLevel ? severityTone[event.securityLevel] : (KIND_TONE[event.type] ?? 'neutral');

/** The RBAC tab. */
export function createRbacTab(): StreamTab {
  const feed = new Feed<RbacFieldsFragment>(RETENTION_20);
  return {
    id: 'rbac',
    label: 'RBAC',
    noun: 'RBAC events',
    retentionNote: 'Showing the last 20 role, permission and policy events, newest first.',
    feed,
    kindFilter: { label: 'Type', options: (viewer) => visibleRbacKinds(viewer, KINDS) },
    hasSeverity: true,
    Source({ filter, onProblem }) {
      const variables = {
        filter: {
          types: filter.kind ? [filter.kind as RbacEventType] : null,
          minSecurityLevel: filter.minSeverity,
        },
      };
      const [history] = useRecentRbacEventsQuery({ variables: { ...variables, limit: RETENTION_20.max } });
      const events = history.data?.recentRbacEvents;
      const [live] = useRbacEventsSubscription(
        { variables: { ...variables, after: resumeFrom(events) }, pause: !events },
        (received: Received<RbacFieldsFragment> | undefined, data) => receive(received, data.rbacEvents),
      );
      useFeedSource(feed, { events, error: history.error }, live, onProblem);
      return null;
    },
    List() {
      const { events } = useSyncExternalStore(feed.subscribe, feed.getSnapshot);
      return (
        <>
          {events.map((event) => (
            <EventCard
              key={event.id}
              tone={toneOf(event)}
              badge={event.securityLevel ? humanize(event.securityLevel) : 'Info'}
              title={humanize(event.type)}
              message={event.message}
              facts={[
                ['User', event.userId],
                ['Role', event.roleName],
                ['Resource', event.resource],
                ['Action', event.action],
                ['By', event.actor],
              ]}
              createdAt={event.createdAt}
            />
          ))}
        </>
      );
    },
  };
}
