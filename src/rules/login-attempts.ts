import { isIP } from 'node:net';
import { authorize } from '../auth/guard.js';
import type { Principal } from '../auth/principal.js';
import { badInput, unavailableOnFailure } from '../errors.js';
import type { SecurityAlert } from '../events/types.js';
import type { Hub } from '../hub.js';
import { mayPublishEvents } from '../policy/actions.js';
import { stamp } from '../publish/event.js';
import { requireId } from '../publish/validate.js';
import type { LoginCounters } from './counters.js';
import {
  evaluateLoginAttempt,
  type LoginAttempt,
  type LoginRuleSettings,
  type RuleFinding,
} from './rules.js';

/** The detecting system named in the alerts the rules raise. */
export const RULES_SOURCE = 'login-rules';

/** Turns reported login attempts into alerts. */
export interface LoginRules {
  /**
   * Records an attempt (service, admin) and raises the alerts it completes;
   * resolves to them (usually none). Rejects FORBIDDEN, BAD_USER_INPUT, or
   * UNAVAILABLE when the counters' store is down.
   */
  report(principal: Principal, attempt: LoginAttempt): Promise<SecurityAlert[]>;
}

/** Options of the login rules. */
export interface LoginRulesOptions {
  hub: Hub;
  counters: LoginCounters;
  settings: LoginRuleSettings;
  /** Called for each alert raised, by rule (metrics). */
  onAlert?: (type: SecurityAlert['type']) => void;
  /** Called for each attempt recorded (metrics). */
  onAttempt?: (success: boolean) => void;
}

/** Counter failures become UNAVAILABLE. */
const counting = <T>(operation: () => Promise<T>) =>
  unavailableOnFailure(
    'The alert rules cannot count attempts right now (their store is down). Try again shortly.',
    operation,
  );

/** The login rules over counters (memory or Redis) and the hub. */
export function createLoginRules({
  hub,
  counters,
  settings,
  onAlert,
  onAttempt,
}: LoginRulesOptions): LoginRules {
  /** Raises the finding's alert unless its window already has one. */
  const raise = async (principal: Principal, finding: RuleFinding): Promise<SecurityAlert | null> => {
    const first = await counting(() => counters.claim(finding.keys, finding.windowMs));
    if (!first) return null;
    const alert = await hub.publish('securityAlerts', {
      ...stamp(),
      ...finding.alert,
      source: RULES_SOURCE,
      mitigation: null,
      raisedBy: principal.sub,
      acknowledgement: null,
    });
    onAlert?.(alert.type);
    return alert;
  };

  return {
    async report(principal, input) {
      authorize(mayPublishEvents(principal), 'Only service and admin tokens may report login attempts');
      const attempt: LoginAttempt = {
        userId: requireId(input.userId, 'input.userId'),
        // IPv6 in one spelling's case, so one address is one counter.
        ip: input.ip.trim().toLowerCase(),
        success: input.success,
      };
      if (isIP(attempt.ip) === 0) throw badInput('input.ip must be an IPv4 or IPv6 address', 'input.ip');
      onAttempt?.(attempt.success);
      if (attempt.success) return [];
      const counts = await counting(() =>
        counters.recordFailure(attempt, Date.now(), {
          bruteForceMs: settings.bruteForceWindowMs,
          suspiciousMs: settings.suspiciousLoginWindowMs,
        }),
      );
      const raised: SecurityAlert[] = [];
      for (const finding of evaluateLoginAttempt(attempt, counts, settings)) {
        const alert = await raise(principal, finding);
        if (alert) raised.push(alert);
      }
      return raised;
    },
  };
}
