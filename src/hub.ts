import { randomUUID } from 'node:crypto';
import type { BusMessage, EventBus } from './bus/bus.js';
import { apiError } from './errors.js';
import { STREAMS, type Stream, type StreamPayloads } from './events/types.js';
import type { History } from './history/history.js';

/** A local subscriber's callback. */
export type Listener<S extends Stream> = (event: StreamPayloads[S]) => void;

/**
 * The hub joins the bus, the history and this instance's subscribers. It
 * subscribes to each stream on the bus once and fans events out locally, so
 * Redis sees one subscription per stream per instance, not one per client.
 */
export interface Hub {
  /** This instance's id on the bus. */
  readonly instanceId: string;
  readonly history: History;
  /** Publishes to every instance and records it here. Rejects with UNAVAILABLE when the bus is down. */
  publish<S extends Stream>(stream: S, event: StreamPayloads[S]): Promise<StreamPayloads[S]>;
  /** Calls `listener` for each event of the stream from any instance; returns the unsubscribe function. */
  listen<S extends Stream>(stream: S, listener: Listener<S>): () => void;
  /** True while the bus works. */
  isReady(): boolean;
  /** Which bus backs it. */
  readonly backend: EventBus['kind'];
  /** Stops listening and closes the bus. */
  close(): Promise<void>;
}

/** Creates the hub and subscribes it to every stream on the bus. */
export async function createHub(bus: EventBus, history: History): Promise<Hub> {
  const instanceId = randomUUID();
  const listeners = Object.fromEntries(STREAMS.map((s) => [s, new Set()])) as {
    [S in Stream]: Set<Listener<S>>;
  };

  const deliver = <S extends Stream>(stream: S, message: BusMessage<S>) => {
    // The publishing instance recorded it already, before anyone could ask for it.
    if (message.origin !== instanceId) history.record(stream, message.event);
    for (const listener of listeners[stream] as Set<Listener<S>>) {
      try {
        listener(message.event);
      } catch (error) {
        // One broken subscriber must not stop the others' deliveries.
        console.error(`listener on ${stream} failed`, error);
      }
    }
  };
  const unsubscribes = await Promise.all(
    STREAMS.map((stream) => bus.subscribe(stream, (m) => deliver(stream, m))),
  );

  return {
    instanceId,
    history,
    backend: bus.kind,
    async publish(stream, event) {
      try {
        await bus.publish(stream, { origin: instanceId, event });
      } catch {
        throw apiError('UNAVAILABLE', 'The event backend is unavailable; nothing was published. Try again.');
      }
      history.record(stream, event);
      return event;
    },
    listen(stream, listener) {
      const set = listeners[stream] as Set<typeof listener>;
      set.add(listener);
      return () => set.delete(listener);
    },
    isReady: () => bus.isReady(),
    async close() {
      for (const unsubscribe of unsubscribes) unsubscribe();
      await bus.close();
    },
  };
}
