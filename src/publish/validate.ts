import { badInput } from '../errors.js';

/**
 * Input checks shared by every mutation. Each throws BAD_USER_INPUT naming the
 * field, before anything is published.
 */

/** Identifiers (user ids, session ids, tool ids): 1 to 200 characters, no control characters. */
export function requireId(value: string, field: string): string {
  const trimmed = value.trim();
  // Control and format characters (C0, C1, bidi overrides, zero-width) have no place in an id.
  if (trimmed.length === 0 || trimmed.length > 200 || /[\p{Cc}\p{Cf}]/u.test(trimmed)) {
    throw badInput(`${field} must be 1 to 200 printable characters`, field);
  }
  return trimmed;
}

/** Optional identifier: null stays null. */
export function optionalId(value: string | null | undefined, field: string): string | null {
  return value == null ? null : requireId(value, field);
}

/** Free text (messages, notes, reasons): 1 to `max` characters after trimming. */
export function requireText(value: string, field: string, max = 1000): string {
  const trimmed = value.trim();
  if (trimmed.length === 0 || trimmed.length > max) {
    throw badInput(`${field} must be 1 to ${max} characters`, field);
  }
  return trimmed;
}

/** Optional free text: null stays null. */
export function optionalText(value: string | null | undefined, field: string, max = 1000): string | null {
  return value == null ? null : requireText(value, field, max);
}

/** A list of identifiers: at most `max` entries, each valid, no repeats. */
export function idList(values: readonly string[] | null | undefined, field: string, max = 100): string[] {
  if (values == null) return [];
  if (values.length > max) throw badInput(`${field} takes at most ${max} entries`, field);
  const ids = values.map((value, i) => requireId(value, `${field}[${i}]`));
  if (new Set(ids).size !== ids.length) throw badInput(`${field} must not repeat an entry`, field);
  return ids;
}

const MAX_DETAILS_BYTES = 8 * 1024;

/** A free-form JSON object, at most 8 KiB once encoded. */
export function optionalDetails(
  value: Record<string, unknown> | null | undefined,
  field: string,
): Record<string, unknown> | null {
  if (value == null) return null;
  if (Buffer.byteLength(JSON.stringify(value)) > MAX_DETAILS_BYTES) {
    throw badInput(`${field} must be at most ${MAX_DETAILS_BYTES} bytes of JSON`, field);
  }
  return value;
}

/** A history page size: 1 to 500. */
export function requireLimit(value: number | null | undefined, fallback = 50): number {
  const limit = value ?? fallback;
  if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw badInput('limit must be 1 to 500', 'limit');
  return limit;
}
