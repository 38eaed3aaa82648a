// Build: bundle the CLI (Node 20 has no module compile cache, and resolving and loading a few hundred small files of
// dependencies costs ~300 ms at every start on these machines), plus the scripted agent on its own.
// The CLI is split (dist/cli.js and dist/chunk-*.js): what a command loads with `import()` (each command's code, the
// review and its execa, Telegram, the queue) is parsed and evaluated only when that runs, not at every start. The
// chunks sit beside cli.js, so a relative import of the code (`./bullmq.js`) means the same file from any of them.
// Types are checked separately by `npm run typecheck`.
import { copyFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { build } from 'esbuild';

// `--release` (npm pack / publish, via prepack): no source maps. The minified CLI's map is 3 MB, more than the CLI
// itself; it helps when reading a stack trace of a checkout, not an installed copy.
const release = process.argv.includes('--release');
// Chunk names carry a hash of their content: the ones of an earlier build would pile up beside the new ones.
for (const name of readdirSafe('dist')) if (name.startsWith('chunk-')) rmSync(`dist/${name}`, { force: true });
if (release)
  for (const map of [
    'dist/cli.js.map',
    'dist/script-agent.js.map',
    'dist/bullmq.js.map',
    'dist/pretty-bundle.cjs.map',
    'dist/web/app.js.map',
    'dist/web/app.css.map',
  ])
    rmSync(map, { force: true });

const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: !release,
  logLevel: 'warning',
  // CommonJS dependencies (gray-matter, dotenv, pino, write-file-atomic) use require() and __filename: provide them.
  // js-yaml (under gray-matter) tries require('esprima') at load time, only for its unsafe !!js/function type that
  // samocode never parses (safeLoad): refusing it saves loading ~300 KB at every start; js-yaml carries on without it.
  banner: {
    js: [
      "import { createRequire as __createRequire } from 'node:module';",
      "import { fileURLToPath as __fileURLToPath } from 'node:url';",
      'const __baseRequire = __createRequire(import.meta.url);',
      "const require = Object.assign((id) => { if (id === 'esprima') throw new Error('esprima is not used'); return __baseRequire(id); }, __baseRequire);",
      'const __filename = __fileURLToPath(import.meta.url);',
      "const __dirname = __filename.slice(0, __filename.lastIndexOf('/'));",
    ].join(' '),
  },
};

function readdirSafe(dir) {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

await build({
  ...common,
  entryPoints: ['src/cli.ts'],
  minify: process.env.NO_MINIFY !== '1',
  outdir: 'dist',
  splitting: true,
  chunkNames: 'chunk-[hash]',
  // Loaded only when needed (a terminal shows readable logs; agent text looks like it may hold a secret): left as
  // normal dependency imports, so their code is not parsed at every start.
  // dist/bullmq.js (below) is imported at run time, only by the Redis queue back end.
  external: ['pino-pretty', '@secretlint/*', './bullmq.js'],
});
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
  format: 'cjs',
  banner: {},
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
