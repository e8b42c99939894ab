import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { RunningServer } from '../src/transport/server.js';
import { tokenFor } from './support/auth.js';
import { startTestServer } from './support/server.js';
import { waitUntil } from './support/wait.js';
import { openAuthedSocket, subscribeOn } from './support/ws.js';

/**
 * A client that stops reading cannot grow server memory without bound: past
 * MAX_BUFFERED_BYTES its socket is closed (1013, retryable; destroyed if it
 * never reads the close) and released, while a healthy client keeps receiving
 * everything. The slow one then resumes from its last cursor and misses nothing.
 */

const EVENTS = 8000;
const PAD = 'x'.repeat(7000);
const BACKLOG_BYTES = EVENTS * PAD.length;
const LIMIT = 256 * 1024;

let server: RunningServer;
beforeAll(async () => {
  // A short history keeps the log's own memory constant, so growth is the sockets'.
  server = await startTestServer({ MAX_BUFFERED_BYTES: String(LIMIT), HISTORY_MAX_EVENTS: String(EVENTS) });
});
afterAll(() => server.close());

const memory = () => {
  (globalThis as { gc?: () => void }).gc?.();
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return heapUsed + arrayBuffers;
};

const publish = (n: number) =>
  server.hub.publish('securityAlerts', {
    id: `slow-${n}`,
    type: 'API_ABUSE',
    severity: 'LOW',
    message: `event ${n}`,
    userId: null,
    source: null,
    identifier: null,
    details: n === 0 ? null : { pad: PAD },
    mitigation: null,
    raisedBy: 'ids',
    createdAt: new Date().toISOString(),
    acknowledgement: null,
  });

/** A healthy reader that keeps only a count and the last message, so the test itself holds little memory. */
async function healthyReader(token: string) {
  const ws = new WebSocket(`${server.url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws');
  const state = { count: 0, last: '', inOrder: true };
  await new Promise((resolve) => ws.once('open', resolve));
  const acked = new Promise((resolve) => ws.once('message', resolve));
  ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } }));
  await acked;
  ws.on('message', (data) => {
    const message = JSON.parse(String(data)).payload?.data?.securityAlerts?.message as string | undefined;
    if (message === undefined) return;
    state.inOrder &&= message === `event ${state.count}`;
    state.count++;
    state.last = message;
  });
  ws.send(
    JSON.stringify({
      id: 'h',
      type: 'subscribe',
      payload: { query: 'subscription { securityAlerts { message } }' },
    }),
  );
  return { state, close: () => ws.close() };
}

describe('a stalled reader', () => {
  it('is cut off at the buffer limit, costs bounded memory, and resumes from its cursor', async () => {
    const query = 'subscription($after: String) { securityAlerts(after: $after) { message cursor details } }';
    const before = server.fanout.size().members;
    const healthy = await healthyReader(await tokenFor('olga', ['officer']));
    const slowSocket = await openAuthedSocket(server.url, await tokenFor('sam', ['officer']));
    const slow = subscribeOn(slowSocket, query);
    const listening = before + 2;
    await waitUntil('both subscriptions listen', () => server.fanout.size().members === listening);

    await publish(0);
    const first = (await slow.next()).securityAlerts as { message: string; cursor: string };
    expect(first.message).toBe('event 0');

    // Stop reading: the TCP window closes and the server's writes back up.
    slowSocket.ws.pause();
    const baseline = memory();
    let peak = 0;
    for (let n = 1; n <= EVENTS; n++) {
      await publish(n);
      // Let sockets flush between publishes, as they would between real requests.
      if (n % 50 === 0) await new Promise((resolve) => setImmediate(resolve));
      if (n % 500 === 0) peak = Math.max(peak, memory() - baseline);
    }
    await waitUntil(
      'the stalled subscription is released',
      () => server.fanout.size().members === listening - 1,
    );
    // While stalled, the server held a few buffer limits' worth, not the ~56 MB backlog.
    expect(peak).toBeLessThan(BACKLOG_BYTES / 4);

    // The healthy client received everything, in order, meanwhile.
    await waitUntil('the healthy client has every event', () => healthy.state.count === EVENTS + 1);
    expect(healthy.state.inOrder).toBe(true);
    healthy.close();

    // Reading again, the slow client learns that it was cut off: the socket was closed with 1013, or,
    // since it read nothing for longer than the close handshake's grace, destroyed (1006); graphql-ws
    // clients retry on both. (Over SSE, a subscription that falls behind ends with SLOW_CONSUMER.)
    slowSocket.ws.resume();
    const ending = await Promise.race([
      slow.queue
        .next('the end of the slow subscription', 20_000)
        .then(async function untilEnd(frame): Promise<string> {
          if (frame.type !== 'next') return `${frame.type} ${JSON.stringify(frame.payload)}`;
          return untilEnd(await slow.queue.next('the end of the slow subscription', 20_000));
        }),
      slowSocket.waitForClose(20_000).then(({ code }) => `closed ${code}`),
    ]);
    expect(ending).toMatch(/^(error .*SLOW_CONSUMER|closed 1013|closed 1006)/);
    const received = slow.frames
      .filter((f) => f.type === 'next')
      .map(
        (f) =>
          (f.payload as { data: { securityAlerts: { message: string; cursor: string } } }).data
            .securityAlerts,
      );
    const last = received[received.length - 1] ?? first;
    const lastIndex = Number(last.message.split(' ')[1]);
    expect(lastIndex).toBeLessThan(EVENTS);
    slowSocket.close();
    const resumed = subscribeOn(
      await openAuthedSocket(server.url, await tokenFor('sam', ['officer'])),
      query,
      {
        after: last.cursor,
      },
    );
    for (let n = lastIndex + 1; n <= EVENTS; n++) {
      expect(((await resumed.next()).securityAlerts as { message: string }).message).toBe(`event ${n}`);
    }
  });
});
