import fc from 'fast-check';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { Stream } from '../src/events/types.js';
import type { RunningServer } from '../src/transport/server.js';
import { tokenFor } from './support/auth.js';
import { BACKENDS, type Backend, createBackend } from './support/backends.js';
import { gqlOk } from './support/server.js';
import { waitUntil } from './support/wait.js';
import { openAuthedSocket, type TestSocket, type WsMessage } from './support/ws.js';

/**
 * Random connect, subscribe, complete, disconnect and publish sequences across
 * the roles of SPEC's "Roles and what each may see", on a real server with real
 * sockets. For every subscription the property is: it receives exactly the
 * events its principal may see and its filter admits, published while it was
 * active, in publish order. That one statement covers the three promises:
 * nothing outside scope, nothing after complete, nothing lost while active.
 *
 * The model (all hand-written here; src/policy is deliberately not imported):
 * - a cast: admin `root`, officer `olga`, users `alice` `bob` `carol`, service
 *   `ids`; each may hold two sockets (slots 0 and 1);
 * - two streams: securityAlerts (officers see all) and rbacEvents (officers see
 *   only the security kinds), each subscribed with a random filter or none;
 * - events published by the service with random kind, severity, level, source
 *   and subject (one of the users, `mallory` who never subscribes, or nobody);
 * - a service's subscribe is refused with FORBIDDEN and then receives nothing;
 * - some subscribes are completed, or their socket closed, at once (before the
 *   server can have registered them): they must receive nothing.
 * The oracle is `mayReceive` below: scope from the SPEC table, then the filter.
 *
 * Each subscription has a window [start, end) of positions in the run's
 * publish log; it must receive exactly the visible events in that window. The
 * window's ends are fixed by barriers, not by sleeping:
 *
 * - Start. graphql-ws acknowledges nothing for `subscribe`, and the server
 *   registers the live listener only after a few awaits (context, envelope,
 *   resolver), so a ping/pong after `subscribe` proves nothing. Instead the
 *   test publishes a probe that the subscription may see and waits for it,
 *   publishing another probe (up to PROBES) if none arrives within PROBE_MS.
 *   Nothing else is published meanwhile, so the first frame must be one of
 *   these probes, and the window starts at it: the listener was registered
 *   after the previous probe and before this one, and the hub delivers each
 *   stream in order. (Locally the first probe always arrives; the retries only
 *   keep a loaded machine from failing the run.) A subscription whose scope and
 *   filter admit no event at all has nothing to probe; its expected set is
 *   empty whatever its window.
 * - Quiescence. An observer (admin, no filter, on both streams, on a socket of
 *   its own) sees every event. Before each `subscribe` the test waits until it
 *   has everything published so far: with Redis an event reaches the instance
 *   after its mutation returns, and a listener registered meanwhile could
 *   rightly receive it although it was published before the `subscribe`.
 * - End, by `complete`: the client sends `complete`, then `ping`, and waits for
 *   `pong`. graphql-ws starts handling a socket's messages in arrival order,
 *   and its `complete` handler deletes the operation and calls its iterator's
 *   `return()` before its first await; the rest is promise work, done before
 *   the server handles the HTTP request of any later publish. So an event
 *   published after the `pong` must never reach that subscription.
 * - End, by disconnect: the client closes and waits for the close event.
 * - Drain: `complete` and disconnect randomly drain first (wait until the
 *   subscription has everything expected so far). Drained subscriptions must
 *   match exactly; undrained ones may lose the tail of their window that was
 *   still in flight, so they must receive a prefix of it: never a gap, never
 *   an event from after it.
 * - Final check. Sentinels are published (one alert and one ACCESS_DENIED per
 *   user, about that user) and the observer waits for all of them, so the hub
 *   of this single instance has dispatched every event to every listener;
 *   every active subscription waits for its expected count; then a ping/pong
 *   on each open socket flushes whatever the server produced for it (frames go
 *   out in order, and from dispatch to frame it is promise work while the
 *   socket's send buffer is small, as here, so it is done before the later
 *   `ping` is handled). Only then are received and expected sets compared, so
 *   an extra event, or one after `complete`, has had every chance to show up.
 * - Between runs all sockets are closed and the hub's listener counts must
 *   return to what they were before any run (no listener leaked by complete,
 *   disconnect, or an abandoned subscribe); and the per-user connection limit
 *   (20) would refuse sockets if closing leaked connection counts.
 *
 * A failure prints fast-check's shrunk command list and seed (rerun with
 * PROPERTY_SEED=<seed>), and the error lists each subscription that went wrong
 * with its expected and received events, plus a trace of the run.
 */

// ---- The vocabulary -------------------------------------------------------------------------------

type Role = 'admin' | 'officer' | 'user' | 'service';
type Severity = 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL';
type AlertType = 'BRUTE_FORCE' | 'DDOS' | 'TOKEN_REPLAY';
type RbacType =
  | 'ROLE_ASSIGNED'
  | 'USER_UPDATED'
  | 'POLICY_UPDATED'
  | 'SECURITY_VIOLATION'
  | 'SUSPICIOUS_ACTIVITY'
  | 'ACCESS_DENIED';
type Watched = Extract<Stream, 'securityAlerts' | 'rbacEvents'>;

const CAST = {
  root: 'admin',
  olga: 'officer',
  alice: 'user',
  bob: 'user',
  carol: 'user',
  ids: 'service',
} as const satisfies Record<string, Role>;
type Who = keyof typeof CAST;
const PEOPLE = Object.keys(CAST) as Who[];
const USERS = ['alice', 'bob', 'carol'] as const;

const SEVERITIES: Severity[] = ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'];
const ALERT_TYPES: AlertType[] = ['BRUTE_FORCE', 'DDOS', 'TOKEN_REPLAY'];
const RBAC_TYPES: RbacType[] = [
  'ROLE_ASSIGNED',
  'USER_UPDATED',
  'POLICY_UPDATED',
  'SECURITY_VIOLATION',
  'SUSPICIOUS_ACTIVITY',
  'ACCESS_DENIED',
];
/** Whom events are about: the users, someone who never subscribes, and nobody. */
const SUBJECTS: (string | null)[] = ['alice', 'bob', 'carol', 'mallory', null];
const FILTER_USERS = ['alice', 'bob', 'carol', 'mallory'];
const SOURCES: (string | null)[] = ['fire_wall', 'waf', null];

interface AlertFacts {
  stream: 'securityAlerts';
  type: AlertType;
  severity: Severity;
  userId: string | null;
  source: string | null;
}
interface RbacFacts {
  stream: 'rbacEvents';
  type: RbacType;
  userId: string | null;
  securityLevel: Severity | null;
}
type Facts = AlertFacts | RbacFacts;

interface AlertFilter {
  minSeverity?: Severity;
  severities?: Severity[];
  types?: AlertType[];
  userId?: string;
  source?: string;
}
interface RbacFilter {
  types?: RbacType[];
  userId?: string;
  minSecurityLevel?: Severity;
}
type Watch =
  | { stream: 'securityAlerts'; filter: AlertFilter | null }
  | { stream: 'rbacEvents'; filter: RbacFilter | null };

// ---- The oracle, from SPEC's table ----------------------------------------------------------------

/** Officers see these RBAC kinds only (SPEC: "security kinds"). */
const OFFICER_RBAC_KINDS: ReadonlySet<RbacType> = new Set([
  'SECURITY_VIOLATION',
  'SUSPICIOUS_ACTIVITY',
  'ACCESS_DENIED',
]);

/** SPEC "Roles and what each may see", for the two streams under test. */
function inScope(who: Who, event: Facts): boolean {
  switch (CAST[who]) {
    case 'admin':
      return true;
    case 'officer':
      return event.stream === 'securityAlerts' || OFFICER_RBAC_KINDS.has(event.type);
    case 'user':
      return event.userId === who;
    case 'service':
      return false;
  }
}

const rank = (severity: Severity) => SEVERITIES.indexOf(severity);

/** The schema's filter fields; each present field narrows. An event without a level fails `minSecurityLevel`. */
function admits(watch: Watch, event: Facts): boolean {
  if (watch.stream === 'securityAlerts' && event.stream === 'securityAlerts') {
    const f = watch.filter ?? {};
    return (
      (f.minSeverity === undefined || rank(event.severity) >= rank(f.minSeverity)) &&
      (f.severities === undefined || f.severities.includes(event.severity)) &&
      (f.types === undefined || f.types.includes(event.type)) &&
      (f.userId === undefined || f.userId === event.userId) &&
      (f.source === undefined || f.source === event.source)
    );
  }
  if (watch.stream === 'rbacEvents' && event.stream === 'rbacEvents') {
    const f = watch.filter ?? {};
    return (
      (f.types === undefined || f.types.includes(event.type)) &&
      (f.userId === undefined || f.userId === event.userId) &&
      (f.minSecurityLevel === undefined ||
        (event.securityLevel !== null && rank(event.securityLevel) >= rank(f.minSecurityLevel)))
    );
  }
  return false;
}

/** True when `who`, watching `watch`, must receive `event`. */
const mayReceive = (who: Who, watch: Watch, event: Facts) => inScope(who, event) && admits(watch, event);

/** Every event the commands can publish, most severe first: probes are picked from it. */
const ALL_FACTS: Facts[] = [
  ...[...SEVERITIES]
    .reverse()
    .flatMap((severity) =>
      ALERT_TYPES.flatMap((type) =>
        SUBJECTS.flatMap((userId) =>
          SOURCES.map((source): Facts => ({ stream: 'securityAlerts', type, severity, userId, source })),
        ),
      ),
    ),
  ...[...SEVERITIES, null]
    .reverse()
    .flatMap((securityLevel) =>
      RBAC_TYPES.flatMap((type) =>
        SUBJECTS.map((userId): Facts => ({ stream: 'rbacEvents', type, userId, securityLevel })),
      ),
    ),
];

/** An event `who` must receive on `watch`, or null when scope and filter admit none. */
const probeFor = (who: Who, watch: Watch) => ALL_FACTS.find((event) => mayReceive(who, watch, event)) ?? null;

// ---- Commands ------------------------------------------------------------------------------------

/** Right after `subscribe`, before it can be live: complete it, or close its socket; null: wait until live. */
type Abandon = 'complete' | 'close' | null;

type Command =
  | { kind: 'connect'; who: Who; slot: 0 | 1 }
  | { kind: 'subscribe'; who: Who; slot: 0 | 1; watch: Watch; abandon: Abandon }
  /** Completes the `pick`-th active subscription (modulo how many there are). */
  | { kind: 'complete'; pick: number; drain: boolean }
  /** Closes the `pick`-th open socket. */
  | { kind: 'disconnect'; pick: number; drain: boolean }
  | { kind: 'publish'; event: Facts };

/** fc.record, making plain objects so a shrunk counterexample prints without `__proto__: null`. */
function record<T extends Record<string, unknown>>(model: { [K in keyof T]: fc.Arbitrary<T[K]> }) {
  return fc.record(model, { noNullPrototype: true }) as fc.Arbitrary<T>;
}

const severityArb = fc.constantFrom(...SEVERITIES);
const alertFilterArb: fc.Arbitrary<AlertFilter> = fc.oneof(
  record({ minSeverity: severityArb }),
  record({ severities: fc.subarray(SEVERITIES, { minLength: 1 }) }),
  record({ types: fc.subarray(ALERT_TYPES, { minLength: 1 }) }),
  record({ userId: fc.constantFrom(...FILTER_USERS) }),
  record({ source: fc.constantFrom('fire_wall', 'waf') }),
  record({
    minSeverity: severityArb,
    types: fc.subarray(ALERT_TYPES, { minLength: 1 }),
    userId: fc.constantFrom(...FILTER_USERS),
  }),
);
const rbacFilterArb: fc.Arbitrary<RbacFilter> = fc.oneof(
  record({ types: fc.subarray(RBAC_TYPES, { minLength: 1 }) }),
  record({ userId: fc.constantFrom(...FILTER_USERS) }),
  record({ minSecurityLevel: severityArb }),
  record({
    types: fc.subarray(RBAC_TYPES, { minLength: 1 }),
    userId: fc.constantFrom(...FILTER_USERS),
  }),
);
const watchArb: fc.Arbitrary<Watch> = fc.oneof(
  record({
    stream: fc.constant('securityAlerts' as const),
    filter: fc.option(alertFilterArb, { nil: null, freq: 2 }),
  }),
  record({
    stream: fc.constant('rbacEvents' as const),
    filter: fc.option(rbacFilterArb, { nil: null, freq: 2 }),
  }),
);
const factsArb: fc.Arbitrary<Facts> = fc.oneof(
  record({
    stream: fc.constant('securityAlerts' as const),
    type: fc.constantFrom(...ALERT_TYPES),
    severity: severityArb,
    userId: fc.constantFrom(...SUBJECTS),
    source: fc.constantFrom(...SOURCES),
  }),
  record({
    stream: fc.constant('rbacEvents' as const),
    type: fc.constantFrom(...RBAC_TYPES),
    userId: fc.constantFrom(...SUBJECTS),
    securityLevel: fc.constantFrom(...SEVERITIES, null),
  }),
);
const whoArb = fc.constantFrom(...PEOPLE);
const slotArb = fc.constantFrom(0 as const, 1 as const);
const commandArb: fc.Arbitrary<Command> = fc.oneof(
  { weight: 1, arbitrary: record({ kind: fc.constant('connect' as const), who: whoArb, slot: slotArb }) },
  {
    weight: 4,
    arbitrary: record({
      kind: fc.constant('subscribe' as const),
      who: whoArb,
      slot: slotArb,
      watch: watchArb,
      abandon: fc.oneof(
        { weight: 6, arbitrary: fc.constant(null) },
        { weight: 1, arbitrary: fc.constant('complete' as const) },
        { weight: 1, arbitrary: fc.constant('close' as const) },
      ),
    }),
  },
  {
    weight: 2,
    arbitrary: record({ kind: fc.constant('complete' as const), pick: fc.nat(7), drain: fc.boolean() }),
  },
  {
    weight: 1,
    arbitrary: record({ kind: fc.constant('disconnect' as const), pick: fc.nat(7), drain: fc.boolean() }),
  },
  { weight: 5, arbitrary: record({ kind: fc.constant('publish' as const), event: factsArb }) },
);

// ---- Running commands against the server ---------------------------------------------------------

/** How long an expected frame may take before the run fails. */
const WAIT_MS = 5000;
/** How long one activation probe is given before another is published. */
const PROBE_MS = 500;
const PROBES = 6;

const describeFacts = (e: Facts) =>
  e.stream === 'securityAlerts'
    ? `alert ${e.type} ${e.severity} about ${e.userId ?? '-'} from ${e.source ?? '-'}`
    : `rbac ${e.type} about ${e.userId ?? '-'} level ${e.securityLevel ?? '-'}`;

const QUERIES: Record<Watched, string> = {
  securityAlerts:
    'subscription($f: AlertFilter) { securityAlerts(filter: $f) { id type severity userId source message } }',
  rbacEvents:
    'subscription($f: RbacFilter) { rbacEvents(filter: $f) { id type userId securityLevel message } }',
};

/** Wakes every pending `until` when any frame or close arrives. */
const pokes = new Set<() => void>();
const poke = () => {
  for (const p of [...pokes]) p();
};

/** Resolves once `check()` holds (re-checked on every frame); fails naming `what` after `timeoutMs`. */
function until(what: string, check: () => boolean, timeoutMs = WAIT_MS): Promise<void> {
  if (check()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const done = () => {
      clearTimeout(timer);
      pokes.delete(wake);
    };
    const wake = () => {
      if (!check()) return;
      done();
      resolve();
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`timed out after ${timeoutMs} ms waiting until ${what}`));
    }, timeoutMs);
    pokes.add(wake);
  });
}

interface Published {
  /** `r<run>#<position>`, sent as the event's message so each frame names its event. */
  label: string;
  facts: Facts;
}

interface Conn {
  name: string;
  who: Who;
  socket: TestSocket;
  open: boolean;
  subs: Sub[];
  /** Resolvers of pings awaiting their pong, oldest first. */
  pongs: (() => void)[];
}

interface Sub {
  name: string;
  id: string;
  who: Who;
  conn: Conn;
  watch: Watch;
  frames: WsMessage[];
  /** Log position where its window starts. */
  start: number;
  /** Log position where its window ends (exclusive); null while active. */
  end: number | null;
  /** active; exact: must match its window exactly (drained, refused, abandoned); prefix: ended without draining. */
  state: 'active' | 'exact' | 'prefix';
}

const codeOf = (errors: unknown) =>
  (errors as { extensions?: { code?: string } }[] | undefined)?.[0]?.extensions?.code;

/**
 * How many leading frames refuse the operation with FORBIDDEN: an `error` frame, or a `next` carrying
 * the error followed by `complete` (what graphql-ws sends when the subscribe resolver throws); 0 if not refused.
 */
function refusalLength(frames: readonly WsMessage[]): number {
  const [first, second] = frames;
  if (first?.type === 'error' && codeOf(first.payload) === 'FORBIDDEN') return 1;
  if (
    first?.type === 'next' &&
    codeOf((first.payload as { errors?: unknown }).errors) === 'FORBIDDEN' &&
    second?.type === 'complete'
  )
    return 2;
  return 0;
}

let opIds = 0;
let runIds = 0;

/** One execution of a command sequence: its sockets, subscriptions, publish log and trace. */
class Run {
  readonly id = ++runIds;
  readonly log: Published[] = [];
  readonly trace: string[] = [];
  readonly conns: Conn[] = [];
  readonly subs: Sub[] = [];
  observers: Sub[] = [];
  readonly tokens: Record<Who, string>;
  readonly server: RunningServer;

  constructor(server: RunningServer, tokens: Record<Who, string>) {
    this.server = server;
    this.tokens = tokens;
  }

  /** The labels of the events `sub` must have received, in order. */
  expected(sub: Sub): string[] {
    return this.log
      .slice(sub.start, sub.end ?? this.log.length)
      .filter((e) => mayReceive(sub.who, sub.watch, e.facts))
      .map((e) => e.label);
  }

  /** What `sub` received, as event labels (anything but a plain `next` shows as `!<frame>`). */
  received(sub: Sub): string[] {
    const skip = CAST[sub.who] === 'service' ? refusalLength(sub.frames) : 0;
    return sub.frames.slice(skip).map((frame) => {
      const payload = frame.payload as { data?: Record<string, { message?: string }>; errors?: unknown };
      const message = payload?.data?.[sub.watch.stream]?.message;
      return frame.type === 'next' && payload.errors === undefined && typeof message === 'string'
        ? message
        : `!${JSON.stringify(frame)}`;
    });
  }

  async publish(facts: Facts, why = ''): Promise<void> {
    const label = `r${this.id}#${this.log.length}`;
    // Logged before the call: its frame may arrive before the mutation's response.
    this.log.push({ label, facts });
    this.trace.push(`  ${label} publish ${describeFacts(facts)}${why ? ` (${why})` : ''}`);
    if (facts.stream === 'securityAlerts') {
      await gqlOk(this.server, 'mutation($i: RaiseAlertInput!) { raiseAlert(input: $i) { id } }', {
        token: this.tokens.ids,
        variables: {
          i: {
            type: facts.type,
            severity: facts.severity,
            message: label,
            userId: facts.userId,
            source: facts.source,
          },
        },
      });
    } else {
      await gqlOk(
        this.server,
        'mutation($i: PublishRbacEventInput!) { publishRbacEvent(input: $i) { id } }',
        {
          token: this.tokens.ids,
          variables: {
            i: { type: facts.type, userId: facts.userId, securityLevel: facts.securityLevel, message: label },
          },
        },
      );
    }
  }

  async connect(who: Who, name: string): Promise<Conn> {
    const existing = this.conns.find((c) => c.name === name && c.open);
    if (existing) return existing;
    const socket = await openAuthedSocket(this.server.url, this.tokens[who]);
    const conn: Conn = { name, who, socket, open: true, subs: [], pongs: [] };
    socket.ws.on('message', (data) => {
      const message = JSON.parse(String(data)) as WsMessage;
      if (message.type === 'pong') conn.pongs.shift()?.();
      else conn.subs.find((s) => s.id === message.id)?.frames.push(message);
      poke();
    });
    socket.ws.on('close', () => {
      conn.open = false;
      poke();
    });
    this.conns.push(conn);
    this.trace.push(`connect ${name} (${who}, ${CAST[who]})`);
    return conn;
  }

  /** Resolves when the server has handled everything this socket sent before. */
  async roundTrip(conn: Conn): Promise<void> {
    let answered = false;
    conn.pongs.push(() => {
      answered = true;
    });
    conn.socket.send({ type: 'ping' });
    await until(`pong on ${conn.name}`, () => answered);
  }

  /** Waits until the observers have every event published so far (the hub has dispatched them all). */
  quiesce(): Promise<void> {
    return until('the observer has received every event published so far', () =>
      this.observers.every((o) => o.frames.length >= this.expected(o).length),
    );
  }

  drain(sub: Sub): Promise<void> {
    return until(`${sub.name} has every event expected so far`, () => {
      return this.received(sub).length >= this.expected(sub).length;
    });
  }

  /**
   * Subscribes and waits until the subscription is known to be live (see the probes above), or,
   * with `abandon`, completes it or closes its socket right after `subscribe`, before it can be live:
   * the server must then send it nothing and release whatever it had set up.
   */
  async subscribe(conn: Conn, watch: Watch, abandon: Abandon = null): Promise<Sub> {
    await this.quiesce();
    const sub: Sub = {
      name: `s${this.subs.length}`,
      id: `p${++opIds}`,
      who: conn.who,
      conn,
      watch,
      frames: [],
      start: this.log.length,
      end: null,
      state: 'active',
    };
    conn.subs.push(sub);
    this.subs.push(sub);
    this.trace.push(
      `${sub.name} = ${conn.name} subscribe ${watch.stream} filter ${JSON.stringify(watch.filter)}`,
    );
    conn.socket.send({
      id: sub.id,
      type: 'subscribe',
      payload: { query: QUERIES[watch.stream], variables: { f: watch.filter } },
    });

    if (abandon === 'complete') {
      // Nothing is published before the barrier, so its window is empty: it must receive nothing.
      conn.socket.send({ id: sub.id, type: 'complete' });
      await this.roundTrip(conn);
      sub.end = sub.start;
      sub.state = 'exact';
      this.trace.push(`  complete ${sub.name} at once`);
      return sub;
    }
    if (abandon === 'close') {
      this.trace.push(`  close ${conn.name} at once`);
      await this.disconnect(conn, false);
      return sub;
    }

    if (CAST[conn.who] === 'service') {
      // SPEC: the service role has no scope on any stream; the subscribe itself is refused.
      await until(`${sub.name} is answered`, () => sub.frames[0]?.type === 'error' || sub.frames.length >= 2);
      if (refusalLength(sub.frames) === 0)
        throw new Error(
          `${sub.name}: a service subscribe was not refused with FORBIDDEN: ${JSON.stringify(sub.frames)}`,
        );
      sub.state = 'exact';
      sub.end = this.log.length;
      this.trace.push(`  ${sub.name} refused with FORBIDDEN`);
      return sub;
    }

    const probe = probeFor(conn.who, watch);
    if (!probe) {
      this.trace.push(`  ${sub.name} may see no event at all (scope and filter)`);
      return sub;
    }
    for (let attempt = 1; attempt <= PROBES && sub.frames.length === 0; attempt++) {
      await this.publish(probe, `probe ${attempt} for ${sub.name}`);
      await until(`${sub.name} receives a probe`, () => sub.frames.length > 0, PROBE_MS).catch(
        () => undefined,
      );
    }
    if (sub.frames.length === 0) throw new Error(`${sub.name} received none of ${PROBES} probes it may see`);
    const first = this.received(sub)[0];
    const at = this.log.findIndex((e) => e.label === first);
    // Only this subscription's probes were published since `subscribe`; anything else is left for the check to show.
    if (at >= sub.start) sub.start = at;
    this.trace.push(`  ${sub.name} active from ${first}`);
    return sub;
  }

  async complete(sub: Sub, drain: boolean): Promise<void> {
    if (drain) await this.drain(sub);
    sub.conn.socket.send({ id: sub.id, type: 'complete' });
    await this.roundTrip(sub.conn);
    sub.end = this.log.length;
    sub.state = drain ? 'exact' : 'prefix';
    this.trace.push(
      `complete ${sub.name}${drain ? ' (drained)' : ''}: window ends before r${this.id}#${sub.end}`,
    );
  }

  async disconnect(conn: Conn, drain: boolean): Promise<void> {
    const active = conn.subs.filter((s) => s.state === 'active');
    if (drain) for (const sub of active) await this.drain(sub);
    conn.socket.close();
    await conn.socket.waitForClose(WAIT_MS);
    conn.open = false;
    for (const sub of active) {
      sub.end = this.log.length;
      sub.state = drain ? 'exact' : 'prefix';
    }
    this.trace.push(
      `disconnect ${conn.name}${drain ? ' (drained)' : ''}: ends ${active.map((s) => s.name).join(' ') || 'nothing'}`,
    );
  }

  async execute(command: Command): Promise<void> {
    const users = () => this.conns.filter((c) => c.open && !c.name.startsWith('observer'));
    switch (command.kind) {
      case 'connect':
        await this.connect(command.who, `${command.who}#${command.slot}`);
        return;
      case 'subscribe':
        await this.subscribe(
          await this.connect(command.who, `${command.who}#${command.slot}`),
          command.watch,
          command.abandon,
        );
        return;
      case 'complete': {
        const active = this.subs.filter((s) => s.state === 'active' && !this.observers.includes(s));
        const sub = active[command.pick % Math.max(active.length, 1)];
        if (sub) await this.complete(sub, command.drain);
        return;
      }
      case 'disconnect': {
        const open = users();
        const conn = open[command.pick % Math.max(open.length, 1)];
        if (conn) await this.disconnect(conn, command.drain);
        return;
      }
      case 'publish':
        await this.publish(command.event);
        return;
    }
  }

  /** Opens the observer: an unfiltered admin subscription to each stream. */
  async observe(): Promise<void> {
    const conn = await this.connect('root', 'observer');
    this.observers = [];
    for (const stream of ['securityAlerts', 'rbacEvents'] as const) {
      this.observers.push(await this.subscribe(conn, { stream, filter: null }));
    }
  }

  /** Sentinels, quiescence, flush; then every subscription's verdict. Returns the failures. */
  async verdicts(): Promise<string[]> {
    for (const user of USERS) {
      await this.publish(
        {
          stream: 'securityAlerts',
          type: 'BRUTE_FORCE',
          severity: 'CRITICAL',
          userId: user,
          source: 'fire_wall',
        },
        'sentinel',
      );
      await this.publish(
        { stream: 'rbacEvents', type: 'ACCESS_DENIED', userId: user, securityLevel: 'CRITICAL' },
        'sentinel',
      );
    }
    await this.quiesce();
    const failures: string[] = [];
    for (const sub of this.subs.filter((s) => s.state === 'active')) {
      await this.drain(sub).catch((error: unknown) =>
        failures.push(`${sub.name}: ${(error as Error).message}`),
      );
    }
    await Promise.all(this.conns.filter((c) => c.open).map((c) => this.roundTrip(c)));

    for (const sub of this.subs) {
      const expected = this.expected(sub);
      const received = this.received(sub);
      const ok =
        sub.state === 'prefix'
          ? received.length <= expected.length && received.every((label, i) => label === expected[i])
          : received.length === expected.length && received.every((label, i) => label === expected[i]);
      if (ok) continue;
      const byLabel = new Map(this.log.map((e) => [e.label, e]));
      const explain = (label: string) => {
        const e = byLabel.get(label);
        return e ? `${label} ${describeFacts(e.facts)}` : label;
      };
      const extra = received.filter((l) => !expected.includes(l));
      const missing = expected.filter((l) => !received.includes(l));
      failures.push(
        [
          `${sub.name} (${sub.conn.name}, ${CAST[sub.who]}) on ${sub.watch.stream} filter ${JSON.stringify(sub.watch.filter)}, ` +
            `window [r${this.id}#${sub.start}, ${sub.end === null ? 'end' : `r${this.id}#${sub.end}`}), ` +
            `${sub.state === 'prefix' ? 'must receive a prefix of' : 'must receive exactly'} the expected events`,
          `    expected: ${expected.join(' ') || '(none)'}`,
          `    received: ${received.join(' ') || '(none)'}`,
          ...extra.map((l) => `    not allowed here: ${explain(l)}`),
          ...missing.map((l) => `    missing: ${explain(l)}`),
        ].join('\n'),
      );
    }
    return failures;
  }

  /** Closes every socket this run opened and waits for the closes. */
  async closeAll(): Promise<void> {
    await Promise.all(
      this.conns
        .filter((c) => c.open)
        .map(async (c) => {
          c.socket.close();
          await c.socket.waitForClose(WAIT_MS);
        }),
    );
  }
}

// ---- The property --------------------------------------------------------------------------------

/** Runs per backend; a run is at most MAX_COMMANDS commands plus probes and sentinels. */
const RUNS: Record<Backend['name'], number> = { memory: 100, redis: 40 };
const MAX_COMMANDS = 40;

describe.each(BACKENDS)('random sessions on the %s backend', (backendName) => {
  let backend: Backend;
  let server: RunningServer;
  let tokens: Record<Who, string>;
  let baseline: string;
  // Hub listeners (SSE subscriptions, fan-out routers) and fan-out groups and members.
  const resources = () => JSON.stringify([server.hub.listenerCounts(), server.fanout.size()]);

  beforeAll(async () => {
    backend = await createBackend(backendName);
    // Many frames per socket (pings, probes' subscribes); the other limits stay at their defaults.
    server = await backend.startIsolatedServer({ MESSAGES_PER_MINUTE: '100000' });
    tokens = Object.fromEntries(
      await Promise.all(PEOPLE.map(async (who) => [who, await tokenFor(who, [CAST[who]])] as const)),
    ) as Record<Who, string>;
    baseline = resources();
  });
  afterAll(async () => {
    await server?.close();
    await backend?.stop();
  });

  it('every subscription receives exactly its visible events while active, in order', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(commandArb, { minLength: 1, maxLength: MAX_COMMANDS, size: 'max' }),
        async (commands) => {
          const run = new Run(server, tokens);
          let failures: string[] = [];
          try {
            await run.observe();
            for (const command of commands) await run.execute(command);
            failures = await run.verdicts();
          } catch (error) {
            failures.push((error as Error).message);
          } finally {
            await run.closeAll().catch((error: unknown) => failures.push((error as Error).message));
          }
          // Closing every socket must release every listener the run's subscriptions registered.
          await waitUntil(
            'the hub has only the listeners it had before the run',
            () => resources() === baseline,
            WAIT_MS,
          ).catch((error: unknown) => failures.push(`${(error as Error).message}: ${resources()}`));
          if (failures.length > 0) {
            throw new Error(`${failures.join('\n')}\n--- run ${run.id} ---\n${run.trace.join('\n')}`);
          }
        },
      ),
      {
        numRuns: RUNS[backendName],
        ...(process.env.PROPERTY_SEED ? { seed: Number(process.env.PROPERTY_SEED) } : {}),
        // Shrinking replays runs against the real server: bound it so a failure is still reported in time.
        plugins: [fc.interruptAfterTimeLimit(40_000)],
      },
    );
  }, 150_000);
});
