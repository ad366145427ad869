/**
 * A call in the network lab: the lab, its servers (a meshmeet node, optionally coturn,
 * redis, more nodes and nginx) and participants, each with its own shaped link and its
 * own Chromium. `close()` stops everything and deletes every namespace, and is safe after
 * a partial start: `after(() => call.close())`.
 *
 * ```ts
 * const call = await LabCall.start({ turn: true });
 * const ann = await call.add('Ann', { uplink: '1mbit', loss: 0.02, nat: true });
 * await joinRoom(ann.page, { room, nick: 'Ann' });
 * ```
 */
import type { Browser } from 'playwright-core';
import { openParticipant, type Participant } from '../browser.js';
import { joinRoom, selfId, waitForAudioPackets, waitForDecodedVideo, waitForRemoteTiles } from '../call.js';
import { launchChromiumIn, type LabChromiumOptions } from './chromium.js';
import { Lab, type LabParticipant, type LinkOptions } from './lab.js';
import { startLabCoturn, startLabNginx, startLabRedis, startLabServer, type LabService, type LabTurn } from './servers.js';
import { httpGetIn } from './shell.js';

/** What to run in the servers namespace. */
export interface LabCallOptions {
  /** coturn, with the server handing out short-lived credentials for it. */
  turn?: boolean;
  /** A redis-server as the room store (needed for several nodes, and for membership to outlive a node). */
  redis?: boolean;
  /** Number of meshmeet nodes (≥ 2 implies redis and an nginx in front). @default 1 */
  nodes?: number;
  /** Extra server environment (e.g. RESUME_GRACE_MS). */
  serverEnv?: Record<string, string>;
}

/** A participant: its page, its browser and its place in the lab. */
export interface LabPerson extends Participant {
  net: LabParticipant;
  browser: Browser;
}

/** A running lab call. */
export class LabCall {
  readonly people: LabPerson[] = [];
  nodes: LabService[] = [];
  nginx?: LabService;
  turn?: LabTurn;
  redis?: LabService;
  private readonly stops: (() => Promise<unknown>)[] = [];

  private constructor(readonly lab: Lab) {}

  /** Builds the lab and starts the servers. */
  static async start(opts: LabCallOptions = {}): Promise<LabCall> {
    const lab = await Lab.create();
    const call = new LabCall(lab);
    try {
      const nodes = opts.nodes ?? 1;
      if (opts.redis || nodes > 1) {
        call.redis = await startLabRedis(lab);
        call.stops.push(() => call.redis!.stop());
      }
      if (opts.turn) {
        call.turn = await startLabCoturn(lab);
        call.stops.push(() => call.turn!.stop());
      }
      for (let i = 0; i < nodes; i++) {
        const node = await startLabServer(lab, {
          port: 8080 + i,
          redisUrl: call.redis?.url,
          turn: call.turn,
          env: opts.serverEnv,
        });
        call.nodes.push(node);
        call.stops.push(() => node.stop());
      }
      if (nodes > 1) {
        call.nginx = await startLabNginx(lab, call.nodes.map((n) => n.port));
        call.stops.push(() => call.nginx!.stop());
      }
    } catch (err) {
      await call.close();
      throw err;
    }
    return call;
  }

  /** The URL people open: nginx when there are several nodes, else the node. */
  get url(): string {
    return (this.nginx ?? this.nodes[0]!).url;
  }

  /**
   * Adds a participant with its own link and Chromium and opens the app at
   * `/?debug=1&<query>`.
   */
  async add(name: string, link: LinkOptions = {}, opts: { query?: string; chromium?: Partial<LabChromiumOptions> } = {}): Promise<LabPerson> {
    const net = await this.lab.participant(link);
    const browser = await launchChromiumIn(net, { origin: this.url, ...opts.chromium });
    this.stops.push(() => browser.close());
    const p = await openParticipant(browser, `${this.url}/?debug=1${opts.query ? `&${opts.query}` : ''}`, name);
    const person: LabPerson = { ...p, net, browser };
    this.people.push(person);
    return person;
  }

  /** GET a resource of the servers from inside the lab (e.g. `/userlist?room=x`); 200 or throws. */
  async getText(path: string, base = this.url, headers: Record<string, string> = {}): Promise<string> {
    const res = await httpGetIn(this.lab.serversNs, `${base}${path}`, headers);
    if (res.status !== 200) throw new Error(`GET ${base}${path}: ${res.status} ${res.body.slice(0, 200)}`);
    return res.body;
  }

  /** Stops browsers, then servers (reverse start order), then deletes the lab. */
  async close(): Promise<void> {
    await Promise.all(this.people.map((p) => p.context.close().catch(() => undefined)));
    for (const stop of this.stops.splice(0).reverse()) await stop().catch(() => undefined);
    await this.lab.destroy();
  }
}

/**
 * Everyone joins `room`, then waits until each sees the others' tiles and decodes their
 * video and audio. Returns the peer ids in `people` order.
 */
export async function joinAndConnect(people: LabPerson[], room: string, timeoutMs = 60_000): Promise<string[]> {
  for (const p of people) await joinRoom(p.page, { room, nick: p.name });
  const ids = await Promise.all(people.map((p) => selfId(p.page)));
  for (const [i, p] of people.entries()) {
    await waitForRemoteTiles(p.page, people.length - 1, timeoutMs);
    for (const [j, id] of ids.entries()) {
      if (i === j) continue;
      await waitForDecodedVideo(p.page, id, timeoutMs);
      await waitForAudioPackets(p.page, id, timeoutMs);
    }
  }
  return ids;
}
