import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signWebhook, verifyWebhook } from './signature.js';

/** The X-Hub-Signature scheme: HMAC-SHA256 over `<t>.<body>`, checked as a receiver would. */

const SECRET = 'whsec-0123456789abcdef';
const BODY = '{"event":"security_alert","alert":{"id":"a1"}}';
const T = 1_767_225_600;

describe('signWebhook', () => {
  it('is t=<unix>,v1=<hex HMAC-SHA256 of "t.body">', () => {
    const hex = createHmac('sha256', SECRET).update(`${T}.${BODY}`).digest('hex');
    expect(signWebhook(SECRET, BODY, T)).toBe(`t=${T},v1=${hex}`);
  });
});

describe('verifyWebhook', () => {
  const header = signWebhook(SECRET, BODY, T);
  const at = (nowSeconds: number) => ({ nowSeconds });

  // biome-ignore format: laid out as a table
  const ROWS: [name: string, secret: string, body: string, header: string | null, now: number, expected: string | true][] = [
    ['the genuine request',                      SECRET,           BODY,              header,                          T,       true],
    ['4 minutes later',                          SECRET,           BODY,              header,                          T + 240, true],
    ['a replay 6 minutes later',                 SECRET,           BODY,              header,                          T + 360, 'timestamp outside the tolerance'],
    ['a timestamp from the future',              SECRET,           BODY,              header,                          T - 360, 'timestamp outside the tolerance'],
    ['another secret',                           'x'.repeat(20),   BODY,              header,                          T,       'signature mismatch'],
    ['a changed body',                           SECRET,           BODY.replace('a1', 'a2'), header,                   T,       'signature mismatch'],
    ['a moved timestamp',                        SECRET,           BODY,              header.replace(`t=${T}`, `t=${T + 1}`), T, 'signature mismatch'],
    ['a truncated signature',                    SECRET,           BODY,              header.slice(0, -2),             T,       'signature mismatch'],
    ['no header',                                SECRET,           BODY,              null,                            T,       'no signature header'],
    ['no timestamp',                             SECRET,           BODY,              header.replace(/^t=\d+,/, ''),   T,       'malformed header'],
    ['no signature',                             SECRET,           BODY,              `t=${T}`,                        T,       'malformed header'],
    ['a rotated secret among several v1',        SECRET,           BODY,              `${signWebhook('old-secret-0123456789', BODY, T)},${header.split(',')[1]}`, T, true],
  ];

  it.each(ROWS)('%s → %s', (_name, secret, body, signature, now, expected) => {
    const result = verifyWebhook(secret, body, signature, at(now));
    expect(result.ok ? true : result.reason).toBe(expected);
  });

  it('takes the tolerance from the receiver', () => {
    expect(verifyWebhook(SECRET, BODY, header, { nowSeconds: T + 30, toleranceSeconds: 10 }).ok).toBe(false);
  });
});
