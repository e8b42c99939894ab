import { authorize } from '../auth/guard.js';
import type { Principal } from '../auth/principal.js';
import { badInput } from '../errors.js';
import type { SessionUpdate } from '../events/types.js';
import type { DeviceInput, ReportSessionInput } from '../generated/graphql.js';
import type { Hub } from '../hub.js';
import { mayPublishEvents, mayTerminateSession } from '../policy/actions.js';
import type { Draft } from '../store/store.js';
import { decideAndPublish, stamp } from './event.js';
import { optionalText, requireId } from './validate.js';

function device(input: DeviceInput | null | undefined): SessionUpdate['device'] {
  if (input == null) return null;
  return {
    ip: optionalText(input.ip, 'input.device.ip', 100),
    location: optionalText(input.location, 'input.device.location', 200),
    deviceType: optionalText(input.deviceType, 'input.device.deviceType', 100),
    userAgent: optionalText(input.userAgent, 'input.device.userAgent', 500),
  };
}

/** Reports a session change seen by the login service. */
export async function reportSession(
  hub: Hub,
  principal: Principal,
  input: ReportSessionInput,
): Promise<SessionUpdate> {
  authorize(mayPublishEvents(principal), 'Only service and admin tokens may report sessions');
  const update: Draft<'sessionUpdates'> = {
    ...stamp(),
    sessionId: requireId(input.sessionId, 'input.sessionId'),
    userId: requireId(input.userId, 'input.userId'),
    status: input.status,
    device: device(input.device),
    terminatedBy: input.status === 'TERMINATED' ? principal.sub : null,
  };
  return hub.publish('sessionUpdates', update);
}

/** Terminates a known, live session. */
export async function terminateSession(
  hub: Hub,
  principal: Principal,
  sessionId: string,
): Promise<SessionUpdate> {
  const id = requireId(sessionId, 'sessionId');
  return decideAndPublish(async () => {
    const session = await hub.latest('sessionUpdates', id);
    if (!session) throw badInput(`No session ${sessionId} is known`, 'sessionId');
    authorize(
      mayTerminateSession(principal, session),
      'Only an admin or the session’s own user may terminate it',
    );
    if (session.status === 'TERMINATED')
      throw badInput(`Session ${sessionId} is already terminated`, 'sessionId');
    const update: Draft<'sessionUpdates'> = {
      ...stamp(),
      sessionId: session.sessionId,
      userId: session.userId,
      status: 'TERMINATED',
      device: session.device,
      terminatedBy: principal.sub,
    };
    return hub.publish('sessionUpdates', update, { expect: session.cursor });
  });
}
