// What a wait prints on the terminal (log/waiting-printout.ts): the file as it was when the wait began (an answer
// saved a moment later, as the demo does, must not empty the printout), cleaned of secrets before a line is shown.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { makeScrubber } from '../../src/core/secrets.js';
import { waitingPrinter } from '../../src/log/waiting-printout.js';
import { fakeState } from '../helpers/fake-state.js';
import { tempDir } from '../helpers/rig.js';

const SECRET = 'sk-live-abcdefghijklmnopqrstuv0123456789';

describe('the printout of a wait', () => {
  test('the questions as they were when the wait began, with a secret of the config scrubbed', async () => {
    const sessionDir = tempDir('samocode-printout-');
    const qa = join(sessionDir, '_qa.md');
    writeFileSync(qa, `### Q1: Use the key ${SECRET}?\n- A) yes\n**Answer:** _waiting_\n`);
    const printed: string[] = [];
    const printer = waitingPrinter({
      sessionDir,
      sessionsDir: sessionDir,
      scrub: makeScrubber([SECRET]),
      print: (text) => printed.push(text),
    });
    printer.notifier.notify({ type: 'waiting', state: fakeState({ status: 'waiting', waitingFor: 'qa_answers' }) });
    writeFileSync(qa, '### Q1: Use the key?\n- A) yes\n**Answer:** A\n');
    await printer.settled();
    expect(printed).toHaveLength(1);
    expect(printed[0]).toMatch(/^Q1: Use the key \S+\?$/m);
    expect(printed[0]).toContain('    A) yes');
    expect(printed[0]).not.toContain(SECRET);
  });

  test('other events print nothing; a missing file is named, never thrown', async () => {
    const sessionDir = tempDir('samocode-printout-');
    const printed: string[] = [];
    const printer = waitingPrinter({
      sessionDir,
      sessionsDir: sessionDir,
      scrub: (t) => t,
      print: (t) => printed.push(t),
    });
    printer.notifier.notify({ type: 'blocked', state: fakeState({ status: 'blocked' }) });
    await printer.show(fakeState({ status: 'waiting', waitingFor: 'plan_approval' }));
    expect(printed).toEqual([expect.stringContaining('(no _plan.md yet)')]);
  });
});
