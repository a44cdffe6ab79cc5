/**
 * OpenTelemetry tracing (issue 8), on when an OTLP endpoint is configured: a collector on
 * loopback receives the OTLP/HTTP JSON the gateway sends, and finds one span per GraphQL
 * operation with, as its children, one span per vendor request that operation caused.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activeTracer, startTracing, tracesUrl, type Tracing } from '../../src/observability/tracing.ts';
import { VENDOR_IDS } from '../../src/vendors/index.ts';
import { startTestStack, type TestStack } from '../e2e/harness.ts';
import { SALES, connectionOf, expectAllOk, sales } from '../faults/support.ts';

interface ReceivedSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string;
  readonly name: string;
  readonly kind: number;
  readonly attributes: Record<string, unknown>;
  readonly status: { code?: number };
  readonly serviceName: unknown;
}

const SPAN_KIND_SERVER = 2;
const SPAN_KIND_CLIENT = 3;

interface OtlpValue {
  stringValue?: string;
  intValue?: number | string;
  boolValue?: boolean;
  arrayValue?: { values?: OtlpValue[] };
}

function valueOf(value: OtlpValue): unknown {
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.arrayValue) return (value.arrayValue.values ?? []).map(valueOf);
  return undefined;
}

const attributesOf = (list: Array<{ key: string; value: OtlpValue }> = []) => Object.fromEntries(list.map(({ key, value }) => [key, valueOf(value)]));

/** A minimal OTLP/HTTP collector: keeps every span POSTed to /v1/traces. */
async function startCollector(): Promise<{ url: string; spans: ReceivedSpan[]; close(): Promise<void> }> {
  const spans: ReceivedSpan[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/traces') {
        res.writeHead(404).end();
        return;
      }
      let body = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
      const payload = JSON.parse(body.toString('utf8')) as {
        resourceSpans: Array<{ resource?: { attributes?: Array<{ key: string; value: OtlpValue }> }; scopeSpans: Array<{ spans: Array<Record<string, unknown>> }> }>;
      };
      for (const resourceSpans of payload.resourceSpans) {
        const serviceName = attributesOf(resourceSpans.resource?.attributes)['service.name'];
        for (const scope of resourceSpans.scopeSpans) {
          for (const span of scope.spans) {
            spans.push({
              traceId: span.traceId as string,
              spanId: span.spanId as string,
              parentSpanId: (span.parentSpanId as string | undefined) ?? '',
              name: span.name as string,
              kind: span.kind as number,
              attributes: attributesOf(span.attributes as never),
              status: (span.status as { code?: number }) ?? {},
              serviceName,
            });
          }
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    spans,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('tracing switched by the environment', () => {
  it('is off without an OTLP endpoint: nothing starts, no tracer', async () => {
    expect(tracesUrl({})).toBeUndefined();
    expect(await startTracing({})).toBeUndefined();
    expect(activeTracer()).toBeUndefined();
  });

  it('sends to OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as is, or to OTEL_EXPORTER_OTLP_ENDPOINT + /v1/traces', () => {
    expect(tracesUrl({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' })).toBe('http://collector:4318/v1/traces');
    expect(tracesUrl({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://other:9/spans' })).toBe('http://other:9/spans');
  });
});

describe('spans of a merged query over the four simulators', () => {
  let collector: Awaited<ReturnType<typeof startCollector>>;
  let tracing: Tracing;
  let stack: TestStack;

  beforeAll(async () => {
    collector = await startCollector();
    tracing = (await startTracing({ OTEL_EXPORTER_OTLP_ENDPOINT: `http://user:pw-777@${collector.url.slice('http://'.length)}`, OTEL_SERVICE_NAME: 'posgraph-test' }))!;
    stack = await startTestStack({ sales: 30 });
  });
  afterAll(async () => {
    await stack?.close();
    await tracing?.shutdown();
    await collector?.close();
  });

  it('exports one operation span with a child span per vendor request', async () => {
    expect(tracing.url).toBe(`${collector.url}/v1/traces`);
    stack.resetSimulators();
    collector.spans.length = 0;
    expectAllOk(await sales(stack));
    await tracing.forceFlush();

    const operations = collector.spans.filter((span) => span.kind === SPAN_KIND_SERVER);
    expect(operations).toEqual([
      expect.objectContaining({
        name: 'query Sales',
        parentSpanId: '',
        serviceName: 'posgraph-test',
        attributes: { 'graphql.operation.type': 'query', 'graphql.operation.name': 'Sales', 'posgraph.tenant': 'default' },
      }),
    ]);
    const operation = operations[0]!;

    const upstream = collector.spans.filter((span) => span.kind === SPAN_KIND_CLIENT);
    const calls = stack.upstreamCalls();
    expect(upstream.length).toBe(Object.values(calls).reduce((sum, count) => sum + count, 0));
    for (const span of upstream) {
      expect(span, span.name).toMatchObject({ traceId: operation.traceId, parentSpanId: operation.spanId });
      expect(span.attributes).toEqual({
        'posgraph.vendor': expect.any(String),
        'posgraph.connection': connectionOf(span.attributes['posgraph.vendor'] as never),
        'http.request.method': expect.stringMatching(/^(GET|POST)$/),
        'http.route': expect.stringMatching(/^\/[^?]*$/),
        'server.address': '127.0.0.1',
        'http.response.status_code': 200,
      });
      expect(span.name).toBe(`${span.attributes['http.request.method'] as string} ${span.attributes['http.route'] as string}`);
    }
    for (const vendor of VENDOR_IDS) {
      expect(upstream.filter((span) => span.attributes['posgraph.vendor'] === vendor).length, vendor).toBe(calls[vendor]);
    }
  });

  it("marks a failing vendor's span as an error with its status, and joins the caller's trace", async () => {
    collector.spans.length = 0;
    stack.demo.simulators.kash.addFault({ errorRate: 1, errorStatus: 503 });
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const response = await request(stack.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
      body: JSON.stringify({ query: SALES, variables: { first: 5, connections: [connectionOf('kash')] } }),
    });
    await response.body.dump();
    await tracing.forceFlush();
    stack.resetSimulators();

    const operation = collector.spans.find((span) => span.kind === SPAN_KIND_SERVER)!;
    expect(operation).toMatchObject({ traceId, parentSpanId: '00f067aa0ba902b7', status: { code: 2 }, attributes: { 'graphql.error.codes': ['VENDOR_UNAVAILABLE'] } });
    const kash = collector.spans.filter((span) => span.kind === SPAN_KIND_CLIENT);
    expect(kash.length).toBeGreaterThan(0);
    for (const span of kash) {
      expect(span).toMatchObject({ traceId, parentSpanId: operation.spanId, status: { code: 2 }, attributes: { 'posgraph.vendor': 'kash', 'http.response.status_code': 503 } });
    }
    // Credentials never travel in span data.
    expect(JSON.stringify(collector.spans)).not.toMatch(/pw-777|token=|key=/);
  });
});
