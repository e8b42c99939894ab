import { authorize } from '../auth/guard.js';
import type { Principal } from '../auth/principal.js';
import type { RbacEvent } from '../events/types.js';
import type { PublishRbacEventInput } from '../generated/graphql.js';
import type { Hub } from '../hub.js';
import { mayPublishEvents } from '../policy/actions.js';
import type { Draft } from '../store/store.js';
import { stamp } from './event.js';
import { optionalId, optionalText, requireText } from './validate.js';

/** Publishes an RBAC event reported by IAM. */
export async function publishRbacEvent(
  hub: Hub,
  principal: Principal,
  input: PublishRbacEventInput,
): Promise<RbacEvent> {
  authorize(mayPublishEvents(principal), 'Only service and admin tokens may publish RBAC events');
  const event: Draft<'rbacEvents'> = {
    ...stamp(),
    type: input.type,
    actor: principal.sub,
    userId: optionalId(input.userId, 'input.userId'),
    roleName: optionalId(input.roleName, 'input.roleName'),
    resource: optionalText(input.resource, 'input.resource', 500),
    action: optionalText(input.action, 'input.action', 200),
    securityLevel: input.securityLevel ?? null,
    message: requireText(input.message, 'input.message'),
  };
  return hub.publish('rbacEvents', event);
}
