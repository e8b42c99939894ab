import { connect, createServer, type Server, type Socket } from 'node:net';

/** A TCP proxy in front of a server, whose connections a test can cut, as a network blip would. */
export interface CuttableProxy {
  /** `http://127.0.0.1:<port>` of the proxy. */
  readonly url: string;
  /** Destroys every open connection through the proxy (both sides); new ones are accepted. */
  cut(): void;
  close(): Promise<void>;
}

/** Starts a proxy on a free port that forwards to `target` (`http://host:port`). */
export async function startProxy(target: string): Promise<CuttableProxy> {
  const { hostname, port } = new URL(target);
  const open = new Set<Socket>();
  const track = (socket: Socket) => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
    socket.on('error', () => socket.destroy());
  };
  const server: Server = createServer((client) => {
    const upstream = connect(Number(port), hostname);
    track(client);
    track(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('proxy has no port');
  return {
    url: `http://127.0.0.1:${address.port}`,
    cut: () => {
      for (const socket of open) socket.destroy();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
