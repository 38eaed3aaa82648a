// What a scripted model server plays, shared by the Anthropic and the OpenAI server: a queue of turns, one per
// "main" request (a request that offers tools), and a record of every request seen. The server only sees the prompt,
// so the paths a turn writes to come from the prompt's Session context block (`- Signal file: …`, `- Session folder: …`).
import { isAbsolute, join } from 'node:path';

/** Token counts a turn reports in its usage (defaults: see DEFAULT_USAGE). */
export interface Usage {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
}

export const DEFAULT_USAGE: Usage = { input: 1000, output: 50, cacheRead: 0, cacheWrite: 0 };

/** How the Codex server asks for a file to be written: the freeform apply_patch tool or a shell command. */
export type CodexWriteTool = 'apply_patch' | 'exec_command';

export type Turn = (
  | /** Write `_signal.json` (the path from the prompt's `Signal file:` line) with this object. */
    {
      kind: 'signal';
      signal: Record<string, unknown>;
      codexTool?: CodexWriteTool;
    } /** Write a file; a relative path is taken from the session folder named in the prompt. */
  | {
      kind: 'write';
      path: string;
      content: string;
      codexTool?: CodexWriteTool;
    } /** Run a shell command (Claude's Bash tool, Codex's exec_command). */
  | {
      kind: 'bash';
      command: string;
    } /** A plain assistant message that ends the turn (Claude: stop_reason end_turn). */
  | { kind: 'text'; text: string } /** An HTTP error with the provider's error body. */
  | { kind: 'error'; status: number; message?: string; retryAfter?: number }
) & {
  /** How many requests this turn answers before the next one is played (default 1; Infinity: for ever). */
  times?: number;
  usage?: Partial<Usage>;
};

export const turn = {
  signal: (signal: Record<string, unknown>, opts: { codexTool?: CodexWriteTool } = {}): Turn => ({
    kind: 'signal',
    signal,
    ...opts,
  }),
  write: (path: string, content: string, opts: { codexTool?: CodexWriteTool } = {}): Turn => ({
    kind: 'write',
    path,
    content,
    ...opts,
  }),
  bash: (command: string, times = 1): Turn => ({ kind: 'bash', command, times }),
  text: (text = 'Done: the signal is written.'): Turn => ({ kind: 'text', text }),
  error: (status: number, times = 1, opts: { message?: string; retryAfter?: number } = {}): Turn => ({
    kind: 'error',
    status,
    times,
    ...opts,
  }),
};

/** One agent iteration as most tests script it: write some session files, write the signal, say so. */
export function iteration(
  signal: Record<string, unknown>,
  files: Record<string, string> = {},
  opts: { codexTool?: CodexWriteTool } = {},
): Turn[] {
  return [
    ...Object.entries(files).map(([path, content]) => turn.write(path, content, opts)),
    turn.signal(signal, opts),
    turn.text(),
  ];
}

/** What the server could read from the prompt in a request. */
export interface PromptFacts {
  signalFile?: string | undefined;
  sessionDir?: string | undefined;
  workingDir?: string | undefined;
  phase?: string | undefined;
}

/** A turn made concrete for one request: where to write, what to run. */
export type Action =
  | { kind: 'write'; path: string; content: string; codexTool: CodexWriteTool; usage: Usage }
  | { kind: 'bash'; command: string; usage: Usage }
  | { kind: 'text'; text: string; usage: Usage }
  | { kind: 'error'; status: number; message: string; retryAfter?: number | undefined };

export interface RecordedRequest {
  n: number;
  time: string;
  method: string;
  url: string;
  /** `main` (offers tools: the agent loop), `side` (no tools), `probe` (HEAD, GET …). */
  kind: 'main' | 'side' | 'probe';
  headers: Record<string, string | string[] | undefined>;
  body: any;
  prompt: PromptFacts;
  /** What the server answered: an HTTP status and the action played. */
  status: number;
  action?: string | undefined;
}

export interface Played {
  /** Usage summed over the successful main responses (what a provider could report as tokens). */
  usage: Usage;
  /** Main requests that found the script empty (answered with a plain text turn). */
  exhausted: number;
}

export class Script {
  readonly requests: RecordedRequest[] = [];
  readonly played: Played = { usage: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 }, exhausted: 0 };
  private readonly queue: Turn[];
  private usedOfHead = 0;

  constructor(turns: Turn[]) {
    this.queue = [...turns];
  }

  /** Append turns (a test may script the next run after looking at the files). */
  push(...turns: Turn[]): void {
    this.queue.push(...turns);
  }

  get remaining(): number {
    return this.queue.length;
  }

  /** Main requests seen so far. */
  get mainRequests(): RecordedRequest[] {
    return this.requests.filter((r) => r.kind === 'main');
  }

  /** Take the turn for the next main request and make it concrete for this prompt. */
  next(prompt: PromptFacts): Action {
    const head = this.queue[0];
    if (!head) {
      this.played.exhausted += 1;
      return { kind: 'text', text: 'scripted model: the script is exhausted', usage: { ...DEFAULT_USAGE } };
    }
    this.usedOfHead += 1;
    if (this.usedOfHead >= (head.times ?? 1)) {
      this.queue.shift();
      this.usedOfHead = 0;
    }
    const usage = { ...DEFAULT_USAGE, ...head.usage };
    switch (head.kind) {
      case 'error':
        return {
          kind: 'error',
          status: head.status,
          message: head.message ?? defaultErrorMessage(head.status),
          retryAfter: head.retryAfter,
        };
      case 'text':
        return { kind: 'text', text: head.text, usage };
      case 'bash':
        return { kind: 'bash', command: head.command, usage };
      case 'signal': {
        if (!prompt.signalFile)
          return { kind: 'error', status: 400, message: 'scripted model: no "- Signal file:" line in the prompt' };
        return {
          kind: 'write',
          path: prompt.signalFile,
          content: `${JSON.stringify(head.signal)}\n`,
          codexTool: head.codexTool ?? 'apply_patch',
          usage,
        };
      }
      case 'write': {
        let path = head.path;
        if (!isAbsolute(path)) {
          if (!prompt.sessionDir)
            return { kind: 'error', status: 400, message: 'scripted model: no "- Session folder:" line in the prompt' };
          path = join(prompt.sessionDir, path);
        }
        return { kind: 'write', path, content: head.content, codexTool: head.codexTool ?? 'apply_patch', usage };
      }
    }
  }

  /** Count what a successful response reported. */
  count(usage: Usage): void {
    this.played.usage.input += usage.input;
    this.played.usage.output += usage.output;
    this.played.usage.cacheRead += usage.cacheRead;
    this.played.usage.cacheWrite += usage.cacheWrite;
  }
}

function defaultErrorMessage(status: number): string {
  switch (status) {
    case 401:
      return 'invalid x-api-key';
    case 429:
      return 'Number of requests has exceeded your rate limit';
    case 529:
      return 'Overloaded';
    default:
      return 'Internal server error';
  }
}

/** Read the Session context lines out of every string in a request body (the prompt may sit anywhere in it). */
export function promptFacts(body: unknown): PromptFacts {
  const facts: PromptFacts = {};
  const visit = (value: unknown): void => {
    if (typeof value === 'string') {
      facts.signalFile ??= /^- Signal file: (.+)$/m.exec(value)?.[1]?.trim();
      facts.sessionDir ??= /^- Session folder: (.+)$/m.exec(value)?.[1]?.trim();
      facts.workingDir ??= /^- Working dir: (\S+)/m.exec(value)?.[1]?.trim();
      facts.phase ??= /^- Phase: (\w+)/m.exec(value)?.[1];
    } else if (Array.isArray(value)) value.forEach(visit);
    else if (value && typeof value === 'object') Object.values(value).forEach(visit);
  };
  visit(body);
  return facts;
}

/** Read and record one request (every request a model server sees is kept for the tests' assertions). */
export async function recordRequest(
  script: Script,
  req: import('node:http').IncomingMessage,
): Promise<{ record: RecordedRequest; body: any; path: string }> {
  const body = parseJson(await readBody(req));
  const record: RecordedRequest = {
    n: script.requests.length + 1,
    time: new Date().toISOString(),
    method: req.method ?? '',
    url: req.url ?? '',
    kind: 'probe',
    headers: req.headers,
    body,
    prompt: {},
    status: 200,
  };
  script.requests.push(record);
  return { record, body, path: (req.url ?? '/').split('?')[0] ?? '/' };
}

export async function readBody(req: import('node:http').IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export function parseJson(text: string): any {
  try {
    return text === '' ? undefined : JSON.parse(text);
  } catch {
    return { unparsed: text.slice(0, 2000) };
  }
}

export function sse(res: import('node:http').ServerResponse, event: string, data: unknown): void {
  res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

let ids = 0;
export function id(prefix: string): string {
  ids += 1;
  return `${prefix}_${process.pid.toString(16)}${Date.now().toString(16)}${ids.toString(16).padStart(4, '0')}`;
}
