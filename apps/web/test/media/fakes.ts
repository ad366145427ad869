/**
 * Test doubles for the mesh engine's unit tests: re-exports the media and connection
 * fakes and adds a signaling bus that relays between meshes like the server would.
 */
import { tick } from './fake-media';

export * from './fake-media';
export * from './fake-peer-connection';

/** One message seen on a {@link FakeSignalingBus}. */
export interface BusMessage {
  from: string;
  to: string;
  data: Record<string, unknown>;
}

/**
 * Relays signals between meshes like the server would: JSON round trip, in order per
 * sender, delivered on a later tick. `log` keeps everything for assertions.
 */
export class FakeSignalingBus {
  readonly log: BusMessage[] = [];
  private readonly listeners = new Map<string, Set<(from: string, data: unknown) => void>>();
  /** When set, messages for which it returns true are dropped (a lossy network). */
  drop: ((m: BusMessage) => boolean) | null = null;

  /** The MeshSignaling of participant `id`. */
  endpoint(id: string) {
    return {
      send: async (to: string, data: unknown) => {
        const m: BusMessage = { from: id, to, data: JSON.parse(JSON.stringify(data)) as Record<string, unknown> };
        this.log.push(m);
        if (this.drop?.(m)) return;
        await tick();
        for (const l of this.listeners.get(to) ?? []) l(id, m.data);
      },
      onSignal: (listener: (from: string, data: unknown) => void) => {
        let set = this.listeners.get(id);
        if (!set) this.listeners.set(id, (set = new Set()));
        set.add(listener);
        return () => set.delete(listener);
      },
    };
  }

  /** Descriptions only, as `from:type` strings, in send order. */
  descriptions(): string[] {
    return this.log
      .filter((m) => 'description' in m.data)
      .map((m) => `${m.from}:${(m.data.description as { type: string }).type}`);
  }
}
