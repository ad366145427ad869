import { connect } from 'node:net';
import { freePort } from './ports.js';
import { startProcess, type Managed } from './processes.js';
import { FatalWaitError, waitFor } from './wait.js';

/** A running throw-away redis-server. */
export interface RedisHandle {
  url: string;
  port: number;
  proc: Managed;
  stop(): Promise<void>;
}

/** Sends one inline command to Redis over a raw socket and returns the raw reply ('' on error). */
export function redisCommand(host: string, port: number, command: string, timeoutMs = 2000): Promise<string> {
  return new Promise((resolve) => {
    const sock = connect(port, host);
    let reply = '';
    const done = () => {
      clearTimeout(timer);
      sock.destroy();
      resolve(reply);
    };
    const timer = setTimeout(done, timeoutMs);
    sock.on('error', done);
    sock.on('data', (d) => {
      reply += d.toString();
      // A bulk reply starts with $<length>; wait until all of it arrived.
      const bulk = /^\$(\d+)\r\n/.exec(reply);
      if (reply.endsWith('\r\n') && (!bulk || reply.length >= bulk[0].length + Number(bulk[1]))) done();
    });
    sock.write(`${command}\r\n`);
  });
}

/** Waits until the Redis at `url` answers PING. */
export async function waitForRedis(url: string, timeoutMs = 10_000, proc?: Managed): Promise<void> {
  const { hostname, port } = new URL(url);
  let spawnError: Error | undefined;
  proc?.child.once('error', (err) => (spawnError = err));
  await waitFor(
    `redis at ${url} to answer PING`,
    async () => {
      if (proc && spawnError) throw new FatalWaitError(`cannot start redis-server (is it installed?): ${spawnError.message}`);
      if (proc && (proc.child.exitCode !== null || proc.child.signalCode !== null)) {
        throw new FatalWaitError(`redis-server exited (${proc.child.exitCode ?? proc.child.signalCode}):\n${proc.output().slice(-3000)}`);
      }
      return (await redisCommand(hostname, Number(port || 6379), 'PING')).startsWith('+PONG');
    },
    { timeoutMs, intervalMs: 50 },
  );
}

/** Options of {@link startRedis}. */
export interface RedisOptions {
  /** Port to listen on (e.g. to bring a killed server back where its clients expect it); default: a free one. */
  port?: number;
  /** Appended to the command line, e.g. `['--maxclients', '10000']`. */
  extraArgs?: string[];
  /** Also write the server's output here. */
  log?: NodeJS.WritableStream;
}

/** Starts a redis-server without persistence on a loopback port and waits for PING. */
export async function startRedis(opts: RedisOptions = {}): Promise<RedisHandle> {
  const port = opts.port ?? (await freePort());
  const proc = startProcess(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...(opts.extraArgs ?? [])],
    { name: 'redis', ...(opts.log ? { log: opts.log } : {}) },
  );
  const url = `redis://127.0.0.1:${port}`;
  try {
    await waitForRedis(url, 10_000, proc);
  } catch (err) {
    await proc.stop();
    throw err;
  }
  return { url, port, proc, stop: () => proc.stop() };
}
