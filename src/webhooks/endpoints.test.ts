import { describe, expect, it } from 'vitest';
import { alert } from '../../test/support/fixtures.js';
import type { AlertType, Severity } from '../generated/graphql.js';
import { retryDelayMs } from './dispatcher.js';
import { requireWebhookSecret, requireWebhookUrl, shouldDeliver } from './endpoints.js';

/** Which alerts go to an endpoint, which URLs and secrets are accepted, and how retries back off. */

describe('shouldDeliver', () => {
  const acknowledged = { by: 'olga', at: '2026-01-01T00:00:00.000Z', note: null };
  // biome-ignore format: laid out as a table
  const ROWS: [name: string, minSeverity: Severity, types: AlertType[], over: Parameters<typeof alert>[0], expected: boolean][] = [
    ['any alert to a catch-all endpoint',     'LOW',      [],                              {},                                      true],
    ['HIGH to a HIGH endpoint',               'HIGH',     [],                              { severity: 'HIGH' },                    true],
    ['CRITICAL to a HIGH endpoint',           'HIGH',     [],                              { severity: 'CRITICAL' },                true],
    ['MEDIUM to a HIGH endpoint',             'HIGH',     [],                              { severity: 'MEDIUM' },                  false],
    ['a listed kind',                         'LOW',      ['BRUTE_FORCE', 'DDOS'],         { type: 'DDOS' },                        true],
    ['an unlisted kind',                      'LOW',      ['DDOS'],                        { type: 'BRUTE_FORCE' },                 false],
    ['an acknowledgement (sent already)',     'LOW',      [],                              { acknowledgement: acknowledged },       false],
  ];

  it.each(ROWS)('%s → %s', (_name, minSeverity, types, over, expected) => {
    expect(shouldDeliver({ minSeverity, types }, alert(over))).toBe(expected);
  });
});

describe('requireWebhookUrl', () => {
  // biome-ignore format: laid out as a table
  const ACCEPTED: [url: string, normalised: string][] = [
    ['https://hooks.example.com/security',      'https://hooks.example.com/security'],
    ['http://127.0.0.1:9000/hook?x=1',          'http://127.0.0.1:9000/hook?x=1'],
    ['  https://EXAMPLE.com/a#fragment ',       'https://example.com/a'],
  ];
  it.each(ACCEPTED)('accepts %s as %s', (url, normalised) => {
    expect(requireWebhookUrl(url, 'input.url')).toBe(normalised);
  });

  const REFUSED = [
    'hooks.example.com/security',
    'ftp://hooks.example.com/',
    'file:///etc/passwd',
    'javascript:alert(1)',
    'https://user:pass@hooks.example.com/',
    `https://example.com/${'a'.repeat(2100)}`,
  ];
  it.each(REFUSED)('refuses %s with BAD_USER_INPUT naming input.url', (url) => {
    expect(() => requireWebhookUrl(url, 'input.url')).toThrow(
      expect.objectContaining({
        extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', field: 'input.url' }),
      }),
    );
  });
});

describe('requireWebhookSecret', () => {
  it.each(['0123456789abcdef', 'x'.repeat(256)])('accepts %s', (secret) => {
    expect(requireWebhookSecret(secret, 'input.secret')).toBe(secret);
  });
  it.each(['short', 'x'.repeat(257), 'sixteen chars but spaces'])('refuses %s', (secret) => {
    expect(() => requireWebhookSecret(secret, 'input.secret')).toThrow(/input.secret/);
  });
});

describe('retryDelayMs', () => {
  // biome-ignore format: laid out as a table
  const ROWS: [base: number, attempt: number, random: number, expected: number][] = [
    [1000, 1, 0,   1000],
    [1000, 2, 0,   2000],
    [1000, 3, 0,   4000],
    [1000, 3, 1,   4400],
    [50,   2, 0.5, 105],
    [1000, 30, 0,  900_000],
  ];
  it.each(ROWS)('base %i, after attempt %i, jitter %f → %i ms', (retryBaseMs, attempt, random, expected) => {
    expect(retryDelayMs({ retryBaseMs }, attempt, random)).toBe(expected);
  });
});
