// Figures of issue 13: the worker's RSS (its whole process tree) with N sessions waiting for a person, and the time
// from an answer saved in `_qa.md` to the continuation's orchestrator being spawned. Run after `npm run build`:
//   node bench/queue-waiting.mjs 1 10 50
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const CLI = resolve(import.meta.dirname, '../dist/cli.js');
const counts = process.argv.slice(2).map(Number);
const QA = '### Q1: ok?\n- A) yes\n**Suggestion:** A\n**Answer:** _waiting_\n';
const gitEnv = {
  GIT_AUTHOR_NAME: 'b',
  GIT_AUTHOR_EMAIL: 'b@b.invalid',
  GIT_COMMITTER_NAME: 'b',
  GIT_COMMITTER_EMAIL: 'b@b.invalid',
};
const env = { ...process.env, ...gitEnv };

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function project() {
  const root = mkdtempSync(join(tmpdir(), 'samocode-queue-bench-'));
  const repo = join(root, 'repo');
  mkdirSync(repo);
  writeFileSync(join(repo, 'README.md'), '# bench\n');
  for (const args of [
    ['init', '-q', '-b', 'main'],
    ['add', '-A'],
    ['commit', '-q', '-m', 'init'],
  ])
    execFileSync('git', args, { cwd: repo, env });
  const steps = [
    { sessionFiles: { '_qa.md': QA }, signal: { status: 'waiting', for: 'qa_answers', needs: 'answer' } },
    { signal: { status: 'waiting', for: 'human_action', needs: 'stay here' } },
  ];
  writeFileSync(join(root, 'scenario.json'), JSON.stringify({ steps }));
  const config = join(root, '.samocode');
  writeFileSync(
    config,
    'MAIN_REPO=./repo\nWORKTREES=./worktrees\nSESSIONS=./sessions\nPROVIDER=script\nSAMOCODE_SCRIPT=./scenario.json\n',
  );
  return { root, config, sessions: join(root, 'sessions') };
}

function jobs(sessions) {
  const dir = join(sessions, '.queue');
  return readdirSync(dir)
    .filter((n) => n.endsWith('.json'))
    .map((n) => {
      try {
        return JSON.parse(readFileSync(join(dir, n), 'utf8'));
      } catch {
        return {};
      }
    });
}

/** RSS in MB of `pid` and every process under it. */
function treeRss(pid) {
  const parent = new Map();
  for (const entry of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parent.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {}
  }
  const tree = new Set([pid]);
  for (let grew = true; grew;) {
    grew = false;
    for (const [child, ppid] of parent) if (tree.has(ppid) && !tree.has(child)) (tree.add(child), (grew = true));
  }
  let kb = 0;
  for (const p of tree) {
    try {
      kb += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0);
    } catch {}
  }
  return { mb: kb / 1024, processes: tree.size };
}

for (const n of counts) {
  const p = project();
  const lines = Array.from({ length: n }, (_, i) => JSON.stringify({ session: `w${i}`, task: `task ${i}` }));
  writeFileSync(join(p.root, 'tasks.jsonl'), `${lines.join('\n')}\n`);
  execFileSync(process.execPath, [CLI, 'enqueue', '--config', p.config, '--file', join(p.root, 'tasks.jsonl')], {
    env,
  });
  const worker = spawn(process.execPath, [CLI, 'worker', '--config', p.config, '--concurrency', '4'], {
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  const starts = new Map();
  worker.stderr.on('data', (chunk) => {
    log += chunk;
    for (const m of String(chunk).matchAll(/ (w\d+): started/g)) starts.set(m[1], performance.now());
  });
  const t0 = performance.now();
  while (jobs(p.sessions).filter((j) => j.state === 'waiting').length < n) await sleep(100);
  const allWaitingS = (performance.now() - t0) / 1000;
  await sleep(3_000); // let it settle (the watcher set up, garbage collected)
  let rss = { mb: 0, processes: 0 };
  for (let i = 0; i < 5; i++) {
    const now = treeRss(worker.pid);
    if (now.mb > rss.mb) rss = now;
    await sleep(200);
  }
  // Answer up to 5 sessions one after the other; time each answer to its continuation's spawn.
  const latencies = [];
  for (let i = 0; i < Math.min(5, n); i++) {
    const id = `w${i}`;
    const folder = readdirSync(p.sessions).find((d) => d.endsWith(`-${id}`));
    starts.delete(id);
    const answered = performance.now();
    const qa = join(p.sessions, folder, '_qa.md');
    writeFileSync(qa, readFileSync(qa, 'utf8').replace('_waiting_', 'A'));
    while (!starts.has(id)) await sleep(5);
    latencies.push(starts.get(id) - answered);
    while (jobs(p.sessions).find((j) => j.id === id)?.state !== 'waiting') await sleep(50);
  }
  worker.kill('SIGTERM');
  await new Promise((r) => worker.on('close', r));
  latencies.sort((a, b) => a - b);
  console.log(
    JSON.stringify({
      waiting: n,
      allWaitingAfterS: Number(allWaitingS.toFixed(1)),
      workerTreeRssMB: Number(rss.mb.toFixed(1)),
      processes: rss.processes,
      answerToSpawnMs: latencies.map((l) => Math.round(l)),
    }),
  );
  if (!/no process left behind/.test(log)) console.log('worker log:', log.slice(-2000));
  rmSync(p.root, { recursive: true, force: true });
}
