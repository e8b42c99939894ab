import {
  createSourceEventStream,
  type DocumentNode,
  type ExecutionResult,
  type GraphQLError,
  type GraphQLSchema,
  locatedError,
} from 'graphql';
import {
  type Message,
  MessageType,
  parseMessage,
  type SubscribePayload,
  stringifyMessage,
  type Context as WsContext,
} from 'graphql-ws';
import type { Logger } from 'pino';
import type { Principal } from '../auth/principal.js';
import { masked } from '../errors.js';
import { STREAMS, type Stream } from '../events/types.js';
import { type EndListener, isJoined, type Joined } from '../fanout/fanout.js';
import { SubscriptionAudit } from '../graphql/audit.js';
import type { OperationRoot, RequestContext, SocketOperation } from '../graphql/context.js';
import { tagVariableErrors } from '../graphql/variables-error-code.js';
import type { Metrics } from '../metrics/metrics.js';
import { subscribedStream } from '../metrics/plugin.js';
import type { Connection } from './ws-adapter.js';

/**
 * Subscriptions to the five streams over WebSocket, run here rather than by
 * graphql-ws. graphql-ws would hold, per subscriber and for the subscription's
 * life, its subscribe message, the message handler's suspended frame and a
 * for-await loop over an iterator that yields nothing (fan-out writes frames
 * straight to the socket): about 1.4 KiB per idle subscriber, by what a heap
 * snapshot of 2,000 of them showed those holding. Here the joined fan-out member is registered in
 * the socket's `ctx.subscriptions`, where graphql-ws still finds it: it
 * returns it on `complete` and on close, refuses a second operation with its
 * id (4409), and counts it against the socket's operation limit. Every other
 * message, and a subscribe it would refuse, goes to graphql-ws as before.
 *
 * What Yoga's plugins do for a subscription is done with their own functions:
 * the audit entries (SubscriptionAudit), the metrics count, BAD_USER_INPUT on
 * variable errors (tagVariableErrors) and masking (masked). Parsing and
 * validation, with the query limits, run through the envelope (`prepare`).
 */

/** Of graphql-ws's per-socket context, what running a stream subscription needs. */
export interface SocketOperations {
  readonly acknowledged: boolean;
  readonly subscriptions: WsContext['subscriptions'];
  readonly extra: { readonly connection: Connection };
}

/** An authenticated socket, as stream subscriptions see it. */
export interface StreamSession<C extends SocketOperations = SocketOperations> {
  readonly ctx: C;
  readonly principal: Principal;
  /** What its stream subscriptions execute with; fan-out groups keep it, so it holds nothing of one operation. */
  readonly context: RequestContext;
}

/** A subscribe payload's document, parsed and validated through the envelope `E`, or why not. */
export type Prepared<E = unknown> =
  | { ok: true; schema: GraphQLSchema; document: DocumentNode; envelope: E }
  | { ok: false; errors: GraphQLError[] };

export interface StreamSubscriptionsOptions<C extends SocketOperations> {
  /** Parses and validates a payload for a socket (the same function graphql-ws's onSubscribe uses). */
  prepare(ctx: C, payload: SubscribePayload): Prepared;
  logger: Logger;
  metrics: Pick<Metrics, 'subscriptionStarted' | 'subscriptionEnded'>;
  /** Operations one socket may run at once. */
  subscriptionsPerSocket: number;
}

// A stream subscription's audited `fields`: one array per stream, not one per subscriber.
const STREAM_FIELDS: Record<Stream, readonly string[]> = Object.fromEntries(
  STREAMS.map((stream): [Stream, readonly string[]] => [stream, [stream]]),
) as Record<Stream, readonly string[]>;

/** See the module's comment. */
export class StreamSubscriptions<C extends SocketOperations> {
  constructor(private readonly options: StreamSubscriptionsOptions<C>) {}

  /**
   * Runs `message` if it subscribes to a stream and graphql-ws would accept
   * it; returns null, leaving it to graphql-ws, otherwise.
   */
  take(session: StreamSession<C>, message: string): Promise<void> | null {
    const { ctx } = session;
    let parsed: Message;
    try {
      parsed = parseMessage(message);
    } catch {
      return null;
    }
    if (parsed.type !== MessageType.Subscribe || !ctx.acknowledged) return null;
    const { id, payload } = parsed;
    // For graphql-ws to refuse: an id already running (4409), one operation too many.
    if (id in ctx.subscriptions) return null;
    if (Object.keys(ctx.subscriptions).length >= this.options.subscriptionsPerSocket) return null;
    const prepared = this.options.prepare(ctx, payload);
    // Refused by parse or validation (graphql-ws's onSubscribe answers with the same errors), or not a stream.
    const stream = prepared.ok ? subscribedStream(prepared.document, payload.operationName) : null;
    if (!prepared.ok || stream === null) return null;
    // Reserved until it runs, as graphql-ws does: a `complete` meanwhile removes it.
    ctx.subscriptions[id] = null;
    return this.run(session, id, payload, prepared, stream);
  }

  private async run(
    session: StreamSession,
    id: string,
    payload: SubscribePayload,
    { schema, document }: { schema: GraphQLSchema; document: DocumentNode },
    stream: Stream,
  ): Promise<void> {
    const { ctx } = session;
    const { logger, metrics } = this.options;
    const audit = new SubscriptionAudit(logger, session.principal.sub, STREAM_FIELDS[stream]);
    const operation = new StreamOperation(id, session, stream, audit, metrics);
    const result = await createSourceEventStream({
      schema,
      document,
      operationName: payload.operationName,
      variableValues: payload.variables,
      contextValue: session.context,
      rootValue: operation,
    });
    if (!(Symbol.asyncIterator in result)) {
      const errors = refusal(result);
      audit.refused(errors);
      operation.refused(errors);
      return;
    }
    // Over WebSocket a stream's resolver always joins fan-out (`live` in graphql/resolvers.ts).
    if (!isJoined(result)) throw new Error('A WebSocket stream subscription did not join fan-out');
    audit.started();
    metrics.subscriptionStarted(stream);
    // Completed by the client, or its socket closed, while it was set up: it ends at once, silently.
    const running = id in ctx.subscriptions;
    if (running) {
      ctx.subscriptions[id] = result;
      operation.member = result;
    }
    result.whenEnded(operation);
    if (!running) void result.return();
  }
}

/**
 * A WebSocket operation of an authenticated socket, as fan-out sees it (see
 * SocketOperation): frames go to the socket under the operation's id, and the
 * socket's context is the one its group executes with. graphql-ws's operations
 * through the envelope use it as it is; stream subscriptions extend it.
 */
export class SessionOperation implements SocketOperation {
  constructor(
    readonly id: string,
    protected readonly session: StreamSession,
  ) {}

  get context(): RequestContext {
    return this.session.context;
  }

  write(head: string, tail: Buffer): void | Promise<void> {
    return this.session.ctx.extra.connection.sendParts(head, tail);
  }
}

/**
 * One stream subscription: its root value, which is also the operation its
 * resolver joins fan-out with, and what hears of its end. A class, as one is
 * held per subscriber: fields, not closures.
 */
class StreamOperation extends SessionOperation implements OperationRoot, EndListener {
  /** Set once it joined fan-out and is registered in the socket's operations. */
  member: Joined | null = null;

  constructor(
    id: string,
    session: StreamSession,
    private readonly stream: Stream,
    private readonly audit: SubscriptionAudit,
    private readonly metrics: Pick<Metrics, 'subscriptionEnded'>,
  ) {
    super(id, session);
  }

  get socket(): SocketOperation {
    return this;
  }

  private get ctx(): SocketOperations {
    return this.session.ctx;
  }

  /**
   * Still registered, it was ended by the server (revocation, a slow replay):
   * the client gets an `error` frame, as from graphql-ws when an operation's
   * iterator throws. A `complete` from the client, or the socket's close, has
   * removed it already, and nothing is sent.
   */
  ended(error: unknown): void {
    this.audit.ended();
    this.metrics.subscriptionEnded(this.stream);
    if (this.member === null || this.ctx.subscriptions[this.id] !== this.member) return;
    delete this.ctx.subscriptions[this.id];
    this.send(
      error === undefined
        ? { id: this.id, type: MessageType.Complete }
        : // As graphql-ws reports an iterator's error, but masked unless it is one of ours.
          {
            id: this.id,
            type: MessageType.Error,
            payload: [masked(locatedError(error, undefined)).toJSON()],
          },
    );
  }

  /** Refused when it started: a result with the errors, then `complete`, as graphql-ws answers. */
  refused(errors: readonly GraphQLError[]): void {
    if (!(this.id in this.ctx.subscriptions)) return;
    delete this.ctx.subscriptions[this.id];
    this.send({ id: this.id, type: MessageType.Next, payload: { errors: errors.map((e) => e.toJSON()) } });
    this.send({ id: this.id, type: MessageType.Complete });
  }

  private send(message: Message): void {
    void this.ctx.extra.connection.send(stringifyMessage(message));
  }
}

/** A refused subscription's errors, coded and masked as Yoga's plugins would. */
function refusal(result: ExecutionResult): readonly GraphQLError[] {
  return tagVariableErrors(result).errors?.map(masked) ?? [];
}
