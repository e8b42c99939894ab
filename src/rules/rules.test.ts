import { describe, expect, it } from 'vitest';
import { DEFAULT_LOGIN_RULES, evaluateLoginAttempt, type FailureCounts } from './rules.js';

/** Which alerts a failed attempt completes, given the counts after it (defaults: 5 in 60 s; 3 users per IP). */

const failure = { userId: 'alice', ip: '10.0.0.7', success: false };
const counts = (userFailures: number, ipFailures: number, ipUsers: number): FailureCounts => ({
  userFailures,
  ipFailures,
  ipUsers,
});

describe('evaluateLoginAttempt', () => {
  // biome-ignore format: laid out as a table
  const ROWS: [name: string, counts: FailureCounts, expected: [type: string, keys: string[], userId: string | null, identifier: string][]][] = [
    ['the first failure',                         counts(1, 1, 1), []],
    ['four failures for one user',                counts(4, 4, 1), []],
    ['the fifth failure for one user and IP',     counts(5, 5, 1), [['BRUTE_FORCE', ['brute-force:user:alice', 'brute-force:ip:10.0.0.7'], 'alice', '10.0.0.7']]],
    ['the fifth for a user, from many IPs',       counts(5, 1, 1), [['BRUTE_FORCE', ['brute-force:user:alice'], 'alice', 'alice']]],
    ['the fifth from an IP, for many users',      counts(1, 5, 2), [['BRUTE_FORCE', ['brute-force:ip:10.0.0.7'], null, '10.0.0.7']]],
    ['the sixth (the rule already fired)',        counts(6, 6, 1), [['BRUTE_FORCE', ['brute-force:user:alice', 'brute-force:ip:10.0.0.7'], 'alice', '10.0.0.7']]],
    ['two users failing from one IP',             counts(1, 2, 2), []],
    ['a third user failing from one IP',          counts(1, 3, 3), [['SUSPICIOUS_LOGIN', ['suspicious-login:ip:10.0.0.7'], null, '10.0.0.7']]],
    ['five users failing from one IP',            counts(1, 5, 5), [
      ['BRUTE_FORCE', ['brute-force:ip:10.0.0.7'], null, '10.0.0.7'],
      ['SUSPICIOUS_LOGIN', ['suspicious-login:ip:10.0.0.7'], null, '10.0.0.7'],
    ]],
  ];

  it.each(ROWS)('%s → %j', (_name, after, expected) => {
    const findings = evaluateLoginAttempt(failure, after, DEFAULT_LOGIN_RULES);
    expect(findings.map((f) => [f.alert.type, f.keys, f.alert.userId, f.alert.identifier])).toEqual(expected);
  });

  it('a successful attempt raises nothing, whatever the counts', () => {
    expect(
      evaluateLoginAttempt({ ...failure, success: true }, counts(50, 50, 50), DEFAULT_LOGIN_RULES),
    ).toEqual([]);
  });

  it('BRUTE_FORCE is HIGH and SUSPICIOUS_LOGIN MEDIUM, each deduplicated for its own window', () => {
    const settings = { ...DEFAULT_LOGIN_RULES, bruteForceWindowMs: 30_000, suspiciousLoginWindowMs: 300_000 };
    const [bruteForce, suspicious] = evaluateLoginAttempt(failure, counts(5, 5, 3), settings);
    expect(bruteForce).toMatchObject({ alert: { type: 'BRUTE_FORCE', severity: 'HIGH' }, windowMs: 30_000 });
    expect(suspicious).toMatchObject({
      alert: { type: 'SUSPICIOUS_LOGIN', severity: 'MEDIUM' },
      windowMs: 300_000,
    });
  });

  it('says what happened in the message and the details', () => {
    const [finding] = evaluateLoginAttempt(failure, counts(5, 5, 1), DEFAULT_LOGIN_RULES);
    expect(finding?.alert.message).toBe('5 failed logins for alice within 60 s (5 from 10.0.0.7)');
    expect(finding?.alert.details).toEqual({
      rule: 'failures-per-user-and-ip',
      userFailures: 5,
      ipFailures: 5,
      threshold: 5,
      windowSeconds: 60,
      lastUserId: 'alice',
      lastIp: '10.0.0.7',
    });
  });

  // biome-ignore format: laid out as a table
  const THRESHOLDS: [threshold: number, users: number, after: FailureCounts, types: string[]][] = [
    [10, 3, counts(9, 9, 1),  []],
    [10, 3, counts(10, 1, 1), ['BRUTE_FORCE']],
    [2,  5, counts(2, 2, 4),  ['BRUTE_FORCE']],
    [20, 5, counts(1, 5, 5),  ['SUSPICIOUS_LOGIN']],
  ];

  it.each(THRESHOLDS)('threshold %i, %i users: %j → %j', (threshold, users, after, types) => {
    const settings = { ...DEFAULT_LOGIN_RULES, bruteForceThreshold: threshold, suspiciousLoginUsers: users };
    expect(evaluateLoginAttempt(failure, after, settings).map((f) => f.alert.type)).toEqual(types);
  });
});
