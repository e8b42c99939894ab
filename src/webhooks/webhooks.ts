import { randomUUID } from 'node:crypto';
import { authorize } from '../auth/guard.js';
import { hasRole, type Principal } from '../auth/principal.js';
import { badInput, unavailableOnFailure } from '../errors.js';
import type { AlertType, Severity } from '../generated/graphql.js';
import { optionalId, requireId, requireLimit } from '../publish/validate.js';
import {
  type PublicWebhookEndpoint,
  publicEndpoint,
  requireWebhookSecret,
  requireWebhookUrl,
  type WebhookDelivery,
} from './endpoints.js';
import type { WebhookStore } from './store.js';

/** Endpoints one deployment may register. */
export const MAX_ENDPOINTS = 100;

/** What an admin registers. */
export interface WebhookRegistration {
  url: string;
  secret: string;
  minSeverity?: Severity | null;
  types?: readonly AlertType[] | null;
}

/** The admin API of webhooks: register, list and remove endpoints, and follow deliveries. Admin only. */
export interface Webhooks {
  register(principal: Principal, input: WebhookRegistration): Promise<PublicWebhookEndpoint>;
  /** Resolves to false if there was no such endpoint. Its pending retries end as FAILED. */
  remove(principal: Principal, id: string): Promise<boolean>;
  endpoints(principal: Principal): Promise<PublicWebhookEndpoint[]>;
  /** Delivery records, newest first. */
  deliveries(
    principal: Principal,
    args: { endpointId?: string | null; alertId?: string | null; limit?: number | null },
  ): Promise<WebhookDelivery[]>;
}

const requireAdmin = (principal: Principal) =>
  authorize(hasRole(principal, 'admin'), 'Only admins may manage webhooks');

/** Store failures become UNAVAILABLE; API errors pass through. */
const guarded = <T>(operation: () => Promise<T>) =>
  unavailableOnFailure(
    'The webhook store is unavailable; nothing was changed. Try again shortly.',
    operation,
  );

/** The admin API over a webhook store (memory or Redis). */
export function createWebhooks(store: WebhookStore): Webhooks {
  return {
    register: (principal, input) =>
      guarded(async () => {
        requireAdmin(principal);
        const types = [...new Set(input.types ?? [])];
        const endpoint = {
          id: randomUUID(),
          url: requireWebhookUrl(input.url, 'input.url'),
          secret: requireWebhookSecret(input.secret, 'input.secret'),
          minSeverity: input.minSeverity ?? 'LOW',
          types,
          createdBy: principal.sub,
          createdAt: new Date().toISOString(),
        };
        if ((await store.endpoints()).length >= MAX_ENDPOINTS) {
          throw badInput(`At most ${MAX_ENDPOINTS} webhook endpoints may be registered`, 'input');
        }
        await store.addEndpoint(endpoint);
        return publicEndpoint(endpoint);
      }),
    remove: (principal, id) =>
      guarded(async () => {
        requireAdmin(principal);
        return store.removeEndpoint(requireId(id, 'id'));
      }),
    endpoints: (principal) =>
      guarded(async () => {
        requireAdmin(principal);
        return (await store.endpoints()).map(publicEndpoint);
      }),
    deliveries: (principal, args) =>
      guarded(async () => {
        requireAdmin(principal);
        const filter = {
          endpointId: optionalId(args.endpointId, 'endpointId'),
          alertId: optionalId(args.alertId, 'alertId'),
        };
        return store.deliveries(filter, requireLimit(args.limit));
      }),
  };
}
