import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import type {StreamEvent} from '../../source/anthropic/types.js';
import {EmptyResponseError, StreamTranslator, UpstreamFinishError} from '../../source/translate/response.js';
import {assertValidStream} from './stream-grammar.js';
import {
	MESSAGE_ID,
	blockTypes,
	call,
	carrier,
	chunk,
	deltasOf,
	image,
	messageDelta,
	options,
	text,
	thought,
	translate,
	usageOnly,
} from './response-fixtures.js';

describe('StreamTranslator: text and message framing', () => {
	it('streams text with the exact event sequence', () => {
		const {events} = translate(options(), [
			chunk([text('Hello')], {usage: {promptTokenCount: 100, cachedContentTokenCount: 40}}),
			chunk([text(', world')], {finishReason: 'STOP', usage: {promptTokenCount: 100, cachedContentTokenCount: 40, candidatesTokenCount: 5}}),
		]);
		assert.deepEqual(events, [
			{
				type: 'message_start',
				message: {
					id: MESSAGE_ID,
					type: 'message',
					role: 'assistant',
					model: 'served-model',
					content: [],
					stop_reason: null,
					stop_sequence: null,
					usage: {input_tokens: 60, output_tokens: 0, cache_read_input_tokens: 40, cache_creation_input_tokens: 0},
				},
			},
			{type: 'content_block_start', index: 0, content_block: {type: 'text', text: ''}},
			{type: 'content_block_delta', index: 0, delta: {type: 'text_delta', text: 'Hello'}},
			{type: 'content_block_delta', index: 0, delta: {type: 'text_delta', text: ', world'}},
			{type: 'content_block_stop', index: 0},
			{
				type: 'message_delta',
				delta: {stop_reason: 'end_turn', stop_sequence: null},
				usage: {input_tokens: 60, output_tokens: 5, cache_read_input_tokens: 40, cache_creation_input_tokens: 0},
			},
			{type: 'message_stop'},
		]);
	});

	it('holds message_start back until the first block', () => {
		const translator = new StreamTranslator(options());
		assert.deepEqual(translator.push(usageOnly({promptTokenCount: 7})), []);
		assert.deepEqual(translator.push(chunk([text('')])), []);
		assert.equal(translator.hasContent, false);
		const events = translator.push(chunk([text('x')]));
		assert.equal(events[0]?.type, 'message_start');
		assert.equal(translator.hasContent, true);
	});

	it('keeps whitespace-only text and skips empty text', () => {
		const {events} = translate(options(), [chunk([text('Guten'), text(''), text(' '), text('Tag')], {finishReason: 'STOP'})]);
		assert.deepEqual(deltasOf(events, 'text_delta'), ['Guten', ' ', 'Tag']);
	});

	it('uses only the first candidate', () => {
		const twoCandidates = chunk([text('first')], {finishReason: 'STOP'});
		twoCandidates.response?.candidates?.push({content: {parts: [text('second')]}, finishReason: 'SAFETY'});
		const {events} = translate(options(), [twoCandidates]);
		assert.deepEqual(deltasOf(events, 'text_delta'), ['first']);
		assert.equal(messageDelta(events).delta.stop_reason, 'end_turn');
	});

	it('returns nothing after finish, and finish only once', () => {
		const translator = new StreamTranslator(options());
		translator.push(chunk([text('a')], {finishReason: 'STOP'}));
		assert.equal(translator.finish().at(-1)?.type, 'message_stop');
		assert.deepEqual(translator.push(chunk([text('b')])), []);
		assert.deepEqual(translator.finish(), []);
	});

	it('reports whether a finish reason was seen', () => {
		const truncated = new StreamTranslator(options());
		truncated.push(chunk([text('partial')]));
		assert.equal(truncated.sawFinishReason, false);
		const complete = new StreamTranslator(options());
		complete.push(chunk([text('done')], {finishReason: 'STOP'}));
		assert.equal(complete.sawFinishReason, true);
		assert.equal(complete.finishReason, 'STOP');
	});
});

describe('StreamTranslator: thinking', () => {
	it('streams thoughts, then a carrier signature as signature_delta with the agp1 prefix', () => {
		const {events} = translate(options({family: 'claude'}), [
			chunk([thought('Let me look')]),
			chunk([thought(' at the files.')]),
			chunk([carrier('SIG-CLAUDE')]),
			chunk([text('Done.')], {finishReason: 'STOP'}),
		]);
		assert.deepEqual(blockTypes(events), ['thinking', 'text']);
		assert.deepEqual(events[1], {type: 'content_block_start', index: 0, content_block: {type: 'thinking', thinking: '', signature: ''}});
		assert.deepEqual(deltasOf(events, 'thinking_delta'), ['Let me look', ' at the files.']);
		assert.deepEqual(deltasOf(events, 'signature_delta'), ['agp1.claude.SIG-CLAUDE']);
		// signature_delta comes right before the thinking block's stop.
		const signatureAt = events.findIndex((e) => e.type === 'content_block_delta' && e.delta.type === 'signature_delta');
		assert.deepEqual(events[signatureAt + 1], {type: 'content_block_stop', index: 0});
	});

	it('takes a signature on the thought part itself', () => {
		const {events} = translate(options({family: 'claude'}), [
			chunk([thought('Plan.', 'S1')]),
			chunk([text('Answer')], {finishReason: 'STOP'}),
		]);
		assert.deepEqual(deltasOf(events, 'signature_delta'), ['agp1.claude.S1']);
	});

	it('de-duplicates cumulative thinking', () => {
		const {events} = translate(options(), [
			chunk([thought('Let me')]),
			chunk([thought('Let me think')]),
			chunk([thought('Let me think')]),
			chunk([thought('Let me think about it.')]),
			chunk([text('ok')], {finishReason: 'STOP'}),
		]);
		assert.deepEqual(deltasOf(events, 'thinking_delta'), ['Let me', ' think', ' about it.']);
	});

	it('passes plain thinking deltas through unchanged', () => {
		const {events} = translate(options(), [chunk([thought('One. ')]), chunk([thought('Two.')]), chunk([text('x')], {finishReason: 'STOP'})]);
		assert.deepEqual(deltasOf(events, 'thinking_delta'), ['One. ', 'Two.']);
	});

	it('emits no signature_delta when no signature was seen', () => {
		const {events} = translate(options(), [chunk([thought('hmm'), text('x')], {finishReason: 'STOP'})]);
		assert.deepEqual(deltasOf(events, 'signature_delta'), []);
		assert.deepEqual(blockTypes(events), ['thinking', 'text']);
	});

	it('starts a new thinking block when thoughts continue after a signature', () => {
		const {events} = translate(options({family: 'claude'}), [
			chunk([thought('first', 'A'), thought('second'), carrier('B'), text('x')], {finishReason: 'STOP'}),
		]);
		assert.deepEqual(blockTypes(events), ['thinking', 'thinking', 'text']);
		assert.deepEqual(deltasOf(events, 'signature_delta'), ['agp1.claude.A', 'agp1.claude.B']);
	});

	it('opens a thinking block for a signature-only thought part', () => {
		const {events} = translate(options({family: 'claude'}), [chunk([{text: '', thought: true, thoughtSignature: 'ONLY'}, text('x')], {finishReason: 'STOP'})]);
		assert.deepEqual(blockTypes(events), ['thinking', 'text']);
		assert.deepEqual(deltasOf(events, 'thinking_delta'), []);
		assert.deepEqual(deltasOf(events, 'signature_delta'), ['agp1.claude.ONLY']);
	});

	it('Gemini: a signature on a text part that starts a block becomes an empty signed thinking block', () => {
		const {events} = translate(options({family: 'gemini'}), [chunk([text('Hi', 'GSIG')]), chunk([text(' there')], {finishReason: 'STOP'})]);
		assert.deepEqual(events.slice(1, 5), [
			{type: 'content_block_start', index: 0, content_block: {type: 'thinking', thinking: '', signature: ''}},
			{type: 'content_block_delta', index: 0, delta: {type: 'signature_delta', signature: 'agp1.gemini.GSIG'}},
			{type: 'content_block_stop', index: 0},
			{type: 'content_block_start', index: 1, content_block: {type: 'text', text: ''}},
		]);
		assert.deepEqual(deltasOf(events, 'text_delta'), ['Hi', ' there']);
	});

	it('Gemini: a text-part signature joins an open unsigned thinking block', () => {
		const {events} = translate(options({family: 'gemini'}), [chunk([thought('think')]), chunk([text('Hi', 'GSIG')], {finishReason: 'STOP'})]);
		assert.deepEqual(blockTypes(events), ['thinking', 'text']);
		assert.deepEqual(deltasOf(events, 'signature_delta'), ['agp1.gemini.GSIG']);
	});

	it('Gemini: a carrier before text becomes the empty thinking block', () => {
		const {events} = translate(options({family: 'gemini'}), [chunk([text('a')]), chunk([carrier('C1')]), chunk([call('f', {})])]);
		assert.deepEqual(blockTypes(events), ['text', 'tool_use']);
		const second = translate(options({family: 'gemini'}), [chunk([carrier('C2')]), chunk([text('b')], {finishReason: 'STOP'})]);
		assert.deepEqual(blockTypes(second.events), ['thinking', 'text']);
		assert.deepEqual(deltasOf(second.events, 'signature_delta'), ['agp1.gemini.C2']);
	});

	it('drops a text-part signature when thinking is not emitted, for Claude, and in the middle of a text block', () => {
		const hidden = translate(options({family: 'gemini', emitThinking: false}), [chunk([text('Hi', 'S')], {finishReason: 'STOP'})]);
		assert.deepEqual(blockTypes(hidden.events), ['text']);
		const claude = translate(options({family: 'claude'}), [chunk([text('Hi', 'S')], {finishReason: 'STOP'})]);
		assert.deepEqual(blockTypes(claude.events), ['text']);
		const middle = translate(options({family: 'gemini'}), [chunk([text('Hi'), text(' you', 'S')], {finishReason: 'STOP'})]);
		assert.deepEqual(blockTypes(middle.events), ['text']);
		assert.deepEqual(deltasOf(middle.events, 'text_delta'), ['Hi', ' you']);
	});

	it('emitThinking false drops thought text and the carrier that belongs to it, but counts thought tokens', () => {
		const {events, translator} = translate(options({family: 'claude', emitThinking: false}), [
			chunk([thought('secret')], {usage: {promptTokenCount: 10, thoughtsTokenCount: 30}}),
			chunk([carrier('THINKSIG'), call('Bash', {command: 'ls'}, 'toolu_1')], {
				finishReason: 'STOP',
				usage: {promptTokenCount: 10, thoughtsTokenCount: 30, candidatesTokenCount: 4},
			}),
		]);
		assert.deepEqual(blockTypes(events), ['tool_use']);
		assert.deepEqual(deltasOf(events, 'thinking_delta'), []);
		assert.equal(translator.toolSignatures.size, 0);
		assert.equal(messageDelta(events).usage.output_tokens, 34);
	});

	it('does not match stop sequences inside thinking', () => {
		const {events, translator} = translate(options({stopSequences: ['STOP']}), [chunk([thought('do not STOP here'), text('fine')], {finishReason: 'STOP'})]);
		assert.equal(translator.stopMatched, false);
		assert.deepEqual(deltasOf(events, 'thinking_delta'), ['do not STOP here']);
		assert.deepEqual(deltasOf(events, 'text_delta'), ['fine']);
	});
});

describe('StreamTranslator: tool calls', () => {
	it('emits one tool_use block with the whole input and stop_reason tool_use even on STOP', () => {
		const {events, translator} = translate(options(), [
			chunk([text('Reading.'), call('read_file', {file_path: '/a', n: [1, 2]}, 'toolu_vrtx_01', 'FCSIG')], {finishReason: 'STOP'}),
		]);
		assert.deepEqual(
			events.filter((e) => 'index' in e && e.index === 1),
			[
				{type: 'content_block_start', index: 1, content_block: {type: 'tool_use', id: 'toolu_vrtx_01', name: 'read_file', input: {}}},
				{type: 'content_block_delta', index: 1, delta: {type: 'input_json_delta', partial_json: '{"file_path":"/a","n":[1,2]}'}},
				{type: 'content_block_stop', index: 1},
			],
		);
		assert.equal(messageDelta(events).delta.stop_reason, 'tool_use');
		assert.deepEqual([...translator.toolSignatures], [['toolu_vrtx_01', 'FCSIG']]);
	});

	it('gives parallel calls without ids distinct, deterministic ids', () => {
		const chunks = [chunk([call('a', {x: 1}, undefined, 'FIRST'), call('b', {})], {finishReason: 'STOP'})];
		const one = translate(options(), chunks);
		const two = translate(options(), chunks);
		const ids = (events: StreamEvent[]): string[] =>
			events.flatMap((e) => (e.type === 'content_block_start' && e.content_block.type === 'tool_use' ? [e.content_block.id] : []));
		assert.deepEqual(ids(one.events), ['toolu_0123abc_0', 'toolu_0123abc_1']);
		assert.deepEqual(ids(two.events), ids(one.events));
		assert.deepEqual([...one.translator.toolSignatures], [['toolu_0123abc_0', 'FIRST']]);
		assert.deepEqual(deltasOf(one.events, 'input_json_delta'), ['{"x":1}', '{}']);
	});

	it('records a pending carrier signature on the next call', () => {
		const {translator} = translate(options({family: 'gemini', emitThinking: false}), [
			chunk([carrier('CARRIED')]),
			chunk([call('a', {}, 'id-a'), call('b', {}, 'id-b')], {finishReason: 'STOP'}),
		]);
		assert.deepEqual([...translator.toolSignatures], [['id-a', 'CARRIED']]);
	});

	it('maps sanitized tool names back', () => {
		const {events} = translate(options({toolName: (name) => (name === 'mcp__x_y' ? 'mcp__x.y' : name)}), [
			chunk([call('mcp__x_y', {}, 'i1')], {finishReason: 'STOP'}),
		]);
		const start = events.find((e) => e.type === 'content_block_start');
		assert.ok(start?.type === 'content_block_start' && start.content_block.type === 'tool_use');
		assert.equal(start.content_block.name, 'mcp__x.y');
	});

	it('Claude: a signature on the call also signs the open unsigned thinking block', () => {
		const {events, translator} = translate(options({family: 'claude'}), [
			chunk([thought('I will run ls.')]),
			chunk([call('Bash', {command: 'ls'}, 'toolu_1', 'CSIG')], {finishReason: 'OTHER'}),
		]);
		assert.deepEqual(blockTypes(events), ['thinking', 'tool_use']);
		assert.deepEqual(deltasOf(events, 'signature_delta'), ['agp1.claude.CSIG']);
		assert.equal(translator.toolSignatures.get('toolu_1'), 'CSIG');
		assert.equal(messageDelta(events).delta.stop_reason, 'tool_use');
	});

	it('Gemini: a signature on the call does not sign thought summaries', () => {
		const {events} = translate(options({family: 'gemini'}), [chunk([thought('summary'), call('f', {}, undefined, 'GS')], {finishReason: 'STOP'})]);
		assert.deepEqual(deltasOf(events, 'signature_delta'), []);
	});

	it('tool_use wins over MAX_TOKENS and refusals', () => {
		for (const finishReason of ['MAX_TOKENS', 'SAFETY']) {
			const {events} = translate(options(), [chunk([call('f', {})], {finishReason})]);
			assert.equal(messageDelta(events).delta.stop_reason, 'tool_use', finishReason);
		}
	});
});

describe('StreamTranslator: images', () => {
	it('emits an image block with start and stop only', () => {
		const {events} = translate(options(), [chunk([text('Here:'), image('image/png', 'iVBOR'), text('Done')], {finishReason: 'STOP'})]);
		assert.deepEqual(blockTypes(events), ['text', 'image', 'text']);
		assert.deepEqual(events.slice(4, 6), [
			{type: 'content_block_start', index: 1, content_block: {type: 'image', source: {type: 'base64', media_type: 'image/png', data: 'iVBOR'}}},
			{type: 'content_block_stop', index: 1},
		]);
	});

	it('drops thought images', () => {
		const {events} = translate(options(), [chunk([{inlineData: {mimeType: 'image/png', data: 'draft'}, thought: true}, image('image/png', 'final')], {finishReason: 'STOP'})]);
		assert.deepEqual(blockTypes(events), ['image']);
	});

	it('Gemini: an image part signature round-trips as an empty thinking block', () => {
		const {events} = translate(options({family: 'gemini'}), [chunk([{inlineData: {mimeType: 'image/png', data: 'x'}, thoughtSignature: 'IMG'}], {finishReason: 'STOP'})]);
		assert.deepEqual(blockTypes(events), ['thinking', 'image']);
		assert.deepEqual(deltasOf(events, 'signature_delta'), ['agp1.gemini.IMG']);
	});
});

describe('StreamTranslator: usage', () => {
	it('keeps the latest usage field by field, including a usage-only chunk after the finish chunk', () => {
		const {events, translator} = translate(options(), [
			chunk([text('a')], {usage: {promptTokenCount: 1520, cachedContentTokenCount: 1024, thoughtsTokenCount: 40}}),
			chunk([text('b')], {finishReason: 'STOP', usage: {promptTokenCount: 1520, candidatesTokenCount: 14}}),
			usageOnly({candidatesTokenCount: 24, thoughtsTokenCount: 87}),
		]);
		const expected = {input_tokens: 496, output_tokens: 111, cache_read_input_tokens: 1024, cache_creation_input_tokens: 0};
		assert.deepEqual(messageDelta(events).usage, expected);
		assert.deepEqual(translator.usage, expected);
		const start = events[0];
		assert.ok(start?.type === 'message_start');
		assert.deepEqual(start.message.usage, {input_tokens: 496, output_tokens: 40, cache_read_input_tokens: 1024, cache_creation_input_tokens: 0});
	});

	it('reports zeros when upstream sent no usage', () => {
		const {events} = translate(options(), [chunk([text('a')], {finishReason: 'STOP'})]);
		assert.deepEqual(messageDelta(events).usage, {input_tokens: 0, output_tokens: 0, cache_read_input_tokens: 0, cache_creation_input_tokens: 0});
	});
});

describe('StreamTranslator: finish reasons', () => {
	for (const finishReason of ['STOP', 'OTHER', 'FINISH_REASON_UNSPECIFIED', 'SOMETHING_NEW']) {
		it(`${finishReason} -> end_turn`, () => {
			const {events} = translate(options(), [chunk([text('a')], {finishReason})]);
			assert.equal(messageDelta(events).delta.stop_reason, 'end_turn');
		});
	}

	it('no finish reason at EOF -> end_turn (the caller decides about truncation)', () => {
		const {events, translator} = translate(options(), [chunk([text('a')])]);
		assert.equal(messageDelta(events).delta.stop_reason, 'end_turn');
		assert.equal(translator.sawFinishReason, false);
	});

	it('MAX_TOKENS -> max_tokens, and an empty MAX_TOKENS answer is legal', () => {
		const withText = translate(options(), [chunk([text('a')], {finishReason: 'MAX_TOKENS'})]);
		assert.equal(messageDelta(withText.events).delta.stop_reason, 'max_tokens');
		const empty = translate(options(), [chunk([], {finishReason: 'MAX_TOKENS'})]);
		assert.deepEqual(blockTypes(empty.events), []);
		assert.equal(messageDelta(empty.events).delta.stop_reason, 'max_tokens');
	});

	for (const finishReason of ['SAFETY', 'RECITATION', 'BLOCKLIST', 'PROHIBITED_CONTENT', 'SPII', 'IMAGE_SAFETY', 'LANGUAGE']) {
		it(`${finishReason} with no content -> refusal with an explanation naming the reason`, () => {
			const {events} = translate(options(), [chunk([], {finishReason})]);
			assert.equal(messageDelta(events).delta.stop_reason, 'refusal');
			assert.deepEqual(blockTypes(events), ['text']);
			const [explanation] = deltasOf(events, 'text_delta');
			assert.match(explanation ?? '', new RegExp(`blocked the answer \\(reason: ${finishReason}\\)`));
		});
	}

	it('a refusal after content adds no explanation', () => {
		const {events} = translate(options(), [chunk([text('Once upon')], {finishReason: 'RECITATION'})]);
		assert.equal(messageDelta(events).delta.stop_reason, 'refusal');
		assert.deepEqual(deltasOf(events, 'text_delta'), ['Once upon']);
	});

	it('the finish message is part of the explanation', () => {
		const {events} = translate(options(), [chunk([], {finishReason: 'SAFETY', finishMessage: 'Harassment.'})]);
		assert.deepEqual(deltasOf(events, 'text_delta'), ['The upstream model blocked the answer (reason: SAFETY). Harassment.']);
	});

	it('promptFeedback.blockReason -> refusal naming the prompt', () => {
		const translator = new StreamTranslator(options());
		const events = [...translator.push({response: {promptFeedback: {blockReason: 'PROHIBITED_CONTENT'}}}), ...translator.finish()];
		assertValidStream(events);
		assert.equal(translator.sawFinishReason, true);
		assert.equal(messageDelta(events).delta.stop_reason, 'refusal');
		assert.match(deltasOf(events, 'text_delta')[0] ?? '', /blocked the prompt \(reason: PROHIBITED_CONTENT\)/);
	});

	for (const finishReason of ['MALFORMED_FUNCTION_CALL', 'UNEXPECTED_TOOL_CALL']) {
		it(`${finishReason} with no content throws UpstreamFinishError`, () => {
			const translator = new StreamTranslator(options());
			assert.deepEqual(translator.push(chunk([], {finishReason, finishMessage: 'Malformed function call: print(x'})), []);
			assert.throws(
				() => translator.finish(),
				(error: unknown) => error instanceof UpstreamFinishError && error.finishReason === finishReason && /print\(x/.test(error.message),
			);
		});

		it(`${finishReason} after content -> end_turn`, () => {
			const {events} = translate(options(), [chunk([text('Let me call it.')], {finishReason})]);
			assert.equal(messageDelta(events).delta.stop_reason, 'end_turn');
		});
	}

	it('an empty answer throws EmptyResponseError', () => {
		for (const chunks of [[], [chunk([], {finishReason: 'STOP'})], [chunk([text('')], {finishReason: 'STOP'})], [usageOnly({promptTokenCount: 3})]]) {
			const translator = new StreamTranslator(options());
			for (const c of chunks) assert.deepEqual(translator.push(c), []);
			assert.throws(() => translator.finish(), EmptyResponseError);
		}
	});

	it('thoughts alone with emitThinking false are an empty answer', () => {
		const translator = new StreamTranslator(options({emitThinking: false}));
		assert.deepEqual(translator.push(chunk([thought('hidden')], {finishReason: 'STOP'})), []);
		assert.throws(() => translator.finish(), EmptyResponseError);
	});
});

describe('StreamTranslator: stop sequences', () => {
	it('cuts text before a sequence inside one chunk', () => {
		const translator = new StreamTranslator(options({stopSequences: ['\n\nHuman:']}));
		const pushed = translator.push(chunk([text('Answer.\n\nHuman: more'), text('ignored')]));
		assert.equal(translator.stopMatched, true);
		assert.deepEqual(translator.push(chunk([text('later')])), []);
		const events = [...pushed, ...translator.finish()];
		assertValidStream(events);
		assert.deepEqual(deltasOf(events, 'text_delta'), ['Answer.']);
		assert.deepEqual(messageDelta(events).delta, {stop_reason: 'stop_sequence', stop_sequence: '\n\nHuman:'});
	});

	it('matches a sequence split over three chunks and emits only what cannot start it', () => {
		const {events, perPush, translator} = translate(options({stopSequences: ['STOP']}), [
			chunk([text('go ST')]),
			chunk([text('O')]),
			chunk([text('P and more')]),
			chunk([text('never seen')], {finishReason: 'STOP'}),
		]);
		assert.deepEqual(deltasOf(perPush[0] ?? [], 'text_delta'), ['go ']);
		assert.deepEqual(perPush[1], []);
		assert.deepEqual(deltasOf(perPush[2] ?? [], 'text_delta'), []);
		assert.deepEqual(perPush[3], []);
		assert.equal(translator.stopMatched, true);
		assert.deepEqual(deltasOf(events, 'text_delta'), ['go ']);
		assert.deepEqual(messageDelta(events).delta, {stop_reason: 'stop_sequence', stop_sequence: 'STOP'});
	});

	it('flushes held text when the sequence never completes', () => {
		const {events, perPush} = translate(options({stopSequences: ['STOP']}), [chunk([text('a ST')]), chunk([text('O')], {finishReason: 'STOP'})]);
		assert.deepEqual(deltasOf(perPush.flat(), 'text_delta'), ['a ']);
		assert.deepEqual(deltasOf(events, 'text_delta'), ['a ', 'STO']);
		assert.equal(messageDelta(events).delta.stop_reason, 'end_turn');
	});

	it('releases a held prefix as soon as the text diverges', () => {
		const {perPush} = translate(options({stopSequences: ['STOP']}), [chunk([text('ST')]), chunk([text('ART')], {finishReason: 'STOP'})]);
		assert.deepEqual(perPush[0], []);
		assert.deepEqual(deltasOf(perPush[1] ?? [], 'text_delta'), ['START']);
	});

	it('flushes held text before a tool call closes the text block', () => {
		const {events} = translate(options({stopSequences: ['###']}), [chunk([text('see #'), call('f', {}, 'c')], {finishReason: 'STOP'})]);
		assert.deepEqual(deltasOf(events, 'text_delta'), ['see ', '#']);
		assert.deepEqual(blockTypes(events), ['text', 'tool_use']);
		assert.equal(messageDelta(events).delta.stop_reason, 'tool_use');
	});

	it('a sequence does not match across two text blocks', () => {
		const {translator} = translate(options({stopSequences: ['ab']}), [chunk([text('a'), image('image/png', 'x'), text('b')], {finishReason: 'STOP'})]);
		assert.equal(translator.stopMatched, false);
	});

	it('picks the sequence that completes first', () => {
		const {events} = translate(options({stopSequences: ['abcd', 'bc']}), [chunk([text('xabcd')])]);
		assert.deepEqual(deltasOf(events, 'text_delta'), ['xa']);
		assert.equal(messageDelta(events).delta.stop_sequence, 'bc');
	});

	it('a match at the very start gives empty content with stop_sequence', () => {
		const {events} = translate(options({stopSequences: ['END']}), [chunk([text('EN')]), chunk([text('D')])]);
		assert.deepEqual(blockTypes(events), []);
		assert.deepEqual(messageDelta(events).delta, {stop_reason: 'stop_sequence', stop_sequence: 'END'});
	});

	it('stop_sequence wins over an earlier tool call', () => {
		const {events} = translate(options({stopSequences: ['!']}), [chunk([call('f', {}, 'c'), text('hi!')])]);
		assert.equal(messageDelta(events).delta.stop_reason, 'stop_sequence');
		assert.deepEqual(deltasOf(events, 'text_delta'), ['hi']);
	});

	it('ignores empty stop sequences', () => {
		const {translator} = translate(options({stopSequences: ['']}), [chunk([text('abc')], {finishReason: 'STOP'})]);
		assert.equal(translator.stopMatched, false);
	});
});

describe('stream grammar validator (the helper itself must be able to fail)', () => {
	const start: StreamEvent = {
		type: 'message_start',
		message: {id: 'm', type: 'message', role: 'assistant', model: 'x', content: [], stop_reason: null, stop_sequence: null, usage: {input_tokens: 0, output_tokens: 0, cache_read_input_tokens: 0, cache_creation_input_tokens: 0}},
	};
	const end: StreamEvent[] = [
		{type: 'message_delta', delta: {stop_reason: 'end_turn', stop_sequence: null}, usage: {input_tokens: 0, output_tokens: 0, cache_read_input_tokens: 0, cache_creation_input_tokens: 0}},
		{type: 'message_stop'},
	];
	const textStart = (index: number): StreamEvent => ({type: 'content_block_start', index, content_block: {type: 'text', text: ''}});
	const textDelta = (index: number, value = 'x'): StreamEvent => ({type: 'content_block_delta', index, delta: {type: 'text_delta', text: value}});
	const stop = (index: number): StreamEvent => ({type: 'content_block_stop', index});

	it('accepts a well-formed list with pings', () => {
		assertValidStream([start, {type: 'ping'}, textStart(0), textDelta(0), stop(0), ...end]);
	});

	const bad: Array<[string, StreamEvent[]]> = [
		['no message_start', [textStart(0), stop(0), ...end]],
		['a gap in indices', [start, textStart(1), stop(1), ...end]],
		['a block never stopped', [start, textStart(0), textDelta(0), ...end]],
		['overlapping blocks', [start, textStart(0), textStart(1), stop(1), stop(0), ...end]],
		['a delta of the wrong type', [start, textStart(0), {type: 'content_block_delta', index: 0, delta: {type: 'thinking_delta', thinking: 'x'}}, stop(0), ...end]],
		['an empty text delta', [start, textStart(0), textDelta(0, ''), stop(0), ...end]],
		['message_stop not last', [start, textStart(0), stop(0), ...end, {type: 'ping'}]],
		['no message_delta', [start, textStart(0), stop(0), {type: 'message_stop'}]],
		[
			'a thinking delta after the signature',
			[
				start,
				{type: 'content_block_start', index: 0, content_block: {type: 'thinking', thinking: '', signature: ''}},
				{type: 'content_block_delta', index: 0, delta: {type: 'signature_delta', signature: 's'}},
				{type: 'content_block_delta', index: 0, delta: {type: 'thinking_delta', thinking: 'x'}},
				stop(0),
				...end,
			],
		],
		[
			'tool_use stop reason without a tool block',
			[
				start,
				textStart(0),
				textDelta(0),
				stop(0),
				{type: 'message_delta', delta: {stop_reason: 'tool_use', stop_sequence: null}, usage: {input_tokens: 0, output_tokens: 0, cache_read_input_tokens: 0, cache_creation_input_tokens: 0}},
				{type: 'message_stop'},
			],
		],
	];
	for (const [name, events] of bad) {
		it(`rejects ${name}`, () => assert.throws(() => assertValidStream(events)));
	}
});
