// `orchestrate install` / `uninstall` through the real CLI, with the rig's private HOME: where the files land, that a
// second install changes nothing, that the person's own and edited files are left alone, and --project in a git repo.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, test } from 'vitest';
import { CLI, ROOT, createProject, git, type CliResult, type Project } from '../helpers/rig.js';

const SKILLS = ['samocode-commit', 'samocode-plan', 'samocode-qa', 'samocode-signal-protocol'];
const COMMANDS = ['samocode-answer', 'samocode-signal', 'samocode-status'];

/** Every file install puts under `base` (the home, or a project root), relative to it. */
function expectedFiles(claudeDir = '.claude'): string[] {
  return [
    ...SKILLS.map((s) => `${claudeDir}/skills/${s}/SKILL.md`),
    ...COMMANDS.map((c) => `${claudeDir}/commands/${c}.md`),
    ...[...SKILLS, ...COMMANDS].map((s) => `.agents/skills/${s}/SKILL.md`),
  ].sort();
}

/** All files under `dir`, relative to it. */
function tree(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) walk(path);
      else out.push(relative(dir, path));
    }
  };
  walk(dir);
  return out.sort();
}

/** The real CLI from another working dir (the rig always starts it in the project root). */
function runIn(project: Project, cwd: string, args: string[]): Promise<CliResult> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, env: project.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (exitCode, signal) => done({ exitCode, signal, stdout, stderr }));
  });
}

function setup() {
  const project = createProject();
  const home = join(project.root, 'home');
  const codexHome = join(project.root, 'codex-home');
  const env = { CODEX_HOME: codexHome };
  return { project, home, codexHome, run: (...args: string[]) => project.run(args, { env }) };
}

describe('orchestrate install (user scope)', () => {
  test('puts every skill and command where Claude Code and Codex look, and a second run changes nothing', async () => {
    const { home, codexHome, run } = setup();
    const first = await run('install');
    expect(first.exitCode, first.stderr).toBe(0);
    expect(tree(home)).toEqual([...expectedFiles(), '.claude/.samocode-install.json'].sort());
    expect(first.stdout).toContain('samocode install (user scope): 14 installed');
    expect(first.stdout).toContain('~/.claude/skills/samocode-qa/SKILL.md');
    expect(first.stdout).toContain('$samocode-status');
    // Claude Code gets the package's files byte for byte; Codex gets the skills too, and the commands as skills.
    for (const skill of SKILLS) {
      const source = readFileSync(join(ROOT, 'skills', skill, 'SKILL.md'), 'utf8');
      expect(readFileSync(join(home, '.claude/skills', skill, 'SKILL.md'), 'utf8')).toBe(source);
      expect(readFileSync(join(home, '.agents/skills', skill, 'SKILL.md'), 'utf8')).toBe(source);
    }
    for (const command of COMMANDS) {
      expect(readFileSync(join(home, '.claude/commands', `${command}.md`), 'utf8')).toBe(
        readFileSync(join(ROOT, 'commands', `${command}.md`), 'utf8'),
      );
      expect(readFileSync(join(home, '.agents/skills', command, 'SKILL.md'), 'utf8')).toMatch(
        new RegExp(`^---\\nname: ${command}\\ndescription: `),
      );
    }
    // Codex's user skills live under $HOME/.agents, not $CODEX_HOME (custom prompts are gone from Codex).
    expect(existsSync(codexHome)).toBe(false);

    const inodes = () => expectedFiles().map((f) => statSync(join(home, f)).ino);
    const before = { inodes: inodes(), manifest: readFileSync(join(home, '.claude/.samocode-install.json'), 'utf8') };
    const second = await run('install');
    expect(second.exitCode, second.stderr).toBe(0);
    expect(second.stdout).toContain('already up to date, nothing changed (14 unchanged)');
    expect(second.stdout).not.toMatch(/^\s+(installed|updated)\s/m);
    expect(second.stdout).toContain('manifest: ~/.claude/.samocode-install.json (unchanged)');
    // Not rewritten at all: an atomic write would have replaced the files (new inodes).
    expect(inodes()).toEqual(before.inodes);
    expect(readFileSync(join(home, '.claude/.samocode-install.json'), 'utf8')).toBe(before.manifest);
  });

  test("updates a file an older samocode installed, but never overwrites the person's own file", async () => {
    const { home, run } = setup();
    const own = join(home, '.claude/commands/samocode-status.md');
    mkdirSync(join(home, '.claude/commands'), { recursive: true });
    writeFileSync(own, 'my own status command\n');

    const first = await run('install');
    expect(first.exitCode, first.stderr).toBe(0);
    expect(first.stdout).toMatch(
      /skipped\s+~\/\.claude\/commands\/samocode-status\.md \(not installed by samocode: a file of yours is already there/,
    );
    expect(first.stdout).toContain('13 installed, 1 skipped');
    expect(readFileSync(own, 'utf8')).toBe('my own status command\n');

    // An older version's file, as the manifest recorded it: the next install brings it up to date.
    const manifestFile = join(home, '.claude/.samocode-install.json');
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as { files: { path: string; sha256: string }[] };
    const plan = join(home, '.claude/skills/samocode-plan/SKILL.md');
    writeFileSync(plan, 'an older samocode-plan\n');
    const { createHash } = await import('node:crypto');
    manifest.files.find((f) => f.path === '.claude/skills/samocode-plan/SKILL.md')!.sha256 = createHash('sha256')
      .update('an older samocode-plan\n')
      .digest('hex');
    writeFileSync(manifestFile, JSON.stringify(manifest));

    const second = await run('install');
    expect(second.exitCode, second.stderr).toBe(0);
    expect(second.stdout).toMatch(/updated\s+~\/\.claude\/skills\/samocode-plan\/SKILL\.md/);
    expect(second.stdout).toContain('1 updated, 12 unchanged, 1 skipped');
    expect(readFileSync(plan, 'utf8')).toBe(readFileSync(join(ROOT, 'skills/samocode-plan/SKILL.md'), 'utf8'));
    expect(readFileSync(own, 'utf8')).toBe('my own status command\n');
  });

  test("uninstall removes exactly what install put there: the person's file and an edited file stay", async () => {
    const { home, run } = setup();
    mkdirSync(join(home, '.claude/commands'), { recursive: true });
    writeFileSync(join(home, '.claude/commands/samocode-status.md'), 'mine\n');
    writeFileSync(join(home, '.claude/commands/other.md'), 'also mine\n');
    expect((await run('install')).exitCode).toBe(0);
    const edited = join(home, '.agents/skills/samocode-qa/SKILL.md');
    writeFileSync(edited, `${readFileSync(edited, 'utf8')}\nMy house rule: at most 3 questions.\n`);

    const result = await run('uninstall');
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toContain('samocode uninstall (user scope): 12 removed, 1 kept');
    expect(result.stdout).toMatch(
      /kept\s+~\/\.agents\/skills\/samocode-qa\/SKILL\.md \(changed since samocode installed it/,
    );
    expect(result.stdout).toContain('manifest removed: ~/.claude/.samocode-install.json');
    // Left: the person's two files (never samocode's) and the edited one, with their folders; nothing else.
    expect(tree(home)).toEqual([
      '.agents/skills/samocode-qa/SKILL.md',
      '.claude/commands/other.md',
      '.claude/commands/samocode-status.md',
    ]);
    expect(readFileSync(join(home, '.claude/commands/samocode-status.md'), 'utf8')).toBe('mine\n');
    expect(readFileSync(edited, 'utf8')).toContain('My house rule');
    // Empty folders samocode created are gone.
    expect(existsSync(join(home, '.claude/skills'))).toBe(false);
    expect(readdirSync(join(home, '.agents/skills'))).toEqual(['samocode-qa']);
  });

  test('uninstall with nothing installed says so and changes nothing', async () => {
    const { home, run } = setup();
    const result = await run('uninstall');
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toContain('nothing to uninstall');
    expect(result.stdout).toContain('~/.claude/.samocode-install.json');
    expect(tree(home)).toEqual([]);
  });

  test('a file in the way: the rest is installed and recorded, the failure is reported (exit 3)', async () => {
    const { home, run } = setup();
    writeFileSync(join(home, '.agents'), 'not a folder\n');
    const result = await run('install');
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toContain('7 installed, 7 failed');
    expect(result.stderr).toMatch(/failed\s+~\/\.agents\/ \(a file is in the way\)/);
    expect(result.stderr).toContain('run the same command again');
    const manifest = JSON.parse(readFileSync(join(home, '.claude/.samocode-install.json'), 'utf8')) as {
      files: { path: string }[];
      dirs: string[];
    };
    expect(manifest.files.map((f) => f.path).every((p) => p.startsWith('.claude/'))).toBe(true);
    expect(manifest.dirs.some((d) => d.startsWith('.agents'))).toBe(false);

    // Once the way is clear, the same command finishes the job.
    const { rmSync } = await import('node:fs');
    rmSync(join(home, '.agents'));
    const again = await run('install');
    expect(again.exitCode, again.stderr).toBe(0);
    expect(again.stdout).toContain('7 installed, 7 unchanged');
  });

  test('an unreadable manifest stops install before it touches anything (exit 3)', async () => {
    const { home, run } = setup();
    mkdirSync(join(home, '.claude'));
    writeFileSync(join(home, '.claude/.samocode-install.json'), '{ half a file');
    const result = await run('install');
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toContain(`${join(home, '.claude/.samocode-install.json')} is not valid JSON`);
    expect(result.stderr).toContain('fix:');
    expect(tree(home)).toEqual(['.claude/.samocode-install.json']);
  });
});

describe('orchestrate install --project', () => {
  test('inside a git repo: installs at the repo root from a subfolder, and uninstall leaves the repo clean', async () => {
    const { project, home } = setup();
    const deep = join(project.repo, 'src', 'deep');
    mkdirSync(deep, { recursive: true });

    const result = await runIn(project, deep, ['install', '--project']);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toContain(`samocode install (project ${project.repo}): 14 installed`);
    expect(result.stdout).toContain('.claude/commands/<name>.md: /samocode-answer, /samocode-signal, /samocode-status');
    expect(tree(project.repo).filter((f) => !f.startsWith('.git/'))).toEqual(
      [...expectedFiles(), '.claude/.samocode-install.json', 'README.md'].sort(),
    );
    expect(tree(home)).toEqual([]);
    expect(existsSync(join(deep, '.claude'))).toBe(false);

    const again = await runIn(project, project.repo, ['install', '--project']);
    expect(again.stdout).toContain('already up to date, nothing changed');

    const removed = await runIn(project, deep, ['uninstall', '--project']);
    expect(removed.exitCode, removed.stderr).toBe(0);
    expect(removed.stdout).toContain('14 removed');
    expect(git(project.repo, 'status', '--porcelain', '--untracked-files=all')).toBe('');
  });

  test('outside a git repo: installs into the current folder', async () => {
    const { project } = setup();
    const result = await project.run(['install', '--project']);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(existsSync(join(project.root, '.claude/skills/samocode-qa/SKILL.md'))).toBe(true);
    expect(existsSync(join(project.root, '.agents/skills/samocode-status/SKILL.md'))).toBe(true);
    expect(existsSync(join(project.repo, '.claude'))).toBe(false);
  });
});
