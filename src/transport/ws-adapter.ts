import type { Duplex } from 'node:stream';
import { CloseCode, type Server } from 'graphql-ws';
import type { RawData, WebSocket, WebSocketServer } from 'ws';
import { type Metrics, NO_METRICS } from '../metrics/metrics.js';

/**
 * Close codes this server uses besides graphql-ws's own (4400 bad request,
 * 4401 unauthorized, 4403 forbidden, 4406 subprotocol, 4408 init timeout,
 * 4409 duplicate id, 4429 second init).
 */
export const CLOSE = {
  /** Shutting down: reconnect (to another instance). */
  goingAway: 1001,
  /** A message over the size limit (ws enforces it). */
  messageTooBig: 1009,
  /** Too slow to keep up: reconnect and resume from the last cursor. graphql-ws clients retry on it. */
  tryAgainLater: 1013,
  /** Too many messages, or too many connections for one user. Not retried by graphql-ws clients. */
  tooManyRequests: 4429,
} as const;

/** Per-connection limits enforced by the adapter. */
export interface SocketLimits {
  /** Messages a connection may send per minute (a token bucket: bursts up to this, refilled evenly). */
  messagesPerMinute: number;
  /** Bytes queued for a socket beyond which it is closed as too slow. */
  maxBufferedBytes: number;
  /** Ping interval; a peer that has not answered the previous ping by the next is terminated. */
  heartbeatIntervalMs: number;
}

/**
 * What each connection's graphql-ws context carries in `extra`: the socket,
 * the peer's address (not the upgrade request, which would stay alive, headers
 * and all, for as long as the socket does), and the connection, whose
 * sendParts is fan-out's writer for this socket.
 */
export interface SocketExtra {
  readonly socket: WebSocket;
  readonly ip: string | undefined;
  readonly connection: Connection;
}

const TOO_SLOW = 'Too slow: reconnect and resume from your last cursor';

/**
 * How long a connection may wait before its `connection_init` (graphql-ws's
 * default). The adapter times it, not graphql-ws (whose makeServer must be
 * given `connectionInitWaitTimeout: 0`): graphql-ws keeps its timer referenced,
 * cleared, for the socket's life; this one is dropped once init arrives.
 */
export const CONNECTION_INIT_WAIT_MS = 3_000;

// A closing socket whose peer does not answer the close handshake is destroyed after this long.
const CLOSE_GRACE_MS = 2000;

/** Closes with a code and reason, and destroys the socket if the peer never completes the handshake. */
export function closeSocket(socket: WebSocket, code: number, reason: string): void {
  if (socket.readyState === socket.CLOSED) return;
  socket.close(code, reason);
  setTimeout(() => socket.terminate(), CLOSE_GRACE_MS).unref();
}

/**
 * Frames written in one turn of the event loop leave in one write per socket:
 * a socket is corked at its first frame of the batch and uncorked once the
 * turn's deliveries are done (a burst of 50 events to 1,000 sockets is then
 * 1,000 system calls rather than 50,000). A turn that runs long is flushed
 * every BATCH_MS, so clients start reading while the server still works and
 * no frame waits much longer than that.
 */
const BATCH_MS = 10;
// The clock is read once per this many frames.
const FRAMES_PER_CLOCK_READ = 64;
let corked = new Set<Duplex>();
let batchStartedAt = 0;
let framesSinceClockRead = 0;

function flushCorked(): void {
  const sockets = corked;
  corked = new Set();
  for (const socket of sockets) socket.uncork();
}

function corkForTurn(socket: Duplex): void {
  if (++framesSinceClockRead === FRAMES_PER_CLOCK_READ) {
    framesSinceClockRead = 0;
    if (corked.size > 0 && performance.now() - batchStartedAt > BATCH_MS) flushCorked();
  }
  if (corked.has(socket)) return;
  if (corked.size === 0) {
    batchStartedAt = performance.now();
    process.nextTick(flushCorked);
  }
  corked.add(socket);
  socket.cork();
}

/**
 * One unmasked, final text frame (RFC 6455 §5.2: server frames are not
 * masked) holding `head` then `tail`, in one buffer: one write per delivery,
 * and the shared tail is copied, never re-encoded.
 */
export function textFrame(head: string, tail: Buffer): Buffer {
  const headLength = Buffer.byteLength(head);
  const length = headLength + tail.length;
  const headerLength = length < 126 ? 2 : length < 65_536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(headerLength + length);
  frame[0] = 0x81; // FIN, opcode 1 (text)
  if (length < 126) frame[1] = length;
  else if (length < 65_536) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeUInt32BE(Math.floor(length / 2 ** 32), 2);
    frame.writeUInt32BE(length >>> 0, 6);
  }
  frame.write(head, headerLength);
  tail.copy(frame, headerLength + headLength);
  return frame;
}

/**
 * Writes a text message unless the reader is too slow: over `maxBufferedBytes`
 * queued, the socket is closed with 1013. Past a quarter of the cap the
 * returned promise waits until the message is written out (backpressure for
 * whoever awaits it); a reader that does not drain within a heartbeat is cut
 * off. The message is either a string (graphql-ws's own messages, sent
 * through ws) or a frame already encoded (fan-out's, see textFrame), written
 * to `raw`, the connection's TCP socket, after anything ws wrote before: ws
 * writes synchronously, as it never compresses here (perMessageDeflate is
 * off). Both kinds are batched per turn (corkForTurn).
 */
function sendCapped(
  socket: WebSocket,
  raw: Duplex,
  limits: SocketLimits,
  message: string | Buffer,
): void | Promise<void> {
  if (socket.readyState !== socket.OPEN) return;
  // Read once: the getter sums the socket's and the sender's queues, on every frame.
  const buffered = socket.bufferedAmount;
  if (buffered > limits.maxBufferedBytes) {
    closeSocket(socket, CLOSE.tryAgainLater, TOO_SLOW);
    return;
  }
  corkForTurn(raw);
  if (buffered <= limits.maxBufferedBytes / 4) {
    if (typeof message === 'string') socket.send(message);
    else raw.write(message);
    return;
  }
  return new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      closeSocket(socket, CLOSE.tryAgainLater, TOO_SLOW);
      resolve();
    }, limits.heartbeatIntervalMs);
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    if (typeof message === 'string') socket.send(message, done);
    else raw.write(message, done);
  });
}

/**
 * Runs a graphql-ws server (`makeServer`) on a ws server, like graphql-ws's
 * own `useServer`, plus what an internet-facing server needs: a per-connection
 * message rate limit (a flood is refused, not queued), a cap on bytes queued
 * for a slow reader, and heartbeats that drop dead peers. Sends apply
 * backpressure past a quarter of the cap; a reader that stalls is cut off with
 * 1013 rather than holding memory.
 */
export function attachGraphQLWs<E extends SocketExtra>(
  wss: WebSocketServer,
  server: Server<E>,
  limits: SocketLimits,
  metrics: Pick<Metrics, 'rateLimited'> = NO_METRICS,
): { dispose(): Promise<void> } {
  // One heartbeat for every socket: a socket still in `awaitingPong` at the next beat is terminated.
  const awaitingPong = new WeakSet<WebSocket>();
  const heartbeat = setInterval(() => {
    for (const socket of wss.clients) {
      if (awaitingPong.has(socket)) {
        socket.terminate();
        continue;
      }
      awaitingPong.add(socket);
      socket.ping();
    }
  }, limits.heartbeatIntervalMs);
  heartbeat.unref();
  const onPong = function (this: WebSocket) {
    awaitingPong.delete(this);
  };

  wss.on('connection', (socket, request) => {
    socket.on('pong', onPong);
    // ws reports protocol violations (e.g. an oversized frame, closed with 1009) as errors after closing.
    socket.on('error', ignore);
    // The upgraded request's socket is the TCP connection ws writes to.
    const connection = new Connection(socket, request.socket, limits, metrics);
    connection.whenClosed = server.opened(
      connection,
      // E adds only what the server's hooks fill in later (optional fields).
      { socket, ip: request.socket.remoteAddress, connection } as E,
    );
    // ws emits 'close' once; `on` spares the per-socket wrapper `once` adds.
    socket.on('close', onClose);
  });

  return {
    async dispose() {
      clearInterval(heartbeat);
      for (const socket of wss.clients) closeSocket(socket, CLOSE.goingAway, 'Server shutting down');
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

const ignore = () => {};

/**
 * Each socket's Connection, for the 'message' and 'close' listeners all
 * sockets share (ws calls them with the socket as `this`): a closure and its
 * scope per socket and event would cost about 100 bytes each.
 */
const connections = new WeakMap<WebSocket, Connection>();

function onMessage(this: WebSocket, data: RawData, isBinary: boolean): void {
  connections.get(this)?.received(data, isBinary);
}

function onClose(this: WebSocket, code: number, reason: Buffer): void {
  connections.get(this)?.closed(code, reason.toString());
}

/**
 * Runs some messages itself rather than graphql-ws: `take` returns the
 * message's handling, or null to leave it to graphql-ws. Its failures close
 * the socket as graphql-ws's do (4500).
 */
export interface MessageTaker {
  take(message: string): Promise<void> | null;
}

/**
 * graphql-ws's view of one socket, with the connection's message rate limit
 * (a token bucket) and fan-out's writer. A class, so that what each connection
 * holds is its fields and not a set of closures.
 */
export class Connection {
  readonly protocol: string;
  private tokens: number;
  private refilledAt = Date.now();
  private initWait: NodeJS.Timeout | null;
  private handle: ((data: string) => Promise<void>) | null = null;
  /** Offered every message before graphql-ws (see MessageTaker). */
  taker: MessageTaker | null = null;
  /** What graphql-ws runs when the socket closes (the function `opened` returned). */
  whenClosed: ((code: number, reason: string) => Promise<void>) | null = null;

  constructor(
    private readonly socket: WebSocket,
    private readonly raw: Duplex,
    private readonly limits: SocketLimits,
    private readonly metrics: Pick<Metrics, 'rateLimited'>,
  ) {
    this.protocol = socket.protocol;
    this.tokens = limits.messagesPerMinute;
    connections.set(socket, this);
    this.initWait = setTimeout(
      () => this.close(CloseCode.ConnectionInitialisationTimeout, 'Connection initialisation timeout'),
      CONNECTION_INIT_WAIT_MS,
    );
  }

  /** The client sent `connection_init` (or left): stops the wait for it (see CONNECTION_INIT_WAIT_MS). */
  initialised(): void {
    if (this.initWait) clearTimeout(this.initWait);
    this.initWait = null;
  }

  send(message: string): void | Promise<void> {
    return sendCapped(this.socket, this.raw, this.limits, message);
  }

  /**
   * Fan-out's writer: one text message in two parts, a per-subscriber head and
   * a tail shared by many subscribers, with the slow-reader cap.
   */
  sendParts(head: string, tail: Buffer): void | Promise<void> {
    return sendCapped(this.socket, this.raw, this.limits, textFrame(head, tail));
  }

  close(code?: number, reason?: string): void {
    closeSocket(this.socket, code ?? 1000, reason ?? '');
  }

  onMessage(handle: (data: string) => Promise<void>): void {
    this.handle = handle;
    this.socket.on('message', onMessage);
  }

  /** A message from the peer (see onMessage). */
  received(data: RawData, isBinary: boolean): void {
    const { socket, handle } = this;
    if (socket.readyState !== socket.OPEN || !handle) return;
    if (!this.allowMessage()) {
      this.metrics.rateLimited('messages');
      closeSocket(socket, CLOSE.tooManyRequests, 'Too many messages');
      return;
    }
    if (isBinary) {
      closeSocket(socket, CloseCode.BadRequest, 'Binary messages are not accepted');
      return;
    }
    const message = String(data);
    let handling: Promise<void>;
    try {
      handling = this.taker?.take(message) ?? handle(message);
    } catch (error) {
      // Thrown rather than rejected: the same 4500, not an exception in ws's 'message' event.
      handling = Promise.reject(error);
    }
    handling.catch((error: unknown) => {
      console.error('WebSocket message handling failed', error);
      closeSocket(socket, CloseCode.InternalServerError, 'Internal server error');
    });
  }

  /** The socket closed: graphql-ws ends its operations. */
  closed(code: number, reason: string): void {
    this.initialised();
    void this.whenClosed?.(code, reason);
  }

  private allowMessage(): boolean {
    const { messagesPerMinute } = this.limits;
    const now = Date.now();
    this.tokens = Math.min(
      messagesPerMinute,
      this.tokens + ((now - this.refilledAt) * messagesPerMinute) / 60_000,
    );
    this.refilledAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
