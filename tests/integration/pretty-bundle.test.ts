// The console's readable lines come from dist/pretty-bundle.cjs: pino-pretty and its CommonJS modules in one file
// (build.mjs), required by log/logger.ts with the first console line. Copied where no node_modules can be found, it
// still formats a line both ways the logger uses it (the terminal's formatter and the stderr stream): nothing of it
// is left to be resolved from the package's dependencies at run time.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { ROOT } from '../helpers/rig.js';

const alone = mkdtempSync(join(tmpdir(), 'samocode-pretty-'));
afterAll(() => rmSync(alone, { recursive: true, force: true }));

test('dist/pretty-bundle.cjs formats a log line on its own, with no node_modules around it', () => {
  copyFileSync(join(ROOT, 'dist', 'pretty-bundle.cjs'), join(alone, 'pretty-bundle.cjs'));
  const script = [
    "const pretty = require('./pretty-bundle.cjs');",
    "const options = { colorize: false, hideObject: true, ignore: 'pid,hostname', translateTime: 'HH:MM:ss' };",
    "const line = JSON.stringify({ level: 50, time: 0, pid: 1, msg: 'blocked in investigation' }) + '\\n';",
    "process.stdout.write('formatter: ' + pretty.prettyFactory(options)(line));",
    'pretty({ ...options, destination: 1, sync: true }).write(line);',
  ].join('\n');
  const out = execFileSync(process.execPath, ['-e', script], {
    cwd: alone,
    env: { PATH: process.env.PATH ?? '', NODE_PATH: '' },
    encoding: 'utf8',
  });
  const lines = out.trimEnd().split('\n');
  expect(lines).toHaveLength(2);
  expect(lines[0]).toMatch(/^formatter: \[\d\d:\d\d:\d\d\] ERROR: blocked in investigation$/);
  expect(lines[1]).toMatch(/^\[\d\d:\d\d:\d\d\] ERROR: blocked in investigation$/);
});
