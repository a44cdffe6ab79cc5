/**
 * The one way the gateway speaks HTTP to vendors: undici over a shared keep-alive Agent,
 * with timeouts, abort signals and failures classified by undici's stable `err.code`
 * into VendorError subclasses. Nothing here knows a vendor's protocol.
 *
 * A connection's transport may also guard its vendor (createConnections gives each one
 * its own): a circuit breaker that fails fast while the vendor is down, and a limiter on
 * requests in flight and started per second. The order matters: an open breaker answers
 * before the call queues; a call whose deadline passed while it queued is never sent.
 */
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { Agent, request, type Dispatcher } from 'undici';
import { CircuitOpenSignal, type ConnectionBreaker, type FailureSummary, type Guarded } from './breaker.ts';
import { isDeadlineAbort } from './deadline.ts';
import {
  VendorCircuitOpenError,
  VendorConnectionError,
  VendorMalformedResponseError,
  VendorTimeoutError,
  type VendorError,
  type VendorFailure,
} from './errors.ts';
import type { CallLimiter, Release } from './limiter.ts';
import { redactUrl } from './redact.ts';
import { recordUpstreamRequest } from '../observability/metrics.ts';
import { activeTracer } from '../observability/tracing.ts';

export interface HttpTimeouts {
  /** Time to establish the TCP (and TLS) connection. */
  readonly connectMs: number;
  /** Time from sending the request to receiving the response headers. */
  readonly headersMs: number;
  /** Longest silence while the body streams. */
  readonly bodyMs: number;
}

/**
 * Below the per-connection read deadline (8 s, core/resilience.ts), so a vendor that hangs
 * is cut off while there is still time for one more attempt.
 */
export const DEFAULT_TIMEOUTS: HttpTimeouts = { connectMs: 3_000, headersMs: 5_000, bodyMs: 5_000 };

export interface AgentStats {
  /** TCP connections opened since the agent was created. */
  connectionsOpened: number;
}

/** A keep-alive Agent that also counts the connections it opens (keep-alive is measured, not assumed). */
export function createHttpAgent(timeouts: HttpTimeouts = DEFAULT_TIMEOUTS): { agent: Agent; stats: AgentStats } {
  const stats: AgentStats = { connectionsOpened: 0 };
  const agent = new Agent({
    connect: { timeout: timeouts.connectMs },
    headersTimeout: timeouts.headersMs,
    bodyTimeout: timeouts.bodyMs,
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 600_000,
    connections: 64,
  });
  agent.on('connect', () => {
    stats.connectionsOpened += 1;
  });
  return { agent, stats };
}

let shared: { agent: Agent; stats: AgentStats } | undefined;

/** The process-wide agent; every vendor client uses it unless given its own. */
export function sharedHttpAgent(): { agent: Agent; stats: AgentStats } {
  shared ??= createHttpAgent();
  return shared;
}

export interface HttpRequest {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly url: URL;
  readonly headers?: Record<string, string>;
  readonly body?: string;
  readonly signal?: AbortSignal;
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: Record<string, string | undefined>;
  readonly text: string;
}

/** Who is being called, for error reports. */
export interface CallSite {
  readonly vendor: string;
  readonly connection: string;
}

export interface HttpTransportOptions {
  readonly dispatcher?: Dispatcher;
  /** Header and body timeouts of this transport's requests; the connect timeout belongs to the dispatcher. */
  readonly timeouts?: Pick<HttpTimeouts, 'headersMs' | 'bodyMs'>;
  /** Bounds requests in flight and per second. */
  readonly limiter?: CallLimiter;
  /** Fails fast while the vendor is failing. */
  readonly breaker?: ConnectionBreaker;
}

const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

export class HttpTransport {
  readonly dispatcher: Dispatcher;
  readonly limiter: CallLimiter | undefined;
  readonly breaker: ConnectionBreaker | undefined;
  private readonly timeouts: Pick<HttpTimeouts, 'headersMs' | 'bodyMs'> | undefined;

  constructor(options: HttpTransportOptions = {}) {
    this.dispatcher = options.dispatcher ?? sharedHttpAgent().agent;
    this.timeouts = options.timeouts;
    this.limiter = options.limiter;
    this.breaker = options.breaker;
  }

  /**
   * Sends one request and reads the whole body; transport failures become VendorErrors.
   * Each call is counted in `posgraph_upstream_requests_total` (and timed) by its HTTP
   * status or, when none came, its outcome, and traced when tracing is on.
   */
  async send(site: CallSite, req: HttpRequest): Promise<HttpResponse> {
    const started = performance.now();
    const route = routeTemplate(req.url);
    const span = activeTracer()?.startSpan(`${req.method} ${route}`, {
      kind: SpanKind.CLIENT,
      attributes: {
        'posgraph.vendor': site.vendor,
        'posgraph.connection': site.connection,
        'http.request.method': req.method,
        'http.route': route,
        'server.address': req.url.hostname,
      },
    });
    let status = 'network';
    try {
      const response = await this.guardedSend(site, req);
      status = String(response.status);
      span?.setAttribute('http.response.status_code', response.status);
      if (response.status >= 500) span?.setStatus({ code: SpanStatusCode.ERROR, message: `HTTP ${response.status}` });
      return response;
    } catch (error) {
      status = outcomeOf(error, req);
      span?.setAttribute('posgraph.upstream.outcome', status);
      span?.setStatus({ code: SpanStatusCode.ERROR, message: (error as { code?: string }).code ?? status });
      throw error;
    } finally {
      recordUpstreamRequest(site, status, (performance.now() - started) / 1000);
      span?.end();
    }
  }

  private async guardedSend(site: CallSite, req: HttpRequest): Promise<HttpResponse> {
    const { breaker, limiter } = this;
    const where = `${req.method} ${redactUrl(req.url)}`;
    // No request starts once its deadline has passed.
    if (req.signal?.aborted) throw notSent(site, req, `deadline passed before ${where}`);
    if (breaker?.rejecting) throw circuitOpen(site, breaker);
    let release: Release | undefined;
    if (limiter) {
      try {
        release = await limiter.acquire(req.signal);
      } catch {
        throw notSent(site, req, `deadline passed while queued for ${where}`);
      }
    }
    try {
      if (req.signal?.aborted) throw notSent(site, req, `deadline passed before ${where}`);
      if (!breaker) return await this.exchange(site, req);
      const outcome = await breaker.run(() => this.guardedExchange(site, req));
      if (outcome.value instanceof Error) throw outcome.value;
      return outcome.value;
    } catch (error) {
      if (error instanceof CircuitOpenSignal) throw circuitOpen(site, breaker!);
      throw error;
    } finally {
      release?.();
    }
  }

  private async exchange(site: CallSite, req: HttpRequest): Promise<HttpResponse> {
    try {
      const response = await request(req.url, {
        method: req.method,
        headers: req.headers,
        body: req.body,
        signal: req.signal,
        dispatcher: this.dispatcher,
        ...(this.timeouts ? { headersTimeout: this.timeouts.headersMs, bodyTimeout: this.timeouts.bodyMs } : {}),
      });
      const text = await response.body.text();
      const headers: Record<string, string | undefined> = {};
      for (const [name, value] of Object.entries(response.headers)) {
        headers[name] = Array.isArray(value) ? value.join(', ') : value;
      }
      return { status: response.statusCode, headers, text };
    } catch (error) {
      throw classifyTransportError(error, site, req);
    }
  }

  /** The exchange as the breaker sees it: never throws a vendor failure, says whether it counts. */
  private async guardedExchange(site: CallSite, req: HttpRequest): Promise<Guarded<HttpResponse | VendorError>> {
    try {
      const response = await this.exchange(site, req);
      const failure: FailureSummary | null =
        response.status >= 500 ? { code: 'VENDOR_UNAVAILABLE', message: `${site.vendor}: HTTP ${response.status} on ${req.method} ${req.url.pathname}` } : null;
      return { value: response, failure };
    } catch (error) {
      const failure = error as VendorError;
      // A caller that gave up (client gone) says nothing about the vendor; a deadline does.
      const callerGaveUp = req.signal?.aborted === true && !isDeadlineAbort(req.signal);
      return { value: failure, failure: callerGaveUp ? null : { code: failure.code, message: failure.message } };
    }
  }
}

/** Failures of calls that were never sent, by the reason they were not (for the metrics' status label). */
const unsent = new WeakMap<Error, 'deadline' | 'circuit_open'>();

function notSent(site: CallSite, req: HttpRequest, message: string): VendorTimeoutError {
  const error = new VendorTimeoutError({ ...site, vendorMessage: message, cause: req.signal?.reason });
  unsent.set(error, 'deadline');
  return error;
}

function circuitOpen(site: CallSite, breaker: ConnectionBreaker): VendorCircuitOpenError {
  const last = breaker.health().lastError;
  const error = new VendorCircuitOpenError({ ...site, vendorMessage: `failing repeatedly${last ? ` (last: ${last.code})` : ''}; calls paused` });
  unsent.set(error, 'circuit_open');
  return error;
}

/** The status label of a call that got no HTTP response. */
function outcomeOf(error: unknown, req: HttpRequest): string {
  const reason = error instanceof Error ? unsent.get(error) : undefined;
  if (reason === 'circuit_open') return reason;
  // A caller that went away is neither the vendor being slow nor a deadline.
  if (req.signal?.aborted && !isDeadlineAbort(req.signal)) return 'aborted';
  return reason ?? (error instanceof VendorTimeoutError ? 'timeout' : 'network');
}

/**
 * The path of a vendor URL with its id-like segments (numbers, UUIDs, long hex or mixed
 * tokens) replaced by `{id}`: a bounded name for a span, never a query string.
 */
export function routeTemplate(url: URL): string {
  return url.pathname
    .split('/')
    .map((segment) => (/^\d+$|^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$|^[0-9a-f]{16,}$|^(?=.*\d)[\w-]{20,}$/i.test(segment) ? '{id}' : segment))
    .join('/');
}

function classifyTransportError(error: unknown, site: CallSite, req: HttpRequest): Error {
  const code = (error as { code?: string }).code ?? '';
  const name = (error as { name?: string }).name ?? '';
  const where = `${req.method} ${redactUrl(req.url)}`;
  const failure: VendorFailure = { ...site, cause: error };
  if (TIMEOUT_CODES.has(code) || name === 'AbortError' || name === 'TimeoutError' || code === 'ABORT_ERR') {
    return new VendorTimeoutError({ ...failure, vendorMessage: `no answer in time to ${where}` });
  }
  return new VendorConnectionError({ ...failure, vendorMessage: `connection failed during ${where} (${code || name})` });
}

/** Parses a JSON body, reporting a broken one as the vendor's fault. */
export function parseJsonBody(site: CallSite, response: HttpResponse): unknown {
  try {
    return JSON.parse(response.text);
  } catch (error) {
    throw new VendorMalformedResponseError({
      ...site,
      status: response.status,
      vendorMessage: `response is not valid JSON (${response.text.length} bytes)`,
      cause: error,
    });
  }
}
