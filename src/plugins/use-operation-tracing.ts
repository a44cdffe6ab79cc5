/**
 * One span per GraphQL operation, while tracing is on (observability/tracing.ts): named
 * `<type> <name>`, with the operation's type and name, the caller's tenant and the error
 * codes it answered. Execution runs inside the span's context, so the vendor calls its
 * resolvers cause (core/http.ts) become its children, through every await and DataLoader
 * batch (AsyncLocalStorage). A caller's W3C `traceparent` makes the span part of its trace.
 *
 * No query text or variable goes into a span: they may hold customers' personal data.
 */
import { context, propagation, SpanKind, SpanStatusCode, trace, type TextMapGetter } from '@opentelemetry/api';
import { getOperationAST } from 'graphql';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';
import { activeTracer } from '../observability/tracing.ts';

const headerGetter: TextMapGetter<Headers> = {
  keys: (headers) => [...headers.keys()],
  get: (headers, key) => headers.get(key) ?? undefined,
};

export function useOperationTracing(): Plugin {
  return {
    onExecute({ args, executeFn, setExecuteFn }) {
      const tracer = activeTracer();
      if (!tracer) return undefined;
      const operation = getOperationAST(args.document, args.operationName);
      const type = operation?.operation ?? 'query';
      const name = operation?.name?.value;
      const { request, tenant } = args.contextValue as { request?: Request; tenant?: string };
      const parent = request ? propagation.extract(context.active(), request.headers, headerGetter) : context.active();
      const span = tracer.startSpan(
        name ? `${type} ${name}` : type,
        {
          kind: SpanKind.SERVER,
          attributes: {
            'graphql.operation.type': type,
            ...(name ? { 'graphql.operation.name': name } : {}),
            ...(tenant ? { 'posgraph.tenant': tenant } : {}),
          },
        },
        parent,
      );
      const active = trace.setSpan(parent, span);
      setExecuteFn((executeArgs) => context.with(active, () => executeFn(executeArgs)));
      return {
        onExecuteDone({ result }) {
          if (!isAsyncIterable(result) && result.errors?.length) {
            const codes = [...new Set(result.errors.map((error) => String(error.extensions?.code ?? 'UNKNOWN')))];
            span.setAttribute('graphql.error.codes', codes);
            span.setStatus({ code: SpanStatusCode.ERROR, message: codes.join(', ') });
          }
          span.end();
        },
      };
    },
  };
}
