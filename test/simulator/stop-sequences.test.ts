// generationConfig.stopSequences in the simulator, as the service treats them: at most 5 (more is a 400
// INVALID_ARGUMENT), the answer ends before the first occurrence (the sequence is not sent), nothing after it (later
// chunks, function calls) is generated, thoughts are not searched, and the finish is an ordinary STOP.
import assert from 'node:assert/strict';
import {before, describe, test} from 'node:test';
import type {Plan} from '../../source/simulator/answers.js';
import {type Simulator, simMarker} from '../../source/simulator/index.js';
import {MAX_STOP_SEQUENCES, applyStopSequences, stopSequencesProblem} from '../../source/simulator/stop-sequences.js';
import {ACCOUNT, envelope, events, generate, lastEvent, parts, sim, stream, user, visibleText} from './helpers.js';

const MODELS = ['gemini-3-flash', 'claude-sonnet-4-6'];

let s: Simulator;
let token: string;
before(async () => {
	s = await sim({port: 0});
	token = s.issueAccessToken(ACCOUNT);
});

const withStops = (stopSequences: string[]) => ({generationConfig: {maxOutputTokens: 500, stopSequences}});
const ask = (model: string, text: string, stops: string[], chunks = 7) =>
	envelope(model, [user(`say ${simMarker({kind: 'text', text, chunks})}`)], withStops(stops));

describe('simulator: stopSequences', () => {
	for (const model of MODELS) {
		test(`${model}: streamed answers end before the first stop sequence, with finishReason STOP`, async () => {
			const reply = await stream(s, ask(model, 'alpha beta STOP gamma END', ['END', 'STOP']), token);
			assert.equal(reply.status, 200, reply.text);
			assert.equal(visibleText(reply.text), 'alpha beta ');
			assert.equal(lastEvent(reply.text).response?.candidates?.[0]?.finishReason, 'STOP');
			assert.equal(events(reply.text).filter((e) => e.response?.candidates?.[0]?.finishReason !== undefined).length, 1);
		});

		test(`${model}: generateContent too; a sequence that never appears changes nothing`, async () => {
			const cut = await generate(s, ask(model, 'one two three', ['two']), token);
			assert.equal(cut.status, 200, cut.text);
			const candidate = (cut.json as {response: {candidates: Array<{content: {parts: Array<{text?: string}>}; finishReason: string}>}}).response.candidates[0];
			assert.equal(candidate?.content.parts.map((p) => p.text).join(''), 'one ');
			assert.equal(candidate?.finishReason, 'STOP');
			const whole = await stream(s, ask(model, 'one two three', ['four']), token);
			assert.equal(visibleText(whole.text), 'one two three');
		});

		test(`${model}: more than ${MAX_STOP_SEQUENCES} stop sequences is a 400 INVALID_ARGUMENT; ${MAX_STOP_SEQUENCES} are fine`, async () => {
			const refused = await stream(s, ask(model, 'x', ['1', '2', '3', '4', '5', '6']), token);
			assert.equal(refused.status, 400);
			const error = (refused.json as {error: {code: number; status: string; message: string}}).error;
			assert.equal(error.status, 'INVALID_ARGUMENT');
			assert.match(error.message, /6 stop sequences but at most 5/);
			const fine = await stream(s, ask(model, 'x', ['1', '2', '3', '4', '5']), token);
			assert.equal(fine.status, 200, fine.text);
		});
	}

	test('a sequence split over two chunks still stops there', async () => {
		// 'abcdefgh' in 4 chunks: 'ab' 'cd' 'ef' 'gh'; 'de' spans two of them.
		const reply = await stream(s, ask('gemini-3-flash', 'abcdefgh', ['de'], 4), token);
		assert.equal(visibleText(reply.text), 'abc');
		assert.ok(!parts(reply.text).some((p) => p.text?.includes('e')));
	});
});

describe('applyStopSequences (pure)', () => {
	const plan: Plan = {
		chunks: [
			{parts: [{text: 'thinking about END', thought: true}], outTokens: 0, thoughtTokens: 4},
			{parts: [{text: 'hello '}], outTokens: 2, thoughtTokens: 0},
			{parts: [{text: 'wor'}, {text: 'ld END'}, {functionCall: {name: 'f', args: {}}}], outTokens: 3, thoughtTokens: 0},
			{parts: [{text: ' after'}], finishReason: 'STOP', outTokens: 1, thoughtTokens: 0},
		],
	};
	const request = (stopSequences?: unknown) => ({generationConfig: {stopSequences}});

	test('thoughts are not searched; the cut drops the sequence, later parts and later chunks', () => {
		const out = applyStopSequences(plan, request(['END']));
		assert.equal(out.chunks.length, 3);
		assert.deepEqual(out.chunks[0], plan.chunks[0]);
		assert.deepEqual(out.chunks[2]?.parts, [{text: 'wor'}, {text: 'ld '}]);
		assert.equal(out.chunks[2]?.finishReason, 'STOP');
	});

	test('the earliest of several wins; a match at the very start leaves no text', () => {
		const earliest = applyStopSequences(plan, request(['after', 'wor']));
		assert.deepEqual(earliest.chunks.map((c) => c.parts), [plan.chunks[0]?.parts, [{text: 'hello '}]], 'cut where the text before "wor" ends');
		assert.equal(earliest.chunks.at(-1)?.finishReason, 'STOP');
		assert.deepEqual(applyStopSequences(plan, request(['hello'])).chunks.map((c) => c.parts), [plan.chunks[0]?.parts, []]);
	});

	test('no stop sequences, empty ones, or no match: the plan as it was', () => {
		for (const stops of [undefined, [], [''], ['zzz']]) assert.equal(applyStopSequences(plan, request(stops)), plan);
	});

	test('stopSequencesProblem counts only past the limit', () => {
		assert.equal(stopSequencesProblem(request(['a', 'b', 'c', 'd', 'e'])), undefined);
		assert.equal(stopSequencesProblem({}), undefined);
		assert.match(JSON.stringify(stopSequencesProblem(request(['a', 'b', 'c', 'd', 'e', 'f']))), /INVALID_ARGUMENT/);
	});
});
