import autocannon from 'autocannon';

export interface Measurement {
  label: string;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
}

export interface LoadOptions {
  url: string;
  durationSeconds: number;
  connections: number;
  /** Called once per request to produce its headers (pre-computed work only: it runs in the load generator). */
  headers?: () => Record<string, string>;
}

/** One autocannon run over loopback. Every target is 127.0.0.1. */
export async function measure(label: string, options: LoadOptions): Promise<Measurement> {
  const result = await autocannon({
    url: options.url,
    duration: options.durationSeconds,
    connections: options.connections,
    requests: [
      {
        method: 'GET',
        setupRequest: (request) =>
          options.headers
            ? { ...request, headers: { ...request.headers, ...options.headers() } }
            : request,
      },
    ],
  });
  return {
    label,
    requestsPerSecond: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx + result.errors,
  };
}

export function formatTable(rows: Measurement[], baseline: Measurement): string {
  const lines = [
    `${'run'.padEnd(44)} ${'req/s'.padStart(9)} ${'p50 ms'.padStart(7)} ${'p99 ms'.padStart(7)} ${'vs baseline'.padStart(12)} ${'non-2xx'.padStart(8)}`,
  ];
  for (const row of rows) {
    const ratio = row.requestsPerSecond / baseline.requestsPerSecond;
    lines.push(
      `${row.label.padEnd(44)} ${row.requestsPerSecond.toFixed(0).padStart(9)} ${row.p50Ms.toFixed(1).padStart(7)} ${row.p99Ms.toFixed(1).padStart(7)} ${ratio.toFixed(3).padStart(12)} ${String(row.non2xx).padStart(8)}`,
    );
  }
  return lines.join('\n');
}
