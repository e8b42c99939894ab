import type { PubSubEngine } from 'graphql-subscriptions';
import type { Stream } from '../events/types.js';
import type { BusMessage, EventBus } from './bus.js';

/** The channel a stream travels on. The prefix keeps this product's channels apart on a shared Redis. */
export const channelOf = (stream: Stream, prefix: string): string => `${prefix}${stream}`;

interface EngineBusOptions {
  kind: EventBus['kind'];
  engine: PubSubEngine;
  channelPrefix: string;
  isReady: () => boolean;
  close: () => Promise<void>;
}

/**
 * Adapts a graphql-subscriptions engine (the in-memory PubSub or RedisPubSub)
 * to the EventBus, so both backends share one code path.
 */
export function engineBus(options: EngineBusOptions): EventBus {
  const { engine, channelPrefix } = options;
  return {
    kind: options.kind,
    publish: (stream, message) => engine.publish(channelOf(stream, channelPrefix), message),
    async subscribe<S extends Stream>(stream: S, onMessage: (message: BusMessage<S>) => void) {
      const id = await engine.subscribe(channelOf(stream, channelPrefix), onMessage, {});
      return () => engine.unsubscribe(id);
    },
    isReady: options.isReady,
    close: options.close,
  };
}
