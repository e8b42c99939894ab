import { type ChildProcess, spawn } from 'node:child_process';

/**
 * Request/response over Node's IPC channel between the orchestrator and its
 * child processes (servers under test, the load generator). Each child
 * declares its API as a map of command → { payload, result }; the parent calls
 * it with `call`, the child answers with `serve`. A child announces itself
 * once with a `ready` message carrying whatever the parent needs (its port).
 */

/** A child's commands: each one's payload and result. */
export type Api = Record<string, { payload: unknown; result: unknown }>;

interface Request {
  readonly kind: 'request';
  readonly id: number;
  readonly command: string;
  readonly payload: unknown;
}

interface Response {
  readonly kind: 'response';
  readonly id: number;
  readonly ok: boolean;
  readonly result?: unknown;
  readonly error?: string;
}

interface Ready {
  readonly kind: 'ready';
  readonly info: unknown;
}

type Message = Response | Ready;

/** Options of a child process. */
export interface ChildOptions {
  /** Script to run (TypeScript, through tsx), relative to `cwd` or absolute. */
  script: string;
  /** Working directory: the repository root, so `--import tsx` resolves. */
  cwd: string;
  env?: Record<string, string>;
  /** Extra Node flags (`--cpu-prof`, ...). */
  nodeFlags?: string[];
  /** Name used in error messages. */
  name: string;
}

/** A running child with a typed request/response channel. */
export interface Child<A extends Api, R> {
  readonly name: string;
  readonly process: ChildProcess;
  /** What the child sent with `ready`. */
  readonly ready: Promise<R>;
  /** Sends a command; rejects with the child's error, or when the child exits first. */
  call<K extends keyof A & string>(command: K, payload: A[K]['payload']): Promise<A[K]['result']>;
  /** Resolves with the exit code once the child is gone. */
  readonly exited: Promise<number | null>;
  /** SIGKILL unless already gone. */
  kill(): void;
}

/** The file-descriptor limit children ask for: 10,000 sockets per process plus headroom. */
export const WANTED_NOFILE = 65_536;

/**
 * Starts a TypeScript child with an IPC channel, through `sh` so it can raise
 * its open-files limit first (as far as the hard limit allows; as root, to
 * WANTED_NOFILE). The limit it got is in the child's `BENCH_NOFILE`.
 */
export function startChild<A extends Api, R>(options: ChildOptions): Child<A, R> {
  const raise = `ulimit -n ${WANTED_NOFILE} 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null; export BENCH_NOFILE="$(ulimit -n)"; exec "$0" "$@"`;
  const child = spawn(
    '/bin/sh',
    [
      '-c',
      raise,
      process.execPath,
      '--import',
      'tsx',
      '--expose-gc',
      ...(options.nodeFlags ?? []),
      options.script,
    ],
    {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    },
  );
  let nextId = 0;
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let resolveReady!: (info: R) => void;
  let rejectReady!: (error: Error) => void;
  const ready = new Promise<R>((resolve, reject) => {
    resolveReady = resolve;
    rejectReady = reject;
  });
  // Nobody may be waiting on `ready` when a child dies later; the rejection is still reported by `call`.
  ready.catch(() => undefined);

  child.on('message', (message: Message) => {
    if (message.kind === 'ready') {
      resolveReady(message.info as R);
      return;
    }
    const waiter = pending.get(message.id);
    if (!waiter) return;
    pending.delete(message.id);
    if (message.ok) waiter.resolve(message.result);
    else waiter.reject(new Error(`${options.name}: ${message.error}`));
  });
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code, signal) => {
      const error = new Error(`${options.name} exited (code ${code}, signal ${signal})`);
      rejectReady(error);
      for (const waiter of pending.values()) waiter.reject(error);
      pending.clear();
      resolve(code);
    });
  });

  return {
    name: options.name,
    process: child,
    ready,
    exited,
    call(command, payload) {
      if (child.exitCode !== null || child.signalCode !== null) {
        return Promise.reject(new Error(`${options.name} is not running`));
      }
      const id = ++nextId;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
        child.send({ kind: 'request', id, command, payload } satisfies Request);
      });
    },
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

/** Handlers of a child's commands. */
export type Handlers<A extends Api> = {
  [K in keyof A]: (payload: A[K]['payload']) => A[K]['result'] | Promise<A[K]['result']>;
};

/**
 * Answers the parent's commands in a child process. Exits when the parent goes
 * away, so an interrupted run leaves no servers behind.
 */
export function serve<A extends Api>(handlers: Handlers<A>): void {
  const send = process.send?.bind(process);
  if (!send) throw new Error('this script runs as a child of bench/run.ts (no IPC channel)');
  process.on('message', async (request: Request) => {
    if (request.kind !== 'request') return;
    const handler = handlers[request.command as keyof A];
    try {
      if (!handler) throw new Error(`unknown command ${request.command}`);
      const result = await handler(request.payload as A[keyof A]['payload']);
      send({ kind: 'response', id: request.id, ok: true, result } satisfies Response);
    } catch (error) {
      const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
      send({ kind: 'response', id: request.id, ok: false, error: text } satisfies Response);
    }
  });
  process.on('disconnect', () => process.exit(0));
}

/** Tells the parent this child is up, with what it needs to know. */
export function announce(info: unknown): void {
  process.send?.({ kind: 'ready', info } satisfies Ready);
}
