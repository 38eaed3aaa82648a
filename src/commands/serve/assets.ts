// The page and its client bundle, from `dist/web/` beside the CLI (build.mjs makes them). Only the names in ASSETS are
// served, so no request can name another file. The page gets the token in a <meta> tag, for its script's
// `Authorization` header; the policy below lets it load nothing but its own script and style.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export const ASSETS: Readonly<Record<string, string>> = {
  'app.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
};

/** Where the built page is: `dist/web/` next to the bundled `dist/cli.js`. */
export function defaultWebDir(): string {
  return fileURLToPath(new URL('./web/', import.meta.url));
}

export const PAGE_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const META = /<meta\s+name=["']samocode-token["'][^>]*>/i;

/** The page with the token in it (the token is base64url: nothing in it needs escaping in an attribute). */
export function pageHtml(webDir: string, token: string): string {
  const meta = `<meta name="samocode-token" content="${token}">`;
  let html: string;
  try {
    html = readFileSync(join(webDir, 'index.html'), 'utf8');
  } catch {
    return missingPage(meta, webDir);
  }
  if (META.test(html)) return html.replace(META, meta);
  return /<head[^>]*>/i.test(html) ? html.replace(/<head[^>]*>/i, (head) => `${head}\n${meta}`) : `${meta}\n${html}`;
}

export function asset(webDir: string, name: string): { type: string; body: Buffer } | undefined {
  if (!Object.hasOwn(ASSETS, name)) return undefined;
  try {
    return { type: ASSETS[name]!, body: readFileSync(join(webDir, name)) };
  } catch {
    return undefined;
  }
}

function missingPage(meta: string, webDir: string): string {
  return `<!doctype html>\n<html><head><meta charset="utf-8">${meta}<title>samocode</title></head><body><p>The dashboard's page is not built (${escape(join(webDir, 'index.html'))} is missing): run <code>npm run build</code>. The API under /api/ works.</p></body></html>\n`;
}

/** The page a request without the token gets: how to open the dashboard. */
export function unauthorizedPage(): string {
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>samocode: open the link with its token</title></head>
<body>
<h1>This dashboard needs its token</h1>
<p>Open the link <code>orchestrate serve</code> printed when it started: it ends in <code>?token=…</code>.
The token is printed only there, once, and never written to a file.</p>
<p>Lost it? Stop the server (Ctrl-C) and start it again: <code>orchestrate serve --config &lt;.samocode&gt;</code>
prints a new link.</p>
</body></html>
`;
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
