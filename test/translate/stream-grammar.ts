// Checks that ANY list of Anthropic stream events follows the Messages SSE grammar. Used over every translator
// test's output, so a grammar slip anywhere fails loudly with the offending position.

import assert from 'node:assert/strict';
import type {StreamEvent} from '../../source/anthropic/types.js';

type BlockType = 'text' | 'thinking' | 'tool_use' | 'image' | 'server_tool_use' | 'web_search_tool_result';

const DELTAS: Record<BlockType, readonly string[]> = {
	text: ['citations_delta', 'text_delta'],
	thinking: ['thinking_delta', 'signature_delta'],
	tool_use: ['input_json_delta'],
	image: [],
	server_tool_use: ['input_json_delta'],
	web_search_tool_result: [],
};

export function assertValidStream(events: readonly StreamEvent[]): void {
	const where = (i: number): string => `event ${i} (${JSON.stringify(events[i])})`;
	const first = events[0];
	assert.ok(first !== undefined && first.type === 'message_start', 'the first event must be message_start');
	assert.deepEqual(first.message.content, [], 'message_start carries no content');
	assert.equal(first.message.stop_reason, null);
	assert.equal(first.message.stop_sequence, null);

	let nextIndex = 0;
	let open: {index: number; type: BlockType; signed: boolean; json: string} | undefined;
	let sawDelta = false;
	let sawStop = false;
	let toolBlocks = 0;

	for (let i = 1; i < events.length; i++) {
		const event = events[i];
		assert.ok(event !== undefined);
		assert.ok(!sawStop, `${where(i)}: nothing may follow message_stop`);
		switch (event.type) {
			case 'message_start':
				assert.fail(`${where(i)}: a second message_start`);
				break;
			case 'ping':
				break;
			case 'content_block_start':
				assert.ok(!sawDelta, `${where(i)}: block after message_delta`);
				assert.equal(open, undefined, `${where(i)}: block started while block ${open?.index} is open`);
				assert.equal(event.index, nextIndex, `${where(i)}: indices must be consecutive from 0`);
				open = {index: event.index, type: event.content_block.type, signed: false, json: ''};
				if (event.content_block.type === 'server_tool_use') assert.match(event.content_block.id, /^srvtoolu_[A-Za-z0-9_]+$/, `${where(i)}: server_tool_use id`);
				if (event.content_block.type === 'tool_use') {
					toolBlocks++;
					assert.match(event.content_block.id, /^[A-Za-z0-9_-]+$/, `${where(i)}: tool_use id`);
					assert.deepEqual(event.content_block.input, {});
				}
				nextIndex++;
				break;
			case 'content_block_delta': {
				assert.ok(open !== undefined && open.index === event.index, `${where(i)}: delta for a block that is not open`);
				assert.ok(DELTAS[open.type].includes(event.delta.type), `${where(i)}: ${event.delta.type} in a ${open.type} block`);
				assert.ok(!open.signed, `${where(i)}: signature_delta must be the last delta of its block`);
				if (event.delta.type === 'signature_delta') {
					open.signed = true;
					assert.notEqual(event.delta.signature, '', `${where(i)}: empty signature`);
				}
				if (event.delta.type === 'text_delta') assert.notEqual(event.delta.text, '', `${where(i)}: empty text_delta`);
				if (event.delta.type === 'thinking_delta') assert.notEqual(event.delta.thinking, '', `${where(i)}: empty thinking_delta`);
				if (event.delta.type === 'input_json_delta') open.json += event.delta.partial_json;
				break;
			}
			case 'content_block_stop':
				assert.ok(open !== undefined && open.index === event.index, `${where(i)}: stop for a block that is not open`);
				if (open.type === 'tool_use' || open.type === 'server_tool_use') {
					const input: unknown = JSON.parse(open.json === '' ? '{}' : open.json);
					assert.ok(typeof input === 'object' && input !== null && !Array.isArray(input), `${where(i)}: tool input is not an object`);
				}
				open = undefined;
				break;
			case 'message_delta':
				assert.ok(!sawDelta, `${where(i)}: a second message_delta`);
				assert.equal(open, undefined, `${where(i)}: message_delta while block ${open?.index} is open`);
				sawDelta = true;
				if (event.delta.stop_reason === 'stop_sequence') assert.equal(typeof event.delta.stop_sequence, 'string');
				else assert.equal(event.delta.stop_sequence, null);
				if (event.delta.stop_reason === 'tool_use') assert.ok(toolBlocks > 0, `${where(i)}: tool_use without a tool_use block`);
				for (const [key, value] of Object.entries(event.usage)) {
					if (key === 'server_tool_use' && typeof value === 'object') assert.ok(Number.isInteger(value.web_search_requests) && value.web_search_requests >= 0, `${where(i)}: usage.server_tool_use`);
					else assert.ok(Number.isInteger(value) && (value as number) >= 0, `${where(i)}: usage`);
				}
				break;
			case 'message_stop':
				assert.ok(sawDelta, `${where(i)}: message_stop before message_delta`);
				sawStop = true;
				break;
		}
	}
	assert.ok(sawStop, 'the last event must be message_stop');
}
