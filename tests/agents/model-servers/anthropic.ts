// A scripted Anthropic Messages API on 127.0.0.1 for Claude Code (ANTHROPIC_BASE_URL). It answers `HEAD /` (Claude
// Code probes it once at start), streams each scripted turn as SSE in the order the real API uses (message_start,
// ping, content_block_start/delta/stop, message_delta with usage, message_stop), and answers scripted HTTP errors
// with the API's error body. Every request is recorded on the script.
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { id, promptFacts, recordRequest, sse, type Action, type Script } from './script.js';

export interface ModelServer {
  url: string;
  port: number;
  script: Script;
  close(): Promise<void>;
}

const ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  529: 'overloaded_error',
};

export async function startAnthropicServer(script: Script): Promise<ModelServer> {
  const server: Server = createServer(async (req, res) => {
    const { record, body, path } = await recordRequest(script, req);

    if (req.method !== 'POST') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end();
      return;
    }
    if (path === '/v1/messages/count_tokens') {
      record.kind = 'side';
      json(res, 200, { input_tokens: 1000 });
      return;
    }
    if (path !== '/v1/messages') {
      record.status = 404;
      json(res, 404, errorBody(404, `scripted model: no route ${path}`));
      return;
    }
    const main = Array.isArray(body?.tools) && body.tools.length > 0;
    record.kind = main ? 'main' : 'side';
    record.prompt = promptFacts(body);
    const action: Action = main
      ? script.next(record.prompt)
      : { kind: 'text', text: 'ok', usage: { input: 10, output: 1, cacheRead: 0, cacheWrite: 0 } };
    record.action =
      action.kind === 'write'
        ? `Write ${action.path}`
        : action.kind === 'bash'
          ? `Bash ${action.command}`
          : action.kind === 'error'
            ? `HTTP ${action.status}`
            : 'text';

    if (action.kind === 'error') {
      record.status = action.status;
      const headers: Record<string, string> = { 'content-type': 'application/json', 'request-id': id('req') };
      if (action.retryAfter !== undefined) headers['retry-after'] = String(action.retryAfter);
      res.writeHead(action.status, headers).end(JSON.stringify(errorBody(action.status, action.message)));
      return;
    }
    if (main) script.count(action.usage);

    const model = typeof body?.model === 'string' ? body.model : 'claude-sonnet-4-5';
    const blocks: Block[] = [];
    if (action.kind === 'text') blocks.push({ type: 'text', text: action.text });
    else if (action.kind === 'write') {
      blocks.push({ type: 'text', text: `Writing ${action.path}.` });
      blocks.push({
        type: 'tool_use',
        id: id('toolu'),
        name: 'Write',
        input: { file_path: action.path, content: action.content },
      });
    } else {
      blocks.push({
        type: 'tool_use',
        id: id('toolu'),
        name: 'Bash',
        input: { command: action.command, description: 'scripted command' },
      });
    }
    const stopReason = blocks.some((b) => b.type === 'tool_use') ? 'tool_use' : 'end_turn';
    const usage = action.usage;
    const messageId = id('msg');

    if (body?.stream !== true) {
      json(res, 200, {
        id: messageId,
        type: 'message',
        role: 'assistant',
        model,
        content: blocks,
        stop_reason: stopReason,
        stop_sequence: null,
        usage: {
          input_tokens: usage.input,
          output_tokens: usage.output,
          cache_read_input_tokens: usage.cacheRead,
          cache_creation_input_tokens: usage.cacheWrite,
        },
      });
      return;
    }

    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'request-id': id('req') });
    sse(res, 'message_start', {
      type: 'message_start',
      message: {
        id: messageId,
        type: 'message',
        role: 'assistant',
        model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: {
          input_tokens: usage.input,
          cache_creation_input_tokens: usage.cacheWrite,
          cache_read_input_tokens: usage.cacheRead,
          output_tokens: 1,
        },
      },
    });
    sse(res, 'ping', { type: 'ping' });
    blocks.forEach((block, index) => {
      if (block.type === 'text') {
        sse(res, 'content_block_start', {
          type: 'content_block_start',
          index,
          content_block: { type: 'text', text: '' },
        });
        sse(res, 'content_block_delta', {
          type: 'content_block_delta',
          index,
          delta: { type: 'text_delta', text: block.text },
        });
      } else {
        sse(res, 'content_block_start', {
          type: 'content_block_start',
          index,
          content_block: { type: 'tool_use', id: block.id, name: block.name, input: {} },
        });
        // The arguments arrive in pieces, as they do from the real API.
        const input = JSON.stringify(block.input);
        const cut = Math.floor(input.length / 2);
        for (const part of [input.slice(0, cut), input.slice(cut)]) {
          sse(res, 'content_block_delta', {
            type: 'content_block_delta',
            index,
            delta: { type: 'input_json_delta', partial_json: part },
          });
        }
      }
      sse(res, 'content_block_stop', { type: 'content_block_stop', index });
    });
    sse(res, 'message_delta', {
      type: 'message_delta',
      delta: { stop_reason: stopReason, stop_sequence: null },
      usage: { output_tokens: usage.output },
    });
    sse(res, 'message_stop', { type: 'message_stop' });
    res.end();
  });
  return listen(server, script, '');
}

type Block =
  { type: 'text'; text: string } | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> };

function errorBody(status: number, message: string): unknown {
  return { type: 'error', error: { type: ERROR_TYPES[status] ?? 'api_error', message } };
}

function json(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
}

export async function listen(server: Server, script: Script, suffix: string): Promise<ModelServer> {
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => done());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${suffix}`,
    port,
    script,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
