import {
  type DocumentNode,
  type ExecutionResult,
  execute,
  type GraphQLResolveInfo,
  type GraphQLSchema,
  Kind,
  type OperationDefinitionNode,
} from 'graphql';
import { authorize } from '../auth/guard.js';
import type { Principal } from '../auth/principal.js';
import type { Revocable, Revocations } from '../auth/revocation.js';
import { apiError, masked } from '../errors.js';
import type { Stream, StreamPayloads } from '../events/types.js';
import { pagesAfter, REPLAY_PAGE } from '../graphql/lifetime.js';
import type { Hub } from '../hub.js';
import { type Metrics, NO_METRICS } from '../metrics/metrics.js';
import { matchesFilter, type StreamFilters } from '../policy/filters.js';
import { audienceKeyOf, audienceOf, canSee, mayWatch, scopeKeyOf } from '../policy/scope.js';
import { type Position, positionOf, positionTracker } from '../store/cursor.js';
import { itemsOf, type OneOrSet, sizeOf, withItem, withoutItem } from '../util/one-or-set.js';

/**
 * Shared execution for WebSocket subscriptions: subscribers that share the
 * operation, its variables and their scope form a group; each event is
 * checked, executed and encoded once per group, and each member receives the
 * same bytes with its own operation id spliced in. Scope is still decided for
 * every event (once for the group, whose members decide alike by
 * construction: see scopeKeyOf), order is the hub's, and a member resuming
 * from a cursor replays on its own before it joins the live flow.
 *
 * One hub listener per stream routes each event only to the groups it may
 * concern: groups that see beyond their own audience (admins, officers) get
 * every event, a user's groups only events about them (policy audienceOf).
 */

/** Where a member's frames go: its graphql-ws operation id and the socket writer (with its slow-reader cap). */
export interface FrameTarget {
  readonly id: string;
  /**
   * Writes one graphql-transport-ws message, UTF-8 JSON in two parts: the
   * member's own head and the tail its group shares. Returns a promise when the
   * socket needs to drain.
   */
  write(head: string, tail: Buffer): void | Promise<void>;
}

/** Live events held back while one member is still replaying. */
const MAX_HELD_DURING_REPLAY = 10_000;

/** Told once when a member ends, however it does (see Joined.whenEnded). */
export interface EndListener {
  /** `error` is what ended it, for the client's `error` frame; undefined for a clean end. */
  ended(error: unknown): void;
}

/**
 * What fanout.join returns. A transport that runs the operation itself
 * learns of its end through whenEnded and needs nothing else; one that runs it
 * through graphql-js iterates it: it yields nothing, and ends when the member
 * does.
 */
export interface Joined extends AsyncIterableIterator<never> {
  /** Calls `listener.ended(error)` once the member ends, at once if it has. */
  whenEnded(listener: EndListener): void;
  /** Ends the member (the client completed it, or its socket closed). */
  return(): Promise<IteratorResult<never>>;
}

/** True for the iterator fanout.join returned. */
export const isJoined = (value: object): value is Joined => value instanceof Member;

/** A pending `next()`: settled when the member ends. */
interface Ending {
  promise: Promise<IteratorResult<never>>;
  resolve(result: IteratorResult<never>): void;
  reject(error: unknown): void;
}

const DONE: IteratorResult<never> = { done: true, value: undefined };

class Member implements Joined, Revocable {
  /** `{"id":<id>,"type":"next","payload":`, the start of every frame this member is sent. */
  private readonly head: string;
  readonly tracker;
  replaying = false;
  /** Live events held back during the replay; allocated only when some arrive then. */
  held: { position: Position; payload: Buffer }[] | null = null;
  private done = false;
  /** What ended the member, once it has (undefined for a clean end). */
  private error: unknown;
  /** Only an iterating transport asks for `next()`; the promise and its resolvers exist only then. */
  private ending: Ending | null = null;
  /** The member's revocation watch (set by join), released when it ends. */
  watch: { release(): void } | null = null;
  private listener: EndListener | null = null;

  constructor(
    readonly target: FrameTarget,
    after: string | null | undefined,
    private readonly group: { remove(member: Member): void },
  ) {
    // The operation id is the client's string: encoded once, as JSON, for every frame.
    this.head = `{"id":${JSON.stringify(target.id)},"type":"next","payload":`;
    this.tracker = positionTracker(after);
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<never> {
    return this;
  }

  next(): Promise<IteratorResult<never>> {
    if (this.done) return this.error === undefined ? Promise.resolve(DONE) : Promise.reject(this.error);
    if (!this.ending) {
      let resolve!: Ending['resolve'];
      let reject!: Ending['reject'];
      const promise = new Promise<IteratorResult<never>>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      this.ending = { promise, resolve, reject };
    }
    return this.ending.promise;
  }

  return(): Promise<IteratorResult<never>> {
    this.end();
    return Promise.resolve(DONE);
  }

  throw(error?: unknown): Promise<IteratorResult<never>> {
    this.end();
    return Promise.reject(error);
  }

  whenEnded(listener: EndListener): void {
    if (this.done) listener.ended(this.error);
    else this.listener = listener;
  }

  /** Its principal's session was terminated or its rights revoked. */
  revoked(reason: string): void {
    this.end(apiError('UNAUTHENTICATED', `Unauthenticated: ${reason}`));
  }

  /** Sends one rendered payload if it is after what this member has already seen. */
  send(position: Position, payload: Buffer): void | Promise<void> {
    if (this.done || !this.tracker.advanceTo(position)) return;
    return this.target.write(this.head, payload);
  }

  /** A live event from the group. */
  live(position: Position, payload: Buffer): void {
    if (this.replaying) {
      this.held ??= [];
      if (this.held.length >= MAX_HELD_DURING_REPLAY) {
        this.end(
          apiError(
            'SLOW_CONSUMER',
            'Too many live events arrived during the replay; resubscribe with `after`',
          ),
        );
        return;
      }
      this.held.push({ position, payload });
      return;
    }
    void this.send(position, payload);
  }

  /** Ends the member: cleanly (undefined) or with an error the client receives as an `error` frame. */
  end(error?: unknown): void {
    if (this.done) return;
    this.done = true;
    this.error = error;
    this.watch?.release();
    this.group.remove(this);
    this.listener?.ended(error);
    if (!this.ending) return;
    if (error === undefined) this.ending.resolve(DONE);
    else this.ending.reject(error);
  }
}

/** The document a group executes, one per operation node (Yoga caches parsed documents) rather than per group. */
const documents = new WeakMap<OperationDefinitionNode, DocumentNode>();

function documentOf(info: GraphQLResolveInfo): DocumentNode {
  let document = documents.get(info.operation);
  if (!document) {
    document = { kind: Kind.DOCUMENT, definitions: [info.operation, ...Object.values(info.fragments)] };
    documents.set(info.operation, document);
  }
  return document;
}

const NO_VARIABLES: Record<string, unknown> = Object.freeze({});

class Group<S extends Stream> {
  members: OneOrSet<Member> | undefined = undefined;
  // What executing the operation needs, not the whole resolve info (which holds the field's path,
  // root value and a fragments dictionary per subscriber).
  private readonly document: DocumentNode;
  private readonly schema: GraphQLSchema;
  private readonly variableValues: Record<string, unknown>;
  private readonly operationName: string | undefined;
  /** See audienceKeyOf: null when the group is offered every event. */
  readonly audienceKey: string | null;

  constructor(
    private readonly stream: S,
    private readonly principal: Principal,
    private readonly filter: StreamFilters[S] | null | undefined,
    info: GraphQLResolveInfo,
    private readonly context: unknown,
    // Where the group is registered, to leave when its last member does (fields, not a closure).
    private readonly key: string,
    private readonly groups: Map<string, Group<Stream>>,
    private readonly router: Router<S>,
  ) {
    this.document = documentOf(info);
    this.schema = info.schema;
    // graphql-js coerces a fresh object per subscriber, mostly empty: groups of one share the empty one.
    this.variableValues = Object.keys(info.variableValues).length === 0 ? NO_VARIABLES : info.variableValues;
    this.operationName = info.operation.name?.value;
    this.audienceKey = audienceKeyOf(principal, stream);
  }

  /** The group's scope and filter decision for one event (members decide alike). */
  admits(event: StreamPayloads[S]): boolean {
    return canSee(this.principal, this.stream, event) && matchesFilter(this.stream, this.filter, event);
  }

  /**
   * The operation's result for one event as the tail of a `next` message
   * (`<payload JSON>}`), UTF-8: executed and encoded once for the whole group.
   */
  render(event: StreamPayloads[S]): Buffer {
    const result = execute({
      schema: this.schema,
      document: this.document,
      rootValue: event,
      contextValue: this.context,
      variableValues: this.variableValues,
      operationName: this.operationName,
    }) as ExecutionResult;
    // Event types resolve synchronously; a promise here would reorder deliveries.
    if (typeof (result as { then?: unknown }).then === 'function') {
      throw new Error('Subscription results must resolve synchronously to be shared');
    }
    const payload = JSON.stringify(
      result.errors ? { ...result, errors: result.errors.map((error) => masked(error).toJSON()) } : result,
    );
    return Buffer.from(`${payload}}`);
  }

  /** Offers a live event to the members; returns how many it went to (0 when the group does not admit it). */
  deliver(event: StreamPayloads[S], position: Position): number {
    if (!this.admits(event)) return 0;
    const payload = this.render(event);
    for (const member of itemsOf(this.members)) member.live(position, payload);
    return sizeOf(this.members);
  }

  add(member: Member): void {
    this.members = withItem(this.members, member);
  }

  remove(member: Member): void {
    this.members = withoutItem(this.members, member);
    if (this.members === undefined) {
      this.groups.delete(this.key);
      this.router.remove(this);
    }
  }
}

/** Routes one stream's events to the groups they may concern; listens on the hub while it has groups. */
class Router<S extends Stream> {
  /** Groups offered every event (their scope reaches beyond their own audience). */
  private readonly broad = new Set<Group<S>>();
  /** Audience-bound groups by audience key: offered the events about that user (mostly one group). */
  private readonly byAudience = new Map<string, OneOrSet<Group<S>>>();
  private size = 0;
  private unlisten: (() => void) | null = null;

  constructor(
    private readonly hub: Hub,
    private readonly stream: S,
    private readonly metrics: Pick<Metrics, 'delivered'>,
  ) {}

  add(group: Group<S>): void {
    const key = group.audienceKey;
    if (key === null) this.broad.add(group);
    else this.byAudience.set(key, withItem(this.byAudience.get(key), group));
    if (this.size++ === 0) this.unlisten = this.hub.listen(this.stream, (event) => this.route(event));
  }

  remove(group: Group<S>): void {
    const key = group.audienceKey;
    if (key === null) this.broad.delete(group);
    else {
      const groups = withoutItem(this.byAudience.get(key), group);
      if (groups) this.byAudience.set(key, groups);
      else this.byAudience.delete(key);
    }
    if (--this.size === 0) {
      this.unlisten?.();
      this.unlisten = null;
    }
  }

  private route(event: StreamPayloads[S]): void {
    // Once per event, whatever the number of groups.
    const position = positionOf(event.cursor);
    let delivered = 0;
    for (const group of this.broad) delivered += offer(group, event, position);
    for (const id of audienceOf(this.stream, event)) {
      for (const group of itemsOf(this.byAudience.get(id))) delivered += offer(group, event, position);
    }
    if (delivered > 0)
      this.metrics.delivered(this.stream, Date.now() - Date.parse(event.createdAt), delivered);
  }
}

function offer<S extends Stream>(group: Group<S>, event: StreamPayloads[S], position: Position): number {
  try {
    return group.deliver(event, position);
  } catch (error) {
    // One broken group must not stop the others' deliveries.
    console.error('fan-out delivery failed', error);
    return 0;
  }
}

/** The registry of groups on one server. */
export interface Fanout {
  /**
   * Joins a WebSocket subscription to its group (or starts one); frames go
   * straight to the socket, and the member ends when the subscription does
   * (complete, expiry, revocation, shutdown). A bad or expired `after` fails
   * the call itself. The group executes later events with `context`, so it
   * must not hold anything of one member's (its socket, say).
   */
  join<S extends Stream>(request: {
    stream: S;
    principal: Principal;
    filter: StreamFilters[S] | null | undefined;
    after: string | null | undefined;
    info: GraphQLResolveInfo;
    context: unknown;
    target: FrameTarget;
  }): Promise<Joined>;
  /** Groups and members, for tests and metrics. */
  size(): { groups: number; members: number };
}

/** Creates the fan-out registry for a hub. */
export function createFanout(
  hub: Hub,
  revocations: Revocations,
  metrics: Pick<Metrics, 'delivered'> = NO_METRICS,
): Fanout {
  const groups = new Map<string, Group<Stream>>();
  const routers = new Map<Stream, Router<Stream>>();
  const routerOf = <S extends Stream>(stream: S): Router<S> => {
    let router = routers.get(stream);
    if (!router) {
      router = new Router(hub, stream, metrics);
      routers.set(stream, router);
    }
    return router as unknown as Router<S>;
  };
  // Yoga caches parsed documents, so an operation node identifies the query text.
  const operationIds = new WeakMap<object, number>();
  let nextOperationId = 0;
  const operationIdOf = (node: object) => {
    let id = operationIds.get(node);
    if (id === undefined) {
      id = ++nextOperationId;
      operationIds.set(node, id);
    }
    return id;
  };

  // On shutdown subscriptions complete, so clients reconnect elsewhere and resume: one hook for every member.
  hub.onShutdown(() => {
    for (const group of [...groups.values()]) for (const member of [...itemsOf(group.members)]) member.end();
  });

  return {
    async join({ stream, principal, filter, after, info, context, target }) {
      authorize(mayWatch(principal, stream), `Your roles give no access to ${stream}`);
      const key = [
        stream,
        operationIdOf(info.operation),
        JSON.stringify(info.variableValues),
        scopeKeyOf(principal, stream),
      ].join('\n');
      let group = groups.get(key) as Group<typeof stream> | undefined;
      if (!group) {
        const router = routerOf(stream);
        group = new Group(stream, principal, filter, info, context, key, groups, router);
        groups.set(key, group as unknown as Group<Stream>);
        router.add(group);
      }
      const joined = group;
      const member = new Member(target, after, joined);
      member.replaying = after != null;
      joined.add(member);
      // Expiry needs no timer per subscription: the socket closes (4403) at its token's expiry and
      // graphql-ws then returns every running operation. Shutdown ends all members at once (above).
      member.watch = revocations.watch(principal, member);

      if (after != null) {
        // Live events are held from now on; the first page is read here so a bad cursor fails the call.
        let page: StreamPayloads[typeof stream][];
        try {
          page = await hub.readAfter(stream, after, REPLAY_PAGE);
        } catch (error) {
          member.end();
          throw error;
        }
        void replay(joined, member, stream, page).catch((error: unknown) => member.end(error));
      }

      return member;
    },
    size: () => ({
      groups: groups.size,
      members: [...groups.values()].reduce((sum, g) => sum + sizeOf(g.members), 0),
    }),
  };

  /** Replays the log after the member's cursor at the reader's pace, then releases what was held. */
  async function replay<S extends Stream>(
    group: Group<S>,
    member: Member,
    stream: S,
    firstPage: StreamPayloads[S][],
  ): Promise<void> {
    for await (const event of pagesAfter(hub, stream, firstPage)) {
      if (group.admits(event)) {
        await member.send(positionOf(event.cursor), group.render(event));
        metrics.delivered(stream, null);
      } else member.tracker.advance(event.cursor);
    }
    // The seam: live events that arrived meanwhile, minus what the replay sent (the tracker skips those).
    const held = member.held ?? [];
    member.held = null;
    member.replaying = false;
    for (const { position, payload } of held) void member.send(position, payload);
  }
}
