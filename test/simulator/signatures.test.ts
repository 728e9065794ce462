import assert from 'node:assert/strict';
import {before, describe, test} from 'node:test';
import type {Part} from '../../source/cloudcode/types.js';
import {type Simulator, simMarker} from '../../source/simulator/index.js';
import {ACCOUNT, type Content, type Reply, envelope, errorMessage, parts, sim, stream, user} from './helpers.js';

const CLAUDE = 'claude-opus-4-6-thinking';
const GEMINI = 'gemini-3-flash';
const SKIP = 'skip_thought_signature_validator';
const THINKING = {generationConfig: {maxOutputTokens: 64000, thinkingConfig: {includeThoughts: true, thinkingBudget: 4096}}};
const TOOLS = {
	tools: [{functionDeclarations: [{name: 'Bash', parameters: {type: 'OBJECT', properties: {command: {type: 'STRING'}}, required: ['command']}}]}],
	toolConfig: {functionCallingConfig: {mode: 'VALIDATED'}},
};

let s: Simulator;
let token: string;
before(async () => {
	s = await sim();
	token = s.issueAccessToken(ACCOUNT);
});

function claudeMessage(reply: Reply): string {
	assert.equal(reply.status, 400, reply.text);
	return (JSON.parse(errorMessage(reply)) as {error: {message: string}}).error.message;
}

/** Rebuilds the model turn a client would send back: thought text concatenated, signature kept, calls kept. */
function modelTurn(received: Part[]): Content {
	const thinking = received.filter((p) => p.thought === true);
	const out: Array<Record<string, unknown>> = [];
	if (thinking.length > 0) {
		const signature = thinking.map((p) => p.thoughtSignature).filter((x) => x !== undefined).at(-1);
		out.push({thought: true, text: thinking.map((p) => p.text ?? '').join(''), thoughtSignature: signature});
	}
	for (const p of received) if (p.thought !== true) out.push({...p});
	return {role: 'model', parts: out};
}

describe('Claude thinking signatures', () => {
	async function signedTurn(extra: Record<string, unknown> = {}): Promise<{question: Content; turn: Content}> {
		const question = user(`think ${simMarker({kind: 'thinking', thinking: 'Let me weigh the options carefully.', text: 'Answer.', ...extra})}`);
		const reply = await stream(s, envelope(CLAUDE, [question], THINKING), token);
		assert.equal(reply.status, 200);
		return {question, turn: modelTurn(parts(reply.text))};
	}

	test('a signature issued for the thinking text replays; sentinel accepted', async () => {
		const {question, turn} = await signedTurn();
		const sig = String(turn.parts[0]?.thoughtSignature);
		assert.ok(sig.length >= 50, sig);
		assert.equal((await stream(s, envelope(CLAUDE, [question, turn, user('next')], THINKING), token)).status, 200);
		const sentinel = {role: 'model', parts: [{thought: true, text: 'anything', thoughtSignature: SKIP}, {text: 'Answer.'}]};
		assert.equal((await stream(s, envelope(CLAUDE, [question, sentinel, user('next')], THINKING), token)).status, 200);
	});

	test('cumulative streaming with a separate signature part still reassembles to a valid block', async () => {
		const {question, turn} = await signedTurn({streaming: 'cumulative', separateSignature: true, chunks: 1});
		assert.equal((await stream(s, envelope(CLAUDE, [question, turn, user('next')], THINKING), token)).status, 200);
	});

	test('tampered, re-used for other text, missing, or Gemini-issued: rejected', async () => {
		const {question, turn} = await signedTurn();
		const thought = turn.parts[0] ?? {};
		const sig = String(thought.thoughtSignature);
		const tampered = sig.slice(0, 10) + (sig[10] === 'A' ? 'B' : 'A') + sig.slice(11);
		const send = async (part: Record<string, unknown>): Promise<string> =>
			claudeMessage(await stream(s, envelope(CLAUDE, [question, {role: 'model', parts: [part, {text: 'Answer.'}]}, user('next')], THINKING), token));
		assert.equal(await send({...thought, thoughtSignature: tampered}), 'messages.1.content.0: Invalid `signature` in `thinking` block');
		assert.equal(await send({...thought, text: 'Different thinking.'}), 'messages.1.content.0: Invalid `signature` in `thinking` block');
		assert.equal(await send({thought: true, text: 'unsigned'}), 'messages.1.content.0.thinking.signature: Field required');

		const gemini = await stream(s, envelope(GEMINI, [user(simMarker({kind: 'tools', calls: [{name: 'Bash', args: {command: 'ls'}}]}))], TOOLS), token);
		const geminiSig = parts(gemini.text).find((p) => p.functionCall !== undefined)?.thoughtSignature;
		assert.ok(geminiSig);
		assert.equal(await send({...thought, thoughtSignature: geminiSig}), 'messages.1.content.0: Invalid `signature` in `thinking` block');
	});

	test('the sentinel can be refused (rejectClaudeSentinel)', async () => {
		const strict = await sim({rejectClaudeSentinel: true});
		const reply = await stream(
			strict,
			envelope(CLAUDE, [user('a'), {role: 'model', parts: [{thought: true, text: 'x', thoughtSignature: SKIP}, {text: 'b'}]}, user('c')], THINKING),
			strict.issueAccessToken(ACCOUNT),
		);
		assert.equal(claudeMessage(reply), 'messages.1.content.0: Invalid `signature` in `thinking` block');
	});

	test('active tool loop: the last model turn must start with its thinking block', async () => {
		const question = user(`run it ${simMarker({kind: 'tools', calls: [{name: 'Bash', args: {command: 'ls'}}], finalText: 'All done.'})}`);
		const first = await stream(s, envelope(CLAUDE, [question], {...THINKING, ...TOOLS}), token);
		const received = parts(first.text);
		assert.equal(received[0]?.thought, true);
		const call = received.find((p) => p.functionCall !== undefined)?.functionCall;
		assert.match(call?.id ?? '', /^toolu_vrtx_01[1-9A-Za-z]{22}$/);
		const turn = modelTurn(received);
		const result: Content = {role: 'user', parts: [{functionResponse: {id: call?.id, name: 'Bash', response: {output: 'a.txt'}}}]};

		const stripped: Content = {role: 'model', parts: turn.parts.filter((p) => p.thought !== true)};
		const message = claudeMessage(await stream(s, envelope(CLAUDE, [question, stripped, result], {...THINKING, ...TOOLS}), token));
		assert.match(message, /^messages\.1\.content\.0\.type: Expected `thinking` or `redacted_thinking`, but found `tool_use`\. When `thinking` is enabled, a final `assistant` message must start with a thinking block/);

		const ok = await stream(s, envelope(CLAUDE, [question, turn, result], {...THINKING, ...TOOLS}), token);
		assert.equal(ok.status, 200);
		assert.equal(
			parts(ok.text)
				.filter((p) => p.thought !== true)
				.map((p) => p.text)
				.join(''),
			'All done.',
		);
		// Without thinking enabled the same stripped history is fine.
		const noThinking = await stream(s, envelope(CLAUDE, [question, stripped, result], TOOLS), token);
		assert.equal(noThinking.status, 200);
	});
});

describe('Gemini thought signatures', () => {
	const question = user(simMarker({kind: 'tools', calls: [{name: 'Bash', args: {command: 'ls'}}, {name: 'Bash', args: {command: 'pwd'}}]}));
	const response = (output: string): Content => ({role: 'user', parts: [{functionResponse: {name: 'Bash', response: {output}}}]});

	async function firstCall(model = GEMINI): Promise<Content> {
		const reply = await stream(s, envelope(model, [question], TOOLS), token);
		assert.equal(reply.status, 200);
		const received = parts(reply.text);
		assert.equal(received[0]?.functionCall?.id, undefined, 'Gemini calls carry no id');
		return {role: 'model', parts: received.map((p) => ({...p}))};
	}

	test('first functionCall of each current-turn model turn needs a Gemini signature', async () => {
		const turn = await firstCall();
		assert.ok(turn.parts[0]?.thoughtSignature);
		assert.equal((await stream(s, envelope(GEMINI, [question, turn, response('x')], TOOLS), token)).status, 200);

		const unsigned: Content = {role: 'model', parts: [{functionCall: turn.parts[0]?.functionCall}]};
		const missing = await stream(s, envelope(GEMINI, [question, unsigned, response('x')], TOOLS), token);
		assert.equal(missing.status, 400);
		assert.equal(
			errorMessage(missing),
			'Function call is missing a thought_signature in functionCall parts. This is required for tools to work correctly, and missing thought_signature may lead to degraded model performance. Additional data, function call `default_api:Bash` , position 1. Please refer to https://ai.google.dev/gemini-api/docs/thought-signatures for more details.',
		);
		const sentinel: Content = {role: 'model', parts: [{functionCall: turn.parts[0]?.functionCall, thoughtSignature: SKIP}]};
		assert.equal((await stream(s, envelope(GEMINI, [question, sentinel, response('x')], TOOLS), token)).status, 200);
		// A later plain user message starts a new turn: the old unsigned call no longer matters.
		assert.equal((await stream(s, envelope(GEMINI, [question, unsigned, response('x'), {role: 'model', parts: [{text: 'ok'}]}, user('new question')], TOOLS), token)).status, 200);
		// Gemini 2.5 does not require signatures.
		assert.equal((await stream(s, envelope('gemini-2.5-flash', [question, unsigned, response('x')], TOOLS), token)).status, 200);
	});

	test('tampered or Claude-issued signatures are invalid', async () => {
		const turn = await firstCall();
		const sig = String(turn.parts[0]?.thoughtSignature);
		const invalid =
			'Unable to submit request because Thought signature is not valid.. Learn more: https://cloud.google.com/vertex-ai/generative-ai/docs/model-reference/gemini';
		const tampered: Content = {role: 'model', parts: [{...turn.parts[0], thoughtSignature: `${sig.slice(0, -6)}AAAA==`}]};
		const a = await stream(s, envelope(GEMINI, [question, tampered, response('x')], TOOLS), token);
		assert.equal(errorMessage(a), invalid);
		const claude = await stream(s, envelope(CLAUDE, [user(simMarker({kind: 'thinking', thinking: 'hm'}))], THINKING), token);
		const claudeSig = parts(claude.text).find((p) => p.thoughtSignature !== undefined)?.thoughtSignature;
		assert.ok(claudeSig);
		const cross: Content = {role: 'model', parts: [{...turn.parts[0], thoughtSignature: claudeSig}]};
		const b = await stream(s, envelope(GEMINI, [question, cross, response('x')], TOOLS), token);
		assert.equal(b.status, 400);
		assert.equal(errorMessage(b), invalid);
		const notBase64: Content = {role: 'model', parts: [{...turn.parts[0], thoughtSignature: 'agp1.gemini.abc'}]};
		const c = await stream(s, envelope(GEMINI, [question, notBase64, response('x')], TOOLS), token);
		assert.match(errorMessage(c), /^Invalid value at 'request\.contents\[1\]\.parts\[0\]\.thought_signature' \(TYPE_BYTES\), Base64 decoding failed/);
	});
});
