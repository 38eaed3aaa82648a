import { describe, expect, test } from 'vitest';
import { applyAnswers, parseQuestions, readApproval, setApproval, unanswered } from '../../src/core/answers.js';
import { evaluateWait } from '../../src/core/wait.js';
import { judgeWaitSignal } from '../../src/core/iteration.js';
import { fakeState } from '../helpers/fake-state.js';

const QA = [
  '# Questions',
  '',
  '### Q1: Which JWT library?',
  '- A) jsonwebtoken',
  '- B) jose',
  '**Suggestion:** B — ESM',
  '**Answer:** _waiting_',
  '',
  '### Q2: Token lifetime?',
  '- A) 15 min',
  '- B) 1 h',
  '- C) other',
  '**Suggestion:** A',
  '**Answer:** _waiting_',
  '',
  '### Q3: Anything else?',
  '**Answer:** _waiting_',
  '',
].join('\n');

describe('_qa.md', () => {
  test('questions, options, suggestions and answers are read', () => {
    const questions = parseQuestions(QA);
    expect(questions.map((q) => [q.id, q.title, Object.keys(q.options).join(''), q.suggestion, q.answer])).toEqual([
      ['Q1', 'Which JWT library?', 'AB', 'B — ESM', undefined],
      ['Q2', 'Token lifetime?', 'ABC', 'A', undefined],
      ['Q3', 'Anything else?', '', undefined, undefined],
    ]);
    expect(unanswered(questions).map((q) => q.id)).toEqual(['Q1', 'Q2', 'Q3']);
  });

  test('"1B 2A" and "Q3: free text" write the Answer lines exactly as an edit would', () => {
    const result = applyAnswers(QA, '1B 2a\nQ3: rotate keys monthly');
    expect(result).toMatchObject({ answered: ['Q1', 'Q2', 'Q3'], problems: [] });
    expect(result.text).toBe(
      QA.replace('**Answer:** _waiting_', '**Answer:** B')
        .replace('**Answer:** _waiting_', '**Answer:** A')
        .replace('**Answer:** _waiting_', '**Answer:** rotate keys monthly'),
    );
    expect(unanswered(parseQuestions(result.text))).toEqual([]);
  });

  test('several letters, commas, and CRLF files', () => {
    const crlf = QA.replaceAll('\n', '\r\n');
    const result = applyAnswers(crlf, '1AB, 2C');
    expect(result.answered).toEqual(['Q1', 'Q2']);
    expect(result.text).toContain('**Answer:** A, B\r\n');
    expect(parseQuestions(result.text).map((q) => q.answer)).toEqual(['A, B', 'C', undefined]);
  });

  test('unknown questions, unknown options and unreadable parts are reported, and change nothing', () => {
    const result = applyAnswers(QA, '9A 1Z ???');
    expect(result.answered).toEqual([]);
    expect(result.text).toBe(QA);
    expect(result.problems.join('\n')).toMatch(/could not read "\?\?\?"/);
    expect(result.problems.join('\n')).toMatch(/there is no question Q9/);
    expect(result.problems.join('\n')).toMatch(/Q1 has no option Z \(options: A, B\)/);
  });
});

describe('_plan.md approval line', () => {
  test.each([
    ['**Approval:** _waiting_', { state: 'waiting' }],
    ['**Approval:** approved', { state: 'approved' }],
    ['**Approval:** Approved.', { state: 'approved' }],
    ['**Approval:** rejected: split phase 2', { state: 'rejected', feedback: 'split phase 2' }],
    ['**Approval:** rejected', { state: 'rejected', feedback: '' }],
    ['**Approval:** maybe later', { state: 'unclear', line: 'maybe later' }],
    ['no line at all', { state: 'unclear' }],
  ])('%s', (line, expected) => {
    expect(readApproval(`# Plan\n\n1. x\n\n${line}\n`)).toEqual(expected);
  });

  test('setApproval rewrites only the approval line', () => {
    const plan = '# Plan\n**Approval:** _waiting_\ntrailer\n';
    expect(setApproval(plan, { approve: true })).toBe('# Plan\n**Approval:** approved\ntrailer\n');
    expect(setApproval(plan, { approve: false, feedback: 'more\ntests' })).toBe(
      '# Plan\n**Approval:** rejected: more tests\ntrailer\n',
    );
    expect(setApproval('no line', { approve: true })).toBeUndefined();
  });
});

describe('evaluateWait', () => {
  const since = '2026-01-02T03:00:00.000Z';
  const waiting = (waitingFor: string) =>
    fakeState({
      status: 'waiting',
      waitingFor,
      phase: waitingFor === 'qa_answers' ? 'requirements' : 'planning',
      updatedAt: since,
    });
  const at = { startup: false, force: false };

  test('Q&A: complete answers pass the gate; partial ones say what is left; force goes on anyway', () => {
    const partial = applyAnswers(QA, '1A').text;
    expect(evaluateWait(waiting('qa_answers'), { qaText: partial }, at)).toEqual({
      pending: '2 of 3 questions still unanswered in _qa.md: Q2, Q3',
    });
    expect(evaluateWait(waiting('qa_answers'), { qaText: applyAnswers(QA, '1A 2A 3A').text }, at)).toEqual({
      resume: { how: 'all 3 answers in _qa.md', gatePassed: true },
    });
    expect(evaluateWait(waiting('qa_answers'), { qaText: partial }, { startup: true, force: true })).toEqual({
      resume: { how: 'orchestrate resume (2 of 3 questions unanswered)', gatePassed: false },
    });
    expect(evaluateWait(waiting('qa_answers'), {}, at)).toEqual({
      pending: '_qa.md does not exist in the session folder',
    });
    // A plain re-run is not an answer to questions: the file is.
    expect(evaluateWait(waiting('qa_answers'), { qaText: partial }, { startup: true, force: false })).toMatchObject({
      pending: expect.any(String),
    });
  });

  test('Q&A: fewer answered questions than the agent asked is not complete (a half-written file); more are fine', () => {
    const asked = fakeState({
      status: 'waiting',
      waitingFor: 'qa_answers',
      phase: 'requirements',
      updatedAt: since,
      waitQuestions: 3,
    });
    const firstTwo = applyAnswers(QA.slice(0, QA.indexOf('### Q3')), '1A 2A').text;
    expect(evaluateWait(asked, { qaText: firstTwo }, at)).toEqual({
      pending:
        '_qa.md has 2 answered questions, but it had 3 when the agent asked (is it still being written?); waiting for all 3',
    });
    expect(evaluateWait(asked, { qaText: firstTwo }, { startup: true, force: true })).toEqual({
      resume: { how: 'orchestrate resume (0 of 2 questions unanswered)', gatePassed: false },
    });
    // The Q3 heading is there but its Answer line is still to come: not complete either.
    expect(evaluateWait(asked, { qaText: `${firstTwo}### Q3: Anything else?\n` }, at)).toHaveProperty('pending');
    expect(evaluateWait(asked, { qaText: applyAnswers(QA, '1A 2A 3A').text }, at)).toEqual({
      resume: { how: 'all 3 answers in _qa.md', gatePassed: true },
    });
    const more = `${applyAnswers(QA, '1A 2A 3A').text}\n### Q4: One more?\n**Answer:** yes\n`;
    expect(evaluateWait(asked, { qaText: more }, at)).toEqual({
      resume: { how: 'all 4 answers in _qa.md', gatePassed: true },
    });
    // A fourth question added later still has to be answered, as every question does.
    expect(evaluateWait(asked, { qaText: more.replace('**Answer:** yes', '**Answer:** _waiting_') }, at)).toEqual({
      pending: '1 of 4 questions still unanswered in _qa.md: Q4',
    });
  });

  test('plan: approval moves to implementation; rejection carries the feedback; a bare rejection asks for it', () => {
    const plan = (line: string) => ({ planText: `1. x\n**Approval:** ${line}\n` });
    expect(evaluateWait(waiting('plan_approval'), plan('approved'), at)).toEqual({
      resume: {
        how: 'plan approved in _plan.md',
        gatePassed: true,
        phaseAfter: 'implementation',
        approvedPlan: '_plan.md',
      },
    });
    expect(evaluateWait(waiting('plan_approval'), plan('rejected: smaller steps'), at)).toEqual({
      resume: { how: 'plan rejected in _plan.md', gatePassed: false, feedback: 'smaller steps' },
    });
    expect(evaluateWait(waiting('plan_approval'), plan('rejected'), at)).toMatchObject({
      pending: expect.stringContaining('rejected: <what to change>'),
    });
    expect(evaluateWait(waiting('plan_approval'), plan('_waiting_'), at)).toMatchObject({
      pending: expect.stringContaining('still says'),
    });
  });

  test('other waits and blocks: a resume request newer than the wait, a save, or a re-run', () => {
    const action = waiting('human_action');
    expect(evaluateWait(action, {}, at)).toMatchObject({
      pending: expect.stringContaining('waiting for human_action'),
    });
    expect(evaluateWait(action, { resumeRequest: { how: 'telegram /resume', at: Date.parse(since) + 1 } }, at)).toEqual(
      { resume: { how: 'telegram /resume', gatePassed: false } },
    );
    expect(evaluateWait(action, { resumeRequest: { how: 'old', at: Date.parse(since) - 1 } }, at)).toHaveProperty(
      'pending',
    );
    expect(evaluateWait(action, { fileChanged: true }, at)).toEqual({
      resume: { how: 'the file was saved', gatePassed: false },
    });
    expect(evaluateWait(action, {}, { startup: true, force: false })).toEqual({
      resume: { how: 'run again', gatePassed: false },
    });
    const blocked = fakeState({ status: 'blocked', blockedReason: 'no db', updatedAt: since });
    expect(evaluateWait(blocked, { fileChanged: true }, at)).toEqual({
      resume: { how: 'the session was edited', gatePassed: false },
    });
    expect(evaluateWait(blocked, {}, at)).toEqual({ pending: 'blocked: no db' });
  });
});

describe('judgeWaitSignal: a wait watches only files in the session folder or the working dir', () => {
  const roots = ['/s/sessions/26-01-02-x', '/s/worktrees/x'];
  const wait = (file: string) => ({ status: 'waiting' as const, for: 'file_update', file });
  test.each([
    ['/s/sessions/26-01-02-x/config.md', true],
    ['/s/worktrees/x/src/settings.env', true],
    ['/s/worktrees/x', true],
    ['/etc/hostname', false],
    ['/s/worktrees/xy/file', false],
    ['/s/sessions/26-01-02-x-other/file', false],
  ])('%s inside: %s', (resolved, inside) => {
    const problem = judgeWaitSignal(wait(resolved), { file: { resolved, roots } });
    if (inside) expect(problem).toBeUndefined();
    else
      expect(problem).toMatchObject({
        kind: 'signal_invalid',
        message: expect.stringContaining(
          `"file": ${JSON.stringify(resolved)} is outside the session folder and the working dir`,
        ),
      });
  });

  test('the message shows where a name resolves when that differs from what the agent wrote', () => {
    const problem = judgeWaitSignal(wait('link.md'), { file: { resolved: '/etc/hostname', roots } });
    expect(problem?.message).toContain(
      '"file": "link.md" is outside the session folder and the working dir (it resolves to /etc/hostname)',
    );
    expect(problem?.message).toContain(`samocode only waits for a file in ${roots.join(' or ')}`);
    expect(judgeWaitSignal({ status: 'waiting', for: 'human_action' }, { file: undefined })).toBeUndefined();
  });
});
