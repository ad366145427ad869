/**
 * Running the lab's `ip`, `tc` and `iptables` commands: each lab step is one small
 * `sh -e` script, so a failing command stops the step with its own error message.
 */
import { execFile, spawnSync } from 'node:child_process';

/** Runs `script` with `sh -ec`; rejects with the failing command's stderr. */
export function sh(script: string, timeoutMs = 20_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('sh', ['-ec', script], { timeout: timeoutMs, env: labEnv() }, (err, stdout, stderr) => {
      if (err) reject(new Error(`lab command failed (${err.message.split('\n')[0]}):\n${script}\n--- stderr ---\n${stderr}`));
      else resolve(stdout);
    });
  });
}

/** Synchronous variant for exit-time cleanup (errors ignored). */
export function shSync(script: string): void {
  spawnSync('sh', ['-c', script], { stdio: 'ignore', env: labEnv(), timeout: 10_000 });
}

/** The environment for lab commands: ip/tc/iptables live in /usr/sbin, not always on PATH. */
export function labEnv(): NodeJS.ProcessEnv {
  return { ...process.env, PATH: `${process.env.PATH ?? '/usr/bin:/bin'}:/usr/sbin:/sbin` };
}

/** Runs `node -e code args…` inside network namespace `ns`; resolves with its exit code. */
export function nodeIn(ns: string, code: string, args: string[], timeoutMs = 20_000): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    execFile(
      'ip',
      ['netns', 'exec', ns, process.execPath, '--input-type=module', '-e', code, ...args],
      { timeout: timeoutMs, env: labEnv() },
      (err, stdout) => {
        const exit = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code: exit, stdout });
      },
    );
  });
}

/**
 * GET `url` from inside namespace `ns` (the test runner itself is not on the lab's
 * network); resolves with the status (0 when unreachable) and the body.
 */
export async function httpGetIn(ns: string, url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  const code = `
    const headers = JSON.parse(process.argv[2]);
    const res = await fetch(process.argv[1], { headers, signal: AbortSignal.timeout(10000) }).catch(() => null);
    process.stdout.write(JSON.stringify({ status: res?.status ?? 0, body: res ? await res.text() : '' }));`;
  const r = await nodeIn(ns, code, [url, JSON.stringify(headers)]);
  try {
    return JSON.parse(r.stdout) as { status: number; body: string };
  } catch {
    return { status: 0, body: '' };
  }
}
