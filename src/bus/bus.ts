import type { Stream, StreamPayloads } from '../events/types.js';

/** What travels between instances: the event and the instance that published it. */
export interface BusMessage<S extends Stream = Stream> {
  /** The publishing instance's id, so it can skip what it already recorded. */
  readonly origin: string;
  readonly event: StreamPayloads[S];
}

/**
 * The pub/sub backend between instances. Memory and Redis implement it alike,
 * and the same test suite runs against both.
 */
export interface EventBus {
  /** `memory` (one process) or `redis` (any number of instances). */
  readonly kind: 'memory' | 'redis';
  /** Sends a message to every instance's listeners, this one's included. Rejects when the backend is down. */
  publish<S extends Stream>(stream: S, message: BusMessage<S>): Promise<void>;
  /** Calls `onMessage` for each message on the stream, in publish order; resolves to an unsubscribe function. */
  subscribe<S extends Stream>(stream: S, onMessage: (message: BusMessage<S>) => void): Promise<() => void>;
  /** True while publishing and receiving work. Drives `/ready`. */
  isReady(): boolean;
  /** Releases connections. */
  close(): Promise<void>;
}
