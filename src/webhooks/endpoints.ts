import { badInput } from '../errors.js';
import type { SecurityAlert } from '../events/types.js';
import type { AlertType, Severity } from '../generated/graphql.js';
import { atLeast } from '../policy/filters.js';

/** A registered webhook endpoint, as stored. Its secret never leaves the server except as signatures. */
export interface WebhookEndpoint {
  id: string;
  url: string;
  secret: string;
  /** Alerts below this severity are not sent. */
  minSeverity: Severity;
  /** Alert kinds sent; empty: every kind. */
  types: AlertType[];
  createdBy: string;
  createdAt: string;
}

/** An endpoint as the API shows it: everything but the secret. */
export type PublicWebhookEndpoint = Omit<WebhookEndpoint, 'secret'>;

/** Where a delivery stands. */
export type DeliveryStatus = 'PENDING' | 'RETRYING' | 'DELIVERED' | 'FAILED';

/** One alert's delivery to one endpoint: claimed by one instance, then updated after every attempt. */
export interface WebhookDelivery {
  /** `<endpoint id>:<alert id>`; also sent as the `X-Hub-Delivery` header. */
  id: string;
  endpointId: string;
  alertId: string;
  status: DeliveryStatus;
  attempts: number;
  /** The receiver's last HTTP status, if it answered. */
  lastStatusCode: number | null;
  /** Why the last attempt failed (`HTTP 500`, `timeout`, `ECONNREFUSED`...). */
  lastError: string | null;
  createdAt: string;
  updatedAt: string;
  /** When the next attempt is due, while RETRYING. */
  nextAttemptAt: string | null;
  deliveredAt: string | null;
}

/** The id of an alert's delivery to an endpoint. */
export const deliveryIdOf = (endpointId: string, alertId: string) => `${endpointId}:${alertId}`;

/** The endpoint without its secret. */
export function publicEndpoint({ secret: _secret, ...endpoint }: WebhookEndpoint): PublicWebhookEndpoint {
  return endpoint;
}

/**
 * True when the alert goes to the endpoint: newly raised (an acknowledgement
 * re-publishes the same alert, which was sent already), at least the
 * endpoint's severity, and of one of its kinds if it lists any.
 */
export function shouldDeliver(
  endpoint: Pick<WebhookEndpoint, 'minSeverity' | 'types'>,
  alert: SecurityAlert,
) {
  return (
    alert.acknowledgement === null &&
    atLeast(alert.severity, endpoint.minSeverity) &&
    (endpoint.types.length === 0 || endpoint.types.includes(alert.type))
  );
}

/** Longest URL accepted. */
const MAX_URL_LENGTH = 2048;

/**
 * A webhook URL: absolute http or https, no user name or password (the URL is
 * shown to admins and logged by receivers' proxies; the secret is the
 * credential). Returns it normalised; throws BAD_USER_INPUT.
 */
export function requireWebhookUrl(value: string, field: string): string {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw badInput(`${field} must be an absolute http:// or https:// URL`, field);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw badInput(`${field} must be an http:// or https:// URL`, field);
  }
  if (url.username || url.password) {
    throw badInput(`${field} must not carry a user name or password; the secret authenticates`, field);
  }
  if (url.href.length > MAX_URL_LENGTH)
    throw badInput(`${field} must be at most ${MAX_URL_LENGTH} characters`, field);
  url.hash = '';
  return url.href;
}

/** A signing secret: 16 to 256 printable ASCII characters. */
export function requireWebhookSecret(value: string, field: string): string {
  if (!/^[\x21-\x7e]{16,256}$/.test(value)) {
    throw badInput(`${field} must be 16 to 256 printable characters without spaces`, field);
  }
  return value;
}
