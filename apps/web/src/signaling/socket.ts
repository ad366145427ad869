import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
import { PROTOCOL_VERSION, type ClientToServerEvents, type ServerToClientEvents } from '@meshmeet/protocol';
import { SignalingError } from './signaling-error';

/** The socket.io socket typed with the protocol's events. */
export type AppSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/**
 * A socket.io socket for protocol v1 (the version travels in the handshake's `auth`),
 * not yet connected. `overrides` replace the defaults (tests shorten the delays).
 */
export function createAppSocket(url: string | undefined, path: string, overrides?: Partial<ManagerOptions & SocketOptions>): AppSocket {
  const opts: Partial<ManagerOptions & SocketOptions> = {
    path,
    auth: { v: PROTOCOL_VERSION },
    autoConnect: false,
    // WebSocket first: one round trip less before the first join (join → first
    // frame is a measured target); fall back to long-polling where a proxy blocks WebSocket.
    transports: ['websocket', 'polling'],
    tryAllTransports: true,
    reconnectionDelay: 500,
    reconnectionDelayMax: 5000,
    ...overrides,
  };
  return url ? io(url, opts) : io(opts);
}

/**
 * Connects `socket` and resolves once it is connected. Rejects with the server's reason
 * when the handshake is refused (socket.io then stops retrying: `active` is false), or
 * with `CONNECT_FAILED` after `timeoutMs`; transient errors before that are left to
 * socket.io's own retries.
 */
export function connectSocket(socket: AppSocket, timeoutMs: number): Promise<void> {
  if (socket.connected) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const done = (error?: SignalingError) => {
      clearTimeout(timer);
      socket.off('connect', onConnect);
      socket.off('connect_error', onError);
      if (error) reject(error);
      else resolve();
    };
    const onConnect = () => done();
    const onError = (err: Error) => {
      if (!socket.active) done(SignalingError.fromHandshake(err));
    };
    const timer = setTimeout(() => done(new SignalingError('CONNECT_FAILED', 'Could not reach the signaling server')), timeoutMs);
    socket.on('connect', onConnect);
    socket.on('connect_error', onError);
    socket.connect();
  });
}
