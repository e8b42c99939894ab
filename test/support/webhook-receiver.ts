import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyWebhook } from '../../src/webhooks/signature.js';
import { AsyncQueue } from './queue.js';

/** A request a webhook receiver got, with what its signature check said. */
export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  /** The raw body, as signed. */
  body: string;
  /** The verdict of the receiver's signature check with its secret, as a real receiver would check. */
  verdict: ReturnType<typeof verifyWebhook>;
  /** The status it answered with. */
  answered: number;
}

/** A webhook receiver on 127.0.0.1 that verifies signatures and answers as the test scripts it. */
export interface WebhookReceiver {
  /** `http://127.0.0.1:<port>/hook`. */
  readonly url: string;
  /** Every request, in arrival order. */
  readonly requests: AsyncQueue<ReceivedWebhook>;
  /** Answers the next requests with these statuses (then 200 again); a bad signature always gets 401. */
  failNext(...statuses: number[]): void;
  close(): Promise<void>;
}

/** Starts a receiver that checks `X-Hub-Signature` with `secret`, like the README tells receivers to. */
export async function startWebhookReceiver(secret: string): Promise<WebhookReceiver> {
  const requests = new AsyncQueue<ReceivedWebhook>();
  const scripted: number[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const signature = request.headers['x-hub-signature'];
      const verdict = verifyWebhook(secret, body, typeof signature === 'string' ? signature : null);
      const answered = verdict.ok ? (scripted.shift() ?? 200) : 401;
      requests.push({ headers: request.headers, body, verdict, answered });
      response.writeHead(answered, { 'content-type': 'text/plain' }).end(verdict.ok ? 'ok' : verdict.reason);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    requests,
    failNext: (...statuses) => scripted.push(...statuses),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
