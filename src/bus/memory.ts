import { PubSub } from 'graphql-subscriptions';
import type { EventBus } from './bus.js';
import { engineBus } from './engine.js';

/** In-process bus for a single instance: no Redis needed, always ready. */
export function createMemoryBus(): EventBus {
  const engine = new PubSub();
  let open = true;
  return engineBus({
    kind: 'memory',
    engine,
    channelPrefix: '',
    isReady: () => open,
    close: async () => {
      open = false;
    },
  });
}
