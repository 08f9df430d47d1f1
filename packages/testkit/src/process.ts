import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';

export interface RunningProcess {
  child: ChildProcess;
  output: () => string;
  /** SIGTERM, then SIGKILL after graceMs; resolves with the exit code. */
  stop: (graceMs?: number) => Promise<number | null>;
}

/** Starts a TypeScript entry point with tsx, capturing stdout and stderr together. */
export function startTs(entry: string, env: NodeJS.ProcessEnv, args: string[] = []): RunningProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', entry, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d) => {
    out += d;
  });
  child.stderr?.on('data', (d) => {
    out += d;
  });
  return {
    child,
    output: () => out,
    stop: async (graceMs = 5000) => {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const [code] = await once(child, 'exit');
      clearTimeout(timer);
      return code as number | null;
    },
  };
}

/** Runs a TypeScript entry point to completion and returns its exit code and output. */
export async function runTs(
  entry: string,
  env: NodeJS.ProcessEnv,
  args: string[] = [],
  timeoutMs = 60_000,
): Promise<{ code: number | null; output: string }> {
  const proc = startTs(entry, env, args);
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), timeoutMs);
  const [code] = await once(proc.child, 'exit');
  clearTimeout(timer);
  return { code: code as number | null, output: proc.output() };
}
