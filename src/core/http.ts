/**
 * The one way the gateway speaks HTTP to vendors: undici over a shared keep-alive Agent,
 * with timeouts, abort signals and failures classified by undici's stable `err.code`
 * into VendorError subclasses. Nothing here knows a vendor's protocol.
 */
import { Agent, request, type Dispatcher } from 'undici';
import {
  VendorConnectionError,
  VendorMalformedResponseError,
  VendorTimeoutError,
  type VendorFailure,
} from './errors.ts';
import { redactUrl } from './redact.ts';

export interface HttpTimeouts {
  /** Time to establish the TCP (and TLS) connection. */
  readonly connectMs: number;
  /** Time from sending the request to receiving the response headers. */
  readonly headersMs: number;
  /** Longest silence while the body streams. */
  readonly bodyMs: number;
}

export const DEFAULT_TIMEOUTS: HttpTimeouts = { connectMs: 5_000, headersMs: 15_000, bodyMs: 15_000 };

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
}

const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

export class HttpTransport {
  readonly dispatcher: Dispatcher;

  constructor(options: HttpTransportOptions = {}) {
    this.dispatcher = options.dispatcher ?? sharedHttpAgent().agent;
  }

  /** Sends one request and reads the whole body; transport failures become VendorErrors. */
  async send(site: CallSite, req: HttpRequest): Promise<HttpResponse> {
    try {
      const response = await request(req.url, {
        method: req.method,
        headers: req.headers,
        body: req.body,
        signal: req.signal,
        dispatcher: this.dispatcher,
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
