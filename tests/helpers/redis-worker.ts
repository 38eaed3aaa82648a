// A stand-in for `orchestrate worker` on the BullMQ back end, as its own process (tests kill -9 it): the real
// redis-backend.ts consuming jobs, each run as the real `orchestrate run` (dist/cli.js) child with the job's lock
// token in SAMOCODE_JOB_LEASE, stopped with SIGTERM when the lease is lost. Bundled by the test with esbuild.
// argv: <config> <redis url> <lease ms> <cli.js>
import { spawn } from 'node:child_process';
import { homedir } from 'node:os';
import { loadConfig } from '../../src/config/load.js';
import type { JobResult } from '../../src/queue/backend.js';
import { openRedisQueue } from '../../src/queue/redis-backend.js';

const [configPath, url, leaseMs, cli] = process.argv.slice(2) as [string, string, string, string];
const { config } = loadConfig({
  configPath,
  flags: {},
  flagNames: {},
  env: process.env,
  cwd: process.cwd(),
  home: homedir(),
});
const say = (line: string) => process.stdout.write(`worker ${process.pid}: ${line}\n`);
const abort = new AbortController();
process.on('SIGTERM', () => abort.abort());

const EXIT_TO_OUTCOME: Record<number, JobResult['outcome']> = {
  0: 'done',
  5: 'waiting',
  4: 'blocked',
  7: 'blocked',
  130: 'interrupted',
  143: 'interrupted',
};

let queue: Awaited<ReturnType<typeof openRedisQueue>> | undefined;
try {
  queue = await openRedisQueue(config, { url, leaseMs: Number(leaseMs), log: say });
  await queue.consume(
    (lease) =>
      new Promise<JobResult>((resolve) => {
        const args = [cli, 'run', '--config', configPath, '--session', lease.job.session, '--no-wait', '--quiet'];
        if (lease.job.task) args.push('--task', lease.job.task);
        const child = spawn(process.execPath, args, {
          env: { ...process.env, SAMOCODE_JOB_LEASE: lease.token },
          stdio: ['ignore', 'inherit', 'inherit'],
        });
        say(`runs ${lease.job.session} as pid ${child.pid}`);
        lease.lost.addEventListener('abort', () => child.kill('SIGTERM'), { once: true });
        abort.signal.addEventListener('abort', () => child.kill('SIGTERM'), { once: true });
        child.on('close', (code) => {
          void lease.progress({ phase: 'ended', iteration: 0, costUsd: 0 }).catch(() => {});
          const outcome = EXIT_TO_OUTCOME[code ?? -1];
          resolve(
            outcome === undefined
              ? { outcome: 'failed', reason: `orchestrator exited ${code}` }
              : ({ outcome } as JobResult),
          );
        });
      }),
    { concurrency: 2, abort: abort.signal },
  );
  say('stopped');
} catch (error) {
  process.stderr.write(`worker: ${(error as Error).message}\n`);
  process.exitCode = (error as { exitCode?: number }).exitCode ?? 1;
} finally {
  await queue?.close();
}
