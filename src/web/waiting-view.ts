// What the session waits for, with the person's controls: the questions of `_qa.md` (an option as a button, or
// free text), the plan of `_plan.md` (approve, or reject with what to change), the review of the diff (the same).
// Each control posts to the server, which makes the same edit as a hand edit; the waiting run goes on from there.
import type { Finding, Question, Waiting } from './api-types.js';
import { h } from './dom.js';
import { markdown } from './markdown.js';

/** Post `body` to the session's `path` (`/answers`, `/plan`, `/review`); resolves false when it was refused. */
export type Send = (path: string, body: unknown, done: string) => Promise<boolean>;

export function waitingView(waiting: Waiting, send: Send): HTMLElement {
  switch (waiting.for) {
    case 'qa_answers':
      return questionsForm(waiting.file, waiting.questions, send);
    case 'plan_approval':
      return decisionPanel(
        'The plan waits for your approval',
        waiting.file,
        markdown(waiting.plan),
        '/plan',
        'plan',
        send,
      );
    case 'review':
      return decisionPanel(
        'The review of the diff waits for your decision',
        waiting.file,
        reviewBody(waiting.findings, waiting.text),
        '/review',
        'review',
        send,
      );
    default: {
      const other = waiting as { for?: unknown; file?: unknown };
      return h(
        'div',
        { class: 'waiting' },
        h('p', {}, `The session waits for ${String(other.for ?? 'you')}`, other.file ? ` (${String(other.file)})` : ''),
      );
    }
  }
}

function questionsForm(file: string, questions: Question[], send: Send): HTMLElement {
  const chosen = new Map<string, string>();
  const open = questions.filter((q) => !q.answered);
  const form = h('form', { class: 'waiting questions', 'aria-label': 'answer the questions' });
  form.appendChild(
    h(
      'p',
      { class: 'muted' },
      `${open.length} of ${questions.length} question${questions.length === 1 ? '' : 's'} to answer (${file}).`,
    ),
  );
  for (const question of questions) {
    const box = h('fieldset', {
      class: `question${question.answered ? ' answered' : ''}`,
      'data-question': question.id,
    });
    box.appendChild(h('legend', {}, `${question.id}: ${question.text}`));
    if (question.answered) {
      box.appendChild(h('p', { class: 'muted' }, question.answer ? `Answered: ${question.answer}` : 'Answered.'));
      form.appendChild(box);
      continue;
    }
    const free = h('input', {
      type: 'text',
      name: question.id,
      placeholder: 'or write your own answer',
      'aria-label': `${question.id}: your own answer`,
    });
    const buttons = Object.entries(question.options).map(([letter, text]) =>
      h(
        'button',
        {
          type: 'button',
          class: 'option',
          'aria-pressed': 'false',
          'data-option': letter,
          onclick: (event: Event) => {
            chosen.set(question.id, letter);
            free.value = '';
            for (const b of buttons) b.setAttribute('aria-pressed', String(b === event.currentTarget));
          },
        },
        h('strong', {}, `${letter})`),
        ` ${text}`,
      ),
    );
    free.addEventListener('input', () => {
      if (free.value.trim() !== '') chosen.set(question.id, free.value.trim());
      else chosen.delete(question.id);
      for (const b of buttons) b.setAttribute('aria-pressed', 'false');
    });
    if (buttons.length > 0) box.appendChild(h('div', { class: 'options' }, ...buttons));
    if (question.suggestion) box.appendChild(h('p', { class: 'muted small' }, `Suggested: ${question.suggestion}`));
    box.appendChild(free);
    form.appendChild(box);
  }
  const status = h('p', { class: 'form-status', role: 'status' });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Send answers');
  form.appendChild(h('div', { class: 'actions' }, submit, status));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (chosen.size === 0) {
      status.textContent = 'Choose an option or write an answer first.';
      return;
    }
    submit.disabled = true;
    const answers = Object.fromEntries(chosen);
    void send('/answers', { answers }, `Sent ${chosen.size} answer${chosen.size === 1 ? '' : 's'}.`).then((ok) => {
      if (!ok) submit.disabled = false;
    });
  });
  return form;
}

function reviewBody(findings: Finding[], text: string): HTMLElement {
  const body = h('div', { class: 'review' });
  if (findings.length > 0) {
    const list = h('ul', { class: 'findings' });
    for (const f of findings) {
      list.appendChild(
        h(
          'li',
          {},
          h('strong', {}, f.rule ?? 'finding'),
          f.file ? h('code', {}, ` ${f.file}${f.line !== undefined ? `:${f.line}` : ''}`) : '',
          f.excerpt ? h('pre', { class: 'excerpt' }, f.excerpt) : '',
        ),
      );
    }
    body.appendChild(list);
  }
  if (text.trim() !== '') body.appendChild(h('details', {}, h('summary', {}, 'The whole review file'), markdown(text)));
  return body;
}

function decisionPanel(
  title: string,
  file: string,
  content: HTMLElement,
  path: string,
  what: string,
  send: Send,
): HTMLElement {
  const feedback = h('textarea', {
    rows: 3,
    name: 'feedback',
    placeholder: 'What to change (needed to reject)',
    'aria-label': `what to change in the ${what}`,
  });
  const status = h('p', { class: 'form-status', role: 'status' });
  const approve = h('button', { type: 'button', class: 'primary' }, `Approve the ${what}`);
  const reject = h('button', { type: 'button', class: 'danger' }, `Reject the ${what}`);
  const decide = (body: unknown, done: string) => {
    approve.disabled = reject.disabled = true;
    void send(path, body, done).then((ok) => {
      if (!ok) approve.disabled = reject.disabled = false;
    });
  };
  approve.addEventListener('click', () => decide({ decision: 'approve' }, `Approved the ${what}.`));
  reject.addEventListener('click', () => {
    const text = feedback.value.trim();
    if (text === '') {
      status.textContent = `Say what to change first: the agent reworks the ${what} from it.`;
      feedback.focus();
      return;
    }
    decide({ decision: 'reject', feedback: text }, `Rejected the ${what}.`);
  });
  return h(
    'div',
    { class: `waiting decision ${what}` },
    h('p', { class: 'muted' }, `${title} (${file}).`),
    h('div', { class: 'document' }, content),
    feedback,
    h('div', { class: 'actions' }, approve, reject, status),
  );
}
