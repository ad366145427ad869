/**
 * The socket.io floor: the least a socket.io 4 server can do and still carry the one-core
 * ladder's traffic, to measure what the relay costs on this machine before any meshmeet
 * code runs. `room:join` answers with the socket's id; `signal` looks its target up among
 * this node's sockets, emits `{from, data}` to it and acks `ok`. No schema, no limits, no
 * membership check, no metrics, no store, no shedding: everything meshmeet's relay adds on
 * top. What it shares with meshmeet is what is not meshmeet's choice to drop: socket.io,
 * engine.io and ws as installed, and the server's own heartbeat and frame-size settings
 * (read through the server's config, so that the idle cost of 2,000 sockets is the same).
 *
 * It trusts its clients (a malformed `signal` throws), so it only ever faces the bench's own
 * generators on loopback. Started by the bench (`--floor`, main.ts) like a server node:
 * `PORT`, `HOST`, `/healthz`.
 * It is bundled to plain JavaScript as `npm start` runs the server (procs.ts), so neither
 * pays for a TypeScript loader.
 */
import { createServer } from 'node:http';
import { Server } from 'socket.io';
import { loadConfig } from '../../apps/server/src/config.js';

type Ack = (answer: unknown) => void;

const config = loadConfig(process.env);
const http = createServer((req, res) => {
  res.writeHead(req.url === '/healthz' ? 200 : 404).end();
});
const io = new Server(http, {
  pingInterval: config.pingIntervalMs,
  pingTimeout: config.pingTimeoutMs,
  maxHttpBufferSize: config.maxMessageBytes,
  serveClient: false,
});

io.on('connection', (socket) => {
  socket.on('room:join', (_request: unknown, ack: Ack) => {
    ack({ ok: true, data: { self: { id: socket.id } } });
  });
  socket.on('signal', (message: { to: string; data: unknown }, ack: Ack) => {
    io.sockets.sockets.get(message.to)?.emit('signal', { from: socket.id, data: message.data });
    ack({ ok: true, data: null });
  });
});

http.listen(config.port, config.host);
// Exit through process.exit on the bench's SIGTERM, so `--cpu-prof` gets to write its profile.
process.once('SIGTERM', () => process.exit(0));
