import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import type {Message, ResponseBlock, StreamEvent} from '../../source/anthropic/types.js';
import type {ResponseChunk} from '../../source/cloudcode/types.js';
import {assembleMessage} from '../../source/translate/assemble.js';
import type {TranslatorOptions} from '../../source/translate/response.js';
import {MESSAGE_ID, call, carrier, chunk, image, options, text, thought, translate, usageOnly} from './response-fixtures.js';

type Scenario = {name: string; opts: TranslatorOptions; chunks: ResponseChunk[]; expected: Omit<Message, 'id' | 'type' | 'role' | 'model'>};

const ZERO = {input_tokens: 0, output_tokens: 0, cache_read_input_tokens: 0, cache_creation_input_tokens: 0};

const scenarios: Scenario[] = [
	{
		name: 'text over several chunks with cached usage',
		opts: options(),
		chunks: [
			chunk([text('Hello')], {usage: {promptTokenCount: 100, cachedContentTokenCount: 60}}),
			chunk([text(' ')]),
			chunk([text('world')], {finishReason: 'STOP', usage: {promptTokenCount: 100, cachedContentTokenCount: 60, candidatesTokenCount: 3, thoughtsTokenCount: 2}}),
		],
		expected: {
			content: [{type: 'text', text: 'Hello world'}],
			stop_reason: 'end_turn',
			stop_sequence: null,
			usage: {input_tokens: 40, output_tokens: 5, cache_read_input_tokens: 60, cache_creation_input_tokens: 0},
		},
	},
	{
		name: 'Claude thinking with carrier signature, then a tool call',
		opts: options({family: 'claude'}),
		chunks: [
			chunk([thought('I should')]),
			chunk([thought('I should list files.')]),
			chunk([carrier('CSIG')]),
			chunk([text('Listing.'), call('Bash', {command: 'ls -la'}, 'toolu_vrtx_01')], {finishReason: 'STOP'}),
		],
		expected: {
			content: [
				{type: 'thinking', thinking: 'I should list files.', signature: 'agp1.claude.CSIG'},
				{type: 'text', text: 'Listing.'},
				{type: 'tool_use', id: 'toolu_vrtx_01', name: 'Bash', input: {command: 'ls -la'}},
			],
			stop_reason: 'tool_use',
			stop_sequence: null,
			usage: ZERO,
		},
	},
	{
		name: 'unsigned thinking keeps an empty signature',
		opts: options(),
		chunks: [chunk([thought('summary'), text('answer')], {finishReason: 'STOP'})],
		expected: {
			content: [
				{type: 'thinking', thinking: 'summary', signature: ''},
				{type: 'text', text: 'answer'},
			],
			stop_reason: 'end_turn',
			stop_sequence: null,
			usage: ZERO,
		},
	},
	{
		name: 'Gemini text signature as an empty thinking block',
		opts: options({family: 'gemini'}),
		chunks: [chunk([text('Hi', 'GS')], {finishReason: 'STOP'})],
		expected: {
			content: [
				{type: 'thinking', thinking: '', signature: 'agp1.gemini.GS'},
				{type: 'text', text: 'Hi'},
			],
			stop_reason: 'end_turn',
			stop_sequence: null,
			usage: ZERO,
		},
	},
	{
		name: 'parallel calls without ids',
		opts: options(),
		chunks: [chunk([call('a', {n: 1}), call('b', {nested: {deep: [true, null]}})], {finishReason: 'STOP'})],
		expected: {
			content: [
				{type: 'tool_use', id: 'toolu_0123abc_0', name: 'a', input: {n: 1}},
				{type: 'tool_use', id: 'toolu_0123abc_1', name: 'b', input: {nested: {deep: [true, null]}}},
			],
			stop_reason: 'tool_use',
			stop_sequence: null,
			usage: ZERO,
		},
	},
	{
		name: 'an image between texts',
		opts: options(),
		chunks: [chunk([text('Look:'), image('image/jpeg', '/9j/')], {finishReason: 'STOP'})],
		expected: {
			content: [
				{type: 'text', text: 'Look:'},
				{type: 'image', source: {type: 'base64', media_type: 'image/jpeg', data: '/9j/'}},
			],
			stop_reason: 'end_turn',
			stop_sequence: null,
			usage: ZERO,
		},
	},
	{
		name: 'stop sequence split across chunks',
		opts: options({stopSequences: ['STOP']}),
		chunks: [chunk([text('one ST')]), chunk([text('O')]), chunk([text('P two')])],
		expected: {content: [{type: 'text', text: 'one '}], stop_reason: 'stop_sequence', stop_sequence: 'STOP', usage: ZERO},
	},
	{
		name: 'empty MAX_TOKENS answer',
		opts: options(),
		chunks: [chunk([], {finishReason: 'MAX_TOKENS', usage: {promptTokenCount: 9, thoughtsTokenCount: 100}})],
		expected: {
			content: [],
			stop_reason: 'max_tokens',
			stop_sequence: null,
			usage: {input_tokens: 9, output_tokens: 100, cache_read_input_tokens: 0, cache_creation_input_tokens: 0},
		},
	},
	{
		name: 'safety block with no content',
		opts: options(),
		chunks: [chunk([], {finishReason: 'SAFETY'})],
		expected: {
			content: [{type: 'text', text: 'The upstream model blocked the answer (reason: SAFETY).'}],
			stop_reason: 'refusal',
			stop_sequence: null,
			usage: ZERO,
		},
	},
	{
		name: 'usage-only trailer after the finish chunk',
		opts: options({emitThinking: false}),
		chunks: [chunk([thought('x'), text('y')], {finishReason: 'STOP'}), usageOnly({promptTokenCount: 5, candidatesTokenCount: 1})],
		expected: {
			content: [{type: 'text', text: 'y'}],
			stop_reason: 'end_turn',
			stop_sequence: null,
			usage: {input_tokens: 5, output_tokens: 1, cache_read_input_tokens: 0, cache_creation_input_tokens: 0},
		},
	},
];

/** Rebuilds each block's content straight from the deltas, independently of assembleMessage. */
function deltaText(events: readonly StreamEvent[], index: number): string {
	let out = '';
	for (const event of events) {
		if (event.type !== 'content_block_delta' || event.index !== index) continue;
		const delta = event.delta;
		if (delta.type === 'text_delta') out += delta.text;
		else if (delta.type === 'thinking_delta') out += delta.thinking;
		else if (delta.type === 'input_json_delta') out += delta.partial_json;
	}
	return out;
}

function blockBody(block: ResponseBlock): string {
	if (block.type === 'text') return block.text;
	if (block.type === 'thinking') return block.thinking;
	if (block.type === 'tool_use') return JSON.stringify(block.input);
	return '';
}

describe('assembleMessage', () => {
	for (const scenario of scenarios) {
		it(scenario.name, () => {
			const {events} = translate(scenario.opts, scenario.chunks);
			const message = assembleMessage(events);
			assert.deepEqual(message, {id: MESSAGE_ID, type: 'message', role: 'assistant', model: 'served-model', ...scenario.expected});
			// The non-streaming message agrees block by block with what was streamed.
			message.content.forEach((block, index) => assert.equal(blockBody(block), deltaText(events, index)));
			const last = events.findLast((event) => event.type === 'message_delta');
			assert.ok(last?.type === 'message_delta');
			assert.equal(message.stop_reason, last.delta.stop_reason);
			assert.deepEqual(message.usage, last.usage);
		});
	}

	it('ignores pings and joins partial JSON and signature pieces', () => {
		const events: StreamEvent[] = [
			{type: 'message_start', message: {id: 'm', type: 'message', role: 'assistant', model: 'x', content: [], stop_reason: null, stop_sequence: null, usage: ZERO}},
			{type: 'ping'},
			{type: 'content_block_start', index: 0, content_block: {type: 'thinking', thinking: '', signature: ''}},
			{type: 'content_block_delta', index: 0, delta: {type: 'thinking_delta', thinking: 'a'}},
			{type: 'content_block_delta', index: 0, delta: {type: 'signature_delta', signature: 'si'}},
			{type: 'content_block_delta', index: 0, delta: {type: 'signature_delta', signature: 'g'}},
			{type: 'content_block_stop', index: 0},
			{type: 'content_block_start', index: 1, content_block: {type: 'tool_use', id: 't', name: 'n', input: {}}},
			{type: 'content_block_delta', index: 1, delta: {type: 'input_json_delta', partial_json: '{"k":'}},
			{type: 'ping'},
			{type: 'content_block_delta', index: 1, delta: {type: 'input_json_delta', partial_json: '"v"}'}},
			{type: 'content_block_stop', index: 1},
			{type: 'content_block_start', index: 2, content_block: {type: 'tool_use', id: 'u', name: 'm', input: {}}},
			{type: 'content_block_stop', index: 2},
			{type: 'message_delta', delta: {stop_reason: 'tool_use', stop_sequence: null}, usage: {...ZERO, output_tokens: 3}},
			{type: 'message_stop'},
		];
		const message = assembleMessage(events);
		assert.deepEqual(message.content, [
			{type: 'thinking', thinking: 'a', signature: 'sig'},
			{type: 'tool_use', id: 't', name: 'n', input: {k: 'v'}},
			{type: 'tool_use', id: 'u', name: 'm', input: {}},
		]);
		assert.equal(message.usage.output_tokens, 3);
	});

	it('throws on event lists our translator never produces', () => {
		const start: StreamEvent = {
			type: 'message_start',
			message: {id: 'm', type: 'message', role: 'assistant', model: 'x', content: [], stop_reason: null, stop_sequence: null, usage: ZERO},
		};
		assert.throws(() => assembleMessage([]), /no message_start/);
		assert.throws(() => assembleMessage([start, {type: 'content_block_delta', index: 0, delta: {type: 'text_delta', text: 'x'}}]), /unknown block 0/);
		assert.throws(
			() =>
				assembleMessage([
					start,
					{type: 'content_block_start', index: 0, content_block: {type: 'text', text: ''}},
					{type: 'content_block_delta', index: 0, delta: {type: 'input_json_delta', partial_json: '{}'}},
				]),
			/input_json_delta on a text block/,
		);
		assert.throws(
			() =>
				assembleMessage([
					start,
					{type: 'content_block_start', index: 0, content_block: {type: 'tool_use', id: 't', name: 'n', input: {}}},
					{type: 'content_block_delta', index: 0, delta: {type: 'input_json_delta', partial_json: '[1]'}},
				]),
			/not a JSON object/,
		);
	});

	it('does not share objects with the events it folded', () => {
		const {events} = translate(options(), [chunk([text('a')], {finishReason: 'STOP'})]);
		const message = assembleMessage(events);
		message.usage.input_tokens = 99;
		const start = events[0];
		assert.ok(start?.type === 'message_start');
		assert.equal(start.message.usage.input_tokens, 0);
		assert.deepEqual(start.message.content, []);
	});
});
