import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {describe, test} from 'node:test';
import type {ContentBlock, MessageParam, MessagesRequest, Tool} from '../../source/anthropic/types.js';
import {validateMessagesRequest} from '../../source/anthropic/validate.js';
import {type Content, type Envelope, type Part, SKIP_SIGNATURE} from '../../source/cloudcode/types.js';
import {PLACEHOLDER_TEXT, SYSTEM_NOTE_TAG} from '../../source/translate/request-contents.js';
import {SYNTHETIC_THOUGHT} from '../../source/translate/request-signatures.js';
import {
	MAX_UPSTREAM_STOP_SEQUENCES,
	type RequestContext,
	TranslationError,
	isWebSearchOnly,
	placeholderStripper,
	toCloudCodeRequest,
	toolNameMap,
} from '../../source/translate/request.js';
import {encodeSignature} from '../../source/translate/signature.js';

const CLAUDE = 'claude-sonnet-4-6';
const CLAUDE_THINKING = 'claude-opus-4-6-thinking';
const GEMINI3 = 'gemini-3.1-pro-high';
const GEMINI25_FLASH = 'gemini-2.5-flash';
const GEMINI25_PRO = 'gemini-2.5-pro';

function ctx(servedModel: string, signatures: Record<string, string> = {}): RequestContext {
	return {servedModel, project: 'proj-1', sessionId: 'session-1', requestId: 'agent-0000', toolCallSignature: (id) => signatures[id]};
}

function request(messages: MessageParam[], extra: Partial<MessagesRequest> = {}): MessagesRequest {
	return {model: 'claude-sonnet-4-6', max_tokens: 8192, messages, ...extra};
}

const user = (...content: ContentBlock[]): MessageParam => ({role: 'user', content});
const assistant = (...content: ContentBlock[]): MessageParam => ({role: 'assistant', content});
const system = (text: string): MessageParam => ({role: 'system', content: [{type: 'text', text}]});
const text = (t: string): ContentBlock => ({type: 'text', text: t});
const toolUse = (id: string, name: string, input: Record<string, unknown> = {}): ContentBlock => ({type: 'tool_use', id, name, input});
const toolResult = (id: string, content: string | Array<ContentBlock & {type: 'text' | 'image' | 'document'}> = 'ok', isError?: boolean): ContentBlock => ({
	type: 'tool_result',
	tool_use_id: id,
	content,
	...(isError === undefined ? {} : {is_error: isError}),
});
const thinking = (t: string, signature: string): ContentBlock => ({type: 'thinking', thinking: t, signature});
const tool = (name: string, schema: Record<string, unknown> = {type: 'object', properties: {x: {type: 'string'}}}): Tool => ({name, input_schema: schema});
const png = {type: 'image', source: {type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo='}} as const;

function translate(req: MessagesRequest, c: RequestContext): Envelope {
	return toCloudCodeRequest(req, c);
}
const contents = (env: Envelope): Content[] => env.request.contents;
const partKinds = (content: Content | undefined): string[] =>
	(content?.parts ?? []).map((p) => (p.thought ? 'thought' : p.functionCall ? 'call' : p.functionResponse ? 'response' : p.inlineData ? 'inline' : p.fileData ? 'file' : 'text'));

/** No undefined or null anywhere in what is sent (JSON.stringify would drop undefined silently). */
function assertNoEmptyValues(value: unknown, path = 'envelope'): void {
	assert.notEqual(value, null, `${path} is null`);
	assert.notEqual(value, undefined, `${path} is undefined`);
	if (Array.isArray(value)) value.forEach((v, i) => assertNoEmptyValues(v, `${path}[${i}]`));
	else if (typeof value === 'object') for (const [k, v] of Object.entries(value as object)) assertNoEmptyValues(v, `${path}.${k}`);
}

function expectTranslationError(fn: () => unknown, field: string, message?: RegExp): void {
	assert.throws(fn, (error: unknown) => {
		assert.ok(error instanceof TranslationError, `expected TranslationError, got ${String(error)}`);
		assert.equal(error.field, field);
		if (message) assert.match(error.message, message);
		return true;
	});
}

// ------------------------------------------------------------------------------------------------ envelope

describe('envelope', () => {
	test('has exactly the Antigravity fields, camelCase, and nothing undefined or null', () => {
		const env = translate(request([user(text('hi'))], {metadata: {user_id: 'u'}, stop_sequences: ['STOP'], temperature: 0.5}), ctx(GEMINI3));
		assert.deepEqual(Object.keys(env), ['project', 'model', 'request', 'userAgent', 'requestType', 'requestId']);
		assert.equal(env.project, 'proj-1');
		assert.equal(env.model, GEMINI3);
		assert.equal(env.userAgent, 'antigravity');
		assert.equal(env.requestType, 'agent');
		assert.equal(env.requestId, 'agent-0000');
		assert.deepEqual(Object.keys(env.request), ['contents', 'generationConfig', 'sessionId']);
		assert.equal(env.request.sessionId, 'session-1');
		assert.deepEqual(env.request.contents, [{role: 'user', parts: [{text: 'hi'}]}]);
		assertNoEmptyValues(env);
		const wire = JSON.stringify(env);
		for (const absent of ['safetySettings', 'metadata', 'user_id', 'cache_control']) assert.ok(!wire.includes(absent), absent);
		assert.deepEqual(env.request.generationConfig?.stopSequences, ['STOP']);
	});

	test('image models are sent as image_gen', () => {
		assert.equal(translate(request([user(text('draw'))]), ctx('gemini-3.1-flash-image')).requestType, 'image_gen');
	});

	test('translation is deterministic and does not modify the request', () => {
		const req = request([user(text('a')), assistant(thinking('t', encodeSignature('claude', 'S')), toolUse('t1', 'my.tool', {a: 1})), user(toolResult('t1', 'r'))], {
			system: [{type: 'text', text: 'sys', cache_control: {type: 'ephemeral'}}],
			tools: [tool('my.tool')],
		});
		const before = structuredClone(req);
		const a = translate(req, ctx(CLAUDE_THINKING));
		const b = translate(req, ctx(CLAUDE_THINKING));
		assert.deepEqual(a, b);
		assert.deepEqual(req, before);
	});
});

// ------------------------------------------------------------------------------------------------ system and roles

describe('system and roles', () => {
	test('system blocks become systemInstruction parts in order; empty ones and cache_control are dropped', () => {
		const env = translate(request([user(text('hi'))], {system: [
			{type: 'text', text: 'billing header'},
			{type: 'text', text: '   '},
			{type: 'text', text: 'You are Claude.', cache_control: {type: 'ephemeral'}},
		]}), ctx(CLAUDE));
		assert.deepEqual(env.request.systemInstruction, {role: 'user', parts: [{text: 'billing header'}, {text: 'You are Claude.'}]});
		assert.equal(translate(request([user(text('hi'))], {system: []}), ctx(CLAUDE)).request.systemInstruction, undefined);
	});

	test('a system message after a user message is merged into that user turn, wrapped as a system note', () => {
		const env = translate(request([user(text('say hi')), system('Agents: a, b')]), ctx(CLAUDE));
		assert.deepEqual(contents(env), [{role: 'user', parts: [{text: 'say hi'}, {text: `<${SYSTEM_NOTE_TAG}>\nAgents: a, b\n</${SYSTEM_NOTE_TAG}>`}]}]);
	});

	test('a leading system message joins the following user turn', () => {
		const env = translate(request([system('note'), user(text('q'))]), ctx(GEMINI3));
		assert.equal(contents(env).length, 1);
		assert.deepEqual(partKinds(contents(env)[0]), ['text', 'text']);
		assert.match(contents(env)[0]?.parts[0]?.text ?? '', /note/);
	});

	test('a system message between two assistant messages becomes a user turn, keeping alternation', () => {
		const env = translate(request([user(text('q')), assistant(text('a1')), system('note'), assistant(text('a2')), user(text('q2'))]), ctx(CLAUDE));
		assert.deepEqual(contents(env).map((c) => c.role), ['user', 'model', 'user', 'model', 'user']);
		assert.match(contents(env)[2]?.parts[0]?.text ?? '', /<system-reminder>\nnote/);
	});

	test('a system message between a tool call and its result stays in the result turn, after the functionResponse', () => {
		const env = translate(request([user(text('q')), assistant(toolUse('t1', 'Bash')), system('note'), user(toolResult('t1'))], {tools: [tool('Bash')]}), ctx(CLAUDE));
		assert.deepEqual(contents(env).map((c) => c.role), ['user', 'model', 'user']);
		assert.deepEqual(partKinds(contents(env)[2]), ['response', 'text']);
	});

	test('consecutive same-role messages are merged; assistant becomes model', () => {
		const env = translate(request([user(text('a')), user(text('b')), assistant(text('c')), assistant(text('d')), user(text('e'))]), ctx(GEMINI3));
		assert.deepEqual(contents(env), [
			{role: 'user', parts: [{text: 'a'}, {text: 'b'}]},
			{role: 'model', parts: [{text: 'c'}, {text: 'd'}]},
			{role: 'user', parts: [{text: 'e'}]},
		]);
	});

	test('a conversation starting with an assistant message gets a minimal user turn first', () => {
		const env = translate(request([assistant(text('Hello!')), user(text('hi'))]), ctx(GEMINI3));
		assert.deepEqual(contents(env).map((c) => c.role), ['user', 'model', 'user']);
		assert.deepEqual(contents(env)[0]?.parts, [{text: PLACEHOLDER_TEXT}]);
	});
});

// ------------------------------------------------------------------------------------------------ blocks

describe('content blocks', () => {
	test('empty and whitespace-only text blocks are dropped; a turn left empty gets a placeholder', () => {
		const env = translate(request([user(text('q'), text(''), text(' \n ')), assistant(text('')), user(text('next'))]), ctx(CLAUDE));
		assert.deepEqual(contents(env), [
			{role: 'user', parts: [{text: 'q'}]},
			{role: 'model', parts: [{text: PLACEHOLDER_TEXT}]},
			{role: 'user', parts: [{text: 'next'}]},
		]);
	});

	test('images: base64 -> inlineData, url -> fileData with a guessed mime type', () => {
		const env = translate(request([user(
			png,
			{type: 'image', source: {type: 'url', url: 'https://x.test/a/cat.PNG?size=2#top'}},
			{type: 'image', source: {type: 'url', url: 'https://x.test/image'}},
		)]), ctx(GEMINI3));
		assert.deepEqual(contents(env)[0]?.parts, [
			{inlineData: {mimeType: 'image/png', data: 'iVBORw0KGgo='}},
			{fileData: {mimeType: 'image/png', fileUri: 'https://x.test/a/cat.PNG?size=2#top'}},
			{fileData: {mimeType: 'image/jpeg', fileUri: 'https://x.test/image'}},
		]);
	});

	test('documents: base64 PDF -> inlineData, text source -> text part, url -> fileData', () => {
		const env = translate(request([user(
			{type: 'document', source: {type: 'base64', media_type: 'application/pdf', data: 'JVBERi0='}},
			{type: 'document', source: {type: 'text', media_type: 'text/plain', data: 'The body'}, title: 'Notes', cache_control: {type: 'ephemeral'}},
			{type: 'document', source: {type: 'url', url: 'https://x.test/report.pdf'}},
			{type: 'document', source: {type: 'url', url: 'https://x.test/report'}},
		)]), ctx(CLAUDE));
		assert.deepEqual(contents(env)[0]?.parts, [
			{inlineData: {mimeType: 'application/pdf', data: 'JVBERi0='}},
			{text: 'Notes\n\nThe body'},
			{fileData: {mimeType: 'application/pdf', fileUri: 'https://x.test/report.pdf'}},
			{fileData: {mimeType: 'application/pdf', fileUri: 'https://x.test/report'}},
		]);
	});

	test('tool_use -> functionCall with id; tool_result -> functionResponse named after the tool, not the id', () => {
		for (const model of [CLAUDE, GEMINI3]) {
			const env = translate(request([user(text('q')), assistant(toolUse('toolu_1', 'Read', {file_path: '/a'})), user(toolResult('toolu_1', 'content'))], {tools: [tool('Read')]}), ctx(model));
			assert.deepEqual(contents(env)[1]?.parts[0]?.functionCall, {name: 'Read', args: {file_path: '/a'}, id: 'toolu_1'});
			assert.deepEqual(contents(env)[2]?.parts, [{functionResponse: {name: 'Read', id: 'toolu_1', response: {output: 'content'}}}]);
		}
	});

	test('tool_result text blocks are joined; is_error gives {error}', () => {
		const env = translate(request([
			user(text('q')),
			assistant(toolUse('a', 'Bash'), toolUse('b', 'Bash')),
			user(toolResult('a', [{type: 'text', text: 'line 1'}, {type: 'text', text: 'line 2'}]), toolResult('b', 'boom', true)),
		], {tools: [tool('Bash')]}), ctx(CLAUDE));
		assert.deepEqual(contents(env)[2]?.parts.map((p) => p.functionResponse?.response), [{output: 'line 1\nline 2'}, {error: 'boom'}]);
	});

	test('parallel calls: every response goes in the one following turn, in call order', () => {
		const env = translate(request([
			user(text('q')),
			assistant(text('Running three'), toolUse('c1', 'Read'), toolUse('c2', 'Grep'), toolUse('c3', 'Read')),
			user(toolResult('c3', 'three'), text('(note)'), toolResult('c1', 'one'), toolResult('c2', 'two')),
		], {tools: [tool('Read'), tool('Grep')]}), ctx(CLAUDE));
		const turn = contents(env)[2];
		assert.deepEqual(partKinds(turn), ['response', 'response', 'response', 'text']);
		assert.deepEqual(turn?.parts.slice(0, 3).map((p) => [p.functionResponse?.id, p.functionResponse?.name]), [['c1', 'Read'], ['c2', 'Grep'], ['c3', 'Read']]);
	});

	test('images inside tool results follow every functionResponse of the turn', () => {
		const env = translate(request([
			user(text('q')),
			assistant(toolUse('s1', 'Screenshot'), toolUse('s2', 'Screenshot')),
			user(toolResult('s1', [png]), toolResult('s2', [{type: 'text', text: 'second'}, png])),
		], {tools: [tool('Screenshot')]}), ctx(GEMINI3));
		const turn = contents(env)[2];
		assert.deepEqual(partKinds(turn), ['response', 'response', 'inline', 'inline']);
		assert.deepEqual(turn?.parts[0]?.functionResponse?.response, {output: '(1 attachment follows)'});
		assert.deepEqual(turn?.parts[1]?.functionResponse?.response, {output: 'second'});
	});

	test('a tool_result with no earlier tool_use is a 400 naming the field', () => {
		expectTranslationError(
			() => translate(request([user(text('q')), assistant(text('a')), user(text('x'), toolResult('toolu_missing'))]), ctx(CLAUDE)),
			'messages.2.content.1.tool_use_id',
			/toolu_missing/,
		);
		// The tool_use must come before its result.
		expectTranslationError(
			() => translate(request([user(toolResult('later')), assistant(toolUse('later', 'Bash'))], {tools: [tool('Bash')]}), ctx(GEMINI3)),
			'messages.0.content.0.tool_use_id',
		);
	});

	test('tool blocks in the wrong role are a 400', () => {
		expectTranslationError(() => translate(request([user(toolUse('x', 'Bash'))]), ctx(CLAUDE)), 'messages.0.content.0');
		expectTranslationError(() => translate(request([user(text('q')), assistant(toolResult('x'))]), ctx(CLAUDE)), 'messages.1.content.0');
	});
});

// ------------------------------------------------------------------------------------------------ thinking signatures

describe('thinking signatures: Claude target', () => {
	const claudeSig = encodeSignature('claude', 'CLAUDE-SIG');
	const geminiSig = encodeSignature('gemini', 'GEMINI-SIG');
	const tools = [tool('Bash')];

	test('own-family thinking is kept first in the turn with the upstream signature', () => {
		const env = translate(request([user(text('q')), assistant(text('Let me check.'), thinking('plan', claudeSig), toolUse('t1', 'Bash')), user(toolResult('t1'))], {tools}), ctx(CLAUDE_THINKING));
		const model = contents(env)[1];
		assert.deepEqual(partKinds(model), ['thought', 'text', 'call']);
		assert.deepEqual(model?.parts[0], {text: 'plan', thought: true, thoughtSignature: 'CLAUDE-SIG'});
		assert.equal(model?.parts[2]?.thoughtSignature, undefined, 'Claude signatures ride on thought parts only');
	});

	test('foreign, undecodable and missing signatures are dropped outside the active tool loop', () => {
		const env = translate(request([
			user(text('q')),
			assistant(thinking('gemini thought', geminiSig), thinking('raw', 'EqQBCkYIBxgC'), thinking('unsigned', ''), text('answer')),
			user(text('next question')),
		]), ctx(CLAUDE_THINKING));
		assert.deepEqual(contents(env)[1]?.parts, [{text: 'answer'}]);
	});

	test('in the last turn of an active tool loop, foreign thinking is kept with the skip sentinel', () => {
		const env = translate(request([user(text('q')), assistant(thinking('from gemini', geminiSig), toolUse('t1', 'Bash')), user(toolResult('t1'))], {tools}), ctx(CLAUDE_THINKING));
		assert.deepEqual(contents(env)[1]?.parts[0], {text: 'from gemini', thought: true, thoughtSignature: SKIP_SIGNATURE});
	});

	test('an active tool-loop turn with no usable thinking gets a synthetic sentinel thought first', () => {
		const env = translate(request([user(text('q')), assistant(toolUse('t1', 'Bash')), user(toolResult('t1'))], {tools}), ctx(CLAUDE_THINKING));
		assert.deepEqual(contents(env)[1]?.parts[0], {text: SYNTHETIC_THOUGHT, thought: true, thoughtSignature: SKIP_SIGNATURE});
		// Only the last loop turn needs it: an earlier turn, or a loop closed by a user question, does not.
		const closed = translate(request([user(text('q')), assistant(toolUse('t1', 'Bash')), user(toolResult('t1')), assistant(text('done')), user(text('thanks'))], {tools}), ctx(CLAUDE_THINKING));
		assert.ok(!JSON.stringify(contents(closed)).includes(SKIP_SIGNATURE));
		const twoSteps = translate(request([
			user(text('q')),
			assistant(toolUse('t1', 'Bash')),
			user(toolResult('t1')),
			assistant(thinking('next', claudeSig), toolUse('t2', 'Bash')),
			user(toolResult('t2')),
		], {tools}), ctx(CLAUDE_THINKING));
		assert.deepEqual(partKinds(contents(twoSteps)[1]), ['call']);
		assert.deepEqual(contents(twoSteps)[3]?.parts[0], {text: 'next', thought: true, thoughtSignature: 'CLAUDE-SIG'});
	});

	test('redacted_thinking: Claude-signed kept as an empty-text signed thought, foreign dropped', () => {
		const env = translate(request([
			user(text('q')),
			assistant({type: 'redacted_thinking', data: claudeSig}, {type: 'redacted_thinking', data: geminiSig}, text('a')),
			user(text('q2')),
		]), ctx(CLAUDE_THINKING));
		assert.deepEqual(contents(env)[1]?.parts, [{text: '', thought: true, thoughtSignature: 'CLAUDE-SIG'}, {text: 'a'}]);
	});

	test('a non-thinking Claude target gets no thought parts at all', () => {
		const env = translate(request([user(text('q')), assistant(thinking('plan', claudeSig), toolUse('t1', 'Bash')), user(toolResult('t1'))], {tools}), ctx(CLAUDE));
		assert.deepEqual(partKinds(contents(env)[1]), ['call']);
		assert.ok(!JSON.stringify(env).includes('thoughtSignature'));
	});
});

describe('thinking signatures: Gemini target', () => {
	const geminiSig = encodeSignature('gemini', 'G-SIG');
	const claudeSig = encodeSignature('claude', 'C-SIG');
	const tools = [tool('Read')];

	test('thought parts are never sent; a Gemini signature is lent to the next text part', () => {
		const env = translate(request([user(text('q')), assistant(thinking('hmm', geminiSig), text('Answer'), text('More')), user(text('q2'))]), ctx(GEMINI3));
		assert.deepEqual(contents(env)[1]?.parts, [{text: 'Answer', thoughtSignature: 'G-SIG'}, {text: 'More'}]);
	});

	test('a lent signature goes to the next functionCall; later calls without one get nothing', () => {
		const env = translate(request([
			user(text('q')),
			assistant(toolUse('a', 'Read'), thinking('second', geminiSig), toolUse('b', 'Read'), toolUse('c', 'Read')),
			user(toolResult('a'), toolResult('b'), toolResult('c')),
		], {tools}), ctx(GEMINI3));
		assert.deepEqual(contents(env)[1]?.parts.map((p) => p.thoughtSignature), [SKIP_SIGNATURE, 'G-SIG', undefined]);
	});

	test('a remembered signature for the call id wins over a lent one', () => {
		const env = translate(request([user(text('q')), assistant(thinking('t', geminiSig), toolUse('a', 'Read')), user(toolResult('a'))], {tools}), ctx(GEMINI3, {a: 'REMEMBERED'}));
		assert.deepEqual(contents(env)[1]?.parts, [{functionCall: {name: 'Read', args: {}, id: 'a'}, thoughtSignature: 'REMEMBERED'}]);
	});

	test('the first call of every model turn falls back to the skip sentinel', () => {
		const env = translate(request([
			user(text('q')),
			assistant(toolUse('a', 'Read'), toolUse('b', 'Read')),
			user(toolResult('a'), toolResult('b')),
			assistant(text('then'), toolUse('c', 'Read')),
			user(toolResult('c')),
		], {tools}), ctx(GEMINI25_FLASH));
		assert.deepEqual(contents(env)[1]?.parts.map((p) => p.thoughtSignature), [SKIP_SIGNATURE, undefined]);
		assert.deepEqual(contents(env)[3]?.parts.map((p) => p.thoughtSignature), [undefined, SKIP_SIGNATURE]);
	});

	test('Claude signatures are dropped, in history and from the remembered store', () => {
		const env = translate(request([user(text('q')), assistant(thinking('c', claudeSig), toolUse('a', 'Read')), user(toolResult('a'))], {tools}), ctx(GEMINI3, {a: claudeSig}));
		assert.deepEqual(contents(env)[1]?.parts, [{functionCall: {name: 'Read', args: {}, id: 'a'}, thoughtSignature: SKIP_SIGNATURE}]);
		assert.ok(!JSON.stringify(env).includes('C-SIG'));
	});
});

// ------------------------------------------------------------------------------------------------ tools

describe('tools and tool_choice', () => {
	const tools = [tool('Read'), tool('Bash')];
	const config = (model: string, extra: Partial<MessagesRequest>) => translate(request([user(text('q'))], {tools, ...extra}), ctx(model)).request;

	test('custom tools become one functionDeclarations entry with sanitized parameters', () => {
		const req = config(GEMINI3, {tools: [{name: 'Read', description: 'Reads', input_schema: {$schema: 'x', type: 'object', properties: {p: {type: 'string'}}, required: ['p'], additionalProperties: false}}]});
		assert.deepEqual(req.tools, [{functionDeclarations: [{name: 'Read', description: 'Reads', parameters: {type: 'OBJECT', properties: {p: {type: 'STRING'}}, required: ['p']}}]}]);
	});

	test('Claude: no choice or auto -> VALIDATED; any -> ANY; tool -> ANY + allowedFunctionNames; none -> NONE', () => {
		assert.deepEqual(config(CLAUDE, {}).toolConfig, {functionCallingConfig: {mode: 'VALIDATED'}});
		assert.deepEqual(config(CLAUDE, {tool_choice: {type: 'auto', disable_parallel_tool_use: true}}).toolConfig, {functionCallingConfig: {mode: 'VALIDATED'}});
		assert.deepEqual(config(CLAUDE, {tool_choice: {type: 'any'}}).toolConfig, {functionCallingConfig: {mode: 'ANY'}});
		assert.deepEqual(config(CLAUDE, {tool_choice: {type: 'tool', name: 'Bash'}}).toolConfig, {functionCallingConfig: {mode: 'ANY', allowedFunctionNames: ['Bash']}});
	});

	test('Claude thinking models cannot be forced: any/tool degrade to VALIDATED (tool keeps the restriction)', () => {
		assert.deepEqual(config(CLAUDE_THINKING, {tool_choice: {type: 'any'}}).toolConfig, {functionCallingConfig: {mode: 'VALIDATED'}});
		assert.deepEqual(config(CLAUDE_THINKING, {tool_choice: {type: 'tool', name: 'Read'}}).toolConfig, {functionCallingConfig: {mode: 'VALIDATED', allowedFunctionNames: ['Read']}});
	});

	test('Gemini: no choice -> no toolConfig; auto -> AUTO; any -> ANY; tool -> ANY + name', () => {
		assert.equal(config(GEMINI3, {}).toolConfig, undefined);
		assert.deepEqual(config(GEMINI3, {tool_choice: {type: 'auto'}}).toolConfig, {functionCallingConfig: {mode: 'AUTO'}});
		assert.deepEqual(config(GEMINI3, {tool_choice: {type: 'any', disable_parallel_tool_use: true}}).toolConfig, {functionCallingConfig: {mode: 'ANY'}});
		assert.deepEqual(config(GEMINI3, {tool_choice: {type: 'tool', name: 'Read'}}).toolConfig, {functionCallingConfig: {mode: 'ANY', allowedFunctionNames: ['Read']}});
	});

	test('none: tools are left out without tool history, kept with mode NONE when history uses tools', () => {
		const plain = config(CLAUDE, {tool_choice: {type: 'none'}});
		assert.equal(plain.tools, undefined);
		assert.equal(plain.toolConfig, undefined);
		const history = translate(request([user(text('q')), assistant(toolUse('t', 'Read')), user(toolResult('t'))], {tools, tool_choice: {type: 'none'}}), ctx(GEMINI3)).request;
		assert.equal(history.tools?.[0]?.functionDeclarations?.length, 2);
		assert.deepEqual(history.toolConfig, {functionCallingConfig: {mode: 'NONE'}});
	});

	test('tool_choice naming an undeclared tool is a 400', () => {
		expectTranslationError(() => config(CLAUDE, {tool_choice: {type: 'tool', name: 'Nope'}}), 'tool_choice.name', /Nope/);
	});

	test('web search alone maps to Google Search grounding', () => {
		const web: Tool = {type: 'web_search_20250305', name: 'web_search', max_uses: 8};
		const req = config(GEMINI25_FLASH, {tools: [web]});
		assert.deepEqual(req.tools, [{googleSearch: {}}]);
		assert.equal(req.toolConfig, undefined);
		assert.equal(isWebSearchOnly({tools: [web]}), true);
		assert.equal(isWebSearchOnly({tools: [web, tool('Read')]}), false);
		assert.equal(isWebSearchOnly({tools: [tool('Read')]}), false);
	});

	test('server tools that cannot be served are a 400 naming the tool, never silently dropped', () => {
		const web: Tool = {type: 'web_search_20250305', name: 'web_search'};
		expectTranslationError(() => config(GEMINI3, {tools: [tool('Read'), web]}), 'tools.1', /web_search_20250305 is not supported together with custom tools/);
		expectTranslationError(() => config(CLAUDE, {tools: [{type: 'bash_20250124', name: 'bash'}]}), 'tools.0', /bash_20250124 is not supported/);
		expectTranslationError(() => config(CLAUDE, {tools: [tool('Read'), {type: 'code_execution_20250522', name: 'code_execution'}]}), 'tools.1');
	});
});

describe('tool names', () => {
	test('invalid names are sanitized consistently and reversed by toolNameMap', () => {
		const long = `x${'y'.repeat(80)}`;
		const tools = [tool('mcp.server:read'), tool('9lives'), tool('mcp_server_read'), tool('mcp.server/read'), tool(long), tool('Fine-Name_1')];
		const req = request([
			user(text('q')),
			assistant(toolUse('a', 'mcp.server:read'), toolUse('b', '9lives'), toolUse('c', 'mcp.server/read')),
			user(toolResult('a'), toolResult('b'), toolResult('c')),
		], {tools, tool_choice: {type: 'tool', name: 'mcp.server/read'}});
		const env = translate(req, ctx(CLAUDE));
		const declared = env.request.tools?.[0]?.functionDeclarations?.map((d) => d.name) ?? [];
		assert.equal(declared.length, 6);
		for (const name of declared) assert.match(name, /^[a-zA-Z_][a-zA-Z0-9_-]{0,63}$/);
		assert.equal(new Set(declared).size, 6, 'names stay unique');
		assert.deepEqual(declared.slice(0, 3), ['mcp_server_read_2', '_9lives', 'mcp_server_read']);
		assert.equal(declared[5], 'Fine-Name_1');
		const map = toolNameMap(req);
		assert.deepEqual(declared.map((n) => map.get(n)), tools.map((t) => t.name));
		const calls = contents(env)[1]?.parts.map((p) => p.functionCall?.name);
		const responses = contents(env)[2]?.parts.map((p) => p.functionResponse?.name);
		assert.deepEqual(calls, [declared[0], declared[1], declared[3]]);
		assert.deepEqual(responses, calls);
		assert.deepEqual(env.request.toolConfig?.functionCallingConfig.allowedFunctionNames, [declared[3]]);
	});

	test('names only seen in history are mapped too', () => {
		const req = request([user(text('q')), assistant(toolUse('a', 'old:tool')), user(toolResult('a'))], {tools: [tool('Read')]});
		const env = translate(req, ctx(GEMINI3));
		assert.equal(contents(env)[1]?.parts[0]?.functionCall?.name, 'old_tool');
		assert.equal(toolNameMap(req).get('old_tool'), 'old:tool');
	});

	test('placeholderStripper removes the placeholder from arguments of tools that got one', () => {
		const req = request([user(text('q'))], {tools: [
			tool('TaskList', {type: 'object', properties: {}, additionalProperties: false}),
			tool('Task.Create', {type: 'object', properties: {subject: {type: 'string'}, metadata: {type: 'object', additionalProperties: {}}}}),
		]});
		const strip = placeholderStripper(req);
		assert.deepEqual(strip('TaskList', {_: true}), {});
		assert.deepEqual(strip('Task_Create', {subject: 's', metadata: {_: true, k: 1}}), {subject: 's', metadata: {k: 1}});
		assert.deepEqual(strip('Unknown', {_: true}), {_: true});
	});
});

// ------------------------------------------------------------------------------------------------ generation config

describe('generationConfig and thinking', () => {
	const gen = (model: string, extra: Partial<MessagesRequest>) => translate(request([user(text('q'))], extra), ctx(model)).request.generationConfig;

	test('stop_sequences go upstream as stopSequences, in order, at most 5 (Cloud Code refuses more)', () => {
		for (const model of [GEMINI3, CLAUDE_THINKING]) {
			assert.deepEqual(gen(model, {stop_sequences: ['\n\nHuman:', 'END']})?.stopSequences, ['\n\nHuman:', 'END']);
			assert.deepEqual(gen(model, {stop_sequences: ['1', '2', '3', '4', '5', '6', '7']})?.stopSequences, ['1', '2', '3', '4', '5']);
			assert.equal(gen(model, {})?.stopSequences, undefined);
			assert.equal(gen(model, {stop_sequences: []})?.stopSequences, undefined);
		}
		assert.equal(MAX_UPSTREAM_STOP_SEQUENCES, 5);
	});

	test('Claude thinking model: adaptive + effort picks the budget; maxOutputTokens stays the client max', () => {
		assert.deepEqual(gen(CLAUDE_THINKING, {max_tokens: 64000, thinking: {type: 'adaptive'}, output_config: {effort: 'high'}}), {maxOutputTokens: 64000, thinkingConfig: {includeThoughts: true, thinkingBudget: 16384}});
		assert.equal(gen(CLAUDE_THINKING, {max_tokens: 64000, thinking: {type: 'adaptive'}, output_config: {effort: 'low'}})?.thinkingConfig?.thinkingBudget, 2048);
		assert.equal(gen(CLAUDE_THINKING, {max_tokens: 64000, thinking: {type: 'adaptive'}, output_config: {effort: 'medium'}})?.thinkingConfig?.thinkingBudget, 8192);
		assert.equal(gen(CLAUDE_THINKING, {max_tokens: 64000, thinking: {type: 'adaptive'}, output_config: {effort: 'max'}})?.thinkingConfig?.thinkingBudget, 32768);
		assert.equal(gen(CLAUDE_THINKING, {max_tokens: 64000, thinking: {type: 'adaptive'}})?.thinkingConfig?.thinkingBudget, 16384, 'default effort is high');
	});

	test('Claude thinking model: enabled uses budget_tokens; disabled or absent still thinks, minimally', () => {
		assert.deepEqual(gen(CLAUDE_THINKING, {max_tokens: 20000, thinking: {type: 'enabled', budget_tokens: 10000}})?.thinkingConfig, {includeThoughts: true, thinkingBudget: 10000});
		assert.deepEqual(gen(CLAUDE_THINKING, {thinking: {type: 'disabled'}})?.thinkingConfig, {includeThoughts: true, thinkingBudget: 1024});
		assert.deepEqual(gen(CLAUDE_THINKING, {})?.thinkingConfig, {includeThoughts: true, thinkingBudget: 1024});
	});

	test('maxOutputTokens is always above the thinking budget: the budget shrinks first, max_tokens grows last', () => {
		assert.deepEqual(gen(CLAUDE_THINKING, {max_tokens: 4096, thinking: {type: 'adaptive'}, output_config: {effort: 'max'}}), {maxOutputTokens: 4096, thinkingConfig: {includeThoughts: true, thinkingBudget: 3072}});
		assert.deepEqual(gen(CLAUDE_THINKING, {max_tokens: 1500, thinking: {type: 'enabled', budget_tokens: 1024}}), {maxOutputTokens: 2048, thinkingConfig: {includeThoughts: true, thinkingBudget: 1024}});
		for (const max of [1, 100, 1024, 2047, 2048, 5000, 17000, 63000, 64000, 100000]) {
			for (const thinking of [{type: 'adaptive'}, {type: 'disabled'}, {type: 'enabled', budget_tokens: Math.max(1024, max - 1)}] as const) {
				for (const effort of ['low', 'medium', 'high', 'max'] as const) {
					const config = gen(CLAUDE_THINKING, {max_tokens: max, thinking, output_config: {effort}});
					const budget = config?.thinkingConfig?.thinkingBudget ?? 0;
					assert.ok(budget >= 1024, `budget ${budget} for ${max}`);
					assert.ok((config?.maxOutputTokens ?? 0) > budget, `max ${String(config?.maxOutputTokens)} <= budget ${budget}`);
					assert.ok((config?.maxOutputTokens ?? 0) <= 64000);
				}
			}
		}
	});

	test('caps: Claude 64000, Gemini 65535', () => {
		assert.equal(gen(CLAUDE, {max_tokens: 200000})?.maxOutputTokens, 64000);
		assert.equal(gen(GEMINI3, {max_tokens: 200000})?.maxOutputTokens, 65535);
	});

	test('a non-thinking Claude model gets no thinkingConfig even when thinking is asked for', () => {
		assert.deepEqual(gen(CLAUDE, {thinking: {type: 'enabled', budget_tokens: 4096}, output_config: {effort: 'high'}}), {maxOutputTokens: 8192});
	});

	test('Gemini 3: thinkingLevel from effort or budget; includeThoughts only when the client wants thinking', () => {
		assert.deepEqual(gen(GEMINI3, {thinking: {type: 'adaptive'}, output_config: {effort: 'high'}})?.thinkingConfig, {includeThoughts: true, thinkingLevel: 'high'});
		assert.deepEqual(gen(GEMINI3, {thinking: {type: 'adaptive'}, output_config: {effort: 'low'}})?.thinkingConfig, {includeThoughts: true, thinkingLevel: 'low'});
		assert.deepEqual(gen(GEMINI3, {thinking: {type: 'enabled', budget_tokens: 2048}})?.thinkingConfig, {includeThoughts: true, thinkingLevel: 'low'});
		assert.deepEqual(gen(GEMINI3, {thinking: {type: 'enabled', budget_tokens: 8192}})?.thinkingConfig, {includeThoughts: true, thinkingLevel: 'high'});
		assert.deepEqual(gen(GEMINI3, {thinking: {type: 'disabled'}})?.thinkingConfig, {thinkingLevel: 'low'});
		assert.deepEqual(gen(GEMINI3, {output_config: {effort: 'medium'}})?.thinkingConfig, {thinkingLevel: 'high'});
		assert.equal(gen(GEMINI3, {})?.thinkingConfig, undefined);
	});

	test('Gemini 2.x: thinkingBudget clamped to 24576, 0 disables flash, pro keeps its minimum, adaptive is dynamic', () => {
		assert.deepEqual(gen(GEMINI25_FLASH, {max_tokens: 65535, thinking: {type: 'enabled', budget_tokens: 30000}})?.thinkingConfig, {includeThoughts: true, thinkingBudget: 24576});
		assert.deepEqual(gen(GEMINI25_FLASH, {thinking: {type: 'disabled'}})?.thinkingConfig, {thinkingBudget: 0});
		assert.deepEqual(gen(GEMINI25_PRO, {thinking: {type: 'disabled'}})?.thinkingConfig, {thinkingBudget: 128});
		assert.deepEqual(gen(GEMINI25_PRO, {thinking: {type: 'adaptive'}})?.thinkingConfig, {includeThoughts: true, thinkingBudget: -1});
		assert.deepEqual(gen(GEMINI25_PRO, {max_tokens: 64000, thinking: {type: 'adaptive'}, output_config: {effort: 'medium'}})?.thinkingConfig, {includeThoughts: true, thinkingBudget: 8192});
		assert.deepEqual(gen(GEMINI25_FLASH, {max_tokens: 4096, thinking: {type: 'enabled', budget_tokens: 8000}}), {maxOutputTokens: 4096, thinkingConfig: {includeThoughts: true, thinkingBudget: 3072}});
		assert.equal(gen('gemini-2.5-flash-lite', {thinking: {type: 'adaptive'}})?.thinkingConfig, undefined);
	});

	test('sampling: passed through for Gemini; Claude thinking keeps only what Anthropic allows with thinking', () => {
		assert.deepEqual(gen(GEMINI3, {temperature: 0.2, top_p: 0.9, top_k: 40}), {maxOutputTokens: 8192, temperature: 0.2, topP: 0.9, topK: 40});
		assert.deepEqual(gen(CLAUDE_THINKING, {temperature: 0.2, top_p: 0.9, top_k: 40}), {maxOutputTokens: 8192, thinkingConfig: {includeThoughts: true, thinkingBudget: 1024}});
		assert.deepEqual(gen(CLAUDE_THINKING, {temperature: 1, top_k: 5}), {maxOutputTokens: 8192, temperature: 1, thinkingConfig: {includeThoughts: true, thinkingBudget: 1024}});
		assert.deepEqual(gen(CLAUDE_THINKING, {top_p: 0.97}), {maxOutputTokens: 8192, topP: 0.97, thinkingConfig: {includeThoughts: true, thinkingBudget: 1024}});
		assert.deepEqual(gen(CLAUDE, {temperature: 0.3, top_p: 0.8, top_k: 10}), {maxOutputTokens: 8192, temperature: 0.3, topK: 10});
	});
});

// ------------------------------------------------------------------------------------------------ the captured Claude Code request

describe('captured Claude Code requests', () => {
	const load = (name: string): MessagesRequest =>
		validateMessagesRequest(JSON.parse(readFileSync(new URL(`../fixtures/claude-code/${name}`, import.meta.url), 'utf8')));

	test('the whole first request translates for every family without losing tools or the system note', () => {
		const req = load('request.json');
		assert.equal(req.tools?.length, 24);
		for (const model of [CLAUDE_THINKING, CLAUDE, GEMINI3, GEMINI25_FLASH]) {
			const env = translate(req, ctx(model));
			assertNoEmptyValues(env);
			assert.equal(env.request.tools?.[0]?.functionDeclarations?.length, 24, model);
			assert.equal(env.request.systemInstruction?.parts.length, 3);
			assert.deepEqual(contents(env).map((c) => c.role), ['user']);
			assert.match(contents(env)[0]?.parts.at(-1)?.text ?? '', /^<system-reminder>\nAvailable agent types/);
			const wire = JSON.stringify(env);
			for (const absent of ['cache_control', 'context_management', 'clear_thinking', 'device_id', '"$schema"', 'additionalProperties']) assert.ok(!wire.includes(absent), `${model}: ${absent}`);
		}
		assert.deepEqual(translate(req, ctx(CLAUDE_THINKING)).request.generationConfig, {maxOutputTokens: 64000, thinkingConfig: {includeThoughts: true, thinkingBudget: 16384}});
	});

	test('the tool-loop request replays signed thinking for Claude and signs the call for Gemini', () => {
		const req = load('request-tool-loop.json');
		const claudeEnv = translate(req, ctx(CLAUDE_THINKING));
		assert.deepEqual(contents(claudeEnv).map((c) => c.role), ['user', 'model', 'user']);
		assert.deepEqual(contents(claudeEnv)[1]?.parts[0], {text: 'I should write the file with Bash.', thought: true, thoughtSignature: 'EqQBCkYIBxgCKkDfakeSignatureForCapture'});
		assert.deepEqual(contents(claudeEnv)[2]?.parts, [{functionResponse: {name: 'Bash', id: 'toolu_vrtx_01CaptureBash', response: {output: '(Bash completed with no output)'}}}]);
		const geminiEnv = translate(req, ctx(GEMINI3, {toolu_vrtx_01CaptureBash: 'GEMINI-REMEMBERED'}));
		assert.deepEqual(partKinds(contents(geminiEnv)[1]), ['call']);
		assert.equal(contents(geminiEnv)[1]?.parts[0]?.thoughtSignature, 'GEMINI-REMEMBERED');
	});

	test('a ~1 MB Claude Code-sized conversation translates (time reported, not asserted)', (t) => {
		const base = load('request.json');
		const messages: MessageParam[] = [...base.messages];
		const filler = 'lorem ipsum dolor sit amet '.repeat(40);
		let n = 0;
		while (JSON.stringify(messages).length < 1_000_000) {
			const id = `toolu_pad_${n++}`;
			messages.push(
				{role: 'assistant', content: [thinking(filler, encodeSignature('claude', `sig${n}`)), text(filler), toolUse(id, 'Bash', {command: `echo ${n}`, description: filler})]},
				{role: 'user', content: [toolResult(id, filler), text('<system-reminder>keep going</system-reminder>')]},
			);
		}
		const req = {...base, messages};
		const size = JSON.stringify(req).length;
		translate(req, ctx(CLAUDE_THINKING)); // warm-up
		const runs = 5;
		const start = process.hrtime.bigint();
		let env: Envelope | undefined;
		for (let i = 0; i < runs; i++) env = translate(req, ctx(CLAUDE_THINKING));
		const ms = Number(process.hrtime.bigint() - start) / 1e6 / runs;
		t.diagnostic(`translated ${(size / 1e6).toFixed(2)} MB, ${messages.length} messages, in ${ms.toFixed(2)} ms (mean of ${runs})`);
		assert.equal(env?.request.contents.length, 1 + 2 * n);
		const lastModel = env?.request.contents.at(-2);
		assert.equal(lastModel?.parts[0]?.thoughtSignature, `sig${n}`);
		assert.ok(lastModel?.parts.every((p: Part) => !('cache_control' in p)));
	});
});
