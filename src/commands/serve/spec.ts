// `orchestrate serve`: the dashboard, as the parser and the help read it.
import { EXAMPLE_CONFIG as CONFIG, type CommandSpec } from '../flags.js';

export const SERVE_COMMAND: CommandSpec = {
  summary: 'a dashboard in the browser: every session live, answers, plan and review decisions, resume and stop',
  usage: ['orchestrate serve --config <.samocode> [--port <n>] [--host <address>] [--read-only]'],
  flags: ['config', 'port', 'host', 'read-only'],
  examples: [`orchestrate serve --config ${CONFIG}`, `orchestrate serve --config ${CONFIG} --port 8377 --read-only`],
  notes: [
    'Prints one URL with its token on stdout (open it; the token is printed nowhere else), then serves until Ctrl-C.',
    'Listens on 127.0.0.1 unless --host says otherwise; the token guards every request. Holds no state: stop it any time.',
    'A taken --port is exit code 10. The URL without the token is in <SESSIONS>/_serve.json while it runs.',
  ],
  main: async (input) => (await import('./serve.js')).serveCommand(input),
};
