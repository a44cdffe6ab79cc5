/**
 * Graceful stop of the gateway process. On SIGTERM (what an orchestrator sends before it kills
 * a container) or SIGINT:
 *
 *   1. the readiness endpoint answers 503 and the server stops accepting connections, so a
 *      load balancer sends new work elsewhere;
 *   2. requests in flight run to their end, for at most the grace period; a keep-alive
 *      connection that sends one more request meanwhile is served and told `Connection: close`;
 *   3. every connection left is closed — idle ones at once, and requests still running when the
 *      grace period ends are cut;
 *   4. the resources are closed in order (upstream pools, shared state, embedded simulators)
 *      and the process exits 0, or 1 if one of them failed to close.
 *
 * A second signal exits at once: whoever sends it has stopped waiting.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Server as NetServer } from 'node:net';
import { ConfigError } from './config.ts';

export const DEFAULT_SHUTDOWN_GRACE_MS = 10_000;
/** How long one resource may take to close before the process exits without it. */
export const RESOURCE_CLOSE_TIMEOUT_MS = 5_000;

export interface DrainResult {
  /** Requests answered in full while draining: those in flight and any sent on kept-alive connections. */
  readonly finished: number;
  /** Requests cut because they were still running when the grace period ended. */
  readonly cut: number;
}

/**
 * A node:http server that can stop gracefully. It must wrap the server before the server
 * listens, so that it sees every request.
 */
export class GracefulServer {
  #draining = false;
  #finishedWhileDraining = 0;
  #drained: Promise<DrainResult> | undefined;
  readonly #inFlight = new Set<ServerResponse>();
  /** Responses to requests that asked for an event stream (SSE subscriptions). */
  readonly #eventStreams = new WeakSet<ServerResponse>();
  readonly #settled = new Set<() => void>();

  constructor(readonly server: Server) {
    // Before the application's own listener, so the header is set before it answers.
    server.prependListener('request', (request: IncomingMessage, response: ServerResponse) => {
      this.#inFlight.add(response);
      if (request.headers.accept?.includes('text/event-stream')) this.#eventStreams.add(response);
      if (this.#draining) response.setHeader('connection', 'close');
      response.once('close', () => {
        this.#inFlight.delete(response);
        if (this.#draining && response.writableFinished) this.#finishedWhileDraining += 1;
        if (this.#inFlight.size === 0) for (const notify of this.#settled) notify();
      });
    });
  }

  /** What the readiness endpoint says: listening and not draining. */
  get ready(): boolean {
    return this.server.listening && !this.#draining;
  }

  get draining(): boolean {
    return this.#draining;
  }

  /** Requests whose response has not yet been sent. */
  get inFlight(): number {
    return this.#inFlight.size;
  }

  /**
   * Drops the connections of the event streams under way. A subscription never ends on its
   * own, and ending it cleanly (`complete`) would tell its client it is over; a dropped
   * connection makes an SSE client reconnect — to another replica — with Last-Event-ID.
   * Resolves with how many were dropped.
   */
  dropEventStreams(): number {
    let dropped = 0;
    for (const response of this.#inFlight) {
      if (this.#eventStreams.has(response) && response.headersSent) {
        response.socket?.destroy();
        dropped += 1;
      }
    }
    return dropped;
  }

  /** Stops accepting, waits up to `graceMs` for the requests in flight, then closes every connection. Idempotent. */
  drain(graceMs: number): Promise<DrainResult> {
    if (!Number.isFinite(graceMs) || graceMs < 0) throw new RangeError(`graceMs must be a non-negative number of milliseconds, got ${graceMs}`);
    this.#drained ??= this.#drain(graceMs);
    return this.#drained;
  }

  async #drain(graceMs: number): Promise<DrainResult> {
    this.#draining = true;
    // net's close, not http's: http's also drops idle keep-alive connections at once, racing a
    // client that is sending on one right now (it would see a reset, and could not safely
    // retry a mutation). Kept open, such a connection gets its answer — /ready's 503 to a load
    // balancer's probe, say — with `Connection: close`, and the rest close when the drain ends.
    const closed = new Promise<void>((resolve) => {
      if (!this.server.listening) resolve();
      else NetServer.prototype.close.call(this.server, () => resolve());
    });
    // Responses not yet started close their connection behind them.
    for (const response of this.#inFlight) if (!response.headersSent) response.setHeader('connection', 'close');

    let timer: NodeJS.Timeout | undefined;
    let notify: (() => void) | undefined;
    const idle = new Promise<void>((resolve) => {
      if (this.#inFlight.size === 0) return resolve();
      notify = resolve;
      this.#settled.add(resolve);
      timer = setTimeout(resolve, graceMs);
    });
    await idle;
    clearTimeout(timer);
    if (notify) this.#settled.delete(notify);

    const cut = this.#inFlight.size;
    // Keep-alive connections with nothing in flight would otherwise hold close() until they time out.
    this.server.closeAllConnections();
    await closed;
    return { finished: this.#finishedWhileDraining, cut };
  }
}

export interface ClosableResource {
  readonly name: string;
  close(): Promise<void>;
}

export interface ShutdownLog {
  info(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

export interface ShutdownOptions {
  readonly graceful: GracefulServer;
  readonly graceMs?: number;
  /** Closed one after another once the server has drained, in this order. */
  readonly resources?: readonly ClosableResource[];
  readonly log: ShutdownLog;
  /** Where the signals come from and how the process ends; tests pass their own. */
  readonly signals?: NodeJS.EventEmitter;
  readonly exit?: (code: number) => void;
}

const SIGNALS = ['SIGTERM', 'SIGINT'] as const;
/** The shell's convention for "ended by signal n": 128 + n. */
const EXIT_BY_SIGNAL: Record<(typeof SIGNALS)[number], number> = { SIGINT: 130, SIGTERM: 143 };

/** Runs the graceful stop on the first SIGTERM/SIGINT and exits at once on a second. */
export function stopGracefullyOnSignals(options: ShutdownOptions): void {
  const signals = options.signals ?? process;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let stopping = false;
  for (const signal of SIGNALS) {
    signals.on(signal, () => {
      if (stopping) {
        options.log.info({ signal, inFlight: options.graceful.inFlight }, 'second signal: exiting now');
        exit(EXIT_BY_SIGNAL[signal]);
        return;
      }
      stopping = true;
      void shutDown(signal, options).then(exit);
    });
  }
}

/** The graceful stop itself; resolves with the exit code. */
export async function shutDown(signal: string, options: ShutdownOptions): Promise<number> {
  const graceMs = options.graceMs ?? DEFAULT_SHUTDOWN_GRACE_MS;
  options.log.info({ signal, graceMs, inFlight: options.graceful.inFlight }, 'draining');
  const drained = options.graceful.drain(graceMs);
  // Subscriptions would hold the drain to the end of the grace: their clients resume elsewhere.
  const dropped = options.graceful.dropEventStreams();
  if (dropped > 0) options.log.info({ dropped }, 'event streams dropped');
  const { finished, cut } = await drained;
  options.log.info({ finished, cut }, 'drained');
  const failures = await closeAll(options.resources ?? [], options.log);
  const code = failures > 0 ? 1 : 0;
  options.log.info({ code }, 'stopped');
  return code;
}

/** Closes each in turn, logging (not throwing) a failure; resolves with how many failed. */
async function closeAll(resources: readonly ClosableResource[], log: ShutdownLog): Promise<number> {
  let failures = 0;
  for (const resource of resources) {
    try {
      await withTimeout(resource.close(), RESOURCE_CLOSE_TIMEOUT_MS, `${resource.name} did not close within ${RESOURCE_CLOSE_TIMEOUT_MS} ms`);
    } catch (error) {
      failures += 1;
      log.error({ resource: resource.name, err: error }, 'close failed');
    }
  }
  return failures;
}

async function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** `SHUTDOWN_GRACE_MS` as milliseconds; the default when unset, an error when not a whole number ≥ 0. */
export function shutdownGraceMs(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.SHUTDOWN_GRACE_MS;
  if (raw === undefined || raw === '') return DEFAULT_SHUTDOWN_GRACE_MS;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new ConfigError(`SHUTDOWN_GRACE_MS must be a whole number of milliseconds, got "${raw}"`);
  return value;
}
