/** autocannon against one GraphQL endpoint: a POST of one operation, over and over. */
import autocannon from 'autocannon';

export interface LoadRun {
  readonly rps: number;
  readonly requests: number;
  readonly latencyP50Ms: number;
  readonly latencyP99Ms: number;
  /** Non-2xx answers, socket errors and timeouts: a run with any is reported, not trusted. */
  readonly failures: number;
  /** 200 answers that carry GraphQL `errors` (a partial answer, e.g. a source that failed). */
  readonly errorAnswers: number;
}

export async function load(url: string, query: string, options: { connections: number; seconds: number; variables?: Record<string, unknown> }): Promise<LoadRun> {
  let errorAnswers = 0;
  const result = await autocannon({
    url,
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ query, variables: options.variables ?? {} }),
        onResponse: (status, body) => {
          if (status === 200 && body.includes('"errors"')) errorAnswers += 1;
        },
      },
    ],
    connections: options.connections,
    pipelining: 1,
    duration: options.seconds,
    timeout: 30,
  });
  return {
    rps: result.requests.average,
    requests: result.requests.total,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    failures: result.non2xx + result.errors + result.timeouts,
    errorAnswers,
  };
}

/** One operation over HTTP, for checking what a server answers before loading it. */
export async function post(url: string, query: string, variables: Record<string, unknown> = {}): Promise<{ data?: any; errors?: unknown[] }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as { data?: any; errors?: unknown[] };
}
