import type { Principal, Role } from '../../src/auth/principal.js';
import type {
  RbacEvent,
  RecoveryUpdate,
  SecurityAlert,
  SessionUpdate,
  ToolAccessEvent,
} from '../../src/events/types.js';

/**
 * Event and principal factories for the pure policy tables: complete, valid
 * values whose every field a test can override. Defaults are neutral (nobody's
 * event, no user); each table says what matters to it.
 */

const CREATED_AT = '2026-01-01T00:00:00.000Z';
const CURSOR = '0000000000000000.1.1';

/** A principal with these roles; `sub` defaults to alice. */
export const principal = (
  roles: readonly Role[],
  sub = 'alice',
  over: Partial<Principal> = {},
): Principal => ({
  sub,
  roles,
  sessionId: null,
  exp: 4_102_444_800,
  iat: null,
  ...over,
});

export const alert = (over: Partial<SecurityAlert> = {}): SecurityAlert => ({
  id: 'alert-1',
  type: 'BRUTE_FORCE',
  severity: 'HIGH',
  message: '5 failed logins',
  userId: null,
  source: 'fire_wall',
  identifier: '10.0.0.7',
  details: null,
  mitigation: null,
  raisedBy: 'login-service',
  createdAt: CREATED_AT,
  cursor: CURSOR,
  acknowledgement: null,
  ...over,
});

export const session = (over: Partial<SessionUpdate> = {}): SessionUpdate => ({
  id: 'session-update-1',
  sessionId: 's1',
  userId: 'nobody',
  status: 'CONNECTED',
  device: null,
  terminatedBy: null,
  createdAt: CREATED_AT,
  cursor: CURSOR,
  ...over,
});

export const toolEvent = (over: Partial<ToolAccessEvent> = {}): ToolAccessEvent => ({
  id: 'tool-1',
  toolId: 'payroll',
  userId: 'nobody',
  action: 'REQUESTED',
  dataPoints: [],
  actor: 'api-gateway',
  reason: null,
  createdAt: CREATED_AT,
  cursor: CURSOR,
  ...over,
});

export const recovery = (over: Partial<RecoveryUpdate> = {}): RecoveryUpdate => ({
  id: 'recovery-update-1',
  requestId: 'r1',
  userId: 'nobody',
  status: 'PENDING',
  method: 'CUSTODIAN',
  custodians: [],
  approvals: [],
  approvalCount: 0,
  threshold: 1,
  decidedBy: null,
  reason: null,
  requestedBy: over.userId ?? 'nobody',
  createdAt: CREATED_AT,
  cursor: CURSOR,
  ...over,
});

export const rbac = (over: Partial<RbacEvent> = {}): RbacEvent => ({
  id: 'rbac-1',
  type: 'ROLE_ASSIGNED',
  userId: null,
  actor: 'iam',
  roleName: null,
  resource: null,
  action: null,
  securityLevel: null,
  message: 'something changed',
  createdAt: CREATED_AT,
  cursor: CURSOR,
  ...over,
});
