// Build: bundle the CLI (Node 20 has no module compile cache, and resolving and loading a few hundred small files of
// dependencies costs ~300 ms at every start on these machines), plus the scripted agent on its own.
// The CLI is one CommonJS file, dist/samocode.cjs, run by the launcher dist/cli.js (src/launcher/) with V8's code
// cache of the last start: no module loader over dozens of files, and no cold compile. What a command loads with
// `import()` of our code (each command, the review and its execa, Telegram, the queue) becomes a lazy init in the
// bundle: parsed with it (the code cache makes that cheap) but evaluated only when that runs. The few modules left
// outside (`./bullmq.js`, `@secretlint/*`) are imported by the launcher for it (`__samocodeImport`), from dist/.
// Types are checked separately by `npm run typecheck`.
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { build } from 'esbuild';

// `--release` (npm pack / publish, via prepack): no source maps. The minified CLI's map is 3 MB, more than the CLI
// itself; it helps when reading a stack trace of a checkout, not an installed copy.
const release = process.argv.includes('--release');
// Left from earlier builds: the chunks of the split ES module build, and code caches of other bundles (the launcher
// only reads the one of this bundle's hash).
for (const name of readdirSafe('dist'))
  if (name.startsWith('chunk-') || name.endsWith('.v8cache')) rmSync(`dist/${name}`, { force: true });
if (release)
  for (const map of [
    'dist/samocode.cjs.map',
    'dist/cli.js.map',
    'dist/script-agent.js.map',
    'dist/bullmq.js.map',
    'dist/pretty-bundle.cjs.map',
    'dist/web/app.js.map',
    'dist/web/app.css.map',
  ])
    rmSync(map, { force: true });

// dist/ is CommonJS (dist/package.json, below): Node starts a CommonJS entry without its ES module loader, ~10 ms
// less at every start. Everything in it is built as CommonJS.
const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: !release,
  logLevel: 'warning',
};

/**
 * Built-in modules that dependencies require when they load but samocode never uses, each ~2–5 ms of Node compiling
 * its internals at every start: required on first use instead. Each edit is checked, so a dependency update that
 * changes its line fails the build rather than quietly loading the module again.
 * - dotenv: crypto, only to decrypt a .env.vault (samocode parses .env and .samocode text with dotenv.parse).
 * - pino: worker_threads, only asked for an asynchronous destination (samocode's are all sync: true); thread-stream
 *   (worker_threads, assert), only for pino.transport(), never called.
 * - sonic-boom (pino's file and fd destination): assert, for one argument check.
 * - gray-matter: js-yaml (~0.8 ms to load), only for a front matter samocode did not write in its plain shapes
 *   (core/front-matter-plain.ts reads those) and for each state write, which a resumed start makes after its spawn.
 */
const LAZY_REQUIRES = [
  {
    file: /[\\/]gray-matter[\\/]lib[\\/]engines\.js$/,
    edits: [
      [
        "const yaml = require('js-yaml');",
        "const yaml = { safeLoad: (...args) => require('js-yaml').safeLoad(...args), safeDump: (...args) => require('js-yaml').safeDump(...args) };",
      ],
    ],
  },
  {
    file: /[\\/]dotenv[\\/]lib[\\/]main\.js$/,
    edits: [
      [
        "const crypto = require('crypto')",
        "const crypto = { createDecipheriv: (...args) => require('crypto').createDecipheriv(...args) }",
      ],
    ],
  },
  {
    file: /[\\/]pino[\\/]lib[\\/]tools\.js$/,
    edits: [
      ["const { isMainThread } = require('worker_threads')", "const workerThreads = () => require('worker_threads')"],
      ['if (!opts.sync && isMainThread) {', 'if (!opts.sync && workerThreads().isMainThread) {'],
    ],
  },
  {
    file: /[\\/]pino[\\/]lib[\\/]transport\.js$/,
    edits: [
      [
        "const ThreadStream = require('thread-stream')",
        "function ThreadStream (opts) { return new (require('thread-stream'))(opts) }",
      ],
    ],
  },
  {
    file: /[\\/]sonic-boom[\\/]index\.js$/,
    edits: [
      ["const assert = require('assert')", "const assert = (value, message) => require('assert')(value, message)"],
    ],
  },
];
const lazyRequires = {
  name: 'lazy-requires',
  setup(build) {
    for (const { file, edits } of LAZY_REQUIRES)
      build.onLoad({ filter: file }, (args) => {
        let text = readFileSync(args.path, 'utf8');
        for (const [from, to] of edits) {
          if (text.split(from).length !== 2)
            throw new Error(`build: ${args.path} no longer has "${from}" once: see LAZY_REQUIRES in build.mjs`);
          text = text.replace(from, to);
        }
        return { contents: text, loader: 'js' };
      });
  },
};

function readdirSafe(dir) {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

await buildCli();
// BullMQ and ioredis, bundled on their own (loaded only for SAMOCODE_QUEUE=redis://…). msgpackr's native add-on is
// optional and left out: msgpackr runs without it, and it is what would bring an install script.
await build({
  ...common,
  entryPoints: ['src/queue/bullmq.ts'],
  minify: process.env.NO_MINIFY !== '1',
  outfile: 'dist/bullmq.js',
  external: ['msgpackr-extract'],
});
// pino-pretty and its ~40 CommonJS modules as one file, required (synchronously) by log/logger.ts with the first console
// line: one module instead of forty costs ~6 MB less RSS. Its own name beside the chunks, so `./pretty-bundle.cjs`
// means this file from dist/ and the unbundled one from src/log/.
await build({
  ...common,
  entryPoints: ['src/log/pretty-bundle.cjs'],
  minify: process.env.NO_MINIFY !== '1',
  outfile: 'dist/pretty-bundle.cjs',
});
await build({ ...common, entryPoints: ['src/agent/script-agent.ts'], outfile: 'dist/script-agent.js' });
// The dashboard page that `orchestrate serve` hands out (src/web: browser code, nothing of the Node side): one
// script, one stylesheet and the HTML, in dist/web/. No framework, nothing fetched from elsewhere: it works offline.
await build({
  entryPoints: ['src/web/app.ts', 'src/web/app.css'],
  bundle: true,
  platform: 'browser',
  format: 'esm',
  target: ['chrome110', 'firefox115', 'safari16'],
  minify: process.env.NO_MINIFY !== '1',
  sourcemap: !release,
  logLevel: 'warning',
  outdir: 'dist/web',
});
mkdirSync('dist/web', { recursive: true });
copyFileSync('src/web/index.html', 'dist/web/index.html');

/**
 * dist/samocode.cjs (the CLI, one CommonJS file, wrapped and compiled by the launcher) and dist/cli.js (the launcher,
 * which knows the bundle's hash: it names the code cache).
 */
async function buildCli() {
  const minify = process.env.NO_MINIFY !== '1';
  const result = await build({
    ...common,
    metafile: true,
    write: false,
    entryPoints: ['src/cli.ts'],
    outfile: 'dist/samocode.cjs',
    minify,
    // import.meta.url (package.json, the pretty bundle, the dashboard's files) means the bundle's own file, as it did
    // for each chunk: all of them sit in dist/; made into a URL when first asked for (not at every start).
    // import.meta.dirname (the package root) is the bundle's folder.
    inject: ['src/launcher/import-meta-url.ts'],
    // One function expression, the one the launcher calls: CommonJS's five parameters, and the `import()` of the
    // externals. Wrapped here, not at each start, so the launcher compiles the file's text as it is read (no second
    // copy of 0.8 MB), and the source map and stack traces count the wrapper's line.
    banner: { js: '(function (exports, require, module, __filename, __dirname, __samocodeImport) {' },
    footer: { js: '})' },
    define: { 'import.meta.url': '__samocodeImportMeta.url', 'import.meta.dirname': '__dirname' },
    // Loaded only when needed, from dist/ or the package's dependencies: the pretty bundle (below; required with the
    // first console line), secretlint (agent text that looks like it may hold a secret), BullMQ (below; the Redis
    // queue back end only).
    external: ['pino-pretty', '@secretlint/*', './bullmq.js', './pretty-bundle.cjs'],
    plugins: [lazyRequires],
  });
  const code = result.outputFiles.find((file) => file.path.endsWith('.cjs'));
  const map = result.outputFiles.find((file) => file.path.endsWith('.map'));
  // The bundle runs as a vm.Script, where a bare `import()` has no loader: each one left (the externals above)
  // becomes the launcher's import. Every one is counted against esbuild's own list, so none is missed.
  const dynamic = result.metafile.outputs['dist/samocode.cjs'].imports.filter((i) => i.kind === 'dynamic-import');
  let replaced = 0;
  const text = code.text.replace(/\bimport\(("[^"]+")\)/g, (_match, specifier) => {
    replaced++;
    return `__samocodeImport(${specifier})`;
  });
  if (replaced !== dynamic.length || dynamic.some((i) => !i.external))
    throw new Error(
      `build: dist/samocode.cjs has ${dynamic.length} dynamic imports (${dynamic.map((i) => i.path).join(', ')}) but ${replaced} were rewritten for the launcher`,
    );
  // Pure ASCII (esbuild leaves a few characters of regular expressions as they are; \uXXXX means the same
  // there), so V8 holds the text as a one-byte string.
  const body = text.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  mkdirSync('dist', { recursive: true });
  writeFileSync('dist/samocode.cjs', body);
  if (map) writeFileSync('dist/samocode.cjs.map', map.contents);
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 16);
  await build({
    ...common,
    sourcemap: false,
    minify,
    entryPoints: ['src/launcher/main.ts'],
    outfile: 'dist/cli.js',
    define: { SAMOCODE_BUNDLE_HASH: JSON.stringify(hash) },
  });
  // The package is "type": "module"; its dist/ is not: a CommonJS launcher starts without Node's ES module loader.
  writeFileSync('dist/package.json', `${JSON.stringify({ type: 'commonjs' })}\n`);
}
