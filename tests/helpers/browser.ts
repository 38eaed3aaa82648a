// Headless Chromium for the dashboard's browser tests: Debian's /usr/bin/chromium (never a browser downloaded by
// Playwright) driven by playwright-core, with the flags that keep it off the closed network. Outside CI a machine
// without it skips those tests with a message saying so; in CI (CI=true) they fail instead (.ci/run installs it).
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { ROOT } from './rig.js';

export const CHROMIUM = process.env.SAMOCODE_CHROMIUM ?? '/usr/bin/chromium';

/** As root (in CI, on these machines) Chromium needs --no-sandbox; the rest stop it calling home. */
const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

/** Why the browser tests cannot run here, or undefined when Chromium is installed. In CI its absence is an error. */
export function chromiumMissing(): string | undefined {
  if (existsSync(CHROMIUM)) return undefined;
  const why = `${CHROMIUM} is not installed (Debian: apt-get install -y chromium; .ci/run installs it)`;
  if (process.env.CI === 'true') throw new Error(`CI=true and ${why}: the browser tests must run in CI`);
  console.warn(`SKIPPED the dashboard's browser tests: ${why}`);
  return why;
}

/** A fresh headless browser (Playwright gives each launch its own temporary profile). */
export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS, timeout: 30_000 });
}

/** A context of its own (no cookies shared with another), sized like a laptop screen, light or dark. */
export async function newContext(
  browser: Browser,
  opts: { colorScheme?: 'light' | 'dark' } = {},
): Promise<BrowserContext> {
  const context = await browser.newContext({
    viewport: { width: 1280, height: 900 },
    colorScheme: opts.colorScheme ?? 'light',
    deviceScaleFactor: 1,
  });
  context.setDefaultTimeout(20_000);
  return context;
}

/** Where screenshots go: always taken (a broken page fails here too); into docs/ only when asked to update them. */
export async function screenshot(page: Page, name: string, scratch: string): Promise<string> {
  const update = process.env.SAMOCODE_UPDATE_SCREENSHOTS === '1';
  const dir = update ? join(ROOT, 'docs', 'screenshots') : scratch;
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.png`);
  writeFileSync(file, await page.screenshot({ fullPage: true, animations: 'disabled' }));
  return file;
}

/** Every console error and uncaught exception of the page: a test ends by expecting none. */
export function pageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(`uncaught: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
  return errors;
}
