import { useCallback, useState } from 'react';
import type { AlertFieldsFragment } from '../generated/graphql.js';
import { humanize } from '../ui/format.js';

/** Whether the browser can notify at all, and what the person decided. */
export type NotificationPermissionState = NotificationPermission | 'unsupported';

const supported = () => typeof window !== 'undefined' && 'Notification' in window;

/** Ids already announced: an alert is announced once, however it reaches the page again. */
const announced = new Set<string>();

/**
 * Shows a system notification for a CRITICAL alert, if the person allowed
 * notifications. Clicking it brings the dashboard to the front.
 */
export function notifyCritical(alert: AlertFieldsFragment): void {
  if (!supported() || Notification.permission !== 'granted' || announced.has(alert.id)) return;
  announced.add(alert.id);
  const notification = new Notification(`Critical alert: ${humanize(alert.type)}`, {
    body: [alert.message, alert.userId ? `User: ${alert.userId}` : null].filter(Boolean).join('\n'),
    tag: alert.id,
  });
  notification.onclick = () => window.focus();
}

/** The permission, and a way to ask for it (browsers require a click to ask). */
export function useNotificationPermission(): [NotificationPermissionState, () => void] {
  const [permission, setPermission] = useState<NotificationPermissionState>(() =>
    supported() ? Notification.permission : 'unsupported',
  );
  const request = useCallback(() => {
    if (!supported()) return;
    void Notification.requestPermission().then(setPermission);
  }, []);
  return [permission, request];
}
