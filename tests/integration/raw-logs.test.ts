// The agent's raw logs are capped per run: a run that prints far more than SAMOCODE_LOG_MAX_MB keeps the head and the
// tail of its stdout log, with a note of what was cut; the stream is still read whole while it runs (cost, result).
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { capLogFile } from '../../src/io/log-cap.js';
import { createProject, readHistory, sessionArgs, sig, tempDir, waitFor } from '../helpers/rig.js';

const MB = 1024 * 1024;

describe('raw agent logs', () => {
  test('a run that prints 3 MB keeps 1 MB of its stdout log: head, a note of the cut, tail', async () => {
    const project = createProject();
    const first = JSON.stringify({ type: 'system', subtype: 'init', note: 'the first line' });
    // Whole lines of the scripted agent's filler (script-agent.ts printBytes), about 3 MB.
    const filler =
      `${JSON.stringify({ type: 'assistant', message: { content: [{ type: 'text', text: 'x'.repeat(1000) }] } })}\n`
        .length;
    const scenario = project.scenario([
      { stdout: [first], stdoutBytes: filler * 3000, signal: sig.block('enough output') },
    ]);
    const small = project.scenario(
      [{ stdout: [first], signal: sig.go('requirements') }, { signal: sig.block('stop here') }],
      'small.json',
    );
    const result = await project.run(sessionArgs(project, 'big', scenario, ['--provider', 'script']), {
      env: { SAMOCODE_LOG_MAX_MB: '1' },
    });
    expect(result.exitCode, result.stderr).toBe(4);
    const logs = join(project.sessionDir('big'), '_logs');
    const stdout = readdirSync(logs)
      .filter((f) => f.endsWith('.jsonl'))
      .map((f) => join(logs, f));
    expect(stdout.length).toBeGreaterThan(0);
    const text = readFileSync(stdout[0]!, 'utf8');
    expect(statSync(stdout[0]!).size).toBeLessThanOrEqual(MB);
    expect(text.startsWith(`${first}\n`)).toBe(true);
    const lines = text.trimEnd().split('\n');
    // Every line is whole, the note among them says what was cut, and the file ends with the run's last output.
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
    const note = lines
      .map((line) => JSON.parse(line) as Record<string, any>)
      .find((event) => event.type === 'samocode_cut');
    expect(note?.cutBytes).toBeGreaterThan(2 * MB - 64 * 1024);
    expect(note?.note).toMatch(/samocode cut .* MB from the middle of this file .*SAMOCODE_LOG_MAX_MB=1/);
    expect(text.endsWith('}\n')).toBe(true);
    expect(result.stderr).toMatch(/kept the head and tail, cut 2 MB of 3 MB \(SAMOCODE_LOG_MAX_MB\)/);
    expect(readHistory(project.sessionDir('big'))[0]?.event).toBe('iteration');

    // A small run's log is left exactly as the agent wrote it.
    const plain = await project.run(sessionArgs(project, 'small', small), { env: { SAMOCODE_LOG_MAX_MB: '1' } });
    expect(plain.exitCode, plain.stderr).toBe(4);
    const smallLogs = join(project.sessionDir('small'), '_logs');
    const firstLog = readdirSync(smallLogs)
      .filter((name) => name.endsWith('.jsonl'))
      .sort()[0]!;
    expect(readFileSync(join(smallLogs, firstLog), 'utf8')).toBe(`${first}\n`);
  });

  test('while the agent still runs, a log past twice the cap is cut back, and the stream is still read', async () => {
    const project = createProject();
    const filler =
      `${JSON.stringify({ type: 'assistant', message: { content: [{ type: 'text', text: 'x'.repeat(1000) }] } })}\n`
        .length;
    // 3 MB at once, then the agent sleeps: the cut must happen before it exits. Its last words come after the cut.
    const scenario = project.scenario([
      {
        stdout: [JSON.stringify({ type: 'system', subtype: 'init', note: 'the first line' })],
        stdoutBytes: filler * 3000,
        delayMs: 4000,
        signal: sig.block('enough output'),
      },
    ]);
    const run = project.start(sessionArgs(project, 'live', scenario), {
      env: { SAMOCODE_LOG_MAX_MB: '1', SAMOCODE_SCRIPT_FORMAT: 'claude' },
    });
    const log = await waitFor(
      () => {
        const dir = existsSync(project.sessions) ? readdirSync(project.sessions)[0] : undefined;
        const logs = dir ? join(project.sessions, dir, '_logs') : undefined;
        const file = logs && existsSync(logs) ? readdirSync(logs).find((f) => f.endsWith('.jsonl')) : undefined;
        return file && statSync(join(logs!, file)).size > 0 ? join(logs!, file) : undefined;
      },
      20_000,
      'the agent log',
    );
    await waitFor(
      () => readFileSync(log, 'utf8').includes('"type":"samocode_cut"'),
      20_000,
      'the log to be cut while the agent runs',
    );
    expect(run.exitCode).toBeNull();
    expect(statSync(log).size).toBeLessThanOrEqual(2 * MB);
    const result = await run.result;
    expect(result.exitCode, result.stderr).toBe(4);
    expect(statSync(log).size).toBeLessThanOrEqual(MB);
    expect(result.stderr).toMatch(/kept the head and tail, cut \d MB of 3 MB \(SAMOCODE_LOG_MAX_MB\)/);
    // The stream was read while it ran: the agent's last words are the iteration's.
    expect(readHistory(project.sessionDir('live'))[0]?.agentText).toMatch(/^x{300}$/);
  });

  test('capLogFile keeps whole lines of head and tail; a file that fits is not touched', () => {
    const dir = tempDir();
    const file = join(dir, 'x.stderr.log');
    const lines = Array.from({ length: 20_000 }, (_, i) => `line ${i} ${'x'.repeat(40)}`);
    writeFileSync(file, `${lines.join('\n')}\n`);
    const size = statSync(file).size;
    const cut = capLogFile(file, 256 * 1024);
    expect(cut?.sizeBytes).toBe(size);
    const kept = readFileSync(file, 'utf8');
    expect(kept.length).toBeLessThanOrEqual(256 * 1024);
    expect(kept.startsWith('line 0 ')).toBe(true);
    expect(kept.endsWith(`line 19999 ${'x'.repeat(40)}\n`)).toBe(true);
    expect(kept).toMatch(
      /\n\[samocode cut [\d.]+ MB from the middle of this file \([\d.]+ MB in all; SAMOCODE_LOG_MAX_MB=0.25 keeps the head and the tail\)\]\nline \d+ x+\n/,
    );
    expect(
      kept
        .split('\n')
        .filter((l) => l.startsWith('line '))
        .every((l) => /^line \d+ x{40}$/.test(l)),
    ).toBe(true);
    expect(capLogFile(file, 256 * 1024)).toBeUndefined();
    expect(readFileSync(file, 'utf8')).toBe(kept);
  });
});
