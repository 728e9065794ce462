// Inline tool changes (Claude Code's tool_addition / tool_removal in system messages) -> one Cloud Code tool list per
// request (the tools in effect at the end) and a short note where each change happened. Pure translation.
import assert from 'node:assert/strict';
import {describe, test} from 'node:test';
import type {MessageParam, MessagesRequest, Tool, ToolChange} from '../../source/anthropic/types.js';
import {validateMessagesRequest} from '../../source/anthropic/validate.js';
import type {Envelope} from '../../source/cloudcode/types.js';
import {SYSTEM_NOTE_TAG} from '../../source/translate/request-contents.js';
import {applyToolChanges, toolChangeNote} from '../../source/translate/request-tool-changes.js';
import {type RequestContext, placeholderStripper, toCloudCodeRequest, toolNameMap} from '../../source/translate/request.js';

const ctx: RequestContext = {servedModel: 'claude-sonnet-4-6', project: 'p', sessionId: 's', requestId: 'agent-1', toolCallSignature: () => undefined};
const tool = (name: string, extra: Partial<Tool> = {}): Tool => ({name, input_schema: {type: 'object', properties: {x: {type: 'string'}}}, ...extra}) as Tool;
const user = (text: string): MessageParam => ({role: 'user', content: [{type: 'text', text}]});
const changes = (...list: ToolChange[]): MessageParam => ({role: 'system', content: [], tool_changes: list});
const add = (name: string): ToolChange => ({type: 'tool_addition', tool: {name, description: `${name} tool`, input_schema: {type: 'object', properties: {}}}});
const remove = (name: string): ToolChange => ({type: 'tool_removal', name});
const request = (messages: MessageParam[], tools: Tool[] = [tool('Read'), tool('Bash')], extra: Partial<MessagesRequest> = {}): MessagesRequest => ({model: 'claude-sonnet-4-6', max_tokens: 1000, messages, tools, ...extra});
const declared = (env: Envelope): string[] => env.request.tools?.flatMap(t => t.functionDeclarations?.map(d => d.name) ?? []) ?? [];
const texts = (env: Envelope): string[] => env.request.contents.flatMap(c => c.parts.flatMap(p => (typeof p.text === 'string' ? [p.text] : [])));

describe('inline tool changes', () => {
	test('a request without changes is returned as it is', () => {
		const req = request([user('hi')]);
		assert.equal(applyToolChanges(req), req);
	});

	test('declared tools plus additions minus removals, replayed in order, are the one tool list upstream', () => {
		const env = toCloudCodeRequest(request([user('q'), changes(add('mcp__db__query'), remove('Bash')), {role: 'assistant', content: [{type: 'text', text: 'ok'}]}, changes(add('Bash')), user('go on')]), ctx);
		assert.deepEqual(declared(env), ['Read', 'mcp__db__query', 'Bash']);
		const added = env.request.tools?.[0]?.functionDeclarations?.find(d => d.name === 'mcp__db__query');
		assert.equal(added?.description, 'mcp__db__query tool');
		// Bash came back as the added definition (no x property any more), not the declared one.
		assert.deepEqual(Object.keys((env.request.tools?.[0]?.functionDeclarations?.find(d => d.name === 'Bash')?.parameters as {properties?: object}).properties ?? {}), ['_']);
	});

	test('each change leaves a short note in a system-reminder of its user turn, beside the system text', () => {
		const env = toCloudCodeRequest(request([user('q'), {role: 'system', content: [{type: 'text', text: 'MCP server db connected'}], tool_changes: [add('mcp__db__query'), remove('Bash')]}]), ctx);
		const note = texts(env).find(t => t.startsWith(`<${SYSTEM_NOTE_TAG}>`)) ?? '';
		assert.match(note, /MCP server db connected/);
		assert.match(note, /Tools now available: mcp__db__query\./);
		assert.match(note, /Tools no longer available \(do not call them\): Bash\./);
		assert.equal(toolChangeNote([add('A')]).text, 'Tools now available: A.');
	});

	test('a call of a removed tool in history still translates: its name keeps its mapping, the tool is not declared', () => {
		const req = request([
			user('q'),
			{role: 'assistant', content: [{type: 'tool_use', id: 'toolu_1', name: 'Bash', input: {x: 'ls'}}]},
			{role: 'user', content: [{type: 'tool_result', tool_use_id: 'toolu_1', content: 'a.txt'}]},
			changes(remove('Bash')),
			user('and now?'),
		]);
		const env = toCloudCodeRequest(req, ctx);
		assert.deepEqual(declared(env), ['Read']);
		const call = env.request.contents.flatMap(c => c.parts).find(p => p.functionCall !== undefined);
		assert.equal(call?.functionCall?.name, 'Bash');
		assert.equal(toolNameMap(req).get('Bash'), 'Bash');
	});

	test('every tool removed while the history has tool calls: they stay declared with calling switched off', () => {
		const req = request([
			user('q'),
			{role: 'assistant', content: [{type: 'tool_use', id: 'toolu_1', name: 'Read', input: {}}]},
			{role: 'user', content: [{type: 'tool_result', tool_use_id: 'toolu_1', content: 'x'}]},
			changes(remove('Read')),
			user('bye'),
		], [tool('Read')]);
		const env = toCloudCodeRequest(req, ctx);
		assert.deepEqual(declared(env), ['Read']);
		assert.equal(env.request.toolConfig?.functionCallingConfig?.mode, 'NONE');
		// Without tool history, no tools at all.
		const none = toCloudCodeRequest(request([user('q'), changes(remove('Read')), user('bye')], [tool('Read')]), ctx);
		assert.equal(none.request.tools, undefined);
	});

	test('added tools work like declared ones: invalid names are mapped, and the response side knows them', () => {
		const req = request([user('q'), changes(add('mcp.server.tool'))], [tool('Read')]);
		const env = toCloudCodeRequest(req, ctx);
		assert.deepEqual(declared(env), ['Read', 'mcp_server_tool']);
		assert.equal(toolNameMap(req).get('mcp_server_tool'), 'mcp.server.tool');
		// Its empty-object schema got the placeholder upstream; the stripper removes it from the model's arguments.
		assert.deepEqual(placeholderStripper(req)('mcp_server_tool', {_: ''}), {});
	});

	test('a deferred tool stays hidden until loaded; removing it drops it, adding a tool does not defer it', () => {
		const deferred = tool('mcp__slack__send', {defer_loading: true} as Partial<Tool>);
		const hidden = toCloudCodeRequest(request([user('q'), changes(add('mcp__db__query'))], [tool('Read'), deferred]), ctx);
		assert.deepEqual(declared(hidden), ['Read', 'mcp__db__query']);
		const loaded = request([
			user('q'),
			{role: 'assistant', content: [{type: 'tool_use', id: 'toolu_s', name: 'ToolSearch', input: {}}]},
			{role: 'user', content: [{type: 'tool_result', tool_use_id: 'toolu_s', content: [{type: 'tool_reference', tool_name: 'mcp__slack__send'}]}]},
		], [tool('Read'), tool('ToolSearch'), deferred]);
		assert.deepEqual(declared(toCloudCodeRequest(loaded, ctx)), ['Read', 'ToolSearch', 'mcp__slack__send']);
		const removed = {...loaded, messages: [...loaded.messages, changes(remove('mcp__slack__send')), user('next')]};
		assert.deepEqual(declared(toCloudCodeRequest(removed, ctx)), ['Read', 'ToolSearch']);
	});

	test("Claude Code's wire shape goes through validation and translation", () => {
		const body = {
			model: 'claude-sonnet-4-6',
			max_tokens: 1000,
			tools: [{name: 'Read', input_schema: {type: 'object'}}],
			messages: [
				{role: 'user', content: 'q'},
				{role: 'system', content: [{type: 'tool_addition', tool: {type: 'tool_definition', definition: {name: 'mcp__db__query', description: 'Run SQL', input_schema: {type: 'object', properties: {sql: {type: 'string'}}, required: ['sql']}}}}]},
			],
		};
		const env = toCloudCodeRequest(validateMessagesRequest(body), ctx);
		assert.deepEqual(declared(env), ['Read', 'mcp__db__query']);
		assert.ok(texts(env).some(t => t.includes('Tools now available: mcp__db__query.')));
	});
});
