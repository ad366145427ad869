import WebSocket from 'ws';

/**
 * A lean Socket.IO v5 client speaking Engine.IO v4 framing directly over one
 * WebSocket (`?EIO=4&transport=websocket`, no polling, no upgrade, no reconnection).
 *
 * Why not socket.io-client: it costs several times more CPU per message (packet
 * objects, emitter layers, buffering), so on a 2-core machine the generator, not
 * the server, would saturate first. This client does one string concat per send
 * and one JSON.parse per received event. It supports only what the bench needs:
 * the default namespace, text packets, acks in both directions, ping/pong.
 *
 * Framing (https://socket.io/docs/v4/socket-io-protocol/):
 *   Engine.IO:  `0{open json}` open · `2` ping → reply `3` pong · `4<payload>` message · `1` close
 *   Socket.IO inside `4`: `0{auth}` CONNECT · `0{"sid"}` connected · `4{err}` CONNECT_ERROR
 *                         `2[ev,...]` EVENT · `2<id>[ev,...]` EVENT wanting an ack · `3<id>[...]` ACK
 */

/** Called for every server event; `args` is the JSON array after the event name. */
export type EventHandler = (event: string, args: unknown[]) => void;

/** Options of {@link RawSocketIoClient.connect}. */
export interface RawClientOptions {
  /** Base URL of the server, e.g. `http://127.0.0.1:7070`. */
  url: string;
  /** Socket.IO path. @default '/socket.io/' */
  path?: string;
  /** Handshake `auth` object sent in the CONNECT packet. */
  auth?: unknown;
  /** Give up when not connected after this long. @default 10000 */
  timeoutMs?: number;
  /** Receives server events (not acks). */
  onEvent?: EventHandler;
}

/** Error raised when the server refuses the Socket.IO CONNECT (middleware error). */
export class ConnectRefusedError extends Error {
  constructor(
    message: string,
    /** The `data` the server attached to the error, if any. */
    readonly data: unknown,
  ) {
    super(message);
    this.name = 'ConnectRefusedError';
  }
}

/** One raw Socket.IO connection. Create with {@link RawSocketIoClient.connect}. */
export class RawSocketIoClient {
  /** Socket.IO session id (the server's `socket.id`). */
  sid = '';
  /** Set once the WebSocket is gone. */
  closed = false;
  /** Replaceable event handler. */
  onEvent: EventHandler | undefined;
  /** Called once when the connection closes for any reason. */
  onClose: ((reason: string) => void) | undefined;

  private nextAckId = 0;
  private readonly acks = new Map<number, (args: unknown[]) => void>();

  private constructor(private readonly ws: WebSocket) {}

  /** Opens the WebSocket and completes the Socket.IO CONNECT handshake. */
  static connect(opts: RawClientOptions): Promise<RawSocketIoClient> {
    const base = opts.url.replace(/^http/, 'ws').replace(/\/$/, '');
    const path = opts.path ?? '/socket.io/';
    // perMessageDeflate off: the server has it off by default and compressing would
    // only add generator CPU for ~200-byte frames.
    const ws = new WebSocket(`${base}${path}?EIO=4&transport=websocket`, { perMessageDeflate: false });
    const client = new RawSocketIoClient(ws);
    client.onEvent = opts.onEvent;
    return new Promise((resolve, reject) => {
      let settled = false;
      const settle = (err?: Error): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (err) {
          ws.terminate();
          reject(err);
        } else resolve(client);
      };
      const timer = setTimeout(() => settle(new Error('connect timeout')), opts.timeoutMs ?? 10_000);
      ws.on('error', (e) => settle(e));
      ws.on('close', (code, reason) => {
        client.closed = true;
        settle(new Error(`closed before connect (${code} ${reason.toString()})`));
        for (const cb of client.acks.values()) cb([{ ok: false, error: { code: 'DISCONNECTED', message: 'closed' } }]);
        client.acks.clear();
        client.onClose?.(`close ${code}`);
      });
      ws.on('message', (raw, isBinary) => {
        if (isBinary) return; // the protocol v1 has no binary events
        const frame = raw.toString();
        const t = frame.charCodeAt(0);
        if (t === 0x32 /* '2' ping */) {
          ws.send('3');
        } else if (t === 0x34 /* '4' message */) {
          if (settled) client.handlePacket(frame);
          else if (frame.startsWith('40')) {
            client.sid = (JSON.parse(frame.slice(2)) as { sid: string }).sid;
            settle();
          } else if (frame.startsWith('44')) {
            const err = JSON.parse(frame.slice(2)) as { message: string; data?: unknown };
            settle(new ConnectRefusedError(err.message, err.data));
          }
        } else if (t === 0x30 /* '0' open */) {
          ws.send(opts.auth === undefined ? '40' : `40${JSON.stringify(opts.auth)}`);
        } else if (t === 0x31 /* '1' close */) {
          ws.close();
        }
      });
    });
  }

  /** Parses one `4…` frame received after CONNECT. */
  private handlePacket(frame: string): void {
    const kind = frame.charCodeAt(1);
    if (kind !== 0x32 /* EVENT */ && kind !== 0x33 /* ACK */) {
      if (kind === 0x31 /* DISCONNECT */) this.close();
      return;
    }
    // Digits between the type and the JSON array are the ack id (default namespace: no "/nsp,").
    let i = 2;
    let id = -1;
    while (i < frame.length) {
      const c = frame.charCodeAt(i);
      if (c < 0x30 || c > 0x39) break;
      id = (id < 0 ? 0 : id * 10) + (c - 0x30);
      i++;
    }
    const args = JSON.parse(frame.slice(i)) as unknown[];
    if (kind === 0x33) {
      const cb = this.acks.get(id);
      if (cb) {
        this.acks.delete(id);
        cb(args);
      }
      return;
    }
    const [event, ...rest] = args as [string, ...unknown[]];
    // The server never asks clients for acks in protocol v1; answer anyway so a future
    // server waiting on one does not stall.
    if (id >= 0) this.ws.send(`43${id}[]`);
    this.onEvent?.(event, rest);
  }

  /** Sends an event without an ack. `json` is the pre-serialized argument, if any. */
  emitRaw(event: string, json?: string): void {
    if (this.closed) return;
    this.ws.send(json === undefined ? `42["${event}"]` : `42["${event}",${json}]`);
  }

  /**
   * Sends an event wanting an ack; `onAck` gets the ack's argument list. When the
   * connection closes first, `onAck` gets a synthetic `DISCONNECTED` error ack.
   */
  emitRawWithAck(event: string, json: string | undefined, onAck: (args: unknown[]) => void): void {
    if (this.closed) {
      onAck([{ ok: false, error: { code: 'DISCONNECTED', message: 'closed' } }]);
      return;
    }
    const id = this.nextAckId++;
    this.acks.set(id, onAck);
    this.ws.send(json === undefined ? `42${id}["${event}"]` : `42${id}["${event}",${json}]`);
  }

  /** Promise form of {@link emitRawWithAck} for one JSON-serializable argument. */
  emitWithAck(event: string, payload?: unknown): Promise<unknown> {
    return new Promise((resolve) => {
      this.emitRawWithAck(event, payload === undefined ? undefined : JSON.stringify(payload), (args) => resolve(args[0]));
    });
  }

  /** Number of acks still awaited. */
  get pendingAcks(): number {
    return this.acks.size;
  }

  /** Closes the WebSocket (the server sees a transport close). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.ws.close();
  }

  /** Drops the TCP connection without a close handshake (like a crashed client). */
  terminate(): void {
    this.closed = true;
    this.ws.terminate();
  }
}
