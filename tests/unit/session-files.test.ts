import { describe, expect, test } from 'vitest';
import { isOwnFile, watchedFile } from '../../src/core/session-files.js';
import { fakeState } from '../helpers/fake-state.js';

describe('session-folder vocabulary', () => {
  test.each([
    ['_logs', true],
    ['session.log', true],
    ['_signal_history.jsonl', true],
    ['_signal.json', true],
    ['_signal.json.rejected', true],
    ['_resume.json', true],
    ['.lock', true],
    ['.lock.1234.tmp', true],
    ['_overview.md', true],
    ['_overview.md.tmp-1', true],
    ['_qa.md', false],
    ['_plan.md', false],
    ['notes.md', false],
    ['session.log.old', false],
    ['_logs2', false],
  ])('isOwnFile(%j) is %j: only samocode writes it', (name, own) => {
    expect(isOwnFile(name)).toBe(own);
  });

  const dir = '/s/26-01-02-x';
  const waiting = fakeState({ status: 'waiting', waitingFor: 'file_update', workingDir: '/work/tree' });
  test.each([
    ['no file named', { ...waiting, waitingFile: undefined }, `${dir}/_overview.md`],
    ['a relative name, in the session folder', { ...waiting, waitingFile: 'notes/db.md' }, `${dir}/notes/db.md`],
    ['an absolute name in the working dir', { ...waiting, waitingFile: '/work/tree/a.md' }, '/work/tree/a.md'],
    ['a name that leads out (an old state)', { ...waiting, waitingFile: '../../etc/hostname' }, `${dir}/_overview.md`],
    [
      'a state that is not waiting',
      { ...waiting, status: 'blocked' as const, waitingFile: 'notes/db.md' },
      `${dir}/_overview.md`,
    ],
  ])('watchedFile: %s', (_, state, file) => {
    expect(watchedFile(state, dir)).toBe(file);
  });
});
