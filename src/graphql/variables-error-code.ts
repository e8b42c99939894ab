import type { ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/** Tags the result's variable-coercion errors BAD_USER_INPUT (see useVariablesErrorCode). */
export function tagVariableErrors(result: ExecutionResult): ExecutionResult {
  // Variable-coercion failures are the only results without a `data` key; field errors always have one.
  if ('data' in result || !result.errors) return result;
  for (const error of result.errors) {
    if (error.extensions.code === undefined)
      (error.extensions as Record<string, unknown>).code = 'BAD_USER_INPUT';
  }
  return result;
}

/**
 * Gives variable-coercion errors (`Value "ALIENS" does not exist in "AlertType" enum`)
 * the `BAD_USER_INPUT` code clients branch on; graphql-js leaves them without one.
 */
export function useVariablesErrorCode(): Plugin {
  return {
    onExecute: () => ({
      onExecuteDone: ({ result, setResult }) =>
        void ('errors' in result && setResult(tagVariableErrors(result))),
    }),
    onSubscribe: () => ({
      onSubscribeResult: ({ result, setResult }) =>
        void ('errors' in result && setResult(tagVariableErrors(result))),
    }),
  };
}
