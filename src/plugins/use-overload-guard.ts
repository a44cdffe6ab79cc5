import type { Plugin } from 'graphql-yoga';

export interface OverloadGuardOptions {
  /** GraphQL requests handled at once; the next one is refused. Default 256. */
  readonly maxInFlight?: number;
  /** The `Retry-After` a refused client gets, in seconds. Default 1. */
  readonly retryAfterSeconds?: number;
}

export const DEFAULT_MAX_IN_FLIGHT = 256;

/**
 * Bounded in-flight work. Past `maxInFlight` GraphQL requests a request is refused at once
 * with `503`, `Retry-After` and a GraphQL error body (`extensions.code: OVERLOADED`) — before
 * its body is read or a vendor called — rather than queued behind slow vendors, where it would
 * only time out later and take memory meanwhile. Nothing is remembered beyond the count, so
 * the server recovers by itself as soon as requests finish.
 *
 * It counts what reaches the GraphQL handler: the health check and the GraphiQL page are
 * answered by earlier plugins and never count. The count drops when the handler settles,
 * whether it answered or threw, so a failing request cannot leak a slot.
 */
export function useOverloadGuard(options: OverloadGuardOptions = {}): Plugin & { readonly inFlight: () => number } {
  const maxInFlight = options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT;
  const retryAfter = options.retryAfterSeconds ?? 1;
  if (!Number.isInteger(maxInFlight) || maxInFlight < 1) throw new RangeError(`maxInFlight must be a positive integer, got ${maxInFlight}`);
  let inFlight = 0;
  return {
    inFlight: () => inFlight,
    onRequest({ requestHandler, setRequestHandler, endResponse, fetchAPI }) {
      if (inFlight >= maxInFlight) {
        endResponse(overloaded(fetchAPI.Response, retryAfter));
        return;
      }
      inFlight += 1;
      setRequestHandler(async (request, context) => {
        try {
          return await requestHandler(request, context);
        } finally {
          inFlight -= 1;
        }
      });
    },
  };
}

function overloaded(ResponseClass: typeof Response, retryAfter: number): Response {
  const body = { errors: [{ message: `The gateway is overloaded; retry in ${retryAfter}s.`, extensions: { code: 'OVERLOADED' } }] };
  return new ResponseClass(JSON.stringify(body), {
    status: 503,
    headers: { 'content-type': 'application/json; charset=utf-8', 'retry-after': String(retryAfter) },
  });
}
