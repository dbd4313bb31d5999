import { main } from '../../cli/admin';
import type { RunResult } from './processes';

/**
 * Runs one admin CLI command inside the test process, with its own environment and captured
 * output: the same `main` the `relay:admin` entry point runs, without a process start (two to
 * three seconds each under tsx). Each test file still starts the real process at least once.
 */
export async function runAdmin(args: string[], env: Record<string, string>): Promise<RunResult> {
  let stdout = '';
  let stderr = '';
  const code = await main(
    args,
    { ...env },
    {
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: (text: string) => (stderr += text) },
    },
  );
  return { code, stdout, stderr };
}
