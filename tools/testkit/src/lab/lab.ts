/**
 * A network lab made of Linux network namespaces, for browser journeys over links that
 * are capped, lossy, NATed or cut — instead of one loopback where nothing ever breaks.
 *
 * Topology (every interface lives in a namespace the lab created; the machine's own
 * interfaces are never touched, and the lab works the same when the test runner itself
 * sits in an `unshare -n` namespace, as `npm test` does):
 *
 * ```
 *  participant ns "p1"        router ns "r1"                 hub ns                 servers ns
 *  eth0 10.101.0.2  ──veth──  lan 10.101.0.1 | wan 10.77.0.11 ──veth── br0 10.77.0.1 ──veth── eth0 10.77.0.2
 *  (browser)                  tbf caps, iptables loss/NAT/filter       (the "internet")       (signaling, coturn…)
 * ```
 *
 * Each participant gets its own namespace (its browser runs there, see `chromium.ts`)
 * behind its own "home router" namespace, which is where the link is shaped:
 * - **bandwidth caps**: `tbf` on the router's `wan` (uplink) and `lan` (downlink) egress;
 * - **random loss**: iptables `-m statistic --mode random` DROP in the router's FORWARD
 *   chain (both directions, silent — the sender's socket sees no error, as on a real link);
 * - **NAT**: MASQUERADE out of `wan`; the participant then has a private 192.168.N.0/24
 *   address the others cannot reach;
 * - **blocked peers**: FORWARD drops everything except traffic to or from the servers, so
 *   media can only go through TURN (the "corporate firewall" case);
 * - **link cut**: `ip link set eth0 down` on the participant's own interface, restored
 *   with `up` and its default route put back (the kernel drops the route with the link).
 *
 * It cannot emulate: added latency or jitter (this kernel has no `netem`; a user-space
 * delay line via NFQUEUE would be needed), packet reordering or duplication, burst/
 * correlated loss (each packet is dropped independently), asymmetric NAT types (Linux
 * MASQUERADE is one kind: endpoint-independent mapping, address-and-port-dependent
 * filtering), IPv6, DNS, MTU/path-MTU problems, Wi-Fi style rate changes other than by
 * calling `shape()` again, or CPU/radio limits of real devices. Shaping is per
 * participant link; the hub itself is unlimited.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { sh, shSync } from './shell.js';

/** A bandwidth such as `'1mbit'` or `'500kbit'` (tc units). */
export type Rate = `${number}${'kbit' | 'mbit'}`;

/** How one participant's link behaves. Every field may be changed later with `shape()`. */
export interface LinkOptions {
  /** Cap on what the participant sends (router → internet). Unlimited when unset. */
  uplink?: Rate;
  /** Cap on what the participant receives (router → participant). Unlimited when unset. */
  downlink?: Rate;
  /** Probability 0…0.5 that a packet is dropped, independently in each direction. */
  loss?: number;
  /** Behind a NAT (private address, MASQUERADE). Fixed at creation. */
  nat?: boolean;
  /**
   * Drop every packet to or from anything but the servers namespace, so no direct path
   * to another participant exists and media must be relayed (TURN). Fixed at creation.
   */
  blockPeers?: boolean;
}

/** A participant's place in the lab. */
export interface LabParticipant {
  /** Index from 1, in creation order. */
  index: number;
  /** Namespace the participant's browser runs in. */
  ns: string;
  /** Its "home router" namespace, where the link is shaped. */
  routerNs: string;
  /** The participant's own address (private when behind a NAT). */
  address: string;
  /** The address the rest of the lab sees (the router's when NATed). */
  publicAddress: string;
  /** Changes caps or loss on the live link (unset fields are removed). */
  shape(link: Pick<LinkOptions, 'uplink' | 'downlink' | 'loss'>): Promise<void>;
  /** Takes the participant's interface down: nothing gets in or out. */
  cut(): Promise<void>;
  /** Brings the interface back up with its default route. */
  restore(): Promise<void>;
}

/** The lab's public segment: hub gateway and the servers namespace. */
const HUB_ADDRESS = '10.77.0.1';
/** Where the servers (signaling, coturn, redis, nginx) listen. */
export const SERVERS_ADDRESS = '10.77.0.2';

const RATE = /^\d+(\.\d+)?(kbit|mbit)$/;
/** Every lab's namespaces start with this, followed by the creating process's pid. */
const PREFIX = 'mmlab';

/** Lab namespaces of this process that are still up (for exit-time cleanup). */
const live = new Set<string>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // A test that crashes or is killed must not leave namespaces behind; exit handlers
  // must be synchronous.
  process.once('exit', () => {
    if (live.size) shSync([...live].map((ns) => `ip netns del ${ns}`).join('; '));
  });
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => process.exit(130));
  }
}

/**
 * Deletes namespaces left by lab runs whose process is gone (a SIGKILLed run cannot
 * clean up after itself). Only names `mmlab<pid>…` with a dead pid are touched.
 */
function sweepStale(): void {
  if (!existsSync('/var/run/netns')) return;
  const stale = readdirSync('/var/run/netns').filter((name) => {
    const m = /^mmlab(\d+)-/.exec(name);
    return m && !existsSync(`/proc/${m[1]}`);
  });
  if (stale.length) shSync(stale.map((ns) => `ip netns del ${ns}`).join('; '));
}

function tbf(dev: string, rate: Rate | undefined): string {
  if (!rate) return `tc qdisc del dev ${dev} root 2>/dev/null || true`;
  if (!RATE.test(rate)) throw new Error(`lab: rate "${rate}" is not like 1mbit or 500kbit`);
  // Burst of ~20 ms of traffic (at least 16 kB) and up to 300 ms of queue: a plain home
  // router, not a policer that drops every burst. Home routers queue far more than 100 ms;
  // at 1 Mbit/s a 100 ms queue (12.5 kB) is smaller than one camera keyframe, so keyframes
  // sent to three peers at once were dropped, every loss asked for a new keyframe, and
  // the links spiralled down to Chromium's 30 kbit/s floor.
  const bitsPerS = parseFloat(rate) * (rate.endsWith('mbit') ? 1e6 : 1e3);
  const burst = Math.max(16_000, Math.round(bitsPerS / 8 / 50));
  return `tc qdisc replace dev ${dev} root tbf rate ${rate} burst ${burst} latency 300ms`;
}

function lossRules(loss: number | undefined): string {
  if (loss !== undefined && !(loss >= 0 && loss <= 0.5)) throw new Error(`lab: loss ${loss} is not within 0…0.5`);
  const flush = 'iptables -F LOSS';
  if (!loss) return flush;
  return `${flush}; iptables -A LOSS -m statistic --mode random --probability ${loss} -j DROP`;
}

/** A running lab. Create with {@link Lab.create}; always `destroy()` it (also in failures). */
export class Lab {
  private readonly participants: LabParticipant[] = [];
  /** Indexes handed out so far: taken before any await, so participants may be added concurrently. */
  private taken = 0;
  private destroyed = false;

  private constructor(
    /** Unique per lab: `mmlab<pid>-<random>`. */
    readonly id: string,
    /** The hub (bridge + gateway) namespace. */
    readonly hubNs: string,
    /** The namespace the servers run in, reachable at {@link SERVERS_ADDRESS}. */
    readonly serversNs: string,
  ) {}

  /** Builds the hub and the servers namespace. */
  static async create(): Promise<Lab> {
    installExitHook();
    sweepStale();
    const id = `${PREFIX}${process.pid}-${randomBytes(3).toString('hex')}`;
    const lab = new Lab(id, `${id}-hub`, `${id}-srv`);
    live.add(lab.hubNs);
    live.add(lab.serversNs);
    try {
      await sh(`
        ip netns add ${lab.hubNs}
        ip netns add ${lab.serversNs}
        ip netns exec ${lab.hubNs} sh -c 'echo 1 > /proc/sys/net/ipv4/ip_forward; echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6; echo 0 > /proc/sys/net/ipv4/conf/all/send_redirects'
        ip -n ${lab.hubNs} link set lo up
        ip -n ${lab.hubNs} link add br0 type bridge
        ip -n ${lab.hubNs} addr add ${HUB_ADDRESS}/24 dev br0
        ip -n ${lab.hubNs} link set br0 up
        ip netns exec ${lab.hubNs} sh -c 'echo 0 > /proc/sys/net/ipv4/conf/br0/send_redirects'
        ip link add eth0 netns ${lab.serversNs} type veth peer name srv netns ${lab.hubNs}
        ip -n ${lab.hubNs} link set srv master br0 up
        ip netns exec ${lab.serversNs} sh -c 'echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6'
        ip -n ${lab.serversNs} link set lo up
        ip -n ${lab.serversNs} addr add ${SERVERS_ADDRESS}/24 dev eth0
        ip -n ${lab.serversNs} link set eth0 up
        ip -n ${lab.serversNs} route add default via ${HUB_ADDRESS}
      `);
    } catch (err) {
      await lab.destroy();
      throw err;
    }
    return lab;
  }

  /** Adds a participant namespace behind its own router, shaped by `link`. */
  async participant(link: LinkOptions = {}): Promise<LabParticipant> {
    if (this.destroyed) throw new Error('lab: already destroyed');
    const index = ++this.taken;
    if (index > 150) throw new Error('lab: at most 150 participants');
    const ns = `${this.id}-p${index}`;
    const routerNs = `${this.id}-r${index}`;
    const lanNet = link.nat ? `192.168.${index}` : `10.${100 + index}.0`;
    const address = `${lanNet}.2`;
    const wan = `10.77.0.${10 + index}`;
    live.add(ns);
    live.add(routerNs);
    const inNs = (name: string, cmd: string) => `ip netns exec ${name} ${cmd}`;
    const r = (cmd: string) => inNs(routerNs, cmd);
    await sh(`
      ip netns add ${routerNs}
      ip netns add ${ns}
      ${r(`sh -c 'echo 1 > /proc/sys/net/ipv4/ip_forward; echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6'`)}
      ${inNs(ns, `sh -c 'echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6'`)}
      ip link add wan netns ${routerNs} type veth peer name r${index} netns ${this.hubNs}
      ip -n ${this.hubNs} link set r${index} master br0 up
      ip link add eth0 netns ${ns} type veth peer name lan netns ${routerNs}
      ip -n ${routerNs} link set lo up
      ip -n ${routerNs} addr add ${wan}/24 dev wan
      ip -n ${routerNs} addr add ${lanNet}.1/24 dev lan
      ip -n ${routerNs} link set wan up
      ip -n ${routerNs} link set lan up
      ip -n ${routerNs} route add default via ${HUB_ADDRESS}
      ip -n ${ns} link set lo up
      ip -n ${ns} addr add ${address}/24 dev eth0
      ip -n ${ns} link set eth0 up
      ip -n ${ns} route add default via ${lanNet}.1
      ${link.nat ? '' : `ip -n ${this.hubNs} route add ${lanNet}.0/24 via ${wan}`}
      ${link.nat ? r(`iptables -t nat -A POSTROUTING -o wan -j MASQUERADE`) : ''}
      ${r('iptables -N LOSS')}
      ${r('iptables -A FORWARD -j LOSS')}
      ${link.blockPeers ? r(`iptables -A FORWARD -i lan -o wan ! -d ${SERVERS_ADDRESS} -j DROP`) : ''}
      ${link.blockPeers ? r(`iptables -A FORWARD -i wan -o lan ! -s ${SERVERS_ADDRESS} -j DROP`) : ''}
    `);
    const shape = async (l: Pick<LinkOptions, 'uplink' | 'downlink' | 'loss'>) => {
      await sh(`
        ${r(`sh -c '${tbf('wan', l.uplink)}'`)}
        ${r(`sh -c '${tbf('lan', l.downlink)}'`)}
        ${r(`sh -c '${lossRules(l.loss)}'`)}
      `);
    };
    await shape(link);
    const participant: LabParticipant = {
      index,
      ns,
      routerNs,
      address,
      publicAddress: wan,
      shape,
      cut: () => sh(`ip -n ${ns} link set eth0 down`).then(() => undefined),
      restore: () =>
        sh(`
          ip -n ${ns} link set eth0 up
          ip -n ${ns} route replace default via ${lanNet}.1
        `).then(() => undefined),
    };
    this.participants.push(participant);
    return participant;
  }

  /** Deletes every namespace of the lab (idempotent). Stop processes inside them first. */
  async destroy(): Promise<void> {
    this.destroyed = true;
    const mine = [...live].filter((ns) => ns.startsWith(`${this.id}-`));
    for (const ns of mine) live.delete(ns);
    if (mine.length) await sh(mine.map((ns) => `ip netns del ${ns} 2>/dev/null || true`).join('\n'));
  }
}
