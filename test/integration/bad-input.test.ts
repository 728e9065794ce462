// Malformed requests over a real socket to a running agproxy in front of the strict simulator: every row must come back
// as an Anthropic-shaped 400 or 413 that names the field or problem, with a request-id, and must never reach upstream.
// Then the inputs with a defined non-error outcome (10 000 tools, an assistant first, deep unknown fields), oversize and
// endless bodies (the server stops reading), and clients that stall or vanish mid-request.
import assert from 'node:assert/strict';
import {type Socket, connect} from 'node:net';
import {after, before, describe, it} from 'node:test';
import type {RequestRecord} from '../../source/events.js';
import {type Stack, startStack} from '../helpers/stack.js';
import {TINY_PDF_BASE64, jpegBase64, pngBase64} from '../helpers/images.js';

const BODY_LIMIT = 4 * 1024 * 1024;
const DEPTH = 100_000;

let stack: Stack;
before(async () => {
	stack = await startStack({env: {AGPROXY_BODY_LIMIT_BYTES: String(BODY_LIMIT)}});
	stack.sim.reset();
});
after(() => stack.close());

const GENERATE = new Set(['streamGenerateContent', 'generateContent']);
const generateCalls = (): number => stack.sim.requests.filter(r => GENERATE.has(r.rpc ?? '')).length;

const base = {model: 'claude-sonnet-4-6', max_tokens: 100, messages: [{role: 'user', content: 'hello'}]};
const bash = {name: 'Bash', input_schema: {type: 'object', properties: {command: {type: 'string'}}, required: ['command']}};
const use = (id: string, input: unknown = {command: 'ls'}): unknown => ({type: 'tool_use', id, name: 'Bash', input});
const result = (id: string, content: unknown = 'ok'): unknown => ({type: 'tool_result', tool_use_id: id, content});
const withMessages = (...messages: unknown[]): unknown => ({...base, tools: [bash], messages});
const image = (source: unknown): unknown => ({...base, messages: [{role: 'user', content: [{type: 'text', text: 'look'}, {type: 'image', source}]}]});
const png = (data: string, media_type = 'image/png'): unknown => image({type: 'base64', media_type, data});

/** 100 000 levels as raw JSON text (JSON.stringify itself overflows the stack on such values). */
const deepArrays = '['.repeat(DEPTH) + ']'.repeat(DEPTH);
const deepObjects = '{"a":'.repeat(DEPTH) + '1' + '}'.repeat(DEPTH);
const HEAD = '{"model":"claude-sonnet-4-6","max_tokens":100,';
const loopWithInput = (input: string): string =>
	`${HEAD}"tools":[${JSON.stringify(bash)}],"messages":[{"role":"user","content":"go"},{"role":"assistant","content":[{"type":"tool_use","id":"toolu_deep","name":"Bash","input":${input}}]},{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_deep","content":"ok"}]}]}`;

type Row = {
	name: string;
	/** An object is sent as JSON; a string or Buffer is sent as is. */
	body: unknown;
	message: RegExp;
	status?: 400 | 403 | 413;
	headers?: Record<string, string>;
	/** Also sent to /v1/messages/count_tokens (same validation, no max_tokens) expecting the same answer. */
	countTokens?: boolean;
};

const rows: Row[] = [
	// Missing required fields.
	{name: 'an empty object', body: {}, message: /^model: field required$/},
	{name: 'no model', body: {max_tokens: 5, messages: base.messages}, message: /^model: field required$/, countTokens: true},
	{name: 'no max_tokens', body: {model: 'm', messages: base.messages}, message: /^max_tokens: field required$/},
	{name: 'no messages', body: {model: 'm', max_tokens: 5}, message: /^messages: field required$/, countTokens: true},
	{name: 'empty messages', body: {...base, messages: []}, message: /^messages: at least one message is required$/, countTokens: true},
	// Wrong types, every top-level field.
	{name: 'model: number', body: {...base, model: 42}, message: /^model: expected a string, got number 42$/, countTokens: true},
	{name: 'model: null', body: {...base, model: null}, message: /^model: expected a string, got null$/},
	{name: 'model: empty string', body: {...base, model: ''}, message: /^model: must not be empty$/},
	{name: 'max_tokens: string', body: {...base, max_tokens: '100'}, message: /^max_tokens: expected a number, got '100'$/},
	{name: 'max_tokens: fraction', body: {...base, max_tokens: 1.5}, message: /^max_tokens: expected an integer, got 1\.5$/},
	{name: 'max_tokens: zero', body: {...base, max_tokens: 0}, message: /^max_tokens: must be >= 1, got 0$/},
	{name: 'max_tokens: 1e400 (Infinity after parsing)', body: `${HEAD.replace('100', '1e400')}"messages":[{"role":"user","content":"x"}]}`, message: /^max_tokens: expected a number, got number Infinity$/},
	{name: 'messages: string', body: {...base, messages: 'hi'}, message: /^messages: expected an array, got 'hi'$/, countTokens: true},
	{name: 'messages: object', body: {...base, messages: {role: 'user', content: 'x'}}, message: /^messages: expected an array, got an object$/},
	{name: 'messages: [null]', body: {...base, messages: [null]}, message: /^messages\.0: expected an object, got null$/},
	{name: 'messages: [string]', body: {...base, messages: ['hi']}, message: /^messages\.0: expected an object, got 'hi'$/},
	{name: 'system: number', body: {...base, system: 5}, message: /^system: expected an array, got number 5$/, countTokens: true},
	{name: 'system: image block', body: {...base, system: [{type: 'image', source: {}}]}, message: /^system\.0\.type: expected 'text', got "image"$/},
	{name: 'system: text not a string', body: {...base, system: [{type: 'text', text: 5}]}, message: /^system\.0\.text: expected a string, got number 5$/},
	{name: 'tools: object', body: {...base, tools: {Bash: bash}}, message: /^tools: expected an array, got an object$/, countTokens: true},
	{name: 'tools: [number]', body: {...base, tools: [5]}, message: /^tools\.0: expected an object, got number 5$/},
	{name: 'tools: name not a string', body: {...base, tools: [{...bash, name: 5}]}, message: /^tools\.0\.name: expected a string, got number 5$/},
	{name: 'tools: no input_schema', body: {...base, tools: [{name: 'x'}]}, message: /^tools\.0\.input_schema: expected an object, got nothing \(the field is missing\)$/},
	{name: 'tools: invalid name', body: {...base, tools: [{...bash, name: 'rm -rf'}]}, message: /^tools\.0\.name: 'rm -rf' must match/},
	{name: 'tools: schema of a string', body: {...base, tools: [{...bash, input_schema: {type: 'string'}}]}, message: /^tools\.0\.input_schema\.type: expected 'object', got "string"$/},
	{name: 'tools: duplicate names', body: {...base, tools: [bash, {name: 'Read', input_schema: {type: 'object'}}, bash]}, message: /^tools\.2\.name: duplicate tool name 'Bash'$/, countTokens: true},
	{name: 'tool_choice: string', body: {...base, tool_choice: 'auto'}, message: /^tool_choice: expected an object, got 'auto'$/, countTokens: true},
	{name: 'tool_choice: unknown type', body: {...base, tool_choice: {type: 'sometimes'}}, message: /^tool_choice\.type: expected one of 'auto', 'any', 'tool', 'none', got 'sometimes'$/},
	{name: 'tool_choice: tool without name', body: {...base, tools: [bash], tool_choice: {type: 'tool'}}, message: /^tool_choice\.name: expected a string/},
	{name: 'tool_choice: undeclared tool', body: {...base, tools: [bash], tool_choice: {type: 'tool', name: 'Read'}}, message: /^tool_choice\.name: tool 'Read' is not among the declared tools$/},
	{name: 'tool_choice: disable_parallel_tool_use not a boolean', body: {...base, tool_choice: {type: 'auto', disable_parallel_tool_use: 'yes'}}, message: /^tool_choice\.disable_parallel_tool_use: expected a boolean, got 'yes'$/},
	{name: 'thinking: boolean', body: {...base, thinking: true}, message: /^thinking: expected an object, got boolean true$/, countTokens: true},
	{name: 'thinking: unknown type', body: {...base, thinking: {type: 'on'}}, message: /^thinking\.type: expected one of 'enabled', 'adaptive', 'disabled', got 'on'$/},
	{name: 'thinking: enabled without budget', body: {...base, thinking: {type: 'enabled'}}, message: /^thinking\.budget_tokens: expected a number, got nothing/},
	{name: 'thinking: budget below 1024', body: {...base, max_tokens: 4000, thinking: {type: 'enabled', budget_tokens: 500}}, message: /^thinking\.budget_tokens: must be >= 1024, got 500$/},
	{name: 'thinking: budget not below max_tokens', body: {...base, max_tokens: 2000, thinking: {type: 'enabled', budget_tokens: 2000}}, message: /^thinking\.budget_tokens: must be less than max_tokens \(2000\)$/},
	{name: 'stream: string', body: {...base, stream: 'true'}, message: /^stream: expected a boolean, got 'true'$/},
	{name: 'stream: number', body: {...base, stream: 1}, message: /^stream: expected a boolean, got number 1$/},
	{name: 'temperature: string', body: {...base, temperature: '0.5'}, message: /^temperature: expected a number, got '0\.5'$/, countTokens: true},
	{name: 'temperature: above 1', body: {...base, temperature: 1.5}, message: /^temperature: must be <= 1, got 1\.5$/},
	{name: 'top_p: array', body: {...base, top_p: []}, message: /^top_p: expected a number, got an array$/},
	{name: 'top_p: negative', body: {...base, top_p: -0.1}, message: /^top_p: must be >= 0, got -0\.1$/},
	{name: 'top_k: fraction', body: {...base, top_k: 2.5}, message: /^top_k: expected an integer, got 2\.5$/},
	{name: 'top_k: string', body: {...base, top_k: 'ten'}, message: /^top_k: expected a number, got 'ten'$/},
	{name: 'stop_sequences: string', body: {...base, stop_sequences: 'END'}, message: /^stop_sequences: expected an array, got 'END'$/},
	{name: 'stop_sequences: number item', body: {...base, stop_sequences: ['END', 7]}, message: /^stop_sequences\.1: expected a string, got number 7$/},
	{name: 'stop_sequences: empty item', body: {...base, stop_sequences: ['']}, message: /^stop_sequences\.0: must not be empty$/},
	{name: 'metadata: string', body: {...base, metadata: 'user-1'}, message: /^metadata: expected an object, got 'user-1'$/, countTokens: true},
	{name: 'metadata.user_id: number', body: {...base, metadata: {user_id: 5}}, message: /^metadata\.user_id: expected a string, got number 5$/},
	{name: 'output_config.effort: unknown', body: {...base, output_config: {effort: 'extreme'}}, message: /^output_config\.effort: expected one of 'low', 'medium', 'high', 'max', got 'extreme'$/},
	// The body itself.
	{name: 'empty body', body: '', message: /^Request body is empty: expected a JSON object$/, countTokens: true},
	{name: 'whitespace body', body: '  \n ', message: /^Request body is not valid JSON/},
	{name: 'truncated JSON', body: '{"model": ', message: /^Request body is not valid JSON: /, countTokens: true},
	{name: 'trailing garbage after JSON', body: `${JSON.stringify(base)} and more`, message: /^Request body is not valid JSON: /},
	{name: 'JSON array', body: '[1,2]', message: /^body: expected an object, got an array$/, countTokens: true},
	{name: 'JSON string', body: '"hello"', message: /^body: expected an object, got 'hello'$/},
	{name: 'JSON null', body: 'null', message: /^body: expected an object, got null$/},
	{name: 'invalid UTF-8 (0xff)', body: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]), message: /^Request body is not valid UTF-8$/, countTokens: true},
	{name: 'invalid UTF-8 (encoded surrogate)', body: Buffer.concat([Buffer.from('{"model":"'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}')]), message: /^Request body is not valid UTF-8$/},
	{name: 'gzip-encoded body', body: Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03]), headers: {'content-encoding': 'gzip'}, message: /^Request body is not valid UTF-8$/},
	// Served without keys (this stack has no users): a body that is not declared as JSON is refused before it is read,
	// so a web page cannot post one (test/http/security.test.ts has the keyed 415 and the browser cases).
	{name: 'form-encoded body', body: 'model=claude-sonnet-4-6&max_tokens=5', headers: {'content-type': 'application/x-www-form-urlencoded'}, status: 403, message: /^the request body must be sent as content-type: application\/json \(got 'application\/x-www-form-urlencoded'\): agproxy refuses other types while it serves without keys/, countTokens: true},
	{name: 'XML as text/plain', body: '<messages/>', headers: {'content-type': 'text/plain'}, status: 403, message: /^the request body must be sent as content-type: application\/json \(got 'text\/plain'\)/},
	// Roles and blocks.
	{name: 'unknown role', body: {...base, messages: [{role: 'tool', content: 'x'}]}, message: /^messages\.0\.role: expected one of 'user', 'assistant', 'system', got 'tool'$/, countTokens: true},
	{name: 'role in capitals', body: {...base, messages: [{role: 'USER', content: 'x'}]}, message: /^messages\.0\.role: expected one of .*, got 'USER'$/},
	{name: 'no role', body: {...base, messages: [{content: 'x'}]}, message: /^messages\.0\.role: expected one of .*, got nothing \(the field is missing\)$/},
	{name: 'no content', body: {...base, messages: [{role: 'user'}]}, message: /^messages\.0\.content: field required$/},
	{name: 'content: number', body: {...base, messages: [{role: 'user', content: 5}]}, message: /^messages\.0\.content: expected an array, got number 5$/},
	{name: 'content: [string]', body: {...base, messages: [{role: 'user', content: ['hi']}]}, message: /^messages\.0\.content\.0: expected an object, got 'hi'$/},
	{name: 'unknown block type', body: {...base, messages: [{role: 'user', content: [{type: 'hologram'}]}]}, message: /^messages\.0\.content\.0\.type: unknown content block type "hologram" \(expected one of text, image, /, countTokens: true},
	{name: 'block without type', body: {...base, messages: [{role: 'user', content: [{text: 'hi'}]}]}, message: /^messages\.0\.content\.0\.type: unknown content block type undefined/},
	{name: 'text block without text', body: {...base, messages: [{role: 'user', content: [{type: 'text'}]}]}, message: /^messages\.0\.content\.0\.text: expected a string, got nothing/},
	{name: 'tool_result in an assistant message', body: withMessages({role: 'user', content: 'go'}, {role: 'assistant', content: [result('toolu_a')]}), message: /^messages\.1\.content\.0: tool_result blocks are only allowed in user messages$/},
	{name: 'tool_result in a system message', body: withMessages({role: 'user', content: 'go'}, {role: 'assistant', content: [use('toolu_a')]}, {role: 'system', content: [result('toolu_a')]}), message: /^messages\.2\.content\.0\.type: a system message holds only text, tool_addition and tool_removal blocks, got "tool_result"$/},
	// Mid-conversation system messages: text after the first message, as Claude Code sends them; nothing else.
	{name: 'system message first', body: withMessages({role: 'system', content: 'be brief'}, {role: 'user', content: 'hi'}), message: /^messages\.0\.role: a conversation cannot start with a system message: put instructions in the top-level 'system' field/, countTokens: true},
	{name: 'system message with an image', body: withMessages({role: 'user', content: 'hi'}, {role: 'system', content: [{type: 'text', text: 'note'}, {type: 'image', source: {type: 'base64', media_type: 'image/png', data: pngBase64(1, 1)}}]}), message: /^messages\.1\.content\.1\.type: a system message holds only text, tool_addition and tool_removal blocks, got "image"$/, countTokens: true},
	{name: 'system message with a thinking block', body: withMessages({role: 'user', content: 'hi'}, {role: 'system', content: [{type: 'thinking', thinking: 'x', signature: 's'}]}), message: /^messages\.1\.content\.0\.type: a system message holds only text, tool_addition and tool_removal blocks, got "thinking"$/},
	{name: 'system message that is blank', body: withMessages({role: 'user', content: 'hi'}, {role: 'system', content: '  \n'}), message: /^messages\.1\.content: a system message needs some non-blank text$/, countTokens: true},
	{name: 'system message with no blocks', body: withMessages({role: 'user', content: 'hi'}, {role: 'system', content: []}), message: /^messages\.1\.content: a system message needs some non-blank text$/},
	{name: 'system message without content', body: withMessages({role: 'user', content: 'hi'}, {role: 'system'}), message: /^messages\.1\.content: field required$/},
	{name: 'tool_use in a user message', body: withMessages({role: 'user', content: [use('toolu_a')]}), message: /^messages\.0\.content\.0: tool_use blocks are only allowed in assistant messages$/},
	{name: 'tool_use inside a tool_result', body: withMessages({role: 'user', content: 'go'}, {role: 'assistant', content: [use('toolu_a')]}, {role: 'user', content: [result('toolu_a', [use('toolu_b')])]}), message: /^messages\.2\.content\.0\.content\.0\.type: 'tool_use' is not allowed inside tool_result/},
	{name: 'tool_use without id', body: withMessages({role: 'user', content: 'go'}, {role: 'assistant', content: [{type: 'tool_use', name: 'Bash', input: {}}]}), message: /^messages\.1\.content\.0\.id: expected a string, got nothing/},
	{name: 'tool_use input not an object', body: withMessages({role: 'user', content: 'go'}, {role: 'assistant', content: [use('toolu_a', 'ls')]}), message: /^messages\.1\.content\.0\.input: expected an object, got 'ls'$/},
	// Tool loop pairing.
	{name: 'tool_use not answered by the next user message', body: withMessages({role: 'user', content: 'go'}, {role: 'assistant', content: [use('toolu_a')]}, {role: 'user', content: 'what happened?'}), message: /^messages\.1: tool_use ids were found without tool_result blocks immediately after: toolu_a\./},
	{name: 'one of two parallel calls unanswered', body: withMessages({role: 'user', content: 'go'}, {role: 'assistant', content: [use('toolu_a'), use('toolu_b')]}, {role: 'user', content: [result('toolu_a')]}), message: /^messages\.1: tool_use ids were found without tool_result blocks immediately after: toolu_b\./},
	{name: 'tool_result for an unknown id', body: withMessages({role: 'user', content: 'go'}, {role: 'assistant', content: [use('toolu_a')]}, {role: 'user', content: [result('toolu_a'), result('toolu_zzz')]}), message: /^messages\.2\.content\.1\.tool_use_id: no earlier tool_use block has id 'toolu_zzz'$/},
	{name: 'tool_result before its tool_use', body: withMessages({role: 'user', content: [result('toolu_a')]}, {role: 'assistant', content: [use('toolu_a')]}), message: /^messages\.0\.content\.0\.tool_use_id: no earlier tool_use block has id 'toolu_a'$/},
	{name: 'tool_result answering an older turn', body: withMessages({role: 'user', content: 'go'}, {role: 'assistant', content: [use('toolu_a')]}, {role: 'user', content: [result('toolu_a')]}, {role: 'assistant', content: [use('toolu_b')]}, {role: 'user', content: [result('toolu_b'), result('toolu_a')]}), message: /^messages\.4\.content\.1\.tool_use_id: tool_use 'toolu_a' belongs to an earlier assistant turn/},
	// Images and documents.
	{name: 'image: bad base64', body: png('not base64!!'), message: /^messages\.0\.content\.1\.source\.data: is not valid base64$/, countTokens: true},
	{name: 'image: base64 of the wrong length', body: png(pngBase64(1, 1).slice(0, -1)), message: /^messages\.0\.content\.1\.source\.data: is not valid base64$/},
	{name: 'image: media type does not match the bytes', body: png(jpegBase64(4, 4)), message: /^messages\.0\.content\.1\.source\.media_type: says image\/png but the data is image\/jpeg$/},
	{name: 'image: not an image at all', body: png(Buffer.from('just some text, not pixels').toString('base64')), message: /^messages\.0\.content\.1\.source\.data: is not a valid JPEG, PNG, GIF or WebP image$/},
	{name: 'image: zero bytes', body: png(''), message: /^messages\.0\.content\.1\.source\.data: must not be empty$/},
	{name: 'image: unsupported type (bmp)', body: png('Qk0eAAAAAAAAABoAAAAMAAAAAQABAAEAGAAAAP8A', 'image/bmp'), message: /^messages\.0\.content\.1\.source\.media_type: expected one of 'image\/jpeg', 'image\/png', 'image\/gif', 'image\/webp', got 'image\/bmp'$/},
	{name: 'image: unsupported type (svg)', body: png(Buffer.from('<svg/>').toString('base64'), 'image/svg+xml'), message: /^messages\.0\.content\.1\.source\.media_type: expected one of .*got 'image\/svg\+xml'$/},
	{name: 'image: unknown source type', body: image({type: 'file', file_id: 'f_1'}), message: /^messages\.0\.content\.1\.source\.type: expected 'base64' or 'url', got "file"$/},
	{name: 'image: non-http URL', body: image({type: 'url', url: 'file:///etc/passwd'}), message: /^messages\.0\.content\.1\.source\.url: must be an http\(s\) URL$/},
	{name: 'image: over the body limit', body: png(Buffer.concat([Buffer.from(pngBase64(1, 1), 'base64'), Buffer.alloc(3_300_000)]).toString('base64')), status: 413, message: new RegExp(`^Request body exceeds the limit of ${BODY_LIMIT} bytes$`)},
	{name: 'document: PDF that is not a PDF', body: {...base, messages: [{role: 'user', content: [{type: 'document', source: {type: 'base64', media_type: 'application/pdf', data: pngBase64(1, 1)}}]}]}, message: /^messages\.0\.content\.0\.source\.data: is not a PDF document$/},
	{name: 'document: unsupported media type', body: {...base, messages: [{role: 'user', content: [{type: 'document', source: {type: 'base64', media_type: 'application/zip', data: TINY_PDF_BASE64}}]}]}, message: /^messages\.0\.content\.0\.source\.media_type: expected one of 'application\/pdf', got 'application\/zip'$/},
	// 100 000 levels of nesting: parsed without overflowing the stack, refused where it would reach a recursive consumer.
	{name: 'deep: nested arrays as the body', body: deepArrays, message: /^body: expected an object, got an array$/, countTokens: true},
	{name: 'deep: nested objects as the body', body: deepObjects, message: /^model: field required$/, countTokens: true},
	{name: 'deep: nested arrays in a tool_use input', body: loopWithInput(`{"a":${deepArrays}}`), message: /^messages\.1\.content\.0\.input: is nested deeper than 64 levels$/, countTokens: true},
	{name: 'deep: nested objects as a tool_use input', body: loopWithInput(deepObjects), message: /^messages\.1\.content\.0\.input: is nested deeper than 64 levels$/, countTokens: true},
	{name: 'deep: nested objects in an input_schema', body: `${HEAD}"messages":[{"role":"user","content":"x"}],"tools":[{"name":"t","input_schema":{"type":"object","properties":${deepObjects}}}]}`, message: /^tools\.0\.input_schema: is nested deeper than 48 levels$/, countTokens: true},
	{name: 'deep: nested objects in a server tool', body: `${HEAD}"messages":[{"role":"user","content":"x"}],"tools":[{"type":"web_search_20250305","name":"web_search","options":${deepObjects}}]}`, message: /^tools\.0: is nested deeper than 64 levels$/, countTokens: true},
	{name: 'deep: nested arrays as message content', body: `${HEAD}"messages":[{"role":"user","content":${deepArrays}}]}`, message: /^messages\.0\.content\.0: expected an object, got an array$/, countTokens: true},
	{name: 'deep: nested arrays as a tool_result content', body: `${HEAD}"tools":[${JSON.stringify(bash)}],"messages":[{"role":"user","content":"go"},{"role":"assistant","content":[${JSON.stringify(use('toolu_a'))}]},{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_a","content":${deepArrays}}]}]}`, message: /^messages\.2\.content\.0\.content\.0: expected an object, got an array$/, countTokens: true},
	{name: 'deep: nested arrays as the system prompt', body: `${HEAD}"messages":[{"role":"user","content":"x"}],"system":${deepArrays}}`, message: /^system\.0: expected an object, got an array$/, countTokens: true},
	// Size.
	{name: 'a body over the limit', body: {...base, messages: [{role: 'user', content: 'x'.repeat(BODY_LIMIT)}]}, status: 413, message: new RegExp(`^Request body exceeds the limit of ${BODY_LIMIT} bytes$`), countTokens: true},
];

type Answer = {status: number; headers: Headers; text: string};

async function send(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
	const payload = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
	const response = await fetch(`${stack.app.url}${path}`, {method: 'POST', headers: {'content-type': 'application/json', ...headers}, body: payload});
	return {status: response.status, headers: response.headers, text: await response.text()};
}

/** The Anthropic error shape, the status and type, a message matching `pattern`, and the request id in header and body. */
function assertError(answer: Answer, status: number, pattern: RegExp, label: string): void {
	assert.equal(answer.status, status, `${label}: status (body ${answer.text.slice(0, 300)})`);
	assert.match(answer.headers.get('content-type') ?? '', /^application\/json/, label);
	const requestId = answer.headers.get('request-id') ?? '';
	assert.match(requestId, /^req_[0-9a-f]{24}$/, `${label}: request-id header`);
	const body = JSON.parse(answer.text) as {type: string; error: {type: string; message: string}; request_id: string};
	assert.deepEqual(Object.keys(body).sort(), ['error', 'request_id', 'type'], label);
	assert.equal(body.type, 'error', label);
	assert.deepEqual(Object.keys(body.error).sort(), ['message', 'type'], label);
	assert.equal(body.error.type, status === 413 ? 'request_too_large' : status === 403 ? 'permission_error' : 'invalid_request_error', label);
	assert.match(body.error.message, pattern, label);
	assert.equal(body.request_id, requestId, `${label}: request_id in the body`);
}

describe('malformed requests get a 400 or 413 that names the problem', () => {
	for (const row of rows) {
		it(row.name, async () => {
			const status = row.status ?? 400;
			const started = Date.now();
			assertError(await send('/v1/messages', row.body, row.headers), status, row.message, 'messages');
			if (row.countTokens) {
				const body = row.body !== null && typeof row.body === 'object' && !Buffer.isBuffer(row.body) ? {...(row.body as object), max_tokens: undefined} : row.body;
				assertError(await send('/v1/messages/count_tokens', body, row.headers), status, row.message, 'count_tokens');
			}
			assert.ok(Date.now() - started < 5000, `answered in ${Date.now() - started} ms`);
		});
	}

	it('afterwards: healthy, a normal request succeeds, and no bad request reached upstream', async () => {
		assert.equal(generateCalls(), 0, 'no generate call for any malformed request');
		assert.equal((await fetch(`${stack.app.url}/health`)).status, 200);
		const message = await stack.client.messages.create({model: 'claude-sonnet-4-6', max_tokens: 50, messages: [{role: 'user', content: 'still there?'}]});
		assert.equal(message.stop_reason, 'end_turn');
		assert.equal(generateCalls(), 1);
	});
});

describe('inputs with a defined outcome other than an error', () => {
	type Generate = {request: {contents: Array<{role: string; parts: Array<Record<string, unknown>>}>; tools?: Array<{functionDeclarations?: Array<{name: string}>}>}};
	const lastGenerate = (): Generate => stack.sim.requests.filter(r => GENERATE.has(r.rpc ?? '')).at(-1)?.body as Generate;

	it('10 000 tools are translated and sent, fast (Cloud Code documents no limit; the upstream decides)', async () => {
		const tools = Array.from({length: 10_000}, (_, i) => ({name: `tool_${i}`, description: `Tool number ${i}`, input_schema: {type: 'object', properties: {value: {type: 'string'}}, required: ['value']}}));
		const started = Date.now();
		const counted = await send('/v1/messages/count_tokens', {model: 'claude-sonnet-4-6', messages: base.messages, tools});
		assert.equal(counted.status, 200);
		assert.ok((JSON.parse(counted.text) as {input_tokens: number}).input_tokens > 100_000);
		// About 430k tokens: above Claude's 200k window (a 400 before any upstream call), within Gemini's 1M.
		const tooLong = await send('/v1/messages', {...base, tools});
		assert.equal(tooLong.status, 400);
		assert.match(tooLong.text, /prompt is too long: \d+ tokens > 200000 maximum/);
		const answer = await send('/v1/messages', {...base, model: 'gemini-3-flash', tools});
		const elapsed = Date.now() - started;
		assert.equal(answer.status, 200, answer.text.slice(0, 300));
		const declarations = lastGenerate().request.tools?.flatMap(t => t.functionDeclarations ?? []) ?? [];
		assert.equal(declarations.length, 10_000);
		assert.equal(declarations[9_999]?.name, 'tool_9999');
		assert.ok(elapsed < 15_000, `took ${elapsed} ms`);
	});

	it('an assistant message first is accepted (as by Anthropic); upstream gets a user turn before it', async () => {
		const answer = await send('/v1/messages', {...base, messages: [{role: 'assistant', content: 'I was saying'}, {role: 'user', content: 'go on'}]});
		assert.equal(answer.status, 200, answer.text);
		assert.deepEqual(lastGenerate().request.contents.map(c => c.role), ['user', 'model', 'user']);
	});

	it('deeply nested unknown fields and metadata extras are dropped, never sent upstream', async () => {
		const body = `${HEAD}"messages":[{"role":"user","content":"x"}],"context_management":${deepObjects},"metadata":{"user_id":"u1","extra":${deepArrays}}}`;
		for (const path of ['/v1/messages', '/v1/messages/count_tokens']) {
			const answer = await send(path, body);
			assert.equal(answer.status, 200, `${path}: ${answer.text.slice(0, 200)}`);
		}
		assert.ok(!JSON.stringify(lastGenerate()).includes('"a":{"a"'));
	});

	it('a thinking block in a user message and empty text are tolerated (dropped, a placeholder keeps the turn)', async () => {
		const answer = await send('/v1/messages', {...base, messages: [{role: 'user', content: [{type: 'thinking', thinking: 'stray', signature: 'x'}, {type: 'text', text: ''}]}]});
		assert.equal(answer.status, 200, answer.text);
		assert.deepEqual(lastGenerate().request.contents, [{role: 'user', parts: [{text: '.'}]}]);
	});
});

/** `promise`, or a rejection naming `what` after `ms`; the timer never outlives the race. */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
	let timer: NodeJS.Timeout | undefined;
	try {
		return await Promise.race([promise, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} (after ${ms} ms)`)), ms)))]);
	} finally {
		clearTimeout(timer);
	}
}

type RawOutcome = {response: string; sent: number; closedByServer: boolean; ms: number};

/**
 * Sends `head`, then keeps writing body bytes (chunked or raw) until an answer starts to arrive, `maxBytes` were written or
 * `timeoutMs` passed; then waits (without writing) for the server to close the connection.
 */
async function pushUntilAnswered(head: string, options: {chunked: boolean; maxBytes: number; timeoutMs: number}): Promise<RawOutcome> {
	const socket = connect(stack.app.port, '127.0.0.1');
	await new Promise<void>((resolve, reject) => {
		socket.once('connect', resolve);
		socket.once('error', reject);
	});
	let response = '';
	socket.on('data', (data: Buffer) => {
		response += data.toString('latin1');
	});
	socket.on('error', () => {});
	const closed = new Promise<void>(resolve => socket.once('close', () => resolve()));
	const waitWritable = (): Promise<void> =>
		new Promise(resolve => {
			const done = (): void => {
				clearTimeout(timer);
				socket.off('drain', done);
				socket.off('close', done);
				resolve();
			};
			const timer = setTimeout(done, 50);
			socket.on('drain', done);
			socket.on('close', done);
		});
	socket.write(head);
	const payload = Buffer.alloc(64 * 1024, 'x');
	const piece = options.chunked ? Buffer.concat([Buffer.from(`${payload.length.toString(16)}\r\n`), payload, Buffer.from('\r\n')]) : payload;
	const started = Date.now();
	let sent = 0;
	while (response === '' && !socket.destroyed && sent < options.maxBytes && Date.now() - started < options.timeoutMs) {
		if (!socket.write(piece)) await waitWritable();
		sent += payload.length;
	}
	let closedByServer = true;
	try {
		await within(closed, 5000, 'the server kept the connection open');
	} catch {
		closedByServer = false;
	}
	socket.destroy();
	return {response, sent, closedByServer, ms: Date.now() - started};
}

function assertRaw413(outcome: RawOutcome, label: string): void {
	const [head = '', body = ''] = outcome.response.split('\r\n\r\n');
	assert.match(head, /^HTTP\/1\.1 413 /, `${label}: ${head}`);
	assert.match(head, /\r\nconnection: close\r\n/i, `${label}: the server announces it closes`);
	assert.match(head, /\r\nrequest-id: req_[0-9a-f]{24}\r\n/i, label);
	const error = JSON.parse(body) as {type: string; error: {type: string; message: string}};
	assert.equal(error.error.type, 'request_too_large', label);
	assert.match(error.error.message, /exceeds the limit of 4194304 bytes/, label);
}

describe('oversize and endless bodies: 413, and the server stops reading', () => {
	const MAX = 256 * 1024 * 1024;

	it('a huge declared content-length is refused before reading, and the connection closes', async () => {
		const head = `POST /v1/messages HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\ncontent-length: ${10 * 1024 ** 3}\r\n\r\n`;
		const outcome = await pushUntilAnswered(head, {chunked: false, maxBytes: MAX, timeoutMs: 10_000});
		assertRaw413(outcome, 'declared');
		assert.ok(outcome.closedByServer, 'the server closed the connection after the 413');
	});

	it('the same declared length with no body sent at all: 413 at once, then closed', async () => {
		const socket = connect(stack.app.port, '127.0.0.1');
		let response = '';
		socket.on('data', (data: Buffer) => {
			response += data.toString('latin1');
		});
		socket.on('error', () => {});
		const closed = new Promise<void>(resolve => socket.once('close', () => resolve()));
		socket.write(`POST /v1/messages HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\ncontent-length: ${10 * 1024 ** 3}\r\n\r\n`);
		try {
			await within(closed, 3000, 'the server did not close the connection');
		} finally {
			socket.destroy();
		}
		assertRaw413({response, sent: 0, closedByServer: true, ms: 0}, 'headers only');
	});

	it('a chunked body that grows past the limit: 413 once the limit is crossed, then closed', async () => {
		const head = 'POST /v1/messages HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n';
		const outcome = await pushUntilAnswered(head, {chunked: true, maxBytes: MAX, timeoutMs: 10_000});
		assertRaw413(outcome, 'chunked');
		assert.ok(outcome.closedByServer, 'the server closed the connection after the 413');
		assert.ok(outcome.sent >= BODY_LIMIT, 'the limit was crossed before the 413');
		assert.ok(outcome.sent < 64 * 1024 * 1024, `the server read on: ${outcome.sent} bytes accepted`);
	});

	it('an ordinary client (fetch) sending 20 MB gets the 413 itself, not a reset, every time', async () => {
		const before = generateCalls();
		for (let i = 0; i < 5; i++) {
			const answer = await send('/v1/messages', Buffer.alloc(20 * 1024 * 1024, 'x'));
			assertError(answer, 413, /exceeds the limit/, `try ${i}`);
		}
		assert.equal((await fetch(`${stack.app.url}/health`)).status, 200);
		assert.equal(generateCalls(), before, 'nothing upstream');
	});
});

describe('clients that stall or vanish mid-request', () => {
	let slow: Stack;
	const records: RequestRecord[] = [];
	before(async () => {
		slow = await startStack({env: {AGPROXY_REQUEST_TIMEOUT_MS: '1000'}});
		slow.app.bus.on('request', record => records.push(record));
	});
	after(() => slow.close());

	function open(): Promise<{socket: Socket; closed: Promise<string>}> {
		return new Promise((resolve, reject) => {
			const socket = connect(slow.app.port, '127.0.0.1', () => {
				let response = '';
				socket.on('data', (data: Buffer) => {
					response += data.toString('latin1');
				});
				socket.on('error', () => {});
				resolve({socket, closed: new Promise(done => socket.once('close', () => done(response)))});
			});
			socket.once('error', reject);
		});
	}

	it('slowloris: stalled headers, stalled bodies and a drip-feed are cut off with 408 while others are served', async () => {
		const clients = await Promise.all(Array.from({length: 12}, () => open()));
		const started = Date.now();
		const timers: NodeJS.Timeout[] = [];
		for (const [i, {socket}] of clients.entries()) {
			if (i % 3 === 0) socket.write('POST /v1/messages HTTP/1.1\r\nhost: localhost\r\ncontent-type: appl');
			else if (i % 3 === 1) socket.write('POST /v1/messages HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\ncontent-length: 5000\r\n\r\n{"model":');
			else {
				socket.write('POST /v1/messages HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\ncontent-length: 5000\r\n\r\n');
				timers.push(setInterval(() => socket.writable && socket.write(' '), 100));
			}
		}
		try {
			// Everyone else is served meanwhile, promptly.
			for (let i = 0; i < 3; i++) {
				const t = Date.now();
				assert.equal((await fetch(`${slow.app.url}/health`)).status, 200);
				const message = await slow.client.messages.create({model: 'claude-sonnet-4-6', max_tokens: 20, messages: [{role: 'user', content: `served ${i}`}]});
				assert.equal(message.stop_reason, 'end_turn');
				assert.ok(Date.now() - t < 3000, `served in ${Date.now() - t} ms`);
			}
			const responses = await within(Promise.all(clients.map(c => c.closed)), 8000, 'slow clients were not cut off');
			const elapsed = Date.now() - started;
			assert.ok(elapsed >= 800, `cut off after ${elapsed} ms, not before the 1 s request timeout`);
			for (const [i, response] of responses.entries()) {
				assert.match(response, /^HTTP\/1\.1 408 /, `client ${i}`);
				assert.match(response, /\r\nrequest-id: req_[0-9a-f]{24}\r\n/, `client ${i}: request-id`);
				const body = JSON.parse(response.slice(response.indexOf('\r\n\r\n') + 4)) as {type: string; error: {type: string; message: string}};
				assert.equal(body.type, 'error');
				assert.equal(body.error.type, 'timeout_error');
				assert.match(body.error.message, /did not arrive in time/);
			}
		} finally {
			for (const timer of timers) clearInterval(timer);
		}
		assert.equal(slow.app.inFlight(), 0, 'nothing left in flight');
		const cut = records.filter(r => r.status === 499);
		assert.equal(cut.length, 8, 'the 8 clients that had started a body are recorded');
		for (const record of cut) assert.match(record.error ?? '', /request body did not arrive completely/);
	});

	it('a client that disconnects mid-body: recorded, nothing upstream, the server carries on', async () => {
		records.length = 0;
		const generateBefore = slow.sim.requests.filter(r => GENERATE.has(r.rpc ?? '')).length;
		for (const chunked of [false, true]) {
			const {socket, closed} = await open();
			const framing = chunked ? 'transfer-encoding: chunked\r\n\r\n20\r\n' : 'content-length: 4000\r\n\r\n';
			const recorded = new Promise<RequestRecord>(resolve => slow.app.bus.once('request', resolve));
			socket.write(`POST /v1/messages HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\n${framing}{"model":"claude-sonnet-4-6","max_`);
			await new Promise(resolve => setTimeout(resolve, 50));
			socket.destroy();
			await closed;
			const record = await within(recorded, 3000, 'no request record');
			assert.equal(record.status, 499, `chunked=${chunked}`);
			assert.match(record.error ?? '', /request body did not arrive completely/);
		}
		assert.equal(slow.app.inFlight(), 0);
		assert.equal(slow.sim.requests.filter(r => GENERATE.has(r.rpc ?? '')).length, generateBefore, 'no generate call');
		const message = await slow.client.messages.create({model: 'claude-sonnet-4-6', max_tokens: 20, messages: [{role: 'user', content: 'after'}]});
		assert.equal(message.stop_reason, 'end_turn');
	});
});
