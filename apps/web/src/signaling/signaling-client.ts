import { schemas, ErrorCode } from '@meshmeet/protocol';
import type {
  ChatMessage,
  ClientToServerEvents,
  FreshJoin,
  JoinResult,
  Peer,
  PeerLeft,
  PeerNotice,
  PeerSignal,
  PeerUpdate,
  PeerUpdated,
  ServerShutdown,
  SignalRelay,
} from '@meshmeet/protocol';
import type { z } from 'zod';
import { TypedEmitter } from '../lib/typed-emitter';
import { SignalingError, toSignalingError } from './signaling-error';
import { requestWithAck } from './ack';
import { HeldEvents } from './held-events';
import { listenValidated } from './inbound';
import { SignalOutbox } from './signal-outbox';
import { connectSocket, createAppSocket, type AppSocket } from './socket';
import type { SignalingClientOptions, SignalingEvents, CallStatus } from './signaling-types';

export type { CallStatus, SignalingEvents, SignalingClientOptions } from './signaling-types';

/**
 * The browser's side of protocol v1 over socket.io.
 *
 * - Every server event is validated with the protocol schemas; a bad one is dropped and
 *   reported as `protocolError`, never thrown into the app.
 * - Every request waits for its ack with a timeout and fails with a {@link SignalingError}.
 * - When the connection drops while joined, the status becomes `reconnecting`; on
 *   reconnect we join with the resume token (`resumed`), and if the server says
 *   RESUME_FAILED we join afresh with the same room and name (`rejoined`, new id).
 * - Events that arrive while a join is in flight are held and delivered right after it,
 *   so the app always sees the join result before any event that depends on it
 *   ({@link HeldEvents}).
 */
export class SignalingClient extends TypedEmitter<SignalingEvents> {
  private readonly options: Required<Omit<SignalingClientOptions, 'url' | 'io'>> & SignalingClientOptions;
  private socket: AppSocket | null = null;
  private _status: CallStatus = 'idle';
  private fresh: FreshJoin | null = null;
  private resumeToken: string | null = null;
  private _self: Peer | null = null;
  private _room: string | null = null;
  private pendingUpdate: PeerUpdate | null = null;
  private readonly outbox: SignalOutbox;
  private readonly held = new HeldEvents();
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private shutdownDelayMs: number | null = null;
  private resuming = false;
  private refusedReconnects = 0;

  constructor(options: SignalingClientOptions = {}) {
    super((error, event) => console.error(`[meshmeet] signaling "${event}" listener threw`, error));
    this.outbox = new SignalOutbox(options.maxQueuedSignals ?? 500);
    this.options = {
      path: '/socket.io',
      ackTimeoutMs: 10_000,
      connectTimeoutMs: 10_000,
      maxQueuedSignals: 500,
      ...options,
    };
  }

  /** Current status. */
  get status(): CallStatus {
    return this._status;
  }

  /** Ourselves as the server sees us (after a join), with our latest state. */
  get self(): Peer | null {
    return this._self;
  }

  /** The normalised room name from the last join. */
  get room(): string | null {
    return this._room;
  }

  /**
   * Connects (if needed) and joins a room. Resolves with the join result; rejects with a
   * {@link SignalingError} carrying the server's code (ROOM_FULL, BAD_PASSWORD, …).
   */
  async join(request: FreshJoin): Promise<JoinResult> {
    if (this._status === 'joining' || this._status === 'joined' || this._status === 'reconnecting') {
      throw new SignalingError(ErrorCode.ALREADY_IN_ROOM, 'Already in a room; leave first');
    }
    this.fresh = { ...request };
    this.setStatus('joining');
    this.held.hold();
    try {
      await this.connect();
      const result = await this.request('room:join', [request], schemas.JoinResult);
      this.accept(result);
      this.setStatus('joined');
      this.held.releaseSoon();
      return result;
    } catch (error) {
      const err = toSignalingError(error);
      this.held.drop();
      this.teardownSocket();
      this.setStatus('error');
      throw err;
    }
  }

  /** Leaves the room (best effort: a lost ack does not matter) and closes the connection. */
  async leave(): Promise<void> {
    if (this.socket?.connected && this._status === 'joined') {
      try {
        await this.request('room:leave', [], null, Math.min(this.options.ackTimeoutMs, 2000));
      } catch {
        // The server also treats the disconnect below as a leave.
      }
    }
    this.close();
  }

  /** Closes the connection without telling the server (it will see a disconnect). */
  close(): void {
    this.teardownSocket();
    this.outbox.rejectAll(SignalingError.closed());
    this.held.drop();
    if (this._status !== 'left') this.setStatus('left');
  }

  /**
   * Publishes our media state or name. While reconnecting the change is kept and sent
   * after the resume (the promise resolves at once), so a toggle is never lost.
   */
  async update(patch: PeerUpdate): Promise<void> {
    if (this._status === 'reconnecting') {
      this.pendingUpdate = { ...this.pendingUpdate, ...patch };
      this.mergeSelf(patch);
      return;
    }
    this.assertJoined('peer:update');
    await this.request('peer:update', [patch], null);
    this.mergeSelf(patch);
  }

  /**
   * Sends an SDP/ICE message (or a video-budget notice) to one peer. While reconnecting it is queued and sent after
   * a successful resume; after a fresh rejoin the queue is dropped (the mesh restarts).
   */
  signal(to: string, data: PeerSignal | PeerNotice): Promise<void> {
    if (this._status === 'reconnecting') return this.outbox.push(to, data);
    this.assertJoined('signal');
    return this.request('signal', [{ to, data: data as Record<string, unknown> }], null).then(() => undefined);
  }

  /** Sends a chat message; resolves with the message as the server stored it. */
  async sendChat(text: string): Promise<ChatMessage> {
    this.assertJoined('chat:send');
    return this.request('chat:send', [{ text }], schemas.ChatMessage);
  }

  // ---- connection lifecycle -------------------------------------------------------

  private createSocket(): AppSocket {
    const socket = createAppSocket(this.options.url, this.options.path, this.options.io);
    this.listenInbound(socket);
    socket.on('disconnect', (reason) => this.onDisconnect(reason));
    socket.on('connect', () => this.onReconnect());
    socket.on('connect_error', (err) => this.onConnectError(err));
    return socket;
  }

  /**
   * Opens the connection without joining, so a later `join` skips the handshake (the
   * lobby can call this while the user types). `join` connects by itself otherwise.
   * Fails on a refused handshake or after `connectTimeoutMs`.
   */
  connect(): Promise<void> {
    this.socket ??= this.createSocket();
    return connectSocket(this.socket, this.options.connectTimeoutMs);
  }

  private onDisconnect(reason: string): void {
    if (this._status !== 'joined' && this._status !== 'reconnecting') return;
    // On the console for whoever debugs a call that keeps dropping: why socket.io gave up the link.
    console.warn(`[meshmeet] signaling link lost (${reason}); reconnecting`);
    this.setStatus('reconnecting');
    // socket.io retries by itself after transport errors, but not after the server
    // closed the socket on purpose (e.g. during a graceful shutdown).
    if (reason === 'io server disconnect') {
      const delay = (this.shutdownDelayMs ?? 1000) + Math.random() * 500;
      this.scheduleReconnect(delay);
    }
  }

  private onConnectError(err: Error): void {
    if (this._status !== 'reconnecting' || this.socket?.active) return;
    const error = SignalingError.fromHandshake(err);
    if (error.code === ErrorCode.UNAVAILABLE) {
      // A node that is shutting down refuses handshakes; another (or a restarted) node
      // will take us, and our resume token stays valid for the grace period.
      this.refusedReconnects += 1;
      this.scheduleReconnect(Math.min(500 * 2 ** this.refusedReconnects, 5000) + Math.random() * 500);
      return;
    }
    this.fatal(error);
  }

  private scheduleReconnect(delayMs: number): void {
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      if (this._status === 'reconnecting' && this.socket && !this.socket.connected) this.socket.connect();
    }, delayMs);
  }

  /** After a reconnect: resume with the token, or join afresh if the server forgot us. */
  private async onReconnect(): Promise<void> {
    if (this._status !== 'reconnecting' || this.resuming || !this.resumeToken || !this.fresh) return;
    this.resuming = true;
    this.refusedReconnects = 0;
    this.held.hold();
    this.shutdownDelayMs = null;
    try {
      let result: JoinResult;
      let resumed = false;
      try {
        result = await this.request('room:join', [{ resumeToken: this.resumeToken }], schemas.JoinResult);
        resumed = result.resumed && result.self.id === this._self?.id;
      } catch (error) {
        if (!(error instanceof SignalingError) || error.code !== ErrorCode.RESUME_FAILED) throw error;
        result = await this.request('room:join', [this.freshRequest()], schemas.JoinResult);
      }
      if (resumed) {
        const patch = this.pendingUpdate;
        this.accept(result);
        this.setStatus('joined');
        this.emit('resumed', result);
        if (patch) this.update(patch).catch((e) => this.emit('error', toSignalingError(e)));
        this.flushOutbox();
      } else {
        // A new identity: queued signals were for connections that no longer exist.
        this.outbox.rejectAll(SignalingError.closed());
        this.pendingUpdate = null;
        this.accept(result);
        this.setStatus('joined');
        this.emit('rejoined', result);
      }
      this.held.releaseSoon();
    } catch (error) {
      const err = toSignalingError(error);
      this.held.drop();
      if (err.code === 'TIMEOUT' || err.code === 'NOT_CONNECTED' || err.code === 'UNAVAILABLE') {
        // Transient: drop this connection and let socket.io's backoff try again.
        this.socket?.disconnect();
        this.scheduleReconnect(1000 + Math.random() * 1000);
      } else {
        this.fatal(err);
      }
    } finally {
      this.resuming = false;
    }
  }

  private freshRequest(): FreshJoin {
    const fresh = this.fresh as FreshJoin;
    const self = this._self;
    if (!self) return fresh;
    const { mic, cam, sharing, recording, shareStreamId } = self;
    return { ...fresh, nick: self.nick, state: { mic, cam, sharing, recording, shareStreamId } };
  }

  private accept(result: JoinResult): void {
    this.resumeToken = result.resumeToken;
    this._room = result.room;
    this._self = { ...result.self, ...(this.pendingUpdate ?? {}) } as Peer;
    this.pendingUpdate = null;
  }

  private flushOutbox(): void {
    this.outbox.flush((to, data) =>
      this.request('signal', [{ to, data: data as Record<string, unknown> }], null).then(() => undefined),
    );
  }

  private fatal(error: SignalingError): void {
    this.teardownSocket();
    this.outbox.rejectAll(error);
    this.setStatus('error');
    this.emit('error', error);
  }

  private teardownSocket(): void {
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    const socket = this.socket;
    this.socket = null;
    if (socket) {
      socket.removeAllListeners();
      socket.offAny();
      socket.disconnect();
    }
  }

  // ---- inbound ---------------------------------------------------------------------

  private listenInbound(socket: AppSocket): void {
    const deliver = (fn: () => void) => this.held.deliver(fn);
    listenValidated(socket, {
      onEvent: (event, data) => {
        switch (event) {
          case 'peer:joined':
            return deliver(() => this.emit('peerJoined', data as Peer));
          case 'peer:left':
            return deliver(() => this.emit('peerLeft', data as PeerLeft));
          case 'peer:updated':
            return deliver(() => this.emit('peerUpdated', data as PeerUpdated));
          case 'signal':
            return deliver(() => this.emit('signal', data as SignalRelay));
          case 'chat:message':
            return deliver(() => this.emit('chat', data as ChatMessage));
          case 'server:shutdown':
            this.shutdownDelayMs = (data as ServerShutdown).reconnectAfterMs;
            return this.emit('shutdown', data as ServerShutdown);
        }
      },
      onInvalid: (event, issues) => {
        console.warn(`[meshmeet] dropped invalid "${event}" from the server: ${issues}`);
        this.emit('protocolError', { event, issues });
      },
    });
  }

  // ---- requests --------------------------------------------------------------------

  private assertJoined(event: string): void {
    if (this._status !== 'joined' || !this.socket?.connected) throw SignalingError.notConnected(event);
  }

  private request<S extends z.ZodType>(
    event: keyof ClientToServerEvents,
    args: unknown[],
    schema: S,
    timeoutMs?: number,
  ): Promise<z.infer<S>>;
  private request(event: keyof ClientToServerEvents, args: unknown[], schema: null, timeoutMs?: number): Promise<null>;
  private request(
    event: keyof ClientToServerEvents,
    args: unknown[],
    schema: z.ZodType | null,
    timeoutMs = this.options.ackTimeoutMs,
  ): Promise<unknown> {
    return requestWithAck(this.socket, event, args, schema as null, timeoutMs).catch((error: SignalingError) => {
      // This member resumed on another connection (another tab or device): the server
      // closes this one next. Resuming from here would take the place back and push
      // the other connection out in turn, so this call ends, with why.
      if (error.code === ErrorCode.SESSION_REPLACED) this.fatal(error);
      throw error;
    });
  }

  private mergeSelf(patch: PeerUpdate): void {
    if (this._self) this._self = { ...this._self, ...patch } as Peer;
  }

  private setStatus(status: CallStatus): void {
    if (this._status === status) return;
    this._status = status;
    this.emit('status', status);
  }
}
