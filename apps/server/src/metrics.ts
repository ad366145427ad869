import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Gauges read at scrape time. */
export interface MetricSources {
  /** Sockets connected to this node. */
  sockets(): number;
  /** Rooms and members in the whole deployment (from the store). */
  totals(): Promise<{ rooms: number; members: number }>;
}

/**
 * Prometheus metrics of one node, in a registry of its own (not prom-client's global one),
 * so several apps in one test process never clash.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly relays: Counter;
  readonly errors: Counter<'code'>;
  readonly relayLatency: Histogram;
  readonly joins: Counter<'kind'>;

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'meshmeet_' });
    this.relays = new Counter({ name: 'meshmeet_relays_total', help: 'Signals relayed to their target', registers: [this.registry] });
    this.errors = new Counter({
      name: 'meshmeet_errors_total',
      help: 'Error acks sent to clients, by error code',
      labelNames: ['code'],
      registers: [this.registry],
    });
    this.relayLatency = new Histogram({
      name: 'meshmeet_relay_latency_seconds',
      help: 'Time from receiving a signal to handing it to the target socket or the adapter',
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5],
      registers: [this.registry],
    });
    this.joins = new Counter({
      name: 'meshmeet_joins_total',
      help: 'Successful room joins, fresh or resumed',
      labelNames: ['kind'],
      registers: [this.registry],
    });
  }

  /** Registers the gauges that read live values (called once the sources exist). */
  bind(sources: MetricSources): void {
    new Gauge({
      name: 'meshmeet_sockets',
      help: 'Socket.IO connections on this node',
      registers: [this.registry],
      collect() {
        this.set(sources.sockets());
      },
    });
    // One store read per scrape, shared by the two gauges.
    let pending: Promise<{ rooms: number; members: number } | null> | null = null;
    // A failed read (store down) leaves the last values in place rather than failing the scrape.
    const totals = () =>
      (pending ??= sources
        .totals()
        .catch(() => null)
        .finally(() => setTimeout(() => (pending = null), 0)));
    new Gauge({
      name: 'meshmeet_rooms',
      help: 'Non-empty rooms (all nodes)',
      registers: [this.registry],
      async collect() {
        const t = await totals();
        if (t) this.set(t.rooms);
      },
    });
    new Gauge({
      name: 'meshmeet_members',
      help: 'Room members, connected or within their resume grace (all nodes)',
      registers: [this.registry],
      async collect() {
        const t = await totals();
        if (t) this.set(t.members);
      },
    });
  }
}
