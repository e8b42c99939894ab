import { badInput } from '../errors.js';

/**
 * A cursor names an event's place in its stream's log: the log's epoch (new
 * whenever the log starts over: a flushed Redis, a restarted in-memory
 * process), the event's sequence number (1, 2, 3, ... with no holes, so a
 * trimmed gap is detectable), and the backend's own entry id. Clients treat it
 * as opaque.
 */
export interface Cursor {
  readonly epoch: string;
  readonly seq: number;
  readonly id: string;
}

/** The cursor clients pass as `after` to replay everything retained. */
export const FROM_START = '0';

/** The wire form: `<epoch>.<seq>.<id>`. */
export function encodeCursor(cursor: Cursor): string {
  return `${cursor.epoch}.${cursor.seq}.${cursor.id}`;
}

const CURSOR = /^([0-9a-f]{16})\.([1-9][0-9]{0,15})\.([0-9]{1,20}(?:-[0-9]{1,20})?)$/;

/** Parses a client's cursor; `FROM_START` is null. Throws BAD_USER_INPUT for anything malformed. */
export function decodeCursor(value: string, field: string): Cursor | null {
  if (value === FROM_START) return null;
  const match = CURSOR.exec(value);
  if (!match) throw badInput(`${field} is not a cursor this server issued`, field);
  const [, epoch, seq, id] = match as unknown as [string, string, string, string];
  return { epoch, seq: Number(seq), id };
}

/**
 * Remembers the last position delivered and recognises events at or before it.
 * A live copy can reach this instance after the replay already read the same
 * event from the log (Redis pub/sub lags the log); comparing positions makes
 * the seam exact. A new epoch (the log started over) resets it.
 */
export function positionTracker(after: string | null | undefined): PositionTracker {
  return new PositionTracker(after == null ? null : decodeCursor(after, 'after'));
}

/** See positionTracker. */
export class PositionTracker {
  private epoch: string | null;
  private seq: number;

  constructor(start: { epoch: string; seq: number } | null) {
    this.epoch = start?.epoch ?? null;
    this.seq = start?.seq ?? 0;
  }

  /** True (and records it) for a position after the last one delivered. */
  advanceTo(at: Position): boolean {
    if (at.epoch === this.epoch && at.seq <= this.seq) return false;
    this.epoch = at.epoch;
    this.seq = at.seq;
    return true;
  }

  /** The same for an event's cursor. */
  advance(cursor: string): boolean {
    return this.advanceTo(positionOf(cursor));
  }
}

/** Where an event sits in its log. */
export interface Position {
  readonly epoch: string;
  readonly seq: number;
}

const EPOCH_LENGTH = 16;

/**
 * The position of a cursor this server issued (an event's own `cursor`),
 * read without validation: it is on every delivery's path. Client input goes
 * through decodeCursor.
 */
export function positionOf(cursor: string): Position {
  const end = cursor.indexOf('.', EPOCH_LENGTH + 1);
  return { epoch: cursor.slice(0, EPOCH_LENGTH), seq: Number(cursor.slice(EPOCH_LENGTH + 1, end)) };
}
