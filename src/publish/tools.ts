import { authorize } from '../auth/guard.js';
import type { Principal } from '../auth/principal.js';
import type { ToolAccessEvent } from '../events/types.js';
import type { ToolAccessAction, ToolAccessInput } from '../generated/graphql.js';
import type { Hub } from '../hub.js';
import { mayChangeToolAccess, mayPublishEvents, mayRequestFor } from '../policy/actions.js';
import type { Draft } from '../store/store.js';
import { stamp } from './event.js';
import { idList, optionalText, requireId } from './validate.js';

/** Who may record each tool-access action, and the refusal they get otherwise. */
const RULES: Record<
  ToolAccessAction,
  { allowed: (p: Principal, userId: string) => boolean; refusal: string }
> = {
  REQUESTED: {
    allowed: mayRequestFor,
    refusal: 'Only the user themself or a service may request tool access',
  },
  GRANTED: { allowed: mayChangeToolAccess, refusal: 'Only admins may grant tool access' },
  REVOKED: { allowed: mayChangeToolAccess, refusal: 'Only admins may revoke tool access' },
  BLOCKED: { allowed: mayPublishEvents, refusal: 'Only service and admin tokens may report blocked access' },
};

/** Records a tool-access change of the given kind and publishes it. */
export async function changeToolAccess(
  hub: Hub,
  principal: Principal,
  action: ToolAccessAction,
  input: ToolAccessInput,
): Promise<ToolAccessEvent> {
  const userId = requireId(input.userId, 'input.userId');
  const rule = RULES[action];
  authorize(rule.allowed(principal, userId), rule.refusal);
  const event: Draft<'toolAccessEvents'> = {
    ...stamp(),
    toolId: requireId(input.toolId, 'input.toolId'),
    userId,
    action,
    dataPoints: idList(input.dataPoints, 'input.dataPoints'),
    actor: principal.sub,
    reason: optionalText(input.reason, 'input.reason'),
  };
  return hub.publish('toolAccessEvents', event);
}
