import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import {
  idList,
  optionalDetails,
  optionalId,
  optionalText,
  requireId,
  requireLimit,
  requireText,
} from './validate.js';

/** Mutation input checks: a refusal is BAD_USER_INPUT naming the field, before anything is published. */

/** The refusal `check` throws, as a client would see it: code, field and message. */
const refusal = (check: () => unknown): { code: unknown; field: unknown; message: string } => {
  try {
    check();
  } catch (error) {
    expect(error).toBeInstanceOf(GraphQLError);
    const { extensions, message } = error as GraphQLError;
    return { code: extensions.code, field: extensions.field, message };
  }
  throw new Error('expected the input to be refused');
};

const badInput = (field: string) => ({ code: 'BAD_USER_INPUT', field });

describe('requireId', () => {
  // biome-ignore format: laid out as a table
  const ACCEPTED: [input: string, stored: string][] = [
    ['alice',               'alice'],
    ['  alice  ',           'alice'],
    ['alice\n',             'alice'],
    ['a',                   'a'],
    ['x'.repeat(200),       'x'.repeat(200)],
    [` ${'x'.repeat(200)} `, 'x'.repeat(200)],
    ['alice@example.com',   'alice@example.com'],
    ['Jürgen Müller',       'Jürgen Müller'],
  ];

  it.each(ACCEPTED)('accepts %j as %j', (input, stored) => {
    expect(requireId(input, 'input.userId')).toBe(stored);
  });

  // biome-ignore format: laid out as a table
  const REFUSED: [why: string, input: string][] = [
    ['empty',                      ''],
    ['only spaces',                '   '],
    ['201 characters',             'x'.repeat(201)],
    ['a newline inside',           'ali\nce'],
    ['a NUL',                      'ali\u0000ce'],
    ['an escape (ANSI colours)',   '\u001b[31malice'],
    ['a tab inside',               'ali\tce'],
    ['DEL',                        'ali\u007fce'],
    ['a C1 control (NEL)',         'ali\u0085ce'],
    ['a C1 CSI',                   '\u009b31malice'],
    ['a right-to-left override',   'ali\u202ece'],
    ['a zero-width space',         'ali\u200bce'],
  ];

  it.each(REFUSED)('refuses %s', (_why, input) => {
    expect(refusal(() => requireId(input, 'input.userId'))).toMatchObject(badInput('input.userId'));
  });

  it('names the field in the message', () => {
    expect(refusal(() => requireId('', 'input.sessionId')).message).toContain('input.sessionId');
  });
});

describe('optionalId', () => {
  it.each([null, undefined])('%s stays null', (value) => {
    expect(optionalId(value, 'input.userId')).toBeNull();
  });

  it('checks a present value like requireId', () => {
    expect(optionalId(' bob ', 'input.userId')).toBe('bob');
    expect(refusal(() => optionalId('', 'input.userId'))).toMatchObject(badInput('input.userId'));
  });
});

describe('requireText', () => {
  // biome-ignore format: laid out as a table
  const ROWS: [input: string, max: number | undefined, expected: string | 'refused'][] = [
    ['5 failed logins',         undefined, '5 failed logins'],
    ['  padded  ',              undefined, 'padded'],
    ['line one\nline two',      undefined, 'line one\nline two'],
    ['x'.repeat(1000),          undefined, 'x'.repeat(1000)],
    ['x'.repeat(1001),          undefined, 'refused'],
    ['',                        undefined, 'refused'],
    [' \n\t ',                  undefined, 'refused'],
    ['x'.repeat(100),           100,       'x'.repeat(100)],
    ['x'.repeat(101),           100,       'refused'],
  ];

  it.each(ROWS)('%j (max %s) → %j', (input, max, expected) => {
    if (expected === 'refused') {
      expect(refusal(() => requireText(input, 'input.message', max))).toMatchObject(
        badInput('input.message'),
      );
    } else {
      expect(requireText(input, 'input.message', max)).toBe(expected);
    }
  });

  it('says the limit', () => {
    expect(refusal(() => requireText('x'.repeat(101), 'note', 100)).message).toMatch(/note.*100/);
  });
});

describe('optionalText', () => {
  it.each([null, undefined])('%s stays null', (value) => {
    expect(optionalText(value, 'note')).toBeNull();
  });

  // biome-ignore format: laid out as a table
  const ROWS: [input: string, max: number | undefined, expected: string | 'refused'][] = [
    [' blocked at edge ',       undefined, 'blocked at edge'],
    ['',                        undefined, 'refused'],
    ['x'.repeat(1001),          undefined, 'refused'],
    ['x'.repeat(100),           100,       'x'.repeat(100)],
    ['x'.repeat(101),           100,       'refused'],
  ];

  it.each(ROWS)('%j (max %s) → %j', (input, max, expected) => {
    if (expected === 'refused') {
      expect(refusal(() => optionalText(input, 'note', max))).toMatchObject(badInput('note'));
    } else {
      expect(optionalText(input, 'note', max)).toBe(expected);
    }
  });
});

describe('idList', () => {
  it.each([null, undefined])('%s is an empty list', (value) => {
    expect(idList(value, 'input.custodians')).toEqual([]);
  });

  // biome-ignore format: laid out as a table
  const ACCEPTED: [input: string[], max: number | undefined, expected: string[]][] = [
    [[],                          undefined, []],
    [['carol', 'dave'],           undefined, ['carol', 'dave']],
    [[' carol ', 'dave'],         undefined, ['carol', 'dave']],
    [['a', 'b', 'c'],             3,         ['a', 'b', 'c']],
  ];

  it.each(ACCEPTED)('%j (max %s) → %j', (input, max, expected) => {
    expect(idList(input, 'input.custodians', max)).toEqual(expected);
  });

  // biome-ignore format: laid out as a table
  const REFUSED: [why: string, input: string[], max: number | undefined, field: string][] = [
    ['more than max',                     ['a', 'b', 'c', 'd'],          3,         'input.custodians'],
    ['more than the default 100',         Array.from({ length: 101 }, (_, i) => `u${i}`), undefined, 'input.custodians'],
    ['a repeat',                          ['carol', 'carol'],            undefined, 'input.custodians'],
    ['a repeat once trimmed',             ['carol', ' carol'],           undefined, 'input.custodians'],
    ['an empty entry, named by index',    ['carol', ''],                 undefined, 'input.custodians[1]'],
    ['a control character, by index',     ['ca\u0000rol'],               undefined, 'input.custodians[0]'],
  ];

  it.each(REFUSED)('refuses %s', (_why, input, max, field) => {
    expect(refusal(() => idList(input, 'input.custodians', max))).toMatchObject(badInput(field));
  });
});

describe('optionalDetails', () => {
  it.each([null, undefined])('%s stays null', (value) => {
    expect(optionalDetails(value, 'input.details')).toBeNull();
  });

  it('keeps a small object as it is', () => {
    const details = { attempts: 5, ips: ['10.0.0.7'], nested: { ok: true } };
    expect(optionalDetails(details, 'input.details')).toBe(details);
  });

  // `{"k":"…"}` is 8 bytes of JSON around the value.
  // biome-ignore format: laid out as a table
  const SIZES: [why: string, details: Record<string, unknown>, expected: 'kept' | 'refused'][] = [
    ['exactly 8 KiB',                     { k: 'x'.repeat(8192 - 8) },  'kept'],
    ['one byte over 8 KiB',               { k: 'x'.repeat(8192 - 7) },  'refused'],
    ['over 8 KiB in UTF-8, not in chars', { k: 'é'.repeat(4100) },      'refused'],
  ];

  it.each(SIZES)('%s → %s', (_why, details, expected) => {
    if (expected === 'kept') {
      expect(optionalDetails(details, 'input.details')).toBe(details);
    } else {
      expect(refusal(() => optionalDetails(details, 'input.details'))).toMatchObject(
        badInput('input.details'),
      );
    }
  });
});

describe('requireLimit', () => {
  // biome-ignore format: laid out as a table
  const ROWS: [value: number | null | undefined, fallback: number | undefined, expected: number | 'refused'][] = [
    [undefined, undefined, 50],
    [null,      undefined, 50],
    [null,      20,        20],
    [1,         undefined, 1],
    [500,       undefined, 500],
    [0,         undefined, 'refused'],
    [-1,        undefined, 'refused'],
    [501,       undefined, 'refused'],
    [2.5,       undefined, 'refused'],
    [Number.NaN, undefined, 'refused'],
  ];

  it.each(ROWS)('limit %s (fallback %s) → %s', (value, fallback, expected) => {
    if (expected === 'refused') {
      expect(refusal(() => requireLimit(value, fallback))).toMatchObject(badInput('limit'));
    } else {
      expect(requireLimit(value, fallback)).toBe(expected);
    }
  });
});
