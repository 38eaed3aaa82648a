// `orchestrate json`: one JSON request a line on stdin, one JSON response a line on stdout, in order. Bad input is
// an error response, never the end of the process: a line that is not JSON, too long (skipped, never buffered
// whole), or names no action. EOF ends it with exit 0 once every request read has been answered.
import { projectConfig, requireConfigFlag } from '../project-config.js';
import { makeScrubber } from '../../core/secrets.js';
import type { Config } from '../../core/config.js';
import { EXIT_CODES } from '../../errors.js';
import type { CommandInput } from '../flags.js';
import { perform } from './actions.js';
import { ACTIONS, PROTOCOL_VERSION, RequestError, type ActionName, type Response } from './protocol.js';

/** A request line longer than this is answered `line_too_long` and not kept. */
export const MAX_REQUEST_BYTES = 1024 * 1024;

export async function jsonCommand(input: CommandInput): Promise<number> {
  requireConfigFlag(input);
  const { config } = projectConfig(input);
  const scrub = makeScrubber(config.secrets);
  const send = (response: Response) => process.stdout.write(`${scrub(JSON.stringify(response))}\n`);
  let queue = Promise.resolve();
  const handle = (line: string | undefined) => {
    queue = queue.then(async () => {
      send(await respond(config, line));
    });
  };
  await readLines(process.stdin, handle);
  await queue;
  return EXIT_CODES.done;
}

/** Calls `onLine` per line (undefined for one that was too long); resolves at EOF. Memory: one bounded line. */
function readLines(input: NodeJS.ReadableStream, onLine: (line: string | undefined) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    let parts: Buffer[] = [];
    let size = 0;
    let tooLong = false;
    const end = () => {
      if (tooLong) onLine(undefined);
      else if (size > 0) onLine(Buffer.concat(parts).toString('utf8'));
    };
    input.on('data', (chunk: Buffer) => {
      let start = 0;
      for (let newline = chunk.indexOf(10, start); newline !== -1; newline = chunk.indexOf(10, start)) {
        add(chunk.subarray(start, newline));
        end();
        parts = [];
        size = 0;
        tooLong = false;
        start = newline + 1;
      }
      add(chunk.subarray(start));
    });
    const add = (piece: Buffer) => {
      if (tooLong || piece.length === 0) return;
      size += piece.length;
      if (size > MAX_REQUEST_BYTES) {
        tooLong = true;
        parts = [];
      } else parts.push(Buffer.from(piece));
    };
    input.on('end', () => {
      end();
      resolve();
    });
    input.on('error', reject);
  });
}

async function respond(config: Config, line: string | undefined): Promise<Response> {
  const version = PROTOCOL_VERSION;
  if (line === undefined)
    return failure(
      undefined,
      undefined,
      new RequestError('line_too_long', `a request line is at most ${MAX_REQUEST_BYTES} bytes`),
    );
  let request: unknown;
  try {
    request = JSON.parse(line);
  } catch (error) {
    return failure(undefined, undefined, new RequestError('bad_json', `not JSON: ${(error as Error).message}`));
  }
  if (typeof request !== 'object' || request === null || Array.isArray(request))
    return failure(
      undefined,
      undefined,
      new RequestError('bad_json', 'a request is a JSON object, e.g. {"version":"v1","action":"capabilities"}'),
    );
  const req = request as Record<string, unknown>;
  const id = req.id;
  const action = req.action;
  try {
    if (req.version !== undefined && req.version !== version)
      throw new RequestError(
        'unsupported_version',
        `version ${JSON.stringify(req.version)}: this samocode speaks "${version}"`,
      );
    if (typeof action !== 'string' || !Object.hasOwn(ACTIONS, action))
      throw new RequestError(
        'unknown_action',
        `action ${JSON.stringify(action ?? null)}: one of ${Object.keys(ACTIONS).join(', ')}`,
      );
    const result = await perform(config, action as ActionName, req);
    return { ok: true, version, ...(id !== undefined ? { id } : {}), action, result };
  } catch (error) {
    const known =
      error instanceof RequestError
        ? error
        : new RequestError('internal', error instanceof Error ? error.message : String(error));
    return failure(id, typeof action === 'string' ? action : undefined, known);
  }
}

function failure(id: unknown, action: string | undefined, error: RequestError): Response {
  return {
    ok: false,
    version: PROTOCOL_VERSION,
    ...(id !== undefined ? { id } : {}),
    ...(action !== undefined ? { action } : {}),
    error: { code: error.code, message: error.message },
  };
}
