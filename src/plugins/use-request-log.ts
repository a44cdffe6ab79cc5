import { randomUUID } from 'node:crypto';
import { getOperationAST } from 'graphql';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';
import type { Logger } from '../logger.ts';

export interface RequestLogOptions {
  readonly logger: Logger;
}

interface RequestEntry {
  readonly id: string;
  readonly started: number;
  readonly operations: Array<string | null>;
  readonly codes: Set<string>;
}

// A caller's own request id is kept when it looks like one; anything else is replaced.
const REQUEST_ID = /^[\w.:-]{1,64}$/;

/**
 * One JSON line per GraphQL request: request id (the caller's `x-request-id` or a new one,
 * echoed in the response), operation name(s), the error codes sent, status and duration.
 * Query text and variables are not logged: they may hold customers' personal data.
 *
 * Registered before the other gateway plugins so that requests they refuse early (overload)
 * are logged too.
 */
export function useRequestLog({ logger }: RequestLogOptions): Plugin {
  const entries = new WeakMap<Request, RequestEntry>();
  return {
    onRequest({ request }) {
      const given = request.headers.get('x-request-id');
      entries.set(request, { id: given && REQUEST_ID.test(given) ? given : randomUUID(), started: performance.now(), operations: [], codes: new Set() });
    },
    onParams({ request, params }) {
      entries.get(request)?.operations.push(params.operationName ?? null);
    },
    onExecute({ args }) {
      // Anonymous in the request, perhaps, but named in the document.
      const request = (args.contextValue as { request?: Request }).request;
      const entry = request && entries.get(request);
      const name = getOperationAST(args.document, args.operationName)?.name?.value;
      if (entry && name) {
        const unnamed = entry.operations.lastIndexOf(null);
        if (unnamed >= 0) entry.operations[unnamed] = name;
      }
    },
    onResultProcess({ request, result }) {
      const entry = entries.get(request);
      if (!entry) return;
      for (const single of Array.isArray(result) ? result : [result]) {
        if (isAsyncIterable(single)) continue;
        for (const error of single.errors ?? []) {
          const code = error.extensions?.code;
          if (typeof code === 'string') entry.codes.add(code);
        }
      }
    },
    onResponse({ request, response, serverContext }) {
      const entry = entries.get(request);
      if (!entry) return;
      entries.delete(request);
      response.headers.set('x-request-id', entry.id);
      const status = response.status;
      const level = status === 503 ? 'warn' : status >= 500 ? 'error' : 'info';
      logger[level](
        {
          reqId: entry.id,
          method: request.method,
          path: new URL(request.url, 'http://localhost').pathname,
          operationName: entry.operations.length > 1 ? entry.operations : (entry.operations[0] ?? null),
          codes: entry.codes.size > 0 ? [...entry.codes] : undefined,
          status,
          durationMs: Math.round((performance.now() - entry.started) * 10) / 10,
          remote: (serverContext as { req?: { socket?: { remoteAddress?: string } } }).req?.socket?.remoteAddress,
        },
        'request',
      );
    },
  };
}
