// A scripted OpenAI Responses API on 127.0.0.1 for `codex exec` (a model provider with base_url
// http://127.0.0.1:PORT/v1 and wire_api "responses"). Each scripted turn is streamed as SSE with a sequence_number on
// every event: response.created, response.in_progress, the output items (a message, an `exec_command` function call
// or an `apply_patch` custom tool call) with their delta/done events, and response.completed with usage. Scripted
// HTTP errors get the API's error body. Every request is recorded on the script.
import { createServer, type Server, type ServerResponse } from 'node:http';
import { listen, type ModelServer } from './anthropic.js';
import { id, promptFacts, recordRequest, type Action, type Script } from './script.js';

const ERRORS: Record<number, { type: string; code: string | null }> = {
  400: { type: 'invalid_request_error', code: null },
  401: { type: 'invalid_request_error', code: 'invalid_api_key' },
  403: { type: 'invalid_request_error', code: 'unsupported_country_region_territory' },
  404: { type: 'invalid_request_error', code: 'model_not_found' },
  429: { type: 'requests', code: 'rate_limit_exceeded' },
  500: { type: 'server_error', code: null },
  503: { type: 'server_error', code: null },
};

export async function startOpenAIServer(script: Script): Promise<ModelServer> {
  const server: Server = createServer(async (req, res) => {
    const { record, body, path } = await recordRequest(script, req);

    if (req.method === 'GET' && path === '/v1/models') {
      json(res, 200, { object: 'list', data: [] });
      return;
    }
    if (req.method !== 'POST' || path !== '/v1/responses') {
      record.status = 404;
      json(res, 404, errorBody(404, `scripted model: no route ${req.method} ${path}`));
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
        ? `${action.codexTool} ${action.path}`
        : action.kind === 'bash'
          ? `exec_command ${action.command}`
          : action.kind === 'error'
            ? `HTTP ${action.status}`
            : 'text';

    if (action.kind === 'error') {
      record.status = action.status;
      const headers: Record<string, string> = { 'content-type': 'application/json', 'x-request-id': id('req') };
      if (action.retryAfter !== undefined) headers['retry-after'] = String(action.retryAfter);
      res.writeHead(action.status, headers).end(JSON.stringify(errorBody(action.status, action.message)));
      return;
    }
    if (main) script.count(action.usage);

    const model = typeof body?.model === 'string' ? body.model : 'gpt-5.5';
    const items: any[] = [];
    if (action.kind === 'text') {
      items.push({
        type: 'message',
        id: id('msg'),
        role: 'assistant',
        status: 'completed',
        content: [{ type: 'output_text', text: action.text, annotations: [] }],
      });
    } else if (action.kind === 'write' && action.codexTool === 'apply_patch') {
      items.push({
        type: 'custom_tool_call',
        id: id('ctc'),
        call_id: id('call'),
        name: 'apply_patch',
        status: 'completed',
        input: addFilePatch(action.path, action.content),
      });
    } else {
      const cmd = action.kind === 'bash' ? action.command : writeCommand(action.path, action.content);
      items.push({
        type: 'function_call',
        id: id('fc'),
        call_id: id('call'),
        name: 'exec_command',
        status: 'completed',
        arguments: JSON.stringify({ cmd, login: false, yield_time_ms: 2000 }),
      });
    }

    const responseId = id('resp');
    const created = Math.floor(Date.now() / 1000);
    const base = {
      id: responseId,
      object: 'response',
      created_at: created,
      model,
      output: [] as unknown[],
      usage: null as unknown,
      error: null,
      incomplete_details: null,
    };
    let seq = 0;
    const emit = (type: string, data: Record<string, unknown>) => {
      res.write(`event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: seq++, ...data })}\n\n`);
    };
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'x-request-id': id('req') });
    emit('response.created', { response: { ...base, status: 'in_progress' } });
    emit('response.in_progress', { response: { ...base, status: 'in_progress' } });
    items.forEach((item, outputIndex) => {
      if (item.type === 'message') {
        emit('response.output_item.added', {
          output_index: outputIndex,
          item: { ...item, status: 'in_progress', content: [] },
        });
        const part = { type: 'output_text', text: '', annotations: [] };
        emit('response.content_part.added', { item_id: item.id, output_index: outputIndex, content_index: 0, part });
        const textOut = item.content[0].text as string;
        emit('response.output_text.delta', {
          item_id: item.id,
          output_index: outputIndex,
          content_index: 0,
          delta: textOut,
          logprobs: [],
        });
        emit('response.output_text.done', {
          item_id: item.id,
          output_index: outputIndex,
          content_index: 0,
          text: textOut,
          logprobs: [],
        });
        emit('response.content_part.done', {
          item_id: item.id,
          output_index: outputIndex,
          content_index: 0,
          part: { ...part, text: textOut },
        });
      } else if (item.type === 'function_call') {
        emit('response.output_item.added', {
          output_index: outputIndex,
          item: { ...item, status: 'in_progress', arguments: '' },
        });
        emit('response.function_call_arguments.delta', {
          item_id: item.id,
          output_index: outputIndex,
          delta: item.arguments,
        });
        emit('response.function_call_arguments.done', {
          item_id: item.id,
          output_index: outputIndex,
          arguments: item.arguments,
        });
      } else {
        emit('response.output_item.added', {
          output_index: outputIndex,
          item: { ...item, status: 'in_progress', input: '' },
        });
        emit('response.custom_tool_call_input.delta', {
          item_id: item.id,
          output_index: outputIndex,
          delta: item.input,
        });
        emit('response.custom_tool_call_input.done', {
          item_id: item.id,
          output_index: outputIndex,
          input: item.input,
        });
      }
      emit('response.output_item.done', { output_index: outputIndex, item });
    });
    const usage = action.usage;
    emit('response.completed', {
      response: {
        ...base,
        status: 'completed',
        output: items,
        usage: {
          // OpenAI counts cached tokens inside input_tokens.
          input_tokens: usage.input + usage.cacheRead,
          input_tokens_details: { cached_tokens: usage.cacheRead },
          output_tokens: usage.output,
          output_tokens_details: { reasoning_tokens: 0 },
          total_tokens: usage.input + usage.cacheRead + usage.output,
        },
      },
    });
    res.end();
  });
  return listen(server, script, '/v1');
}

/** apply_patch's freeform input that creates (or replaces) one file. */
export function addFilePatch(path: string, content: string): string {
  const lines = content.endsWith('\n') ? content.slice(0, -1).split('\n') : content.split('\n');
  return `*** Begin Patch\n*** Add File: ${path}\n${lines.map((line) => `+${line}`).join('\n')}\n*** End Patch\n`;
}

/** A shell command that writes a file atomically (temp file + rename), as workflow.md tells the agent to. */
function writeCommand(path: string, content: string): string {
  const b64 = Buffer.from(content).toString('base64');
  const quoted = `'${path.replace(/'/g, `'\\''`)}'`;
  return `printf %s ${b64} | base64 -d > ${quoted}.tmp && mv ${quoted}.tmp ${quoted}`;
}

function errorBody(status: number, message: string): unknown {
  const known = ERRORS[status] ?? { type: 'server_error', code: null };
  return { error: { message, type: known.type, param: null, code: known.code } };
}

function json(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
}
