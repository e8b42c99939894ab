import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createSchema } from 'graphql-yoga';
import type { Context } from './context.js';
import { resolvers } from './resolvers.js';

const SCHEMA_DIR = fileURLToPath(new URL('../../schema/', import.meta.url));

/** The SDL files under schema/, the API's single source of truth. */
export function readTypeDefs(): string[] {
  return readdirSync(SCHEMA_DIR)
    .filter((file) => file.endsWith('.graphql'))
    .sort()
    .map((file) => readFileSync(SCHEMA_DIR + file, 'utf8'));
}

/** The executable schema: SDL plus resolvers. */
export function buildSchema() {
  return createSchema<Context>({ typeDefs: readTypeDefs(), resolvers });
}
