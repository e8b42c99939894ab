import { randomUUID } from 'node:crypto';

/** The fields every event gets from the server: a stable id and the server's timestamp. */
export function stamp(): { id: string; createdAt: string } {
  return { id: randomUUID(), createdAt: new Date().toISOString() };
}
