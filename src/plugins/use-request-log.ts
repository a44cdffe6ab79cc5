import { randomUUID } from 'node:crypto';
import { getOperationAST } from 'graphql';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';
import type { Logger } from '../logger.ts';

export interface RequestLogOptions {
  readonly logger: Logger;
  /** The id of the tenant a request authenticates as, if any (no key, a bad key: undefined). */
  readonly tenantOf?: (request: Request) => string | undefined;
}

interface RequestEntry {
  readonly id: string;
  readonly started: number;
  readonly operations: Array<string | null>;
  readonly codes: Set<string>;
  readonly vendorFailures: VendorFailureEntry[];
}

interface VendorFailureEntry {
  readonly vendor: string;
  readonly connection: unknown;
  readonly code: unknown;
  readonly message: string;
}

// A caller's own request id is kept when it looks like one; anything else is replaced.
const REQUEST_ID = /^[\w.:-]{1,64}$/;

/**
 * One JSON line per GraphQL request: request id (the caller's `x-request-id` or a new one,
 * echoed in the response), tenant, operation name(s), the error codes sent, status and
 * duration; and a `vendor failure` line (warn) per vendor error the response carried, with
 * the same request id. Query text and variables are not logged: they may hold customers'
 * personal data. Every line goes through the logger's redaction (logger.ts).
 *
 * Registered before the other gateway plugins so that requests they refuse early (overload)
 * are logged too.
 */
export function useRequestLog({ logger, tenantOf }: RequestLogOptions): Plugin {
  const entries = new WeakMap<Request, RequestEntry>();
  return {
    onRequest({ request }) {
      const given = request.headers.get('x-request-id');
      entries.set(request, { id: given && REQUEST_ID.test(given) ? given : randomUUID(), started: performance.now(), operations: [], codes: new Set(), vendorFailures: [] });
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
          const vendor = error.extensions?.vendor;
          if (typeof vendor === 'string') entry.vendorFailures.push({ vendor, connection: error.extensions?.connection, code, message: error.message });
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
      const tenant = tenantOf?.(request);
      for (const failure of entry.vendorFailures) logger.warn({ reqId: entry.id, tenant, ...failure }, 'vendor failure');
      logger[level](
        {
          reqId: entry.id,
          tenant,
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
