import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { RawSocketIoClient } from './raw-client.js';
import type {
  CloseReply,
  ConnectCmd,
  ConnectReply,
  JoinCmd,
  JoinReply,
  RelayCmd,
  RelayReply,
  WorkerCmd,
  WorkerReply,
} from './worker-protocol.js';

/**
 * A load-generator process, forked by the bench with an IPC channel. It holds a
 * share of the simulated participants (whole rooms), and runs the commands of
 * `worker-protocol.ts` one at a time. Kept lean on purpose: the server, not this
 * process, must be the bottleneck.
 */

interface Member {
  room: string;
  /** Index of this member's room in `rooms`. */
  roomIdx: number;
  node: number;
  url: string;
  client: RawSocketIoClient | null;
  /** Server-assigned peer id, once joined. */
  id: string | null;
  joining: boolean;
}

const members: Member[] = [];
const rooms: Array<{ name: string; members: number[] }> = [];

/** Relay phase bookkeeping, read by the `signal` event handler. */
const relay = {
  phase: 0,
  received: 0,
  misrouted: 0,
  duplicates: 0,
  /** One flag per send sequence number of the current phase: a second receipt is a duplicate. */
  seen: new Uint8Array(0),
  latencies: [] as number[],
};

/** Ack outcome per send sequence number of the current phase: 0 none yet, 1 ok, 2 error. */
const ACK_OK = 1;
const ACK_ERROR = 2;

function onSignal(self: Member, args: unknown[]): void {
  const payload = args[0] as { from?: string; data?: { p?: number; s?: number; t?: number; to?: string } } | undefined;
  const data = payload?.data;
  if (!data || data.p !== relay.phase) return; // a straggler from an earlier phase
  if (data.to !== self.id) {
    relay.misrouted++;
    return;
  }
  const seq = data.s!;
  if (relay.seen[seq]) {
    relay.duplicates++;
    return;
  }
  relay.seen[seq] = 1;
  relay.received++;
  relay.latencies.push(performance.now() - data.t!);
}

async function connect(cmd: ConnectCmd): Promise<ConnectReply> {
  const start = performance.now();
  const fresh: Member[] = [];
  for (const plan of cmd.rooms) {
    const roomIdx = rooms.length;
    const idxs: number[] = [];
    for (const node of plan.nodes) {
      idxs.push(members.length);
      const m: Member = { room: plan.name, roomIdx, node, url: cmd.urls[node]!, client: null, id: null, joining: false };
      members.push(m);
      fresh.push(m);
    }
    rooms.push({ name: plan.name, members: idxs });
  }
  const errors: Record<string, number> = {};
  let connected = 0;
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < fresh.length) {
      const m = fresh[next++]!;
      try {
        m.client = await RawSocketIoClient.connect({
          url: m.url,
          auth: { v: 1 },
          timeoutMs: 30_000,
          onEvent: (event, args) => {
            if (event === 'signal') onSignal(m, args);
          },
        });
        connected++;
      } catch (e) {
        const msg = (e as Error).message.slice(0, 80);
        errors[msg] = (errors[msg] ?? 0) + 1;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, cmd.concurrency) }, lane));
  return { connected, failed: fresh.length - connected, errors, ms: performance.now() - start };
}

async function join(cmd: JoinCmd): Promise<JoinReply> {
  const todo = members.filter((m) => m.client && !m.id && !m.joining);
  const latencies = new Float64Array(todo.length);
  const errors: Record<string, number> = {};
  let ok = 0;
  let done = 0;
  let inFlight = 0;
  let sent = 0;
  const start = performance.now();
  let lastAck = start;
  await new Promise<void>((resolve) => {
    if (todo.length === 0) return resolve();
    const sendOne = (m: Member, i: number): void => {
      m.joining = true;
      inFlight++;
      const t0 = performance.now();
      m.client!.emitRawWithAck('room:join', JSON.stringify({ room: m.room, nick: `bot ${i}` }), (args) => {
        const now = performance.now();
        latencies[i] = now - t0;
        lastAck = now;
        inFlight--;
        m.joining = false;
        const ack = args[0] as { ok?: boolean; data?: { self?: { id?: string } }; error?: { code?: string } } | undefined;
        if (ack?.ok && ack.data?.self?.id) {
          m.id = ack.data.self.id;
          ok++;
        } else {
          const code = ack?.error?.code ?? 'MALFORMED_ACK';
          errors[code] = (errors[code] ?? 0) + 1;
        }
        if (++done === todo.length) resolve();
        else pump();
      });
    };
    // Sends whatever the rate schedule and the in-flight cap allow right now.
    const pump = (): void => {
      const elapsed = performance.now() - start;
      const due = cmd.ratePerSec > 0 ? Math.min(todo.length, Math.floor((elapsed * cmd.ratePerSec) / 1000) + 1) : todo.length;
      while (sent < due && inFlight < cmd.maxInFlight) {
        sendOne(todo[sent]!, sent);
        sent++;
      }
      if (sent >= todo.length) clearInterval(timer);
    };
    const timer = setInterval(pump, 1);
    pump();
  });
  const byRoom: Record<string, string[]> = {};
  for (const r of rooms) {
    byRoom[r.name] = r.members.map((i) => members[i]!.id).filter((id): id is string => id !== null);
  }
  return { attempted: todo.length, ok, errors, latencies, durationMs: lastAck - start, members: byRoom };
}

/** Filler so a relay can be sized like a real ICE candidate or SDP. */
function filler(bytes: number): string {
  const base = 'candidate:842163049 1 udp 1677729535 127.0.0.1 50000 typ srflx raddr 0.0.0.0 rport 0 generation 0 ufrag abcd ';
  let s = '';
  while (s.length < bytes) s += base;
  return s.slice(0, bytes);
}

async function runRelay(cmd: RelayCmd): Promise<RelayReply> {
  // Senders: joined members whose room has another joined member.
  const senders: Array<{ m: Member; targets: string[]; next: number }> = [];
  for (const r of rooms) {
    const joined = r.members.map((i) => members[i]!).filter((m) => m.id && m.client && !m.client.closed);
    for (const m of joined) {
      const targets = joined.filter((o) => o !== m).map((o) => o.id!);
      if (targets.length > 0) senders.push({ m, targets, next: 0 });
    }
  }
  const planned = Math.floor((cmd.durationMs * cmd.ratePerSec) / 1000);
  relay.phase++;
  relay.received = 0;
  relay.misrouted = 0;
  relay.duplicates = 0;
  relay.seen = new Uint8Array(planned);
  relay.latencies = [];
  const phase = relay.phase;
  const fill = JSON.stringify(filler(cmd.payloadBytes));
  const ackLatencies: number[] = [];
  const ackErrors: Record<string, number> = {};
  const ackState = new Uint8Array(planned);
  let ackOk = 0;
  let sent = 0;
  const loopDelay = monitorEventLoopDelay({ resolution: 5 });
  loopDelay.enable();
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  let lastSend = start;
  let cursor = 0;
  let sendBatches = 0;
  let sendCpu = { user: 0, system: 0 };
  if (senders.length > 0 && planned > 0) {
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        const now = performance.now();
        const due = Math.min(planned, Math.floor(((now - start) * cmd.ratePerSec) / 1000));
        if (sent < due) sendBatches++;
        while (sent < due) {
          const s = senders[cursor]!;
          cursor = (cursor + 1) % senders.length;
          const to = s.targets[s.next]!;
          s.next = (s.next + 1) % s.targets.length;
          const t = performance.now();
          const seq = sent;
          s.m.client!.emitRawWithAck('signal', `{"to":"${to}","data":{"p":${phase},"s":${sent},"t":${t},"to":"${to}","candidate":${fill}}}`, (args) => {
            ackLatencies.push(performance.now() - t);
            const ack = args[0] as { ok?: boolean; error?: { code?: string } } | undefined;
            if (ack?.ok) {
              ackOk++;
              ackState[seq] = ACK_OK;
            } else {
              ackState[seq] = ACK_ERROR;
              const code = ack?.error?.code ?? 'MALFORMED_ACK';
              ackErrors[code] = (ackErrors[code] ?? 0) + 1;
            }
          });
          sent++;
          lastSend = t;
        }
        if (sent >= planned) {
          sendCpu = process.cpuUsage(cpu0);
          clearInterval(timer);
          resolve();
        }
      }, 1);
    });
  }
  // Drain: wait until every relay was answered and every one acked ok arrived, or the
  // drain window ends. Relays refused with an error ack are not expected at their target.
  loopDelay.disable();
  const drainEnd = performance.now() + cmd.drainMs;
  while (performance.now() < drainEnd && (relay.received + relay.misrouted < ackOk || ackLatencies.length < sent)) {
    await new Promise((r) => setTimeout(r, 5));
  }
  // A relay acked ok must arrive; one refused must not.
  let ackedOkLost = 0;
  let refusedDelivered = 0;
  for (let i = 0; i < sent; i++) {
    if (ackState[i] === ACK_OK && !relay.seen[i]) ackedOkLost++;
    else if (ackState[i] === ACK_ERROR && relay.seen[i]) refusedDelivered++;
  }
  const reply: RelayReply = {
    planned,
    ackedOkLost,
    refusedDelivered,
    sent,
    received: relay.received,
    misrouted: relay.misrouted,
    duplicates: relay.duplicates,
    ackOk,
    ackErrors,
    latencies: Float64Array.from(relay.latencies),
    ackLatencies: Float64Array.from(ackLatencies),
    sendMs: lastSend - start,
    cpuMs: (sendCpu.user + sendCpu.system) / 1000,
    sendBatches,
    loopDelayMaxMs: loopDelay.max / 1e6,
  };
  relay.phase++; // anything still in flight is now a straggler
  relay.latencies = [];
  return reply;
}

async function closeAll(): Promise<CloseReply> {
  let closed = 0;
  for (const m of members) {
    if (m.client && !m.client.closed) {
      m.client.close();
      closed++;
    }
  }
  members.length = 0;
  rooms.length = 0;
  // Give the close frames a moment to leave before the parent tears servers down.
  await new Promise((r) => setTimeout(r, 200));
  return { closed };
}

async function handle(msg: WorkerCmd): Promise<WorkerReply> {
  try {
    switch (msg.cmd) {
      case 'connect':
        return { seq: msg.seq, ok: true, data: await connect(msg) };
      case 'join':
        return { seq: msg.seq, ok: true, data: await join(msg) };
      case 'relay':
        return { seq: msg.seq, ok: true, data: await runRelay(msg) };
      case 'close':
        return { seq: msg.seq, ok: true, data: await closeAll() };
    }
  } catch (e) {
    return { seq: msg.seq, ok: false, error: (e as Error).stack ?? String(e) };
  }
}

process.on('message', (msg: WorkerCmd) => {
  void handle(msg).then((reply) => process.send!(reply));
});
// The parent going away must not leave thousands of sockets open.
process.on('disconnect', () => process.exit(0));
