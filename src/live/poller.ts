/**
 * Finds what changed at vendors that do not call us (no webhook) by asking them, each
 * connection on its own interval, and publishes it as live events (via POLLING).
 *
 * Sales: the list is read newest first from the since-cursor — the newest `createdAt` seen
 * and the ids seen at that very instant — and stops there. Re-reading the cursor's instant
 * (the vendor filter `from` is inclusive) and skipping the ids already seen is what keeps
 * sales that share a timestamp from being lost or repeated. The cursor is saved after the
 * events are published: a crash in between republishes them, and the log drops duplicates.
 *
 * Cashbooks: the set of open cashbooks is compared with the last poll's; one that appears
 * was opened, one that disappears was closed.
 *
 * The first poll of a connection only takes its bearings (history is not news). Calls go
 * through the connection's adapter, hence its transport: the vendor's rate limiter and
 * circuit breaker apply, and a connection whose breaker is open is left alone until it
 * half-opens. Pollers run for as long as the gateway does, whether anyone subscribes or
 * not, so the log (and Last-Event-ID replay) holds what happened while nobody listened.
 */
import { randomUUID } from 'node:crypto';
import type { Connection } from '../core/connection.ts';
import type { CashbookRecord, SaleRecord } from '../core/model.ts';
import { saleEvent, type LiveEventInput, type LiveEvents } from './events.ts';
import type { PollState } from './poll-state.ts';
import { scopedDeadline } from './scoped-deadline.ts';

export const DEFAULT_POLL_INTERVAL_MS = 5_000;
/** Connections whose vendor pushes changes are still polled, rarely: a notice sent while the gateway was down is otherwise lost. */
export const DEFAULT_WEBHOOK_POLL_INTERVAL_MS = 60_000;

export interface PollerOptions {
  readonly connections: ReadonlyMap<string, Connection>;
  readonly events: LiveEvents;
  readonly state: PollState;
  /** Between two polls of a connection. Default 5 000 ms. */
  readonly intervalMs?: number;
  /** Between two polls of a connection with a webhook; `false` leaves those to the webhook. Default 60 000 ms. */
  readonly webhookIntervalMs?: number | false;
  /** Per connection id: its own interval, or `false` not to poll it (a webhook feeds it). */
  readonly perConnection?: Readonly<Record<string, { readonly pollIntervalMs?: number | false }>>;
  /** Records asked for per list call. Default 50. */
  readonly pageSize?: number;
  /** How long one poll may take, vendor calls included. Default 30 000 ms. */
  readonly pollDeadlineMs?: number;
  /** Who holds a connection's polling lock; unique per replica. */
  readonly owner?: string;
  /** A poll failed; the poller backs off and tries again. Never given a credential. */
  readonly onError?: (connection: string, error: Error) => void;
  readonly now?: () => number;
}

/** `published`: events new to the log; `read`: records the vendor sent for it. */
export type PollOutcome =
  | { readonly status: 'POLLED'; readonly published: number; readonly read: number }
  | { readonly status: 'BASELINE' }
  | { readonly status: 'SKIPPED'; readonly reason: 'LOCKED' | 'CIRCUIT_OPEN' | 'NOTHING_TO_POLL' };

interface SaleCursor {
  /** The newest createdAt seen (ISO); null when the connection had no sale at all. */
  readonly at: string | null;
  /** Ids seen with createdAt exactly `at`. */
  readonly ids: readonly string[];
}

/** Repeated failures stretch the interval up to this many times. */
const MAX_BACKOFF_FACTOR = 12;

export class LivePoller {
  private readonly intervalMs: number;
  private readonly pageSize: number;
  private readonly owner: string;
  private readonly now: () => number;
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly running = new Map<string, Promise<PollOutcome>>();
  private readonly failures = new Map<string, number>();
  private readonly stopping = new AbortController();

  constructor(private readonly options: PollerOptions) {
    this.intervalMs = options.intervalMs ?? DEFAULT_POLL_INTERVAL_MS;
    if (!(this.intervalMs > 0)) throw new RangeError(`intervalMs must be positive, got ${this.intervalMs}`);
    this.pageSize = options.pageSize ?? 50;
    this.owner = options.owner ?? randomUUID();
    this.now = options.now ?? Date.now;
  }

  /** The connections polled, with their intervals (ms). */
  get schedule(): ReadonlyMap<string, number> {
    const schedule = new Map<string, number>();
    for (const [id, connection] of this.options.connections) {
      const byDefault = connection.webhook ? (this.options.webhookIntervalMs ?? DEFAULT_WEBHOOK_POLL_INTERVAL_MS) : this.intervalMs;
      const interval = this.options.perConnection?.[id]?.pollIntervalMs ?? byDefault;
      if (interval !== false) schedule.set(id, interval);
    }
    return schedule;
  }

  /** Polls every scheduled connection now, then on its interval. */
  start(): void {
    for (const [connection] of this.schedule) this.plan(connection, 0);
  }

  /** Stops the timers, waits for polls in flight, and lets go of the locks. */
  async stop(): Promise<void> {
    this.stopping.abort();
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    await Promise.allSettled([...this.running.values()]);
    await Promise.allSettled([...this.schedule.keys()].map((connection) => this.options.state.release(connection, this.owner)));
  }

  /** One poll of one connection; a poll already running is joined, not doubled. */
  pollOnce(connectionId: string): Promise<PollOutcome> {
    const running = this.running.get(connectionId);
    if (running) return running;
    const poll = this.poll(connectionId).finally(() => this.running.delete(connectionId));
    this.running.set(connectionId, poll);
    return poll;
  }

  private plan(connectionId: string, delayMs: number): void {
    if (this.stopping.signal.aborted) return;
    const timer = setTimeout(() => {
      this.pollOnce(connectionId)
        .then(() => this.failures.delete(connectionId))
        .catch((error: Error) => {
          this.failures.set(connectionId, (this.failures.get(connectionId) ?? 0) + 1);
          if (!this.stopping.signal.aborted) this.options.onError?.(connectionId, error);
        })
        .finally(() => {
          const interval = this.schedule.get(connectionId) ?? this.intervalMs;
          const factor = Math.min(2 ** (this.failures.get(connectionId) ?? 0), MAX_BACKOFF_FACTOR);
          this.plan(connectionId, interval * factor);
        });
    }, delayMs);
    timer.unref();
    this.timers.set(connectionId, timer);
  }

  private async poll(connectionId: string): Promise<PollOutcome> {
    const connection = this.options.connections.get(connectionId);
    if (!connection) throw new RangeError(`No connection ${JSON.stringify(connectionId)} to poll`);
    const { sale, cashbook } = connection.adapter.sources;
    if (!sale?.list && !cashbook?.list) return { status: 'SKIPPED', reason: 'NOTHING_TO_POLL' };
    // While the breaker is open the call would fail at once; wait for it to half-open.
    if (connection.health?.().state === 'OPEN') return { status: 'SKIPPED', reason: 'CIRCUIT_OPEN' };
    const interval = this.schedule.get(connectionId) ?? this.intervalMs;
    const deadlineMs = this.options.pollDeadlineMs ?? 30_000;
    // Held across polls (each renews it), and longer than a poll may take; a replica that dies lets go when it expires.
    if (!(await this.options.state.claim(connectionId, this.owner, Math.max(3 * interval, 2 * deadlineMs)))) return { status: 'SKIPPED', reason: 'LOCKED' };

    // The poller lives as long as the process: each poll holds its stop signal only while it runs.
    const { signal, release } = scopedDeadline(this.stopping.signal, deadlineMs);
    let outcomes;
    try {
      outcomes = [sale?.list ? await this.pollSales(connection, signal) : null, cashbook?.list ? await this.pollCashbooks(connection, signal) : null].filter(
        (outcome) => outcome !== null,
      );
    } finally {
      release();
    }
    if (outcomes.every((outcome) => outcome === 'BASELINE')) return { status: 'BASELINE' };
    const counted = outcomes.filter((outcome) => outcome !== 'BASELINE');
    return { status: 'POLLED', published: sum(counted.map((outcome) => outcome.published)), read: sum(counted.map((outcome) => outcome.read)) };
  }

  private async pollSales(connection: Connection, signal: AbortSignal): Promise<'BASELINE' | { published: number; read: number }> {
    const list = connection.adapter.sources.sale!.list!;
    const saved = await this.options.state.load(connection.id, 'sale');
    if (saved === null) {
      const page = await list({ filter: {}, cursor: null, limit: this.pageSize, signal });
      await this.options.state.save(connection.id, 'sale', JSON.stringify(advance({ at: null, ids: [] }, page.records)));
      return 'BASELINE';
    }
    const since = JSON.parse(saved) as SaleCursor;
    const sinceMs = since.at === null ? null : Date.parse(since.at);
    const fresh: SaleRecord[] = [];
    let read = 0;
    let cursor: string | null = null;
    walk: do {
      const page = await list({ filter: since.at === null ? {} : { from: since.at }, cursor, limit: this.pageSize, signal });
      for (const record of page.records) {
        read += 1;
        const at = Date.parse(record.createdAt);
        // Newest first: anything older than the cursor was seen by an earlier poll.
        if (sinceMs !== null && at < sinceMs) break walk;
        if (sinceMs !== null && at === sinceMs && since.ids.includes(record.id)) continue;
        fresh.push(record);
      }
      cursor = page.nextCursor;
    } while (cursor !== null);

    // Oldest first, so event ids follow the order the sales were made in.
    let published = 0;
    for (const record of [...fresh].reverse()) {
      if ((await this.options.events.publish(saleEvent(connection.id, record, 'POLLING'))).published) published += 1;
    }
    await this.options.state.save(connection.id, 'sale', JSON.stringify(advance(since, fresh)));
    return { published, read };
  }

  private async pollCashbooks(connection: Connection, signal: AbortSignal): Promise<'BASELINE' | { published: number; read: number }> {
    const list = connection.adapter.sources.cashbook!.list!;
    const open: CashbookRecord[] = [];
    let cursor: string | null = null;
    do {
      const page = await list({ filter: { state: 'OPEN' }, cursor, limit: this.pageSize, signal });
      open.push(...page.records.filter((record) => record.state === 'OPEN'));
      cursor = page.nextCursor;
    } while (cursor !== null);

    const saved = await this.options.state.load(connection.id, 'cashbook');
    const published = saved === null ? null : await this.publishCashbookChanges(connection.id, JSON.parse(saved) as string[], open);
    await this.options.state.save(connection.id, 'cashbook', JSON.stringify(open.map((record) => record.id)));
    return published === null ? 'BASELINE' : { published, read: open.length };
  }

  /** Opened: open now, not before; closed: open before, not now. Returns how many were new to the log. */
  private async publishCashbookChanges(connectionId: string, before: readonly string[], open: readonly CashbookRecord[]): Promise<number> {
    const wasOpen = new Set(before);
    const nowOpen = new Set(open.map((record) => record.id));
    const changes: LiveEventInput[] = [
      ...open
        .filter((record) => !wasOpen.has(record.id))
        .map((record): LiveEventInput => ({ type: 'cashbookChanged', connection: connectionId, id: record.id, version: 'OPEN', occurredAt: record.openedAt ?? this.nowIso(), via: 'POLLING' })),
      // The closing time is the vendor's to tell; subscribers read it on the cashbook itself.
      ...before
        .filter((id) => !nowOpen.has(id))
        .map((id): LiveEventInput => ({ type: 'cashbookChanged', connection: connectionId, id, version: 'CLOSED', occurredAt: this.nowIso(), via: 'POLLING' })),
    ];
    let published = 0;
    for (const change of changes) if ((await this.options.events.publish(change)).published) published += 1;
    return published;
  }

  private nowIso(): string {
    return new Date(this.now()).toISOString();
  }
}

/** The cursor after these records: the newest instant, and every id seen at it. */
function advance(since: SaleCursor, records: readonly Pick<SaleRecord, 'id' | 'createdAt'>[]): SaleCursor {
  let at = since.at === null ? null : Date.parse(since.at);
  let ids = new Set(since.ids);
  for (const record of records) {
    const created = Date.parse(record.createdAt);
    if (at === null || created > at) {
      at = created;
      ids = new Set([record.id]);
    } else if (created === at) {
      ids.add(record.id);
    }
  }
  return { at: at === null ? null : new Date(at).toISOString(), ids: [...ids] };
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}
