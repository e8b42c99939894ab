import { authorize } from '../auth/guard.js';
import type { Principal } from '../auth/principal.js';
import { badInput } from '../errors.js';
import type { SecurityAlert } from '../events/types.js';
import type { RaiseAlertInput } from '../generated/graphql.js';
import type { Hub } from '../hub.js';
import { mayAcknowledgeAlert, mayPublishEvents } from '../policy/actions.js';
import type { Draft } from '../store/store.js';
import { decideAndPublish, stamp } from './event.js';
import { optionalDetails, optionalId, optionalText, requireId, requireText } from './validate.js';

/** Raises an alert: validated, then published to every subscriber in scope. */
export async function raiseAlert(
  hub: Hub,
  principal: Principal,
  input: RaiseAlertInput,
): Promise<SecurityAlert> {
  authorize(mayPublishEvents(principal), 'Only service and admin tokens may raise alerts');
  const alert: Draft<'securityAlerts'> = {
    ...stamp(),
    type: input.type,
    severity: input.severity,
    message: requireText(input.message, 'input.message'),
    userId: optionalId(input.userId, 'input.userId'),
    source: optionalId(input.source, 'input.source'),
    identifier: optionalId(input.identifier, 'input.identifier'),
    details: optionalDetails(input.details, 'input.details'),
    mitigation: optionalText(input.mitigation, 'input.mitigation'),
    raisedBy: principal.sub,
    acknowledgement: null,
  };
  return hub.publish('securityAlerts', alert);
}

/** Acknowledges a retained alert once, and publishes the updated alert. */
export async function acknowledgeAlert(
  hub: Hub,
  principal: Principal,
  id: string,
  note: string | null | undefined,
): Promise<SecurityAlert> {
  authorize(mayAcknowledgeAlert(principal), 'Only officers and admins may acknowledge alerts');
  const alertId = requireId(id, 'id');
  const acknowledgement = { by: principal.sub, at: '', note: optionalText(note, 'note') };
  return decideAndPublish(async () => {
    const alert = await hub.latest('securityAlerts', alertId);
    if (!alert) throw badInput(`No alert ${id} is known (it may be older than the retained history)`, 'id');
    if (alert.acknowledgement) {
      throw badInput(`Alert ${id} was already acknowledged by ${alert.acknowledgement.by}`, 'id');
    }
    const { cursor, ...current } = alert;
    const acknowledged: Draft<'securityAlerts'> = {
      ...current,
      acknowledgement: { ...acknowledgement, at: new Date().toISOString() },
    };
    // Conditional on the state read above: of two concurrent acknowledgements, one wins.
    return hub.publish('securityAlerts', acknowledged, { expect: cursor });
  });
}
