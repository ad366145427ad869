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
  readonly joinCatchUps: Counter;
  readonly lateAnswers: Counter<'event'>;
  readonly relaysShed: Counter<'reason'>;
  readonly subscriberReconnects: Counter;
  readonly subscriberUp: Gauge;

  // Per-relay counts are tallied in plain numbers and handed to prom-client at scrape
  // time: at thousands of relays per second, a labelled `inc()` each is measurable.
  private pendingRelays = 0;
  private readonly pendingErrors = new Map<string, number>();
  private readonly pendingShed = new Map<string, number>();

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'meshmeet_' });
    const self = this;
    this.relays = new Counter({
      name: 'meshmeet_relays_total',
      help: 'Signals relayed to their target',
      registers: [this.registry],
      collect() {
        if (self.pendingRelays > 0) this.inc(self.pendingRelays);
        self.pendingRelays = 0;
      },
    });
    this.errors = new Counter({
      name: 'meshmeet_errors_total',
      help: 'Error acks sent to clients, by error code',
      labelNames: ['code'],
      registers: [this.registry],
      collect() {
        for (const [code, n] of self.pendingErrors) this.inc({ code }, n);
        self.pendingErrors.clear();
      },
    });
    this.relaysShed = new Counter({
      name: 'meshmeet_relays_shed_total',
      help: 'Signals refused with UNAVAILABLE because the node was at a limit: overload (event loop behind) or in-flight (too many relays waiting on Redis)',
      labelNames: ['reason'],
      registers: [this.registry],
      collect() {
        for (const [reason, n] of self.pendingShed) this.inc({ reason }, n);
        self.pendingShed.clear();
      },
    });
    this.relayLatency = new Histogram({
      name: 'meshmeet_relay_latency_seconds',
      help: 'Relays that had to wait (a store lookup or a cross-node delivery confirmed by Redis): time from receiving the signal to knowing it was delivered. Relays to a member known on this node are handed over at once and not observed.',
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5],
      registers: [this.registry],
    });
    this.subscriberReconnects = new Counter({
      name: 'meshmeet_redis_subscriber_reconnects_total',
      help: 'Times the Redis pub/sub subscriber of this node was cut off and had to subscribe again (messages to this node were lost meanwhile)',
      registers: [this.registry],
    });
    this.subscriberUp = new Gauge({
      name: 'meshmeet_redis_subscriber_up',
      help: '1 while the Redis pub/sub subscriber holds all its subscriptions, 0 while it is cut off or resubscribing',
      registers: [this.registry],
    });
    this.joins = new Counter({
      name: 'meshmeet_joins_total',
      help: 'Successful room joins, fresh or resumed',
      labelNames: ['kind'],
      registers: [this.registry],
    });
    this.joinCatchUps = new Counter({
      name: 'meshmeet_join_catchup_reads_total',
      help: 'Fresh joins that read the member list a second time: a member event for the room arrived while they were joining, or the Redis subscriber could not vouch that none did',
      registers: [this.registry],
    });
    this.lateAnswers = new Counter({
      name: 'meshmeet_late_answers_total',
      help: 'Membership operations answered UNAVAILABLE because they had not finished within ANSWER_WITHIN_MS (Redis slow or stalled, password checks queued)',
      labelNames: ['event'],
      registers: [this.registry],
    });
  }

  /** Counts one delivered relay (batched; see above). */
  countRelay(): void {
    this.pendingRelays++;
  }

  /** Counts one error ack by code (batched). */
  countError(code: string): void {
    this.pendingErrors.set(code, (this.pendingErrors.get(code) ?? 0) + 1);
  }

  /** Counts one relay refused at a node limit (batched). */
  countShed(reason: 'overload' | 'in-flight'): void {
    this.pendingShed.set(reason, (this.pendingShed.get(reason) ?? 0) + 1);
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
