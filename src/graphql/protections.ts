import { blockFieldSuggestionsPlugin } from '@escape.tech/graphql-armor-block-field-suggestions';
import { costLimitPlugin } from '@escape.tech/graphql-armor-cost-limit';
import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import { useDisableIntrospection } from '@graphql-yoga/plugin-disable-introspection';
import type { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/** Limits on what one operation may ask for. */
export interface OperationLimits {
  /** Tokens in the document (checked while parsing, before anything else). */
  maxTokens: number;
  /** Nesting of selections. */
  maxDepth: number;
  /** Aliases in one operation (alias floods multiply work). */
  maxAliases: number;
  /** graphql-armor's cost estimate. */
  maxCost: number;
}

/**
 * graphql-armor's guards against costly documents, plus production hardening
 * (no introspection, no "did you mean" field suggestions). They run in the
 * Yoga envelope, which both transports execute through, so HTTP, SSE and
 * WebSocket operations are held to the same limits.
 */
export function protections(limits: OperationLimits, production: boolean): Plugin[] {
  // graphql-armor's refusals carry no code; clients get BAD_USER_INPUT, as for any other refused input.
  const asBadInput = {
    onReject: [
      (_context: unknown, error: GraphQLError) => {
        (error.extensions as Record<string, unknown>).code = 'BAD_USER_INPUT';
      },
    ],
  };
  return [
    maxTokensPlugin({ n: limits.maxTokens, ...asBadInput }),
    maxDepthPlugin({ n: limits.maxDepth, ignoreIntrospection: true, flattenFragments: true, ...asBadInput }),
    maxAliasesPlugin({ n: limits.maxAliases, ...asBadInput }),
    costLimitPlugin({ maxCost: limits.maxCost, ignoreIntrospection: true, ...asBadInput }),
    ...(production ? [blockFieldSuggestionsPlugin(), useDisableIntrospection()] : []),
  ] as Plugin[];
}
