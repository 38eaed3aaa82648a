// A session run to done through its two gates with --no-wait: three runs of the real CLI, the person answering in the
// files between them (as tests of what comes after done need one).
import { expect } from 'vitest';
import { answerEverything, sessionArgs, type Project } from './rig.js';

export async function runToDone(project: Project, name: string, scenario: string): Promise<string> {
  const args = sessionArgs(project, name, scenario);
  for (const expected of [5, 5, 0]) {
    const result = await project.run(args);
    expect(result.exitCode, result.stderr).toBe(expected);
    answerEverything(project.sessionDir(name));
  }
  return project.sessionDir(name);
}
