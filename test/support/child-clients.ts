/**
 * Real clients run as they are, each in a child process of its own: a Node script (npm `plotly`
 * 1.0.6 is a devDependency) or a Python one (python3's standard library, as chart_studio's
 * `requests` would send). Resolves the script's stdout; rejects with its stderr when it fails.
 */
import { execFile } from 'node:child_process';

/** Runs `script` with Node (`node -e`) in the project's folder, so `require('plotly')` finds the package. */
export function runNode(script: string, env: Record<string, string> = {}, timeoutMs = 60_000): Promise<string> {
  return run(process.execPath, ['-e', script], env, timeoutMs);
}

/** Runs `script` with python3 (`python3 -c`). */
export function runPython(script: string, env: Record<string, string> = {}, timeoutMs = 60_000): Promise<string> {
  return run('python3', ['-c', script], env, timeoutMs);
}

function run(command: string, args: string[], env: Record<string, string>, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(
      command,
      args,
      { env: { ...process.env, ...env }, cwd: process.cwd(), timeout: timeoutMs },
      (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout)),
    ),
  );
}
