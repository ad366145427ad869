/**
 * The typed event emitter of the web client (signaling client, mesh, call session,
 * recording engine).
 *
 * Why not Node's EventEmitter or a library: we need one property they lack — a
 * listener that throws must never reach the code that emitted the event (that code
 * is usually in the middle of an SDP exchange). Each listener runs in its own
 * try/catch and a failure is handed to `onListenerError` instead.
 */

/**
 * Maps event names to listener signatures, e.g. `{ status: (s: Status) => void }`.
 * A mapped constraint (not an index signature) so plain interfaces qualify.
 */
export type EventMap<E> = { [K in keyof E]: (...args: never[]) => void };

/** Called when a listener throws; the default logs to the console. */
export type ListenerErrorHandler = (error: unknown, event: string) => void;

/** A typed emitter whose `emit` never throws because of a listener. */
export class TypedEmitter<E extends EventMap<E>> {
  private readonly listeners = new Map<keyof E, Set<E[keyof E]>>();

  /**
   * @param onListenerError - receives what a listener threw. It must not throw itself;
   * if it does, the error is logged and dropped.
   */
  constructor(private readonly onListenerError: ListenerErrorHandler = defaultListenerError) {}

  /** Adds a listener; returns a function that removes it. */
  on<K extends keyof E>(event: K, listener: E[K]): () => void {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    set.add(listener);
    return () => this.off(event, listener);
  }

  /** Adds a listener that is removed after its first call. */
  once<K extends keyof E>(event: K, listener: E[K]): () => void {
    const wrapper = ((...args: Parameters<E[K]>) => {
      off();
      (listener as (...a: Parameters<E[K]>) => void)(...args);
    }) as E[K];
    const off = this.on(event, wrapper);
    return off;
  }

  /** Removes a listener added with {@link TypedEmitter.on}. */
  off<K extends keyof E>(event: K, listener: E[K]): void {
    this.listeners.get(event)?.delete(listener);
  }

  /** Removes every listener (used on close so nothing keeps the owner alive). */
  removeAllListeners(): void {
    this.listeners.clear();
  }

  /** Number of listeners of an event (for tests and leak checks). */
  listenerCount<K extends keyof E>(event: K): number {
    return this.listeners.get(event)?.size ?? 0;
  }

  /** Calls every listener of `event`; a throwing listener is reported, the others still run. */
  emit<K extends keyof E>(event: K, ...args: Parameters<E[K]>): void {
    const set = this.listeners.get(event);
    if (!set) return;
    // Copy first: a listener may remove itself (once) or others while we iterate.
    for (const listener of [...set]) {
      try {
        (listener as (...a: Parameters<E[K]>) => void)(...args);
      } catch (error) {
        try {
          this.onListenerError(error, String(event));
        } catch (inner) {
          defaultListenerError(inner, String(event));
        }
      }
    }
  }
}

function defaultListenerError(error: unknown, event: string): void {
  console.error(`[meshmeet] a "${event}" listener threw`, error);
}
