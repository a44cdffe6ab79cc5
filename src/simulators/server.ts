/**
 * The HTTP kit every vendor simulator stands on: a real node:http server on loopback that
 * hands vendor requests to the simulator's handler and adds the control routes every
 * simulator shares (design.md):
 *
 *   GET  /__sim/info    {vendor, baseUrl, credentials, counts}
 *   GET  /__sim/stats   {total, byRoute: {"GET /path": n}, connections} since the last reset
 *   POST /__sim/faults  add a fault rule (see FaultRule); answers the rules in force
 *   POST /__sim/reset   clear stats and faults
 *
 * Faults are applied before the vendor handler runs, in the vendor's own dialect: an
 * injected error uses its error envelope, a 429 its retry header.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { z } from 'zod';

export type VendorId = 'incocloud' | 'kash' | 'icash' | 'tactill';

export interface EntityCounts {
  items: number;
  customers: number;
  sales: number;
  payments: number;
  cashbooks: number;
  bookings: number;
}

export interface SimRequest {
  readonly method: string;
  /** Path without the query string. */
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingMessage['headers'];
  /** Raw body text ('' when none). */
  readonly body: string;
  /** The simulator's own base URL, for answers that must point back at it. */
  readonly baseUrl: string;
}

export interface SimResponse {
  readonly status: number;
  readonly headers?: Record<string, string>;
  /** A string is sent as is; anything else as JSON. */
  readonly body?: unknown;
  readonly contentType?: string;
}

/** What a vendor simulator supplies; the kit does the rest. */
export interface VendorSimulator {
  readonly vendor: VendorId;
  /** Demo credentials, printed by `npm run simulators` and served by /__sim/info. */
  credentials(baseUrl: string): Record<string, string>;
  counts(): EntityCounts;
  handle(request: SimRequest): SimResponse | Promise<SimResponse>;
  /** The vendor's error answer for an injected failure with this HTTP status (`request` lets it echo e.g. a nonce). */
  errorResponse(status: number, message: string, request?: SimRequest): SimResponse;
  /** The vendor's 429 answer; `resetAt` is when the limit lifts. */
  rateLimitResponse(resetAt: Date, request?: SimRequest): SimResponse;
  /** Invalidates every issued token or session, as if they had all expired. */
  expireTokens(): void;
  /** Vendors that push notifications: where to send them from now on (undefined: nowhere). */
  setWebhookUrl?(url: string | undefined): void;
}

export const FaultRuleSchema = z.object({
  /** Applies to paths starting with this prefix; absent means every vendor route. */
  route: z.string().optional(),
  /** Applies to this HTTP method only. */
  method: z.string().optional(),
  latencyMs: z.number().int().min(0).max(120_000).optional(),
  jitterMs: z.number().int().min(0).max(60_000).optional(),
  /** Fraction of matching requests answered with the vendor's error envelope. */
  errorRate: z.number().min(0).max(1).optional(),
  errorStatus: z.number().int().min(400).max(599).optional(),
  /** The next N matching requests get the vendor's 429 with its retry header. */
  rateLimitBurst: z.number().int().min(1).optional(),
  /** Seconds until the injected rate limit lifts, as announced in the retry header. */
  rateLimitResetSeconds: z.number().int().min(0).max(3600).optional(),
  /** Expire every issued token/session now (a one-off action, not a lasting rule). */
  expireTokens: z.boolean().optional(),
  /** Corrupt matching responses: cut the body short, or replace it with invalid JSON. */
  malformed: z.union([z.boolean(), z.enum(['truncated', 'invalid'])]).optional(),
  /** Destroy the socket of matching requests without answering. */
  resetConnection: z.boolean().optional(),
  /** Apply to the next N matching requests only, then retire. */
  times: z.number().int().min(1).optional(),
}).strict();

export type FaultRule = z.infer<typeof FaultRuleSchema>;

interface ActiveRule extends FaultRule {
  remaining: number;
  rateLimited: number;
}

export interface SimulatorStats {
  total: number;
  byRoute: Record<string, number>;
  /** TCP connections accepted since the last reset (keep-alive shows as few). */
  connections: number;
}

export interface RunningSimulator {
  readonly vendor: VendorId;
  readonly url: string;
  readonly port: number;
  readonly simulator: VendorSimulator;
  stats(): SimulatorStats;
  reset(): void;
  addFault(rule: FaultRule): void;
  close(): Promise<void>;
}

export interface StartOptions {
  /** 0 picks a free port. */
  readonly port?: number;
  readonly host?: string;
  /**
   * The host name clients reach the simulator by, in the URLs it hands out (IncoCloud's
   * `server_url`) — when it listens on all interfaces behind a name (docker compose). Default `host`.
   */
  readonly publicHost?: string;
  /** Seed for the fault dice, so error rates are reproducible. */
  readonly faultSeed?: number;
}

const MAX_BODY_BYTES = 5 * 1024 * 1024;

export async function startSimulator(simulator: VendorSimulator, options: StartOptions = {}): Promise<RunningSimulator> {
  const host = options.host ?? '127.0.0.1';
  let stats: SimulatorStats = { total: 0, byRoute: {}, connections: 0 };
  let rules: ActiveRule[] = [];
  let diceState = (options.faultSeed ?? 1) >>> 0;
  const roll = (): number => {
    // xorshift32: reproducible error-rate decisions.
    diceState ^= diceState << 13;
    diceState ^= diceState >>> 17;
    diceState ^= diceState << 5;
    return (diceState >>> 0) / 4_294_967_296;
  };
  let baseUrl = '';
  const sockets = new Set<Socket>();

  /** Token expiry is a one-off action; everything else becomes a lasting rule. */
  const applyFault = (rule: FaultRule): void => {
    if (rule.expireTokens) simulator.expireTokens();
    const lasting = { ...rule, expireTokens: undefined };
    if (Object.values(lasting).some((value) => value !== undefined)) {
      rules.push({ ...lasting, remaining: rule.times ?? Number.POSITIVE_INFINITY, rateLimited: 0 });
    }
  };

  const control = async (req: SimRequest): Promise<SimResponse | undefined> => {
    switch (`${req.method} ${req.path}`) {
      case 'GET /__sim/info':
        return { status: 200, body: { vendor: simulator.vendor, baseUrl, credentials: simulator.credentials(baseUrl), counts: simulator.counts() } };
      case 'GET /__sim/stats':
        return { status: 200, body: stats };
      case 'POST /__sim/reset':
        stats = { total: 0, byRoute: {}, connections: 0 };
        rules = [];
        return { status: 200, body: { ok: true } };
      case 'POST /__sim/faults': {
        let parsed: FaultRule;
        try {
          parsed = FaultRuleSchema.parse(req.body ? JSON.parse(req.body) : {});
        } catch (error) {
          return { status: 400, body: { error: 'invalid fault rule', detail: error instanceof Error ? error.message : String(error) } };
        }
        applyFault(parsed);
        return { status: 200, body: { faults: rules.map(({ remaining, rateLimited, ...rule }) => rule) } };
      }
      default:
        return req.path.startsWith('/__sim/') ? { status: 404, body: { error: 'unknown control route' } } : undefined;
    }
  };

  const matching = (req: SimRequest): ActiveRule[] =>
    rules.filter(
      (rule) =>
        rule.remaining > 0 &&
        (rule.route === undefined || req.path.startsWith(rule.route)) &&
        (rule.method === undefined || rule.method.toUpperCase() === req.method),
    );

  const serve = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const url = new URL(request.url ?? '/', baseUrl);
    const body = await readBody(request);
    if (body === undefined) {
      send(response, { status: 413, body: { error: 'request body too large' } });
      return;
    }
    const req: SimRequest = { method: request.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: request.headers, body, baseUrl };
    const controlAnswer = await control(req);
    if (controlAnswer) {
      send(response, controlAnswer);
      return;
    }

    stats.total += 1;
    const route = `${req.method} ${req.path}`;
    stats.byRoute[route] = (stats.byRoute[route] ?? 0) + 1;

    const active = matching(req);
    for (const rule of active) rule.remaining -= 1;
    rules = rules.filter((rule) => rule.remaining > 0);

    const delay = active.reduce((sum, rule) => sum + (rule.latencyMs ?? 0) + (rule.jitterMs ? Math.floor(roll() * rule.jitterMs) : 0), 0);
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
    // The client may have hung up while we waited (e.g. its deadline passed).
    if (request.socket.destroyed) return;

    if (active.some((rule) => rule.resetConnection)) {
      request.socket.destroy();
      return;
    }
    const limiter = active.find((rule) => rule.rateLimitBurst !== undefined && rule.rateLimited < rule.rateLimitBurst);
    if (limiter) {
      limiter.rateLimited += 1;
      if (limiter.rateLimited >= limiter.rateLimitBurst!) limiter.remaining = 0;
      rules = rules.filter((rule) => rule.remaining > 0);
      send(response, simulator.rateLimitResponse(new Date(Date.now() + (limiter.rateLimitResetSeconds ?? 1) * 1000), req));
      return;
    }
    const failing = active.find((rule) => rule.errorRate !== undefined && roll() < rule.errorRate);
    if (failing) {
      send(response, simulator.errorResponse(failing.errorStatus ?? 500, 'Injected failure', req));
      return;
    }

    let answer: SimResponse;
    try {
      answer = await simulator.handle(req);
    } catch (error) {
      // A simulator bug must still answer like the vendor would, and never take the server down.
      answer = simulator.errorResponse(500, 'Internal error', req);
      console.error(`[${simulator.vendor} simulator] handler failed on ${route}:`, error);
    }
    const corruption = active.find((rule) => rule.malformed)?.malformed;
    send(response, answer, corruption === undefined || corruption === false ? undefined : corruption === 'invalid' ? 'invalid' : 'truncated');
  };

  const server: Server = createServer((request, response) => {
    serve(request, response).catch((error: unknown) => {
      console.error(`[${simulator.vendor} simulator] request failed:`, error);
      if (!response.headersSent) send(response, { status: 500, body: { error: 'simulator failure' } });
      else response.destroy();
    });
  });
  server.keepAliveTimeout = 60_000;
  server.on('connection', (socket) => {
    stats.connections += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  baseUrl = `http://${options.publicHost ?? host}:${port}`;

  return {
    vendor: simulator.vendor,
    url: baseUrl,
    port,
    simulator,
    stats: () => structuredClone(stats),
    reset: () => {
      stats = { total: 0, byRoute: {}, connections: 0 };
      rules = [];
    },
    addFault: (rule) => applyFault(FaultRuleSchema.parse(rule)),
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function readBody(request: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function send(response: ServerResponse, answer: SimResponse, corruption?: 'truncated' | 'invalid'): void {
  let text = typeof answer.body === 'string' ? answer.body : answer.body === undefined ? '' : JSON.stringify(answer.body);
  const contentType = answer.contentType ?? (typeof answer.body === 'string' ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8');
  if (corruption === 'invalid') text = '{"this is": not json';
  if (corruption === 'truncated') {
    // Announce the full length, send half, then hang up: what a dropped upstream looks like.
    const bytes = Buffer.from(text, 'utf8');
    response.writeHead(answer.status, { ...answer.headers, 'content-type': contentType, 'content-length': String(bytes.length) });
    response.write(bytes.subarray(0, Math.floor(bytes.length / 2)));
    response.socket?.destroy();
    return;
  }
  response.writeHead(answer.status, { ...answer.headers, 'content-type': contentType, 'content-length': String(Buffer.byteLength(text)) });
  response.end(text);
}

/** What every vendor's simulator factory accepts. */
export interface SimulatorOptions {
  readonly seed?: number;
  /** Number of sales in the dataset (default 5,000; benchmarks go to 100,000). */
  readonly sales?: number;
  /** The last day of trading, YYYY-MM-DD (UTC); the dataset's default when absent. */
  readonly lastDay?: string;
}
