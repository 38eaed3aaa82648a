// `orchestrate enqueue`, `worker` and `queue`: many sessions through a queue (issue 13), as the parser and the help
// read them.
import { EXAMPLE_CONFIG as CONFIG, type CommandSpec } from '../flags.js';

export const QUEUE_COMMANDS = {
  enqueue: {
    summary: 'add a session (or many, --file) to the queue a worker runs; the same session twice is one job',
    usage: [
      'orchestrate enqueue --config <.samocode> --session <name> --task "…" [--dive "…"] [--provider <name>]',
      'orchestrate enqueue --config <.samocode> --file <tasks.jsonl>',
    ],
    flags: ['config', 'session', 'task', 'dive', 'provider', 'file', 'json'],
    examples: [
      `orchestrate enqueue --config ${CONFIG} --session add-auth --task "Add JWT auth"`,
      `orchestrate enqueue --config ${CONFIG} --file tasks.jsonl`,
      `orchestrate enqueue --config ${CONFIG} --session add-auth        # queue a blocked or failed one again`,
    ],
    notes: [
      'A session already queued or running is left as it is; a waiting, blocked or failed one is queued again (it resumes from its files).',
      '--file: every line is checked first; a bad line is named with its number and nothing is added.',
      'The queue: SAMOCODE_QUEUE unset, files in <SESSIONS>/.queue/ (one machine); redis://…, BullMQ.',
    ],
    main: async (input) => (await import('./enqueue.js')).enqueueCommand(input),
  },
  worker: {
    summary: 'run the queued sessions, each as its own orchestrator process, until stopped (SIGTERM drains)',
    usage: ['orchestrate worker --config <.samocode> [--concurrency <n>]'],
    flags: ['config', 'concurrency'],
    examples: [
      `orchestrate worker --config ${CONFIG} --concurrency 4`,
      `kill -TERM <worker pid>     # drain: running iterations finish (up to SAMOCODE_WORKER_DRAIN), then it exits`,
    ],
    notes: [
      'A session that waits for you frees its slot; the worker queues it again as soon as your answer is saved.',
      'A session whose orchestrator died is restarted up to SAMOCODE_WORKER_RESTARTS times, then its job is failed.',
      'Limits: --concurrency, SAMOCODE_MAX_SESSIONS for the project, and a pause of a provider that rate-limits.',
      'DELIVER=pr: it watches the pull request of each done session every PR_POLL and reacts by the PR_ON_* rules (CI failed, changes requested: continue; approved: notify); it never merges.',
      'First SIGTERM / Ctrl-C drains, a second interrupts the sessions at once (resumable), a third kills them.',
    ],
    main: async (input) => (await import('./worker-command.js')).workerCommand(input),
  },
  queue: {
    summary: 'the jobs of the queue: running (where, since), queued, waiting, blocked, failed (why), done',
    usage: ['orchestrate queue --config <.samocode> [--json]'],
    flags: ['config', 'json'],
    examples: [`orchestrate queue --config ${CONFIG}`, `orchestrate queue --config ${CONFIG} --json | jq .`],
    main: async (input) => (await import('./queue-view.js')).queueCommand(input),
  },
} satisfies Record<string, CommandSpec>;
