// Inline tool changes as Claude Code 2.1.33x sends them (beta mid-conversation-tool-changes-2026-07-01): tool_addition /
// tool_removal blocks in mid-conversation system messages, e.g. when an MCP server connects or goes away mid-session.
// SDK -> agproxy -> simulator over real sockets: the model sees the tools in effect at the end, can call an added tool,
// a call of a removed tool in history stays valid upstream, and a malformed change is a 400 naming the field.
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import {simMarker} from '../../source/simulator/index.js';
import {useStack} from '../helpers/stack.js';

const stack = useStack();

const schema = {type: 'object' as const, properties: {x: {type: 'string'}}};
const tools: Anthropic.Tool[] = [
	{name: 'Read', description: 'Reads a file', input_schema: schema},
	{name: 'Bash', description: 'Runs a command', input_schema: schema},
];
const query = {name: 'mcp__db__query', description: 'Runs SQL', input_schema: {type: 'object', properties: {sql: {type: 'string'}}, required: ['sql']}};
// The SDK's MessageParam knows neither system messages nor these blocks: they go on the wire as they are.
const system = (...content: unknown[]): Anthropic.MessageParam => ({role: 'system', content}) as unknown as Anthropic.MessageParam;
const addition = (definition: unknown = query): unknown => ({type: 'tool_addition', tool: {type: 'tool_definition', definition}});
const removal = (name: string): unknown => ({type: 'tool_removal', tool: {type: 'tool_reference', name}});

async function create(messages: Anthropic.MessageParam[]): Promise<Anthropic.Message> {
	return stack.client.messages.create({model: 'claude-sonnet-4-6', max_tokens: 300, tools, messages});
}

function lastServed(): {request: {tools?: Array<{functionDeclarations?: Array<{name: string}>}>; contents: Array<{parts: Array<{text?: string}>}>}} {
	return stack.sim.requests.filter(r => r.status === 200 && r.rpc === 'streamGenerateContent').at(-1)?.body as ReturnType<typeof lastServed>;
}

describe('inline tool changes (tool_addition / tool_removal)', () => {
	it('the model sees declared + added - removed tools, and a note saying what changed', async () => {
		const message = await create([{role: 'user', content: `what can you use? ${simMarker({kind: 'echo'})}`}, system({type: 'text', text: 'MCP server db connected.'}, addition(), removal('Bash'))]);
		const echo = JSON.parse(message.content.flatMap(b => (b.type === 'text' ? [b.text] : [])).join('')) as {toolNames: string[]};
		assert.deepEqual(echo.toolNames, ['Read', 'mcp__db__query']);
		const texts = lastServed().request.contents.flatMap(c => c.parts.flatMap(p => (p.text === undefined ? [] : [p.text])));
		const note = texts.find(t => t.includes('MCP server db connected.')) ?? '';
		assert.match(note, /Tools now available: mcp__db__query\./);
		assert.match(note, /Tools no longer available \(do not call them\): Bash\./);
	});

	it('the model can call a tool added mid-conversation', async () => {
		const message = await create([{role: 'user', content: `count rows ${simMarker({kind: 'tools', calls: [{name: 'mcp__db__query', args: {sql: 'select 1'}}]})}`}, system(addition())]);
		assert.equal(message.stop_reason, 'tool_use');
		const call = message.content.find(b => b.type === 'tool_use');
		assert.equal(call?.type === 'tool_use' ? call.name : undefined, 'mcp__db__query');
		assert.deepEqual(call?.type === 'tool_use' ? call.input : undefined, {sql: 'select 1'});
	});

	it('a call of a tool removed later stays valid history upstream', async () => {
		const message = await create([
			{role: 'user', content: 'list files'},
			{role: 'assistant', content: [{type: 'tool_use', id: 'toolu_bash_1', name: 'Bash', input: {x: 'ls'}}]},
			{role: 'user', content: [{type: 'tool_result', tool_use_id: 'toolu_bash_1', content: 'a.txt'}]},
			system(removal('Bash')),
			{role: 'user', content: 'thanks, go on'},
		]);
		assert.equal(message.type, 'message');
		assert.deepEqual(lastServed().request.tools?.[0]?.functionDeclarations?.map(d => d.name), ['Read']);
	});

	it('a malformed or impossible change is a 400 naming the field', async () => {
		const bad = async (changes: unknown[], field: RegExp): Promise<void> => {
			await assert.rejects(create([{role: 'user', content: 'q'}, system(...changes)]), (error: unknown) => {
				assert.ok(error instanceof Anthropic.BadRequestError, String(error));
				assert.match(error.message, field);
				return true;
			});
		};
		await bad([{type: 'tool_addition', tool: {type: 'tool_definition'}}], /messages\.1\.content\.0\.tool\.definition/);
		await bad([{type: 'tool_removal', tool: {type: 'tool_reference'}}], /messages\.1\.content\.0\.tool\.name/);
		await bad([removal('Nope')], /messages\.1\.content\.0\.tool\.name: tool_removal references 'Nope'/);
		await bad([addition({name: 'Read', input_schema: {type: 'object'}})], /messages\.1\.content\.0\.tool\.definition\.name: tool_addition: the name 'Read' is already used/);
	});
});
