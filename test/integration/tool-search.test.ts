// Tool search as the newest Claude Code uses it (2.1.3xx): tools marked `defer_loading` stay hidden from the model until
// its ToolSearch tool answers with `tool_reference` blocks; from then on they are declared. SDK -> agproxy -> simulator.
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import type Anthropic from '@anthropic-ai/sdk';
import {simMarker} from '../../source/simulator/index.js';
import {useStack} from '../helpers/stack.js';

const stack = useStack();

const schema = {type: 'object' as const, properties: {query: {type: 'string'}}, required: ['query']};
// `defer_loading` is newer than the SDK's Tool type here: the object goes on the wire as it is.
const tools = [
	{name: 'ToolSearch', description: 'Loads deferred tools', input_schema: schema},
	{name: 'WebSearch', description: 'Searches the web', input_schema: schema, defer_loading: true},
	{name: 'DeferredToolPlaceholder', description: 'placeholder', input_schema: {type: 'object' as const}, defer_loading: true},
] as Anthropic.Tool[];

type Echo = {toolNames: string[]; parts: string[][]};
async function echo(messages: Anthropic.MessageParam[]): Promise<Echo> {
	const message = await stack.client.messages.create({model: 'claude-sonnet-4-6', max_tokens: 300, tools, messages});
	const text = message.content.flatMap(b => (b.type === 'text' ? [b.text] : [])).join('');
	return JSON.parse(text) as Echo;
}

const ask: Anthropic.MessageParam = {role: 'user', content: `search the web ${simMarker({kind: 'echo'})}`};
const search: Anthropic.MessageParam = {role: 'assistant', content: [{type: 'tool_use', id: 'toolu_ts_1', name: 'ToolSearch', input: {query: 'select:WebSearch'}}]};

describe('tool search (defer_loading + tool_reference)', () => {
	it('deferred tools are not declared before they are loaded', async () => {
		assert.deepEqual((await echo([ask])).toolNames, ['ToolSearch']);
	});

	it('a tool_reference loads its tool: declared from then on, and the model is told so in the result', async () => {
		const loaded = {role: 'user', content: [{type: 'tool_result', tool_use_id: 'toolu_ts_1', content: [{type: 'tool_reference', tool_name: 'WebSearch'}]}, {type: 'text', text: 'Tool loaded.'}]} as unknown as Anthropic.MessageParam;
		const result = await echo([ask, search, loaded]);
		assert.deepEqual(result.toolNames, ['ToolSearch', 'WebSearch']);
		const served = stack.sim.requests.filter(r => r.status === 200 && r.rpc === 'streamGenerateContent').at(-1)?.body as {request: {contents: Array<{parts: Array<{functionResponse?: {response: unknown}}>}>}};
		const response = served.request.contents.at(-1)?.parts.find(p => p.functionResponse)?.functionResponse?.response;
		assert.deepEqual(response, {output: 'Tool loaded: WebSearch'});
	});

	it('a tool_reference without a name is a 400 naming the field', async () => {
		const bad = {role: 'user', content: [{type: 'tool_result', tool_use_id: 'toolu_ts_1', content: [{type: 'tool_reference'}]}]} as unknown as Anthropic.MessageParam;
		await assert.rejects(echo([ask, search, bad]), /messages\.2\.content\.0\.content\.0\.tool_name/);
	});
});
