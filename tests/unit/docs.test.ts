// The README is the configuration and exit-code reference: it must name every setting and every exit code.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { SETTINGS } from '../../src/config/settings.js';
import { EXIT_CODES } from '../../src/errors.js';
import { PHASES } from '../../src/core/phases.js';

const root = join(import.meta.dirname, '../..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');

test.each(Object.keys(SETTINGS))('README documents setting %s', (key) => {
  expect(readme).toContain(`| \`${key}\``);
});

test.each(Object.entries(EXIT_CODES))('README documents exit code %s = %d', (_name, code) => {
  expect(readme).toMatch(new RegExp(`^\\| ${code}( / \\d+)? \\||^\\| \\d+ / ${code} \\|`, 'm'));
});

test.each(PHASES)('agents/%s-agent.md exists and workflow.md names the phase', (phase) => {
  expect(readFileSync(join(root, 'agents', `${phase}-agent.md`), 'utf8').length).toBeGreaterThan(200);
  expect(readFileSync(join(root, 'workflow.md'), 'utf8')).toContain(phase);
});
