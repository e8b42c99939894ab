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
export function positionTracker(after: string | null | undefined) {
  const start = after == null ? null : decodeCursor(after, 'after');
  let epoch = start?.epoch ?? null;
  let seq = start?.seq ?? 0;
  return {
    /** True (and records it) for an event after the last one delivered. */
    advance(cursor: string): boolean {
      const position = decodeCursor(cursor, 'cursor');
      if (position === null) return true;
      if (position.epoch === epoch && position.seq <= seq) return false;
      epoch = position.epoch;
      seq = position.seq;
      return true;
    },
  };
}
