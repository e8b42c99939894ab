import type { Draft } from '../src/store/store.js';

/**
 * The events every server under test publishes: the same alert, field for
 * field, for the hub and the baselines. The sequence number and the send time
 * ride in `details`, a JSON object the hub passes through untouched.
 */

/** What the load generator reads from every delivered event. */
export interface BenchEvent {
  userId: string;
  details: { seq: number; sentAt: number };
}

/** The alert with sequence number `seq` for `userId`, stamped `sentAt` (bench clock). */
export function benchAlert(seq: number, userId: string, sentAt: number): Draft<'securityAlerts'> {
  return {
    id: `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`,
    type: 'BRUTE_FORCE',
    severity: 'HIGH',
    message: '5 failed logins in 60 s',
    userId,
    source: 'fire_wall',
    identifier: '10.0.0.7',
    details: { seq, sentAt },
    mitigation: 'ip blocked for 1h',
    raisedBy: 'ids',
    createdAt: new Date(sentAt).toISOString(),
    acknowledgement: null,
  };
}

/** The baselines send the alert with a cursor shaped like the hub's in-memory one, so payloads match in size. */
export function baselineEvent(
  seq: number,
  userId: string,
  sentAt: number,
): Draft<'securityAlerts'> & {
  cursor: string;
} {
  return { ...benchAlert(seq, userId, sentAt), cursor: `${'0'.repeat(16)}.${seq}.${seq}` };
}

/** The hub subscription: every field the baselines send, in the same order. */
export const HUB_SUBSCRIPTION = `subscription BenchAlerts {
  securityAlerts {
    id type severity message userId source identifier details mitigation raisedBy createdAt
    acknowledgement { by at note } cursor
  }
}`;

/** Sub of the i-th client of a role (`officer-3`, `user-17`, ...). */
export function subOf(role: 'officer' | 'admin' | 'user', index: number): string {
  return `${role}-${index}`;
}

/** `count` alert addresses drawn from `users` users (`user-0` ... `user-<users-1>`). */
export function randomTargets(random: () => number, count: number, users: number): string[] {
  return Array.from({ length: count }, () => subOf('user', Math.floor(random() * users)));
}
