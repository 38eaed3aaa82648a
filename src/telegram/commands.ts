// What a message from the person means: a command (/status, /sessions, /log, /stats, /resume, /stop, /approve,
// /reject <feedback> — on the review of the diff while one waits, else on the plan — /help)
// or, for any other text, answers to the open questions. Returns the reply; the caller sends it and, for /stop,
// stops the run after queueing the reply so the person hears back before the process ends.
import { requestResume } from '../io/resume-request.js';
import { COMMANDS } from './format.js';
import { escapeHtml as esc } from './html.js';
import { LOG_ACTIONS, formatActions, formatQueue, formatSessions, formatStats, type TelegramViews } from './views.js';
import { recordAnswers, recordApproval, recordReviewDecision, type PlanDecision } from './session-edits.js';

export interface CommandDeps {
  sessionDir: string;
  sessionName: string;
  statusText: () => string;
  rerunCommand?: string | undefined;
  /** What the session waits for now (`review`, `plan_approval`, …), if it waits: /approve and /reject follow it. */
  waitingFor?: (() => string | undefined) | undefined;
  /** What /sessions, /log, /stats and the queue part of /status show; absent, they say they are not available. */
  views?: TelegramViews | undefined;
  /** SESSIONS, named when there are none. */
  sessionsDir?: string | undefined;
}

export interface CommandResult {
  reply: string;
  /** The person asked to end this run. */
  stop?: boolean | undefined;
}

// `/cmd`, `/cmd@SomeBot` (how commands arrive in group chats), then arguments.
const COMMAND = /^\/([a-zA-Z_]+)(?:@\w+)?(?:\s+([\s\S]*))?$/;

export async function handleText(text: string, deps: CommandDeps): Promise<CommandResult> {
  const command = COMMAND.exec(text.trim());
  if (!command) return { reply: await recordAnswers(deps.sessionDir, text) };
  const args = (command[2] ?? '').trim();
  const who = `<b>${esc(deps.sessionName)}</b>`;
  const name = command[1]!.toLowerCase();
  switch (name) {
    case 'status': {
      const queue = await deps.views?.queue();
      return { reply: [esc(deps.statusText()), queue ? `\n${formatQueue(queue)}` : undefined].join('') };
    }
    case 'sessions':
    case 'log':
    case 'stats':
      return { reply: await view(name, deps) };
    case 'resume':
      requestResume(deps.sessionDir, 'telegram /resume');
      return { reply: `▶️ ${who}: resume requested; a waiting or blocked run goes on in a moment.` };
    case 'stop': {
      const again = deps.rerunCommand ? `: <code>${esc(deps.rerunCommand)}</code>` : ' by running it again';
      return { reply: `⏹ ${who}: stopping this run. The session stays resumable${again}`, stop: true };
    }
    case 'approve':
      return { reply: await decide(deps, { approve: true }) };
    case 'reject':
      if (!args)
        return {
          reply:
            'Usage: <code>/reject &lt;what to change&gt;</code>, e.g. <code>/reject split step 3 and add tests</code>',
        };
      return { reply: await decide(deps, { approve: false, feedback: args }) };
    default: {
      const unknown = name === 'help' || name === 'start' ? '' : `There is no /${esc(name)}. `;
      return { reply: `${who}: ${unknown}${COMMANDS}` };
    }
  }
}

async function view(name: 'sessions' | 'log' | 'stats', deps: CommandDeps): Promise<string> {
  const views = deps.views;
  if (!views) return `/${name} is not available in this run.`;
  if (name === 'sessions') return formatSessions(await views.sessions(), deps.sessionsDir ?? 'SESSIONS');
  if (name === 'log') return formatActions(deps.sessionName, await views.actions(LOG_ACTIONS));
  return formatStats(await views.stats());
}

/** While a review of the diff waits, the decision is on `_review.md`; otherwise on the plan. */
function decide(deps: CommandDeps, decision: PlanDecision): Promise<string> {
  return deps.waitingFor?.() === 'review'
    ? recordReviewDecision(deps.sessionDir, decision)
    : recordApproval(deps.sessionDir, decision);
}
