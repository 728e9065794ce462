// The Messages API end to end: the official SDK -> agproxy -> the strict Cloud Code simulator, over real sockets.
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import {simMarker} from '../../source/simulator/index.js';
import type {SimScript} from '../../source/simulator/index.js';
import {pngBase64} from '../helpers/images.js';
import {useStack} from '../helpers/stack.js';

const stack = useStack();

const say = (script: SimScript, text = 'please'): string => `${text} ${simMarker(script)}`;

type Params = Anthropic.MessageCreateParamsNonStreaming;

function lastGenerateBody(): {model: string; request: {contents: Array<{role: string; parts: Array<Record<string, unknown>>}>; generationConfig?: Record<string, unknown>; toolConfig?: unknown}} {
	const generate = stack.sim.requests.filter(r => r.rpc === 'streamGenerateContent');
	const last = generate.at(-1);
	assert.ok(last, 'the simulator saw a generate call');
	return last.body as ReturnType<typeof lastGenerateBody>;
}

describe('text', () => {
	it('non-streaming: a complete message with usage and the served model', async () => {
		const {data: message, response} = await stack.client.messages
			.create({model: 'claude-sonnet-4-6', max_tokens: 200, messages: [{role: 'user', content: 'hello'}]})
			.withResponse();
		assert.equal(message.type, 'message');
		assert.equal(message.role, 'assistant');
		assert.equal(message.model, 'claude-sonnet-4-6');
		assert.equal(message.stop_reason, 'end_turn');
		assert.deepEqual(message.content, [{type: 'text', text: 'Hello from claude-sonnet-4-6. You said: hello'}]);
		assert.ok(message.usage.input_tokens > 0 && message.usage.output_tokens > 0);
		assert.equal(response.headers.get('x-agproxy-model'), 'claude-sonnet-4-6');
		assert.match(response.headers.get('request-id') ?? '', /^req_/);
	});

	it('streaming: the SDK helper assembles the same message, events in Anthropic order', async () => {
		const stream = stack.client.messages.stream({model: 'gemini-3-flash', max_tokens: 200, messages: [{role: 'user', content: say({kind: 'text', text: 'one two three four', chunks: 4})}]});
		const types: string[] = [];
		stream.on('streamEvent', event => types.push(event.type));
		const message = await stream.finalMessage();
		assert.deepEqual(message.content, [{type: 'text', text: 'one two three four'}]);
		assert.equal(types[0], 'message_start');
		assert.equal(types.at(-1), 'message_stop');
		assert.equal(types.filter(t => t === 'content_block_delta').length, 4);
		assert.ok(message.usage.output_tokens > 0);
	});

	it('maps the names Claude Code asks for', async () => {
		const {data: message, response} = await stack.client.messages.create({model: 'claude-haiku-4-5-20251001', max_tokens: 50, messages: [{role: 'user', content: 'title please'}]}).withResponse();
		assert.equal(lastGenerateBody().model, 'gemini-3-flash');
		// The answer names the model asked for (Claude Code drops thinking from answers of "another" model); the header names the served one.
		assert.equal(message.model, 'claude-haiku-4-5-20251001');
		assert.equal(response.headers.get('x-agproxy-model'), 'gemini-3-flash');
	});

	it('stop sequences: upstream stops before the match (streaming and not); more in test/integration/stop-sequences.test.ts', async () => {
		const params: Params = {model: 'claude-sonnet-4-6', max_tokens: 200, stop_sequences: ['END', 'STOP'], messages: [{role: 'user', content: say({kind: 'text', text: 'alpha beta STOP gamma END', chunks: 7})}]};
		const message = await stack.client.messages.create(params);
		assert.deepEqual(message.content, [{type: 'text', text: 'alpha beta '}]);
		const streamed = await stack.client.messages.stream(params).finalMessage();
		assert.deepEqual(streamed.content, message.content);
		assert.deepEqual(lastGenerateBody().request.generationConfig?.['stopSequences'], ['END', 'STOP'], 'forwarded: upstream stops generating');
	});

	it('max_tokens and safety are reported, not hidden', async () => {
		const truncated = await stack.client.messages.create({model: 'claude-sonnet-4-6', max_tokens: 20, messages: [{role: 'user', content: say({kind: 'max_tokens', text: 'cut here'})}]});
		assert.equal(truncated.stop_reason, 'max_tokens');
		const blocked = await stack.client.messages.create({model: 'gemini-3-flash', max_tokens: 20, messages: [{role: 'user', content: say({kind: 'safety'})}]});
		assert.equal(blocked.stop_reason, 'refusal');
		const text = blocked.content.find(b => b.type === 'text');
		assert.match(text?.type === 'text' ? text.text : '', /SAFETY/);
	});

	it('cached prompt tokens come back as cache_read_input_tokens', async () => {
		const longSystem = 'Project notes: the build uses tsc and the tests use node:test. '.repeat(600);
		const message = await stack.client.messages.create({model: 'claude-sonnet-4-6', max_tokens: 50, system: longSystem, messages: [{role: 'user', content: say({kind: 'cached', cachedTokens: 4096})}]});
		assert.equal(message.usage.cache_read_input_tokens, 4096);
		assert.ok(message.usage.input_tokens > 0, 'input_tokens counts only the uncached part');
	});
});

describe('content blocks', () => {
	it('sends system, images, documents and mid-conversation system notes upstream in Cloud Code form', async () => {
		await stack.client.messages.create({
			model: 'gemini-3-flash',
			max_tokens: 100,
			system: [{type: 'text', text: 'Be brief.', cache_control: {type: 'ephemeral'}}],
			messages: [
				{role: 'user', content: [
					{type: 'text', text: say({kind: 'echo'}, 'describe')},
					{type: 'image', source: {type: 'base64', media_type: 'image/png', data: pngBase64(4, 4)}},
					{type: 'image', source: {type: 'url', url: 'https://example.com/cat.jpg'}},
					{type: 'document', source: {type: 'text', media_type: 'text/plain', data: 'a plain document'}},
				]},
			],
		});
		const body = lastGenerateBody();
		const parts = body.request.contents[0]?.parts ?? [];
		assert.ok(parts.some(p => (p['inlineData'] as {mimeType?: string} | undefined)?.mimeType === 'image/png'));
		assert.ok(parts.some(p => (p['fileData'] as {fileUri?: string} | undefined)?.fileUri === 'https://example.com/cat.jpg'));
		assert.ok(parts.some(p => typeof p['text'] === 'string' && (p['text'] as string).includes('a plain document')));
		assert.ok(!JSON.stringify(body).includes('cache_control'));
	});

	it('images out become image blocks', async () => {
		const message = await stack.client.messages.create({model: 'gemini-3.1-flash-image', max_tokens: 100, messages: [{role: 'user', content: say({kind: 'image', text: 'here'})}]});
		const image = message.content.find(b => (b as {type: string}).type === 'image') as unknown as {source: {media_type: string; data: string}} | undefined;
		assert.ok(image, 'an image block');
		assert.equal(image.source.media_type, 'image/png');
		assert.ok(Buffer.from(image.source.data, 'base64').subarray(1, 4).toString() === 'PNG');
	});
});

describe('tool loops with thinking', () => {
	const bash: Anthropic.Tool = {
		name: 'Bash',
		description: 'Run a shell command',
		input_schema: {type: 'object', properties: {command: {type: 'string', minLength: 1}}, required: ['command'], additionalProperties: false, $schema: 'https://json-schema.org/draft/2020-12/schema'} as Anthropic.Tool.InputSchema,
	};
	const read: Anthropic.Tool = {name: 'Read', description: 'Read a file', input_schema: {type: 'object', properties: {file_path: {type: 'string'}}, required: ['file_path']}};

	async function runLoop(model: string, stream: boolean): Promise<Anthropic.Message[]> {
		const script: SimScript = {kind: 'tools', calls: [{name: 'Bash', args: {command: 'echo hi > out.txt'}}, {name: 'Read', args: {file_path: 'out.txt'}}], finalText: 'All done.'};
		const messages: Anthropic.MessageParam[] = [{role: 'user', content: say(script, 'write then read a file')}];
		const answers: Anthropic.Message[] = [];
		for (let turn = 0; turn < 4; turn++) {
			const params: Params = {model, max_tokens: 8000, thinking: {type: 'enabled', budget_tokens: 2048}, tools: [bash, read], messages};
			const answer = stream ? await stack.client.messages.stream(params).finalMessage() : await stack.client.messages.create(params);
			answers.push(answer);
			if (answer.stop_reason !== 'tool_use') break;
			messages.push({role: 'assistant', content: answer.content as Anthropic.ContentBlockParam[]});
			const results = answer.content.filter(b => b.type === 'tool_use').map(b => ({type: 'tool_result' as const, tool_use_id: b.id, content: `ran ${b.name}`}));
			messages.push({role: 'user', content: results});
		}
		return answers;
	}

	for (const [model, stream] of [['claude-opus-4-6-thinking', false], ['claude-opus-4-6-thinking', true], ['gemini-3.1-pro-high', false], ['gemini-3.1-pro-high', true]] as const) {
		it(`${model} ${stream ? 'streaming' : 'non-streaming'}: signatures round-trip through a 3-turn loop without a 400`, async () => {
			const answers = await runLoop(model, stream);
			assert.deepEqual(answers.map(a => a.stop_reason), ['tool_use', 'tool_use', 'end_turn']);
			const calls = answers.flatMap(a => a.content.filter(b => b.type === 'tool_use'));
			assert.deepEqual(calls.map(c => (c.type === 'tool_use' ? [c.name, c.input] : [])), [['Bash', {command: 'echo hi > out.txt'}], ['Read', {file_path: 'out.txt'}]]);
			const final = answers.at(-1)?.content.find(b => b.type === 'text');
			assert.match(final?.type === 'text' ? final.text : '', /All done/);
			if (model.startsWith('claude')) {
				const thinking = answers[0]?.content.find(b => b.type === 'thinking');
				assert.ok(thinking?.type === 'thinking' && thinking.signature.startsWith('agp1.claude.'), 'Claude thinking is signed');
			}
		});
	}

	it('Gemini: a proxy with no memory of the call signature still continues the loop (sentinel)', async () => {
		const first = await stack.client.messages.create({model: 'gemini-3.1-pro-high', max_tokens: 4000, tools: [bash], messages: [{role: 'user', content: say({kind: 'tools', calls: [{name: 'Bash', args: {command: 'ls'}}]})}]});
		const call = first.content.find(b => b.type === 'tool_use');
		assert.ok(call?.type === 'tool_use');
		// The same conversation replayed with a tool id this proxy never issued (as after a restart).
		const replayed = {...call, id: 'toolu_from_before_restart'};
		const second = await stack.client.messages.create({
			model: 'gemini-3.1-pro-high',
			max_tokens: 4000,
			tools: [bash],
			messages: [
				{role: 'user', content: say({kind: 'tools', calls: [{name: 'Bash', args: {command: 'ls'}}]})},
				{role: 'assistant', content: [replayed]},
				{role: 'user', content: [{type: 'tool_result', tool_use_id: replayed.id, content: 'a.txt'}]},
			],
		});
		assert.equal(second.stop_reason, 'end_turn');
	});

	it('parallel tool calls come back as several tool_use blocks and their results go back together', async () => {
		const script: SimScript = {kind: 'parallel_tools', calls: [{name: 'Read', args: {file_path: 'a'}}, {name: 'Read', args: {file_path: 'b'}}], finalText: 'Both read.'};
		const messages: Anthropic.MessageParam[] = [{role: 'user', content: say(script)}];
		const first = await stack.client.messages.create({model: 'claude-sonnet-4-6', max_tokens: 1000, tools: [read], messages});
		const uses = first.content.filter(b => b.type === 'tool_use');
		assert.equal(uses.length, 2);
		assert.notEqual(uses[0]?.id, uses[1]?.id);
		messages.push({role: 'assistant', content: first.content as Anthropic.ContentBlockParam[]});
		messages.push({role: 'user', content: uses.map(u => ({type: 'tool_result' as const, tool_use_id: u.id, content: [{type: 'text' as const, text: 'content'}, {type: 'image' as const, source: {type: 'base64' as const, media_type: 'image/png' as const, data: pngBase64(2, 2)}}]}))});
		const second = await stack.client.messages.create({model: 'claude-sonnet-4-6', max_tokens: 1000, tools: [read], messages});
		assert.equal(second.stop_reason, 'end_turn');
		const userTurn = lastGenerateBody().request.contents.at(-1);
		const kinds = userTurn?.parts.map(p => Object.keys(p).find(k => k !== 'thoughtSignature'));
		assert.deepEqual(kinds, ['functionResponse', 'functionResponse', 'inlineData', 'inlineData'], 'responses stay contiguous, images after them');
	});
});

describe('count_tokens and models through the SDK', () => {
	it('countTokens answers locally', async () => {
		const before = stack.sim.requests.length;
		const count = await stack.client.messages.countTokens({model: 'claude-sonnet-4-6', messages: [{role: 'user', content: 'How many tokens is this?'}]});
		assert.ok(count.input_tokens > 3 && count.input_tokens < 30);
		assert.equal(stack.sim.requests.length, before, 'no upstream call');
	});

	it('models.list pages through the served models', async () => {
		const ids: string[] = [];
		for await (const model of stack.client.models.list({limit: 2})) ids.push(model.id);
		assert.ok(ids.includes('claude-sonnet-4-6') && ids.includes('gemini-3-flash'));
		assert.equal(new Set(ids).size, ids.length);
	});
});
