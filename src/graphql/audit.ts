import { type GraphQLError, getOperationAST } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Logger } from 'pino';
import type { RequestContext } from './context.js';

const fieldsOf = (document: Parameters<typeof getOperationAST>[0], operationName?: string | null) => {
  const operation = getOperationAST(document, operationName);
  return {
    kind: operation?.operation,
    fields:
      operation?.selectionSet.selections.flatMap((s) => (s.kind === 'Field' ? [s.name.value] : [])) ?? [],
  };
};

const codesOf = (errors: readonly GraphQLError[] | undefined) =>
  errors?.map((e) => e.extensions?.code ?? 'INTERNAL') ?? [];

/**
 * The audit trail: every mutation with its actor and outcome, every
 * subscription started and ended, on every transport. Arguments are not
 * logged: they may carry personal data; the events themselves are the record.
 */
export function useAudit(logger: Logger): Plugin<RequestContext> {
  return {
    onExecute({ args }) {
      const { kind, fields } = fieldsOf(args.document, args.operationName);
      if (kind !== 'mutation') return;
      const actor = (args.contextValue as RequestContext).principal?.sub ?? null;
      return {
        onExecuteDone({ result }) {
          const errors =
            'errors' in result ? (result.errors as readonly GraphQLError[] | undefined) : undefined;
          logger.info(
            { audit: 'mutation', actor, fields, ok: !errors?.length, errors: codesOf(errors) },
            'mutation',
          );
        },
      };
    },
    onSubscribe({ args }) {
      const { fields } = fieldsOf(args.document, args.operationName);
      const audit = new SubscriptionAudit(
        logger,
        (args.contextValue as RequestContext).principal?.sub ?? null,
        fields,
      );
      return {
        onSubscribeResult({ result }) {
          if ('errors' in result && result.errors?.length) {
            audit.refused(result.errors as readonly GraphQLError[]);
            return;
          }
          audit.started();
          return { onEnd: () => audit.ended() };
        },
      };
    },
  };
}

/**
 * A subscription's audit entries: refused (with its error codes), or started
 * and later ended. The plugin writes them for subscriptions run through Yoga;
 * the WebSocket transport for the fan-out ones it runs itself, and holds one
 * per subscriber: a class, so fields rather than three closures.
 */
export class SubscriptionAudit {
  constructor(
    private readonly logger: Logger,
    private readonly actor: string | null,
    private readonly fields: readonly string[],
  ) {}

  refused(errors: readonly GraphQLError[] | undefined): void {
    const { actor, fields } = this;
    this.logger.info(
      { audit: 'subscription refused', actor, fields, errors: codesOf(errors) },
      'subscription refused',
    );
  }

  started(): void {
    const { actor, fields } = this;
    this.logger.info({ audit: 'subscription started', actor, fields }, 'subscription started');
  }

  ended(): void {
    const { actor, fields } = this;
    this.logger.info({ audit: 'subscription ended', actor, fields }, 'subscription ended');
  }
}
