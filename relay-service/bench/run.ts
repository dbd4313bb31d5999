import { benchLoad } from './load.bench';
import { benchOperations } from './operations.bench';
import { benchSignedRequests } from './signed-requests.bench';

/** `npm run bench`: every benchmark, each against a baseline measured in the same run. */
async function main(): Promise<void> {
  const only = process.env.BENCH_ONLY;
  if (!only || only === 'signed') {
    const durationSeconds = Number(process.env.BENCH_SECONDS ?? 5);
    const rounds = Number(process.env.BENCH_ROUNDS ?? 2);
    const connections = Number(process.env.BENCH_CONNECTIONS ?? 16);
    process.stdout.write(
      `${await benchSignedRequests({ durationSeconds, connections, rounds })}\n\n`,
    );
  }
  if (!only || only === 'operations') {
    const iterations = Number(process.env.BENCH_ITERATIONS ?? 30);
    process.stdout.write(`${await benchOperations({ iterations })}\n\n`);
  }
  if (!only || only === 'load') {
    const list = <T extends string>(value: string | undefined, fallback: T[]) =>
      value ? (value.split(',') as T[]) : fallback;
    process.stdout.write(
      `${await benchLoad({
        connections: Number(process.env.BENCH_LOAD_CONNECTIONS ?? 200),
        durationSeconds: Number(process.env.BENCH_LOAD_SECONDS ?? 10),
        issues: Number(process.env.BENCH_ISSUES ?? 500),
        engines: list(process.env.BENCH_ENGINES, ['sqlite', 'postgres']),
        delaysMs: list(process.env.BENCH_JIRA_DELAYS_MS, ['0', '150']).map(Number),
        operations: list(process.env.BENCH_OPERATIONS, ['view', 'create', 'comment']),
      })}\n`,
    );
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
