import type { MeshSocket } from './types.js';

/**
 * Closes `socket` if it is in no room `ms` from now. A connection that never joins (or
 * left and stays) holds memory and a slot of its address's connection cap for nothing;
 * a person between calls reconnects in an instant. Armed on connect and after each leave;
 * arming again replaces the earlier deadline.
 */
export function armJoinDeadline(socket: MeshSocket, ms: number): void {
  if (socket.data.joinDeadline) clearTimeout(socket.data.joinDeadline);
  else socket.once('disconnect', () => clearTimeout(socket.data.joinDeadline));
  socket.data.joinDeadline = setTimeout(() => {
    if (socket.connected && !socket.data.binding) socket.disconnect(true);
  }, ms);
  socket.data.joinDeadline.unref();
}
