import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {readFileSync} from 'node:fs';
import {LIMITS, validateCountTokensRequest, validateMessagesRequest} from '../../source/anthropic/validate.js';
import {HttpError} from '../../source/http/errors.js';
import {TINY_PDF_BASE64, jpegBase64, pngBase64} from '../helpers/images.js';

const base = {model: 'claude-sonnet-4-6', max_tokens: 100, messages: [{role: 'user', content: 'hi'}]};

function rejects(body: unknown, field: string): void {
	assert.throws(
		() => validateMessagesRequest(body),
		(error: unknown) => error instanceof HttpError && error.status === 400 && error.type === 'invalid_request_error' && error.message.startsWith(field),
		`expected a 400 naming ${field}`,
	);
}

describe('validateMessagesRequest', () => {
	it('accepts a minimal request and normalises string content to text blocks', () => {
		const request = validateMessagesRequest(base);
		assert.deepEqual(request.messages, [{role: 'user', content: [{type: 'text', text: 'hi'}]}]);
		assert.equal(request.max_tokens, 100);
	});

	it('names missing required fields', () => {
		rejects({...base, model: undefined}, 'model');
		rejects({...base, messages: undefined}, 'messages');
		rejects({...base, max_tokens: undefined}, 'max_tokens');
		rejects({...base, messages: []}, 'messages');
	});

	it('names fields of the wrong type', () => {
		rejects({...base, model: 42}, 'model');
		rejects({...base, max_tokens: '100'}, 'max_tokens');
		rejects({...base, max_tokens: 1.5}, 'max_tokens');
		rejects({...base, max_tokens: 0}, 'max_tokens');
		rejects({...base, temperature: 3}, 'temperature');
		rejects({...base, stream: 'yes'}, 'stream');
		rejects({...base, messages: [{role: 'robot', content: 'x'}]}, 'messages.0.role');
		rejects({...base, messages: [{role: 'user', content: 5}]}, 'messages.0.content');
		rejects({...base, stop_sequences: ['ok', '']}, 'stop_sequences.1');
		rejects('just a string', 'body');
	});

	it('rejects unknown block types and blocks misplaced inside tool_result', () => {
		rejects({...base, messages: [{role: 'user', content: [{type: 'video', url: 'x'}]}]}, 'messages.0.content.0.type');
		rejects(
			{...base, messages: [{role: 'user', content: [{type: 'tool_result', tool_use_id: 't1', content: [{type: 'tool_use', id: 'a', name: 'b', input: {}}]}]}]},
			'messages.0.content.0.content.0.type',
		);
	});

	it('accepts every content block type Claude Code and the SDK send', () => {
		const request = validateMessagesRequest({
			...base,
			system: [{type: 'text', text: 'be brief', cache_control: {type: 'ephemeral'}}],
			messages: [
				{role: 'user', content: [
					{type: 'text', text: 'look', cache_control: {type: 'ephemeral'}},
					{type: 'image', source: {type: 'base64', media_type: 'image/png', data: pngBase64(2, 2)}},
					{type: 'image', source: {type: 'url', url: 'https://example.com/a.png'}},
					{type: 'document', source: {type: 'base64', media_type: 'application/pdf', data: TINY_PDF_BASE64}},
				]},
				{role: 'assistant', content: [
					{type: 'thinking', thinking: 'hmm', signature: 'agp1.claude.sig'},
					{type: 'redacted_thinking', data: 'opaque'},
					{type: 'tool_use', id: 'toolu_1', name: 'Read', input: {path: 'a'}},
				]},
				{role: 'system', content: 'mid-conversation note'},
				{role: 'user', content: [{type: 'tool_result', tool_use_id: 'toolu_1', is_error: true, content: [{type: 'text', text: 'nope'}]}]},
			],
			thinking: {type: 'adaptive'},
			output_config: {effort: 'high'},
			context_management: {edits: [{type: 'clear_thinking_20251015', keep: 'all'}]},
			metadata: {user_id: '{"session_id":"abc"}'},
		});
		assert.equal(request.messages.length, 4);
		assert.equal(request.system?.[0]?.text, 'be brief');
		assert.deepEqual(request.thinking, {type: 'adaptive'});
		assert.deepEqual(request.output_config, {effort: 'high'});
		assert.equal('context_management' in request, false);
	});

	it('mid-conversation system messages: what Claude Code sends is accepted, anything else named', () => {
		for (const fixture of ['request.json', 'request-tool-loop.json']) {
			const body = JSON.parse(readFileSync(new URL(`../fixtures/claude-code/${fixture}`, import.meta.url), 'utf8')) as {messages: Array<{role: string}>};
			const request = validateMessagesRequest(body);
			assert.equal(request.messages[1]?.role, 'system', fixture);
		}
		const at = (...messages: unknown[]): unknown => ({...base, messages});
		const accepted = validateMessagesRequest(at({role: 'user', content: 'q'}, {role: 'system', content: [{type: 'text', text: 'note', cache_control: {type: 'ephemeral'}}, {type: 'text', text: ''}]}));
		assert.deepEqual(accepted.messages[1], {role: 'system', content: [{type: 'text', text: 'note'}, {type: 'text', text: ''}]});
		rejects(at({role: 'system', content: 'first'}, {role: 'user', content: 'q'}), 'messages.0.role');
		rejects(at({role: 'user', content: 'q'}, {role: 'system', content: [{type: 'document', source: {type: 'text', media_type: 'text/plain', data: 'x'}}]}), 'messages.1.content.0.type');
		rejects(at({role: 'user', content: 'q'}, {role: 'system', content: [{type: 'text', text: 5}]}), 'messages.1.content.0.text');
		rejects(at({role: 'user', content: 'q'}, {role: 'system', content: ''}), 'messages.1.content');
		rejects(at({role: 'user', content: 'q'}, {role: 'system', content: [{type: 'text', text: ' \n'}]}), 'messages.1.content');
	});

	it('inline tool changes (tool_addition / tool_removal in system messages): the shape Claude Code sends, lifted in order; malformed ones named', () => {
		const declared = {name: 'Read', input_schema: {type: 'object'}};
		const added = {name: 'mcp__db__query', description: 'Run SQL', input_schema: {type: 'object', properties: {sql: {type: 'string'}}}};
		const addition = (definition: unknown = added): unknown => ({type: 'tool_addition', tool: {type: 'tool_definition', definition}});
		const removal = (name: unknown): unknown => ({type: 'tool_removal', tool: {type: 'tool_reference', name}});
		const at = (...content: unknown[]): unknown => ({...base, tools: [declared], messages: [{role: 'user', content: 'q'}, {role: 'system', content}]});
		const accepted = validateMessagesRequest(at(addition(), removal('Read'), {type: 'text', text: 'MCP server db connected'}));
		assert.deepEqual(accepted.messages[1], {
			role: 'system',
			content: [{type: 'text', text: 'MCP server db connected'}],
			tool_changes: [
				{type: 'tool_addition', tool: added},
				{type: 'tool_removal', name: 'Read'},
			],
		});
		// Tool changes alone are a valid system message; the addition makes the tool choosable.
		const only = validateMessagesRequest({...(at(addition()) as object), tool_choice: {type: 'tool', name: 'mcp__db__query'}});
		assert.deepEqual(only.messages[1]?.content, []);
		// A tool removed by the end of the conversation cannot be forced.
		rejects({...(at(removal('Read')) as object), tool_choice: {type: 'tool', name: 'Read'}}, 'tool_choice.name');
		rejects(at({type: 'tool_addition'}), 'messages.1.content.0.tool');
		rejects(at({type: 'tool_addition', tool: {type: 'tool_reference', name: 'x'}}), 'messages.1.content.0.tool.type');
		rejects(at(addition({name: 'bad name', input_schema: {type: 'object'}})), 'messages.1.content.0.tool.definition.name');
		rejects(at(addition({name: 'x'})), 'messages.1.content.0.tool.definition.input_schema');
		rejects(at(addition({name: 'x', input_schema: {type: 'object'}, defer_loading: true})), 'messages.1.content.0.tool.definition.defer_loading');
		rejects(at(addition({type: 'web_search_20250305', name: 'web_search'})), 'messages.1.content.0.tool.definition.type');
		rejects(at(removal('')), 'messages.1.content.0.tool.name');
		rejects(at({type: 'tool_removal', tool: {type: 'tool_definition', name: 'Read'}}), 'messages.1.content.0.tool.type');
		// Replayed in order: a name in use cannot be added, an absent one cannot be removed (Claude Code's wording).
		assert.throws(() => validateMessagesRequest(at(addition(declared))), /messages\.1\.content\.0\.tool\.definition\.name: tool_addition: the name 'Read' is already used by a/);
		assert.throws(() => validateMessagesRequest(at(removal('Read'), removal('Read'))), /messages\.1\.content\.1\.tool\.name: tool_removal references 'Read'/);
		rejects(at(removal('Nope')), 'messages.1.content.0.tool.name');
		// Removed, then added again later: fine.
		validateMessagesRequest({...base, tools: [declared], messages: [{role: 'user', content: 'q'}, {role: 'system', content: [removal('Read')]}, {role: 'assistant', content: 'a'}, {role: 'system', content: [addition(declared)]}, {role: 'user', content: 'q2'}]});
		// Other block types in a system message are still named.
		rejects(at({type: 'tool_use', id: 't', name: 'Read', input: {}}), 'messages.1.content.0.type');
	});

	it('caps element counts, naming the field and the cap; exactly at a cap is fine', () => {
		const many = (count: number): unknown[] => Array.from({length: count}, () => ({role: 'user', content: 'a'}));
		assert.equal(validateCountTokensRequest({...base, messages: many(LIMITS.messages)}).messages.length, LIMITS.messages);
		rejects({...base, messages: many(LIMITS.messages + 1)}, `messages: ${LIMITS.messages + 1} messages is more than agproxy accepts (at most ${LIMITS.messages}`);
		const blocks = (count: number): unknown => ({...base, messages: [{role: 'user', content: Array.from({length: count}, () => ({type: 'text', text: 'a'}))}]});
		assert.doesNotThrow(() => validateMessagesRequest(blocks(LIMITS.contentBlocks)));
		rejects(blocks(LIMITS.contentBlocks + 1), `messages.0.content: the request holds more than ${LIMITS.contentBlocks} content blocks`);
		rejects({...base, stop_sequences: Array.from({length: LIMITS.stopSequences + 1}, () => 'x')}, 'stop_sequences: 1001 stop sequences');
		rejects({...base, system: Array.from({length: LIMITS.systemBlocks + 1}, () => ({type: 'text', text: 's'}))}, 'system: 1001 system blocks');
	});

	it('checks images: base64 validity and that the media type matches the bytes', () => {
		const image = (media_type: string, data: string): unknown => ({...base, messages: [{role: 'user', content: [{type: 'image', source: {type: 'base64', media_type, data}}]}]});
		assert.doesNotThrow(() => validateMessagesRequest(image('image/jpeg', jpegBase64(4, 4))));
		rejects(image('image/png', jpegBase64(4, 4)), 'messages.0.content.0.source.media_type');
		rejects(image('image/png', 'not base64!!'), 'messages.0.content.0.source.data');
		rejects(image('image/png', Buffer.from('hello world!').toString('base64')), 'messages.0.content.0.source.data');
		rejects(image('image/bmp', pngBase64(1, 1)), 'messages.0.content.0.source.media_type');
	});

	it('validates thinking budgets against max_tokens', () => {
		rejects({...base, thinking: {type: 'enabled', budget_tokens: 500}}, 'thinking.budget_tokens');
		rejects({...base, max_tokens: 2000, thinking: {type: 'enabled', budget_tokens: 4000}}, 'thinking.budget_tokens');
		assert.deepEqual(validateMessagesRequest({...base, max_tokens: 8000, thinking: {type: 'enabled', budget_tokens: 4000}}).thinking, {type: 'enabled', budget_tokens: 4000});
	});

	it('validates tools, tool_choice and duplicate names; keeps server tools for translation to decide', () => {
		const tool = {name: 'Bash', description: 'run', input_schema: {type: 'object', properties: {command: {type: 'string'}}}};
		const request = validateMessagesRequest({...base, tools: [tool, {type: 'web_search_20250305', name: 'web_search', max_uses: 3}], tool_choice: {type: 'tool', name: 'Bash'}});
		assert.equal(request.tools?.length, 2);
		assert.deepEqual(request.tool_choice, {type: 'tool', name: 'Bash'});
		rejects({...base, tools: [tool, tool]}, 'tools.1.name');
		rejects({...base, tools: [{name: 'bad name!', input_schema: {type: 'object'}}]}, 'tools.0.name');
		rejects({...base, tools: [{name: 'x', input_schema: {type: 'string'}}]}, 'tools.0.input_schema.type');
		rejects({...base, tools: [{name: 'x'}]}, 'tools.0.input_schema');
		rejects({...base, tool_choice: {type: 'tool'}}, 'tool_choice.name');
		let deep: Record<string, unknown> = {type: 'string'};
		for (let i = 0; i < 60; i++) deep = {type: 'object', properties: {a: deep}};
		rejects({...base, tools: [{name: 'deep', input_schema: deep}]}, 'tools.0.input_schema');
	});

	it('count_tokens does not require max_tokens', () => {
		assert.equal(validateCountTokensRequest({model: 'm', messages: [{role: 'user', content: 'x'}]}).model, 'm');
	});
});
