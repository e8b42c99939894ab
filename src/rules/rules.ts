import type { SecurityAlert } from '../events/types.js';

/**
 * The rules that turn reported login attempts into alerts, as pure decisions:
 * given what the counters say after a failed attempt, which alerts are due.
 * Counting (src/rules/counters.ts) and raising (src/rules/login-attempts.ts)
 * happen elsewhere, so these can be tested as tables.
 */

/** Thresholds and windows of the login rules (BRUTE_FORCE_*, SUSPICIOUS_LOGIN_* variables). */
export interface LoginRuleSettings {
  /** Failures for one user, or from one IP, that raise a BRUTE_FORCE alert. */
  bruteForceThreshold: number;
  /** The window those failures are counted in, in milliseconds; also one alert per key per window. */
  bruteForceWindowMs: number;
  /** Distinct users failing from one IP that raise a SUSPICIOUS_LOGIN alert. */
  suspiciousLoginUsers: number;
  /** The window those users are counted in, in milliseconds; also one alert per IP per window. */
  suspiciousLoginWindowMs: number;
}

/** The defaults: 5 failures in 60 s; failures for 3 users from one IP in 60 s. */
export const DEFAULT_LOGIN_RULES: LoginRuleSettings = {
  bruteForceThreshold: 5,
  bruteForceWindowMs: 60_000,
  suspiciousLoginUsers: 3,
  suspiciousLoginWindowMs: 60_000,
};

/** A login attempt as the login service reports it. */
export interface LoginAttempt {
  userId: string;
  ip: string;
  success: boolean;
}

/** What the counters hold right after recording a failed attempt, each within its rule's window. */
export interface FailureCounts {
  /** Failures for this user, from any IP, within the brute-force window. */
  userFailures: number;
  /** Failures from this IP, for any user, within the brute-force window. */
  ipFailures: number;
  /** Distinct users with failures from this IP within the suspicious-login window. */
  ipUsers: number;
}

/** An alert draft's rule-specific fields. */
export type RuleAlert = Pick<SecurityAlert, 'type' | 'severity' | 'message' | 'userId' | 'identifier'> & {
  details: Record<string, unknown>;
};

/** An alert a rule wants raised, and what makes it one per window rather than one per attempt. */
export interface RuleFinding {
  alert: RuleAlert;
  /**
   * Keys claimed for `windowMs` when the alert is raised. It is raised only if
   * at least one of them was not claimed yet: a brute force seen both per user
   * and per IP is one alert, and later attempts in the window add none.
   */
  keys: string[];
  windowMs: number;
}

const seconds = (ms: number) => Math.round(ms / 1000);

/**
 * The alerts due after a failed attempt: BRUTE_FORCE (HIGH) when the user's
 * or the IP's failures reach the threshold, SUSPICIOUS_LOGIN (MEDIUM) when
 * failures from the IP span enough distinct users. A successful attempt is
 * never counted and raises nothing.
 */
export function evaluateLoginAttempt(
  attempt: LoginAttempt,
  counts: FailureCounts,
  settings: LoginRuleSettings,
): RuleFinding[] {
  if (attempt.success) return [];
  const findings: RuleFinding[] = [];
  const byUser = counts.userFailures >= settings.bruteForceThreshold;
  const byIp = counts.ipFailures >= settings.bruteForceThreshold;
  if (byUser || byIp) {
    const window = `within ${seconds(settings.bruteForceWindowMs)} s`;
    const keys = [
      ...(byUser ? [`brute-force:user:${attempt.userId}`] : []),
      ...(byIp ? [`brute-force:ip:${attempt.ip}`] : []),
    ];
    const message = byUser
      ? `${counts.userFailures} failed logins for ${attempt.userId} ${window}${byIp ? ` (${counts.ipFailures} from ${attempt.ip})` : ''}`
      : `${counts.ipFailures} failed logins from ${attempt.ip} ${window}`;
    findings.push({
      alert: {
        type: 'BRUTE_FORCE',
        severity: 'HIGH',
        message,
        // Per user, the alert is about that user (who then sees it); per IP alone, about no one user.
        userId: byUser ? attempt.userId : null,
        identifier: byIp ? attempt.ip : attempt.userId,
        details: {
          rule: byUser ? (byIp ? 'failures-per-user-and-ip' : 'failures-per-user') : 'failures-per-ip',
          userFailures: counts.userFailures,
          ipFailures: counts.ipFailures,
          threshold: settings.bruteForceThreshold,
          windowSeconds: seconds(settings.bruteForceWindowMs),
          lastUserId: attempt.userId,
          lastIp: attempt.ip,
        },
      },
      keys,
      windowMs: settings.bruteForceWindowMs,
    });
  }
  if (counts.ipUsers >= settings.suspiciousLoginUsers) {
    findings.push({
      alert: {
        type: 'SUSPICIOUS_LOGIN',
        severity: 'MEDIUM',
        message: `Failed logins for ${counts.ipUsers} different users from ${attempt.ip} within ${seconds(settings.suspiciousLoginWindowMs)} s`,
        userId: null,
        identifier: attempt.ip,
        details: {
          rule: 'users-per-ip',
          users: counts.ipUsers,
          threshold: settings.suspiciousLoginUsers,
          windowSeconds: seconds(settings.suspiciousLoginWindowMs),
          lastUserId: attempt.userId,
          lastIp: attempt.ip,
        },
      },
      keys: [`suspicious-login:ip:${attempt.ip}`],
      windowMs: settings.suspiciousLoginWindowMs,
    });
  }
  return findings;
}
