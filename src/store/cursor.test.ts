import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor, positionOf, positionTracker } from './cursor.js';

const EPOCH = '0123456789abcdef';
const OTHER = 'fedcba9876543210';

describe('cursors', () => {
  it.each([[{ epoch: EPOCH, seq: 1, id: '1' }], [{ epoch: EPOCH, seq: 42, id: '1795322522198-0' }]])(
    'round-trips %j, and positionOf reads what decodeCursor reads',
    (cursor) => {
      const wire = encodeCursor(cursor);
      expect(decodeCursor(wire, 'after')).toEqual(cursor);
      expect(positionOf(wire)).toEqual({ epoch: cursor.epoch, seq: cursor.seq });
    },
  );

  it('reads "0" as the start', () => {
    expect(decodeCursor('0', 'after')).toBeNull();
  });

  it.each([
    '',
    'x',
    `${EPOCH}.0.1`,
    `${EPOCH}.1`,
    `${EPOCH.slice(1)}.1.1`,
    `${EPOCH}.1.1-1-1`,
    `${EPOCH}.-1.1`,
  ])('refuses %j as bad input', (wire) => {
    expect(() => decodeCursor(wire, 'after')).toThrow(
      expect.objectContaining({ extensions: { code: 'BAD_USER_INPUT', field: 'after' } }),
    );
  });
});

describe('positionTracker', () => {
  // [start, positions offered in order, which are delivered]
  const ROWS: [string | null, [string, number][], boolean[]][] = [
    [
      null,
      [
        [EPOCH, 1],
        [EPOCH, 2],
        [EPOCH, 3],
      ],
      [true, true, true],
    ],
    [
      null,
      [
        [EPOCH, 2],
        [EPOCH, 2],
        [EPOCH, 1],
      ],
      [true, false, false],
    ],
    [
      `${EPOCH}.5.5`,
      [
        [EPOCH, 4],
        [EPOCH, 5],
        [EPOCH, 6],
      ],
      [false, false, true],
    ],
    // A new epoch (the log started over) starts counting again.
    [
      `${EPOCH}.5.5`,
      [
        [OTHER, 1],
        [OTHER, 2],
        [OTHER, 2],
      ],
      [true, true, false],
    ],
    ['0', [[EPOCH, 1]], [true]],
  ];
  it.each(ROWS)('from %j', (after, offered, delivered) => {
    const tracker = positionTracker(after);
    expect(offered.map(([epoch, seq]) => tracker.advanceTo({ epoch, seq }))).toEqual(delivered);
  });
});
