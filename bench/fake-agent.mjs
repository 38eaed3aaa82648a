#!/usr/bin/env node
// The bench's fake agent where no C compiler is found: does what bench/fake-agent.c does (see there), but pays a
// Node start (~40 ms or more) per iteration, so the per-iteration figures then mostly measure Node, not samocode.
import { appendFileSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';

const started = performance.timeOrigin + performance.now();
try {
  readFileSync(0);
} catch {
  // no stdin
}
const env = (name, fallback) => process.env[name] || fallback;
const iteration = Number(env('SAMOCODE_ITERATION', '1'));
const last = Number(env('FAKE_LAST', '0'));
writeFileSync('bench.txt', `${iteration}\n`);
let signal = { status: 'continue', phase: 'investigation', summary: 'x' };
if (iteration === Number(env('FAKE_WAIT', '0'))) {
  writeFileSync(
    join(env('SAMOCODE_SESSION_PATH', '.'), '_qa.md'),
    '### Q1: ok?\n- A) yes\n**Suggestion:** A\n**Answer:** _waiting_\n',
  );
  signal = { status: 'waiting', for: 'qa_answers', summary: 'asked' };
} else if (last > 0 && iteration >= last) signal = { status: 'blocked', reason: 'bench end' };
writeFileSync(env('SAMOCODE_SIGNAL_FILE', '_signal.json'), `${JSON.stringify(signal)}\n`);
if (env('FAKE_STREAM', '0') === '1') {
  const sid = '556fc672-bc58-469e-a7be-14a7d023d98e';
  const lines = [
    { type: 'system', subtype: 'init', session_id: sid, model: 'claude-sonnet-4-5', claude_code_version: '2.1.197' },
    { type: 'assistant', message: { content: [{ type: 'text', text: 'Writing bench.txt and the signal file.' }] } },
    {
      type: 'assistant',
      message: {
        content: [
          {
            type: 'tool_use',
            id: 'toolu_1',
            name: 'Write',
            input: { file_path: 'bench.txt', content: `${iteration}\n` },
          },
        ],
      },
    },
    { type: 'user', message: { content: [{ tool_use_id: 'toolu_1', type: 'tool_result', content: 'File created' }] } },
  ].map((l) => JSON.stringify(l) + '\n');
  writeSync(1, lines.join(''));
  const bytes = Number(env('FAKE_STREAM_BYTES', '0'));
  const result = 'x'.repeat(1023);
  let chunk = '';
  for (let n = 0, printed = 0; printed < bytes; n++) {
    const pair =
      JSON.stringify({
        type: 'assistant',
        message: {
          content: [{ type: 'tool_use', id: `toolu_${n}`, name: 'Bash', input: { command: `ls -la src/${n}` } }],
        },
        session_id: sid,
      }) +
      '\n' +
      JSON.stringify({
        type: 'user',
        message: { content: [{ tool_use_id: `toolu_${n}`, type: 'tool_result', content: result }] },
        session_id: sid,
      }) +
      '\n';
    chunk += pair;
    printed += pair.length;
    if (chunk.length > 65536 || printed >= bytes) (writeSync(1, chunk), (chunk = ''));
  }
  writeSync(
    1,
    JSON.stringify({
      type: 'result',
      subtype: 'success',
      is_error: false,
      num_turns: 2,
      result: 'done',
      session_id: sid,
      total_cost_usd: 0.011958,
      usage: { input_tokens: 3601, output_tokens: 77 },
      permission_denials: [],
    }) + '\n',
  );
}
const timing = process.env.FAKE_TIMING;
if (timing)
  appendFileSync(
    timing,
    `${JSON.stringify({ startedAt: started, endedAt: performance.timeOrigin + performance.now() })}\n`,
  );
