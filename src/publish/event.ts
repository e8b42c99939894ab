import { randomUUID } from 'node:crypto';
import { apiError } from '../errors.js';
import { StateConflict } from '../store/store.js';

/** The fields every event gets from the server: a stable id and the server's timestamp. */
export function stamp(): { id: string; createdAt: string } {
  return { id: randomUUID(), createdAt: new Date().toISOString() };
}

/**
 * Runs a read-decide-publish step whose publish is conditional on the state it
 * read; when another instance changed that state first, reads and decides
 * again, a few times, so concurrent decisions serialise instead of both winning.
 */
export async function decideAndPublish<T>(step: () => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await step();
    } catch (error) {
      if (!(error instanceof StateConflict)) throw error;
      if (attempt >= attempts) throw apiError('CONFLICT', 'Changed concurrently by someone else; try again');
    }
  }
}
