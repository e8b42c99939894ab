import type { Logger } from 'pino';
import type { SecurityAlert } from '../events/types.js';
import type { Hub } from '../hub.js';
import { deliveryIdOf, shouldDeliver, type WebhookDelivery, type WebhookEndpoint } from './endpoints.js';
import { SIGNATURE_HEADER, signWebhook } from './signature.js';
import type { WebhookStore } from './store.js';

/** Retries and timeouts of webhook deliveries (WEBHOOK_* variables). */
export interface WebhookSettings {
  /** Delay before the first retry, in ms; each further retry waits twice as long (capped at 15 minutes). */
  retryBaseMs: number;
  /** Attempts per delivery, the first included; after the last failure the delivery is FAILED. */
  maxAttempts: number;
  /** How long one attempt may take, in ms. */
  timeoutMs: number;
}

/** What a delivery attempt came to, for metrics. */
export type AttemptOutcome = 'delivered' | 'retrying' | 'failed';

/** Options of the dispatcher. */
export interface DispatcherOptions {
  hub: Hub;
  store: WebhookStore;
  settings: WebhookSettings;
  logger: Logger;
  /** Called after each attempt (metrics). */
  onAttempt?: (outcome: AttemptOutcome) => void;
}

/** The longest wait between two attempts. */
const MAX_RETRY_DELAY_MS = 15 * 60_000;

/** Requests in flight at once per instance; further deliveries wait their turn. */
const MAX_CONCURRENT_REQUESTS = 16;

/** The JSON body POSTed to an endpoint. */
export interface WebhookPayload {
  event: 'security_alert';
  deliveryId: string;
  alert: SecurityAlert;
}

/** The wait before attempt `attempt + 1`: base × 2^(attempt-1), capped, plus up to 10% jitter. */
export function retryDelayMs(
  settings: Pick<WebhookSettings, 'retryBaseMs'>,
  attempt: number,
  random = Math.random(),
) {
  const delay = Math.min(settings.retryBaseMs * 2 ** (attempt - 1), MAX_RETRY_DELAY_MS);
  // Jitter spreads the retries of many alerts against a receiver that is coming back.
  return Math.round(delay * (1 + random / 10));
}

/** A short reason for a failed request, never a URL's query or a header. */
function failureOf(error: unknown, timedOut: boolean): string {
  if (timedOut) return 'timeout';
  const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
  const reason = cause?.code ?? cause?.message ?? (error as Error).message ?? String(error);
  return String(reason).slice(0, 200);
}

/**
 * Sends newly raised alerts to the registered endpoints that want them. Every
 * instance listens to the alerts; for each matching endpoint, the one instance
 * whose claim on the delivery record wins POSTs it, signed (X-Hub-Signature),
 * and retries with exponential backoff on a non-2xx answer, a network error or
 * a timeout, updating the record after each attempt. At most once per endpoint
 * per alert: a claim is never taken over, so deliveries pending on an instance
 * that stops are left RETRYING rather than risk a second copy.
 */
export function startWebhookDispatcher(options: DispatcherOptions): { close(): Promise<void> } {
  const { hub, store, settings, logger, onAttempt } = options;
  const timers = new Set<NodeJS.Timeout>();
  const inFlight = new Set<AbortController>();
  const waiting: (() => void)[] = [];
  let running = 0;
  let closed = false;

  /** Runs `task` when fewer than MAX_CONCURRENT_REQUESTS are running. */
  const throttled = async <T>(task: () => Promise<T>): Promise<T> => {
    if (running >= MAX_CONCURRENT_REQUESTS) await new Promise<void>((resolve) => waiting.push(resolve));
    running++;
    try {
      return await task();
    } finally {
      running--;
      waiting.shift()?.();
    }
  };

  const post = async (endpoint: WebhookEndpoint, delivery: WebhookDelivery, body: string) => {
    if (closed) return { status: null, error: 'shutting down' };
    const abort = new AbortController();
    inFlight.add(abort);
    const timer = setTimeout(() => abort.abort(), settings.timeoutMs);
    try {
      const response = await fetch(endpoint.url, {
        method: 'POST',
        // A redirect is a failure: the receiver's URL is the one an admin registered.
        redirect: 'manual',
        signal: abort.signal,
        headers: {
          'content-type': 'application/json',
          'user-agent': 'security-event-hub-webhooks',
          'x-hub-event': 'security_alert',
          'x-hub-delivery': delivery.id,
          'x-hub-attempt': String(delivery.attempts + 1),
          [SIGNATURE_HEADER]: signWebhook(endpoint.secret, body, Math.floor(Date.now() / 1000)),
        },
        body,
      });
      await response.body?.cancel().catch(() => undefined);
      return { status: response.status, error: response.ok ? null : `HTTP ${response.status}` };
    } catch (error) {
      return { status: null, error: failureOf(error, abort.signal.aborted && !closed) };
    } finally {
      clearTimeout(timer);
      inFlight.delete(abort);
    }
  };

  /**
   * One attempt. The first gets the endpoint the alert was matched against; a retry re-reads it,
   * since it may have been removed (or its secret replaced) meanwhile.
   */
  const attempt = async (
    endpointId: string,
    delivery: WebhookDelivery,
    body: string,
    matched?: WebhookEndpoint,
  ): Promise<void> => {
    if (closed) return;
    const endpoint = matched ?? (await store.endpoints()).find((e) => e.id === endpointId);
    const now = () => new Date().toISOString();
    if (!endpoint) {
      await store.updateDelivery({
        ...delivery,
        status: 'FAILED',
        lastError: 'endpoint removed',
        nextAttemptAt: null,
        updatedAt: now(),
      });
      return;
    }
    const result = await throttled(() => post(endpoint, delivery, body));
    if (closed) return;
    const attempts = delivery.attempts + 1;
    const base = { ...delivery, attempts, lastStatusCode: result.status, updatedAt: now() };
    let next: WebhookDelivery;
    let retryIn: number | null = null;
    if (result.error === null) {
      next = {
        ...base,
        status: 'DELIVERED',
        lastError: null,
        nextAttemptAt: null,
        deliveredAt: base.updatedAt,
      };
    } else if (attempts >= settings.maxAttempts) {
      next = { ...base, status: 'FAILED', lastError: result.error, nextAttemptAt: null };
    } else {
      retryIn = retryDelayMs(settings, attempts);
      next = {
        ...base,
        status: 'RETRYING',
        lastError: result.error,
        nextAttemptAt: new Date(Date.now() + retryIn).toISOString(),
      };
    }
    // Recorded before the retry is armed, so records only move forward; a retry is armed even if
    // recording failed (Redis blip), since this instance owns the delivery either way.
    await store.updateDelivery(next).catch(report(next));
    if (retryIn !== null && !closed) {
      const timer = setTimeout(() => {
        timers.delete(timer);
        void attempt(endpointId, next, body).catch(report(next));
      }, retryIn);
      timers.add(timer);
    }
    onAttempt?.(next.status.toLowerCase() as AttemptOutcome);
    logger.info(
      {
        webhook: endpointId,
        delivery: next.id,
        status: next.status,
        attempts,
        statusCode: result.status,
        error: result.error,
      },
      'webhook attempt',
    );
  };

  const report = (delivery: Pick<WebhookDelivery, 'id'>) => (error: unknown) =>
    logger.warn({ delivery: delivery.id, error: String(error) }, 'webhook delivery could not be recorded');

  const onAlert = async (alert: SecurityAlert) => {
    const endpoints = (await store.endpoints()).filter((endpoint) => shouldDeliver(endpoint, alert));
    for (const endpoint of endpoints) {
      const createdAt = new Date().toISOString();
      const delivery: WebhookDelivery = {
        id: deliveryIdOf(endpoint.id, alert.id),
        endpointId: endpoint.id,
        alertId: alert.id,
        status: 'PENDING',
        attempts: 0,
        lastStatusCode: null,
        lastError: null,
        createdAt,
        updatedAt: createdAt,
        nextAttemptAt: null,
        deliveredAt: null,
      };
      if (!(await store.claimDelivery(delivery))) continue;
      const payload: WebhookPayload = { event: 'security_alert', deliveryId: delivery.id, alert };
      void attempt(endpoint.id, delivery, JSON.stringify(payload), endpoint).catch(report(delivery));
    }
  };

  const stopListening = hub.listen('securityAlerts', (alert) => {
    // Which alerts go where (never an acknowledgement's re-publication) is shouldDeliver's decision.
    if (closed) return;
    onAlert(alert).catch((error: unknown) =>
      logger.warn({ alert: alert.id, error: String(error) }, 'webhooks for an alert could not be started'),
    );
  });

  return {
    async close() {
      closed = true;
      stopListening();
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      for (const abort of inFlight) abort.abort();
      for (const resolve of waiting.splice(0)) resolve();
    },
  };
}
