/**
 * A scripted stand-in for the signaling client, for call-session tests: the test
 * settles each join itself and plays server events with `emit`; everything the session
 * sends (updates, signals, chat) is recorded.
 */
import { DEFAULT_MEDIA_STATE, type ChatMessage, type FreshJoin, type JoinResult, type Peer, type PeerNotice, type PeerSignal, type PeerUpdate } from '@meshmeet/protocol';
import { TypedEmitter } from '../../src/lib/typed-emitter';
import type { CallSignaling } from '../../src/call/call-types';
import type { SignalingEvents } from '../../src/signaling/signaling-types';

/** A peer with every flag at its default. */
export const fakePeer = (id: string, extra: Partial<Peer> = {}): Peer => ({ ...DEFAULT_MEDIA_STATE, id, nick: id, ...extra });

/** A join ack for `self` in room `r` with these members. */
export function joinAck(self: Peer, members: Peer[] = []): JoinResult {
  return { room: 'r', self, members, iceServers: [], resumeToken: `t-${self.id}`, resumeGraceMs: 1000, resumed: false } as JoinResult;
}

export class FakeCallSignaling extends TypedEmitter<SignalingEvents> implements CallSignaling {
  self: Peer | null = null;
  readonly joins: FreshJoin[] = [];
  readonly updates: PeerUpdate[] = [];
  readonly signals: Array<{ to: string; data: PeerSignal | PeerNotice }> = [];
  left = false;
  closed = false;
  private pending: { resolve: (r: JoinResult) => void; reject: (e: unknown) => void } | null = null;

  join(request: FreshJoin): Promise<JoinResult> {
    this.joins.push(request);
    return new Promise((resolve, reject) => (this.pending = { resolve, reject }));
  }
  /** Answers the pending join. */
  accept(result: JoinResult): void {
    this.self = { ...result.self };
    this.pending?.resolve(result);
  }
  /** Refuses the pending join. */
  refuse(error: unknown): void {
    this.pending?.reject(error);
  }
  async leave(): Promise<void> {
    this.left = true;
  }
  close(): void {
    this.closed = true;
  }
  async update(patch: PeerUpdate): Promise<void> {
    this.updates.push(patch);
    if (this.self) this.self = { ...this.self, ...patch } as Peer;
  }
  async signal(to: string, data: PeerSignal | PeerNotice): Promise<void> {
    this.signals.push({ to, data });
  }
  async sendChat(text: string): Promise<ChatMessage> {
    return { id: `m-${text}`, from: this.self!.id, nick: this.self!.nick, text, at: 0 };
  }
  /** The description types sent to `to`, in order. */
  descriptionsTo(to: string): string[] {
    return this.signals.filter((s) => s.to === to && 'description' in s.data).map((s) => (s.data as { description: { type: string } }).description.type);
  }
}
