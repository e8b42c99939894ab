import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { waitUntil } from './wait.js';

const run = promisify(execFile);

/** A three-node Redis Cluster owned by the test, on free ports of 127.0.0.1. */
export interface TestRedisCluster {
  /** `127.0.0.1:<port>,...`: the value of REDIS_CLUSTER_NODES. */
  readonly nodes: string;
  readonly ports: readonly number[];
  stop(): Promise<void>;
}

/** True if nothing listens on `port` of 127.0.0.1 right now. */
function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * A port P with P and its cluster bus port P + 10000 both free. Drawn at
 * random below the usual ephemeral range, so P + 10000 stays a valid port.
 */
async function freeClusterPort(taken: Set<number>): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (taken.has(port) || taken.has(port + 10_000)) continue;
    if ((await isFree(port)) && (await isFree(port + 10_000))) {
      taken.add(port);
      return port;
    }
  }
}

/** Polls until `check` holds (a failing check counts as not yet); fails naming `what`. */
const until = (what: string, check: () => Promise<boolean>) =>
  waitUntil(`Redis Cluster: ${what}`, () => check().catch(() => false), 15_000);

/** Asks one node something; null if it does not answer. */
async function ask(port: number, ...command: [string, ...string[]]): Promise<string | null> {
  const client = new Redis(port, '127.0.0.1', {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  client.on('error', () => {});
  try {
    await client.connect();
    return String(await client.call(...command));
  } catch {
    return null;
  } finally {
    client.disconnect();
  }
}

/**
 * Starts three `redis-server --cluster-enabled yes` (no persistence, config in
 * a temporary folder), joins them with `redis-cli --cluster create` (no
 * replicas) and waits for `cluster_state:ok` on every node. Needs
 * `redis-server` and `redis-cli` on PATH.
 */
export async function startRedisCluster(): Promise<TestRedisCluster> {
  const dir = await mkdtemp(join(tmpdir(), 'seh-cluster-'));
  const taken = new Set<number>();
  const children: ChildProcess[] = [];
  const stop = async () => {
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGKILL');
          }),
      ),
    );
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const ports = [await freeClusterPort(taken), await freeClusterPort(taken), await freeClusterPort(taken)];
    for (const port of ports) {
      const child = spawn(
        'redis-server',
        [
          '--port',
          String(port),
          '--bind',
          '127.0.0.1',
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          join(dir, `nodes-${port}.conf`),
          '--cluster-node-timeout',
          '5000',
          '--save',
          '',
          '--appendonly',
          'no',
          '--dir',
          dir,
        ],
        { stdio: 'ignore' },
      );
      children.push(child);
      // The node answering must be this child, not another test's server that took the port meanwhile.
      await until(`node ${port} answers`, async () => {
        const info = await ask(port, 'info', 'server');
        return info !== null && Number(/process_id:(\d+)/.exec(info)?.[1]) === child.pid;
      });
    }
    await run('redis-cli', [
      '--cluster',
      'create',
      ...ports.map((port) => `127.0.0.1:${port}`),
      '--cluster-replicas',
      '0',
      '--cluster-yes',
    ]);
    for (const port of ports) {
      await until(
        `node ${port} reports cluster_state:ok`,
        async () => (await ask(port, 'cluster', 'info'))?.includes('cluster_state:ok') ?? false,
      );
    }
    return { nodes: ports.map((port) => `127.0.0.1:${port}`).join(','), ports, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
