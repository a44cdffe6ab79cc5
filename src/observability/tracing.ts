/**
 * OpenTelemetry tracing, on only when an OTLP endpoint is configured
 * (`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, or `OTEL_EXPORTER_OTLP_ENDPOINT` + `/v1/traces`).
 * Then the Node SDK is loaded (dynamically: without the variable it never is), spans are
 * batched and sent as OTLP JSON over HTTP, and its AsyncLocalStorage context manager
 * carries the operation's span down to the vendor calls its resolvers cause.
 *
 * Spans: one per GraphQL operation (plugins/use-operation-tracing.ts) and, as its children,
 * one per vendor HTTP request (core/http.ts). Off, both ask `activeTracer()` and get
 * undefined: no span object is made at all.
 */
import { context, propagation, trace, type Tracer } from '@opentelemetry/api';

let tracer: Tracer | undefined;

/** The gateway's tracer while tracing runs, else undefined. */
export function activeTracer(): Tracer | undefined {
  return tracer;
}

export interface Tracing {
  /** Where spans go, without any user or password the URL carried (safe to log). */
  readonly url: string;
  readonly serviceName: string;
  /** Sends the spans ended so far. */
  forceFlush(): Promise<void>;
  /** Sends what is left and stops tracing. */
  shutdown(): Promise<void>;
}

/** The OTLP traces URL the environment names, or undefined when tracing is off. */
export function tracesUrl(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const traces = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  if (traces) return traces;
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  // The spec's rule: the general endpoint gets the signal's path appended.
  return base ? `${base.replace(/\/+$/, '')}/v1/traces` : undefined;
}

/** Starts tracing when the environment asks for it; undefined (and nothing loaded) otherwise. */
export async function startTracing(env: NodeJS.ProcessEnv = process.env): Promise<Tracing | undefined> {
  const url = tracesUrl(env);
  if (!url) return undefined;
  const [{ NodeTracerProvider, BatchSpanProcessor }, { OTLPTraceExporter }, { resourceFromAttributes }] = await Promise.all([
    import('@opentelemetry/sdk-trace-node'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/resources'),
  ]);
  const serviceName = env.OTEL_SERVICE_NAME?.trim() || 'posgraph';
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': serviceName }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url }))],
  });
  // Installs the AsyncLocalStorage context manager and the W3C traceparent propagator too.
  provider.register();
  tracer = trace.getTracer('posgraph');
  return {
    url: withoutCredentials(url),
    serviceName,
    forceFlush: () => provider.forceFlush(),
    async shutdown() {
      tracer = undefined;
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}

function withoutCredentials(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return parsed.toString();
  } catch {
    return '[unparsable URL]';
  }
}
