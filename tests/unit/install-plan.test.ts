// The install planner: what `orchestrate install` / `uninstall` would write, keep and remove, given the package, the
// disk (as data) and the manifest. Plus the package's own skills and commands, checked as Claude Code and Codex read them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { readPackage } from '../../src/commands/install/disk.js';
import {
  REASONS,
  checkPackage,
  codexSkillFromCommand,
  manifestAfter,
  parseManifest,
  planInstall,
  planUninstall,
  projectLayout,
  renderManifest,
  sha256,
  splitFrontMatter,
  targets,
  userLayout,
  type DiskEntry,
  type DiskState,
  type Manifest,
  type PackageFile,
  type Plan,
  type Status,
} from '../../src/commands/install/plan.js';
import { displayPath } from '../../src/commands/install/report.js';

const ROOT = join(import.meta.dirname, '../..');
const HOME = '/home/ann';
const layout = userLayout(HOME, {});

const SKILL = (extra = '') => `---\nname: samocode-x\ndescription: Does x in a samocode session.\n---\n\n# X\n${extra}`;
const COMMAND = `---\ndescription: Runs y on a session\nargument-hint: <session folder>\nallowed-tools: Read, Bash(ls:*)\n---\n\nDo y for \`$ARGUMENTS\`.\n`;

function pkg(skill = SKILL()): PackageFile[] {
  return [
    { kind: 'skill', name: 'samocode-x', rel: 'SKILL.md', content: skill },
    { kind: 'command', name: 'samocode-y', rel: 'samocode-y.md', content: COMMAND },
  ];
}

const P = {
  claudeSkill: `${HOME}/.claude/skills/samocode-x/SKILL.md`,
  claudeCommand: `${HOME}/.claude/commands/samocode-y.md`,
  codexSkill: `${HOME}/.agents/skills/samocode-x/SKILL.md`,
  codexCommand: `${HOME}/.agents/skills/samocode-y/SKILL.md`,
};
const ALL = [P.claudeSkill, P.claudeCommand, P.codexSkill, P.codexCommand];

/** A disk as the planner sees it: file contents by path, and the folders that exist. */
interface FakeDisk {
  files: Map<string, string | 'folder'>;
  dirs: Set<string>;
}

function fakeDisk(files: Record<string, string | 'folder'> = {}, dirs: string[] = []): FakeDisk {
  return { files: new Map(Object.entries(files)), dirs: new Set(['/', '/home', HOME, ...dirs]) };
}

function state(disk: FakeDisk): DiskState {
  const entries: Record<string, DiskEntry> = {};
  for (const [path, content] of disk.files) {
    entries[path] =
      content === 'folder' ? { kind: 'other', what: 'folder' } : { kind: 'file', sha256: sha256(content) };
  }
  return { entries, dirs: [...disk.dirs] };
}

/** What the disk holds once the plan is carried out (the same order as src/commands/install/disk.ts). */
function carryOut(plan: Plan, disk: FakeDisk): FakeDisk {
  const files = new Map(disk.files);
  const dirs = new Set([...disk.dirs, ...plan.mkdirs]);
  for (const step of plan.files) {
    if (step.status === 'installed' || step.status === 'updated') files.set(step.path, step.content!);
    if (step.status === 'removed') files.delete(step.path);
  }
  for (const dir of plan.rmdirs) {
    const busy = [...files.keys(), ...dirs].some((p) => p !== dir && p.startsWith(`${dir}/`));
    if (!busy) dirs.delete(dir);
  }
  return { files, dirs };
}

function install(files: PackageFile[], disk: FakeDisk, manifest?: Manifest) {
  const plan = planInstall({ layout, targets: targets(files, layout), manifest, disk: state(disk), version: '1.0.0' });
  return { plan, manifest: manifestAfter(plan), disk: carryOut(plan, disk) };
}

function uninstall(disk: FakeDisk, manifest: Manifest | undefined) {
  const plan = planUninstall({ layout, manifest, disk: state(disk) });
  return { plan, manifest: manifestAfter(plan), disk: carryOut(plan, disk) };
}

function statuses(plan: Plan): Record<string, Status> {
  return Object.fromEntries(plan.files.map((s) => [s.path, s.status]));
}

/** Install the package once on an empty home: the starting point of most cases. */
function installed(files = pkg()) {
  return install(files, fakeDisk());
}

describe('install', () => {
  const cases: {
    name: string;
    given: () => { files: PackageFile[]; disk: FakeDisk; manifest?: Manifest | undefined };
    expect: Record<string, Status>;
    reasons?: Record<string, string>;
    recorded: string[];
  }[] = [
    {
      name: 'fresh install: everything installed and recorded',
      given: () => ({ files: pkg(), disk: fakeDisk() }),
      expect: Object.fromEntries(ALL.map((p) => [p, 'installed'])),
      recorded: ALL,
    },
    {
      name: 're-install, nothing changed: everything unchanged',
      given: () => {
        const first = installed();
        return { files: pkg(), disk: first.disk, manifest: first.manifest };
      },
      expect: Object.fromEntries(ALL.map((p) => [p, 'unchanged'])),
      recorded: ALL,
    },
    {
      name: 'newer package: the changed skill is updated in both places',
      given: () => {
        const first = installed();
        return { files: pkg(SKILL('new text\n')), disk: first.disk, manifest: first.manifest };
      },
      expect: {
        [P.claudeSkill]: 'updated',
        [P.codexSkill]: 'updated',
        [P.claudeCommand]: 'unchanged',
        [P.codexCommand]: 'unchanged',
      },
      recorded: ALL,
    },
    {
      name: "the person's own command file is never overwritten",
      given: () => ({
        files: pkg(),
        disk: fakeDisk({ [P.claudeCommand]: 'my own y\n' }, [`${HOME}/.claude`, `${HOME}/.claude/commands`]),
      }),
      expect: {
        [P.claudeSkill]: 'installed',
        [P.claudeCommand]: 'skipped',
        [P.codexSkill]: 'installed',
        [P.codexCommand]: 'installed',
      },
      reasons: { [P.claudeCommand]: REASONS.notOurs },
      recorded: [P.claudeSkill, P.codexSkill, P.codexCommand],
    },
    {
      name: 'a file samocode installed and the person edited is kept, even when the package changed',
      given: () => {
        const first = installed();
        first.disk.files.set(P.claudeSkill, `${SKILL()}my note\n`);
        return { files: pkg(SKILL('new text\n')), disk: first.disk, manifest: first.manifest };
      },
      expect: {
        [P.claudeSkill]: 'skipped',
        [P.codexSkill]: 'updated',
        [P.claudeCommand]: 'unchanged',
        [P.codexCommand]: 'unchanged',
      },
      reasons: { [P.claudeSkill]: REASONS.changedSkip },
      recorded: ALL,
    },
    {
      name: 'a deleted installed file is installed again',
      given: () => {
        const first = installed();
        first.disk.files.delete(P.codexCommand);
        return { files: pkg(), disk: first.disk, manifest: first.manifest };
      },
      expect: {
        [P.claudeSkill]: 'unchanged',
        [P.codexSkill]: 'unchanged',
        [P.claudeCommand]: 'unchanged',
        [P.codexCommand]: 'installed',
      },
      recorded: ALL,
    },
    {
      name: 'a folder where a file goes is left alone',
      given: () => ({
        files: pkg(),
        disk: fakeDisk({ [P.claudeCommand]: 'folder' }, [
          `${HOME}/.claude`,
          `${HOME}/.claude/commands`,
          P.claudeCommand,
        ]),
      }),
      expect: {
        [P.claudeSkill]: 'installed',
        [P.claudeCommand]: 'skipped',
        [P.codexSkill]: 'installed',
        [P.codexCommand]: 'installed',
      },
      reasons: { [P.claudeCommand]: REASONS.notAFile('folder') },
      recorded: [P.claudeSkill, P.codexSkill, P.codexCommand],
    },
    {
      name: "a file with exactly samocode's content but no record is taken over, not rewritten",
      given: () => ({
        files: pkg(),
        disk: fakeDisk({ [P.claudeCommand]: COMMAND }, [`${HOME}/.claude`, `${HOME}/.claude/commands`]),
      }),
      expect: {
        [P.claudeSkill]: 'installed',
        [P.claudeCommand]: 'unchanged',
        [P.codexSkill]: 'installed',
        [P.codexCommand]: 'installed',
      },
      recorded: ALL,
    },
  ];

  test.each(cases)('$name', (c) => {
    const given = c.given();
    const { plan, manifest } = install(given.files, given.disk, given.manifest);
    expect(statuses(plan)).toEqual(c.expect);
    for (const [path, reason] of Object.entries(c.reasons ?? {}))
      expect(plan.files.find((s) => s.path === path)?.reason).toBe(reason);
    expect(manifest?.files.map((f) => `${HOME}/${f.path}`).sort()).toEqual([...c.recorded].sort());
    // Nothing is ever written over a file that is not recorded as samocode's, or that changed since.
    for (const step of plan.files.filter((s) => s.status === 'updated')) {
      const before = given.disk.files.get(step.path);
      const record = given.manifest?.files.find((f) => `${HOME}/${f.path}` === step.path);
      expect(record && before !== 'folder' && before !== undefined && sha256(before) === record.sha256).toBe(true);
    }
  });

  test('fresh install creates the folders outermost first and records exactly those', () => {
    const disk = fakeDisk({}, [`${HOME}/.claude`]);
    const { plan, manifest } = install(pkg(), disk);
    expect(plan.mkdirs).toEqual([
      `${HOME}/.agents`,
      `${HOME}/.agents/skills`,
      `${HOME}/.claude/commands`,
      `${HOME}/.claude/skills`,
      `${HOME}/.agents/skills/samocode-x`,
      `${HOME}/.agents/skills/samocode-y`,
      `${HOME}/.claude/skills/samocode-x`,
    ]);
    // ~/.claude existed before: never recorded, so uninstall never removes it.
    expect(manifest?.dirs).toEqual([
      '.agents',
      '.agents/skills',
      '.agents/skills/samocode-x',
      '.agents/skills/samocode-y',
      '.claude/commands',
      '.claude/skills',
      '.claude/skills/samocode-x',
    ]);
  });

  test('running install on its own result changes nothing, manifest included', () => {
    const first = installed();
    const second = install(pkg(), first.disk, first.manifest);
    expect(second.plan.files.every((s) => s.status === 'unchanged')).toBe(true);
    expect(second.plan.mkdirs).toEqual([]);
    expect(renderManifest(second.manifest!)).toBe(renderManifest(first.manifest!));
    expect(second.disk).toEqual(first.disk);
  });

  test('a skill an older version installed and this one no longer ships is removed, with its empty folders', () => {
    const older = pkg().concat({
      kind: 'skill',
      name: 'samocode-old',
      rel: 'SKILL.md',
      content: SKILL().replace('samocode-x', 'samocode-old'),
    });
    const first = installed(older);
    const { plan, manifest, disk } = install(pkg(), first.disk, first.manifest);
    const old = `${HOME}/.claude/skills/samocode-old/SKILL.md`;
    expect(plan.files.find((s) => s.path === old)).toMatchObject({ status: 'removed', reason: REASONS.retired });
    expect(plan.rmdirs).toEqual(
      [`${HOME}/.claude/skills/samocode-old`, `${HOME}/.agents/skills/samocode-old`].sort().reverse(),
    );
    expect(manifest?.files.some((f) => f.path.includes('samocode-old'))).toBe(false);
    expect(manifest?.dirs.some((d) => d.includes('samocode-old'))).toBe(false);
    expect([...disk.dirs].some((d) => d.includes('samocode-old'))).toBe(false);
  });

  test('a failed write is not recorded; a failed update keeps the old record', () => {
    const first = installed();
    const { plan } = install(pkg(SKILL('new\n')), first.disk, first.manifest);
    const failed = manifestAfter(plan, new Set([P.claudeSkill]));
    const old = first.manifest!.files.find((f) => f.path === '.claude/skills/samocode-x/SKILL.md');
    expect(failed?.files.find((f) => f.path === old!.path)).toEqual(old);
    const fresh = install(pkg(), fakeDisk()).plan;
    expect(
      manifestAfter(fresh, new Set([P.codexCommand]))?.files.some(
        (f) => f.path === '.agents/skills/samocode-y/SKILL.md',
      ),
    ).toBe(false);
  });
});

describe('uninstall', () => {
  test('removes exactly the unchanged installed files, keeps edited ones, then the empty folders it created', () => {
    const first = install(
      pkg(),
      fakeDisk({ [`${HOME}/.claude/commands/mine.md`]: 'mine\n' }, [`${HOME}/.claude`, `${HOME}/.claude/commands`]),
    );
    first.disk.files.set(P.codexSkill, `${SKILL()}edited\n`);
    first.disk.files.delete(P.claudeSkill);
    const { plan, manifest, disk } = uninstall(first.disk, first.manifest);
    expect(statuses(plan)).toEqual({
      [P.claudeSkill]: 'gone',
      [P.claudeCommand]: 'removed',
      [P.codexSkill]: 'kept',
      [P.codexCommand]: 'removed',
    });
    expect(plan.files.find((s) => s.path === P.codexSkill)?.reason).toBe(REASONS.changedKeep);
    expect(manifest).toBeUndefined();
    // The person's files are all still there; samocode's unchanged ones are gone.
    expect([...disk.files.keys()].sort()).toEqual([`${HOME}/.claude/commands/mine.md`, P.codexSkill].sort());
    // Empty folders samocode created are gone; the ones holding the person's files, and the ones it didn't create, stay.
    expect([...disk.dirs].filter((d) => d.startsWith(HOME)).sort()).toEqual(
      [
        HOME,
        `${HOME}/.claude`,
        `${HOME}/.claude/commands`,
        `${HOME}/.agents`,
        `${HOME}/.agents/skills`,
        `${HOME}/.agents/skills/samocode-x`,
      ].sort(),
    );
  });

  test('removes folders innermost first', () => {
    const first = installed();
    const { plan } = uninstall(first.disk, first.manifest);
    const depth = (p: string) => p.split('/').length;
    expect(plan.rmdirs.map(depth)).toEqual([...plan.rmdirs.map(depth)].sort((a, b) => b - a));
    expect(plan.rmdirs).toContain(`${HOME}/.claude`);
  });

  test('with nothing installed, it plans nothing', () => {
    const { plan, manifest } = uninstall(fakeDisk(), undefined);
    expect(plan).toMatchObject({ files: [], rmdirs: [], hadManifest: false });
    expect(manifest).toBeUndefined();
  });

  test('a failed removal stays recorded, with the folders, for a second try', () => {
    const first = installed();
    const { plan } = uninstall(first.disk, first.manifest);
    const left = manifestAfter(plan, new Set([P.claudeCommand]));
    expect(left?.files.map((f) => f.path)).toEqual(['.claude/commands/samocode-y.md']);
    expect(left?.dirs).toEqual(first.manifest?.dirs);
  });
});

describe('layouts', () => {
  test.each([
    {
      name: 'user',
      layout: userLayout('/home/ann', {}),
      want: {
        claudeSkill: '/home/ann/.claude/skills/samocode-x/SKILL.md',
        claudeCommand: '/home/ann/.claude/commands/samocode-y.md',
        codexSkill: '/home/ann/.agents/skills/samocode-x/SKILL.md',
        codexCommand: '/home/ann/.agents/skills/samocode-y/SKILL.md',
        manifest: '/home/ann/.claude/.samocode-install.json',
      },
    },
    {
      name: 'user with CLAUDE_CONFIG_DIR',
      layout: userLayout('/home/ann', { CLAUDE_CONFIG_DIR: '~/claude-work' }),
      want: {
        claudeSkill: '/home/ann/claude-work/skills/samocode-x/SKILL.md',
        claudeCommand: '/home/ann/claude-work/commands/samocode-y.md',
        codexSkill: '/home/ann/.agents/skills/samocode-x/SKILL.md',
        codexCommand: '/home/ann/.agents/skills/samocode-y/SKILL.md',
        manifest: '/home/ann/claude-work/.samocode-install.json',
      },
    },
    {
      name: 'project',
      layout: projectLayout('/work/repo'),
      want: {
        claudeSkill: '/work/repo/.claude/skills/samocode-x/SKILL.md',
        claudeCommand: '/work/repo/.claude/commands/samocode-y.md',
        codexSkill: '/work/repo/.agents/skills/samocode-x/SKILL.md',
        codexCommand: '/work/repo/.agents/skills/samocode-y/SKILL.md',
        manifest: '/work/repo/.claude/.samocode-install.json',
      },
    },
  ])('$name', ({ layout: l, want }) => {
    const paths = targets(pkg(), l).map((t) => `${t.agent}/${t.kind}: ${t.path}`);
    expect(paths).toEqual([
      `claude/skill: ${want.claudeSkill}`,
      `claude/command: ${want.claudeCommand}`,
      `codex/skill: ${want.codexSkill}`,
      `codex/command: ${want.codexCommand}`,
    ]);
    expect(l.manifest).toBe(want.manifest);
  });

  test('report paths: ~ under the home, relative in a project', () => {
    expect(displayPath(userLayout('/home/ann', {}), P.claudeSkill.replace(HOME, '/home/ann'))).toBe(
      '~/.claude/skills/samocode-x/SKILL.md',
    );
    expect(displayPath(projectLayout('/work/repo'), '/work/repo/.agents/skills/a/SKILL.md')).toBe(
      '.agents/skills/a/SKILL.md',
    );
    expect(displayPath(userLayout('/home/ann', {}), '/elsewhere/x')).toBe('/elsewhere/x');
  });
});

describe('Codex gets commands as skills', () => {
  test('front matter name and description only; the body and $ARGUMENTS kept', () => {
    const skill = codexSkillFromCommand('samocode-y', COMMAND);
    const parsed = splitFrontMatter(skill);
    expect(parsed.data).toEqual({ name: 'samocode-y', description: 'Runs y on a session' });
    expect(parsed.body).toContain('Do y for `$ARGUMENTS`.');
    expect(parsed.body).toContain('$samocode-y <session folder>');
  });
});

describe('manifest', () => {
  test('round trip', () => {
    const { manifest } = installed();
    expect(parseManifest(renderManifest(manifest!))).toEqual({ ok: true, manifest });
    expect(parseManifest(undefined)).toEqual({ ok: true, manifest: undefined });
  });

  test.each([
    ['{not json', /not valid JSON/],
    ['[]', /not a samocode install manifest/],
    ['{"version":2,"samocode":"1","scope":"user","files":[],"dirs":[]}', /version/],
    [
      '{"version":1,"samocode":"1","scope":"user","files":[{"path":"a","sha256":"zz","agent":"claude"}],"dirs":[]}',
      /files\.0\.sha256/,
    ],
  ])('rejects %s', (text, message) => {
    const read = parseManifest(text);
    expect(read.ok).toBe(false);
    if (!read.ok) expect(read.message).toMatch(message);
  });

  // zod's mini API has no messages of its own: core/zod.ts registers English (this file loads no classic zod).
  test('what is wrong is said in words', () => {
    expect(parseManifest('{"version":1,"samocode":"1","scope":"everyone","files":[],"dirs":[]}')).toEqual({
      ok: false,
      message: 'is not a samocode install manifest (scope: Invalid option: expected one of "user"|"project")',
    });
  });
});

describe("the package's skills and commands", () => {
  const files = readPackage(ROOT);
  const workflow = readFileSync(join(ROOT, 'workflow.md'), 'utf8');
  const text = (kind: 'skill' | 'command', name: string) =>
    files.find((f) => f.kind === kind && f.name === name && (kind === 'command' || f.rel === 'SKILL.md'))?.content ??
    '';

  test('are what install promises', () => {
    expect([...new Set(files.filter((f) => f.kind === 'skill').map((f) => f.name))].sort()).toEqual([
      'samocode-commit',
      'samocode-plan',
      'samocode-qa',
      'samocode-signal-protocol',
    ]);
    expect(
      files
        .filter((f) => f.kind === 'command')
        .map((f) => f.name)
        .sort(),
    ).toEqual(['samocode-answer', 'samocode-signal', 'samocode-status']);
  });

  test('have the front matter Claude Code and Codex read, and no name clashes', () => {
    expect(checkPackage(files)).toEqual([]);
    for (const target of targets(files, layout).filter((t) => t.path.endsWith('SKILL.md'))) {
      const { data } = splitFrontMatter(target.content);
      expect(data.name, target.path).toBe(target.name);
      expect(typeof data.description, target.path).toBe('string');
    }
  });

  test('checkPackage catches a clash, a missing description and a command without $ARGUMENTS', () => {
    const broken: PackageFile[] = [
      { kind: 'skill', name: 'samocode-y', rel: 'SKILL.md', content: '---\nname: samocode-y\n---\nbody\n' },
      {
        kind: 'command',
        name: 'samocode-y',
        rel: 'samocode-y.md',
        content: '---\ndescription: y\n---\nno arguments\n',
      },
    ];
    const problems = checkPackage(broken).join('\n');
    expect(problems).toContain('both a skill and a command');
    expect(problems).toContain('no description');
    expect(problems).toContain('does not use $ARGUMENTS');
  });

  test('use the workflow’s exact markers and names', () => {
    for (const marker of [
      '**Answer:** _waiting_',
      '**Approval:** _waiting_',
      '_signal.json',
      '_qa.md',
      '_plan.md',
      'qa_answers',
      'plan_approval',
    ]) {
      expect(workflow).toContain(marker);
    }
    expect(text('skill', 'samocode-qa')).toContain('**Answer:** _waiting_');
    expect(text('skill', 'samocode-plan')).toContain('**Approval:** _waiting_');
    expect(text('skill', 'samocode-plan')).toMatch(/`\*\*Approval:\*\* _waiting_`/);
    expect(text('skill', 'samocode-commit')).toContain('--no-verify');
    expect(text('command', 'samocode-answer')).toContain('**Answer:** _waiting_');
    for (const field of ['status', 'phase', 'summary', 'reason', 'needs', 'for']) {
      expect(text('skill', 'samocode-signal-protocol')).toContain(`\`${field}\``);
      expect(text('command', 'samocode-signal')).toContain(`\`${field}\``);
    }
    for (const waitingFor of ['qa_answers', 'plan_approval', 'file_update', 'human_action'])
      expect(text('command', 'samocode-signal')).toContain(waitingFor);
  });

  test('every signal example in them is one valid JSON object', () => {
    for (const file of files) {
      for (const line of file.content.split('\n')) {
        const trimmed = line.trim();
        if (!trimmed.startsWith('{"status"')) continue;
        const signal = JSON.parse(trimmed) as Record<string, unknown>;
        expect(['continue', 'waiting', 'blocked', 'done'], `${file.name}: ${trimmed}`).toContain(signal.status);
        if (signal.status === 'continue') expect(typeof signal.phase).toBe('string');
        if (signal.status === 'waiting') expect(typeof signal.for).toBe('string');
        if (signal.status === 'blocked') expect(typeof signal.reason).toBe('string');
      }
    }
  });
});
