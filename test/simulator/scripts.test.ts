import assert from 'node:assert/strict';
import {before, describe, test} from 'node:test';
import {PNG_1X1, type SimScript, type Simulator, simMarker, stripMarkers} from '../../source/simulator/index.js';
import {ACCOUNT, type Content, call, envelope, events, generate, lastEvent, parts, sim, stream, user, visibleText} from './helpers.js';

const CLAUDE = 'claude-sonnet-4-6';
const GEMINI = 'gemini-3-flash';
const TOOLS = {
	tools: [{functionDeclarations: [{name: 'Bash', parameters: {type: 'OBJECT', properties: {command: {type: 'STRING'}}, required: ['command']}}]}],
};

let s: Simulator;
let token: string;
before(async () => {
	s = await sim();
	token = s.issueAccessToken(ACCOUNT);
});

const ask = async (script: SimScript, model = CLAUDE, request: Record<string, unknown> = {}, prefix = 'please'): Promise<string> => {
	const reply = await stream(s, envelope(model, [user(`${prefix} ${simMarker(script)}`)], request), token);
	assert.equal(reply.status, 200, reply.text);
	return reply.text;
};

describe('marker grammar', () => {
	test('simMarker round-trips awkward strings; markers are stripped from quotes', async () => {
		const text = 'ends with ]] and } and "quotes" \\ and [[sim not a marker';
		const body = await ask({kind: 'text', text, chunks: 2});
		assert.equal(visibleText(body), text);
		assert.equal(stripMarkers(`a ${simMarker({kind: 'empty'})} b`), 'a b');
		assert.match(simMarker({kind: 'echo'}), /^\[\[sim \{"kind":"echo"\}\]\]$/);
	});

	test('without a marker: deterministic hello in several chunks, STOP and usage on the last', async () => {
		const reply = await stream(s, envelope(CLAUDE, [user('What is the capital of France?')]), token);
		const evs = events(reply.text);
		assert.equal(evs.length, 3);
		assert.equal(visibleText(reply.text), 'Hello from claude-sonnet-4-6. You said: What is the capital of France?');
		assert.equal(lastEvent(reply.text).response?.candidates?.[0]?.finishReason, 'STOP');
		for (const e of evs) assert.ok(e.response?.usageMetadata?.promptTokenCount);
		assert.equal(evs[0]?.response?.candidates?.[0]?.finishReason, undefined);
	});

	test('an invalid marker answers with an explanation instead of failing', async () => {
		const reply = await stream(s, envelope(CLAUDE, [user('[[sim {"kind":"nope"}]]')]), token);
		assert.equal(visibleText(reply.text), '[sim] invalid marker: unknown script kind "nope"');
		const broken = await stream(s, envelope(CLAUDE, [user('[[sim {"kind": "text", ]]')]), token);
		assert.match(visibleText(broken.text), /^\[sim\] invalid marker: /);
	});

	test('enqueue and /__sim/enqueue validate rules', async () => {
		assert.throws(() => s.enqueue({script: {kind: 'http_error', error: 'nope'} as unknown as SimScript}), /error must be one of/);
		const bad = await call(s, '/__sim/enqueue', {script: {kind: 'tools', calls: []}});
		assert.equal(bad.status, 400);
		assert.match(String((bad.json as {error: string}).error), /calls must be a non-empty array/);
	});
});

describe('answer scripts', () => {
	test('text with chunks', async () => {
		const body = await ask({kind: 'text', text: 'abcdefghij', chunks: 5});
		assert.deepEqual(
			parts(body).map((p) => p.text),
			['ab', 'cd', 'ef', 'gh', 'ij'],
		);
	});

	test('thinking on Gemini: thought parts (cumulative), then text carrying the signature', async () => {
		const body = await ask({kind: 'thinking', thinking: 'aaabbbccc', text: 'done', streaming: 'cumulative'}, GEMINI, {generationConfig: {thinkingConfig: {includeThoughts: true}}});
		const received = parts(body);
		assert.deepEqual(
			received.filter((p) => p.thought === true).map((p) => p.text),
			['aaa', 'aaabbb', 'aaabbbccc'],
		);
		const firstText = received.find((p) => p.thought !== true);
		assert.ok(firstText?.thoughtSignature && firstText.thoughtSignature.length >= 50);
		assert.equal(received.filter((p) => p.thoughtSignature !== undefined).length, 1);
		assert.ok((lastEvent(body).response?.usageMetadata?.thoughtsTokenCount ?? 0) > 0);
	});

	test('thinking on Claude: delta pieces, signature on the last thought part', async () => {
		const body = await ask({kind: 'thinking', thinking: 'one two three', chunks: 3}, 'claude-opus-4-6-thinking');
		const thoughts = parts(body).filter((p) => p.thought === true);
		assert.equal(thoughts.map((p) => p.text).join(''), 'one two three');
		assert.equal(thoughts.at(-1)?.thoughtSignature?.length !== undefined, true);
		assert.equal(thoughts.slice(0, -1).some((p) => p.thoughtSignature !== undefined), false);
	});

	test('tools: a multi-step loop driven by the history, ending with text quoting the last output', async () => {
		const question = user(simMarker({kind: 'tools', calls: [{name: 'Bash', args: {command: 'ls'}}, {name: 'Bash', args: {command: 'cat a.txt'}}]}));
		const contents: Content[] = [question];
		const outputs = ['a.txt', 'hello world'];
		for (let step = 0; step < 2; step++) {
			const reply = await stream(s, envelope(CLAUDE, contents, TOOLS), token);
			const fc = parts(reply.text).find((p) => p.functionCall !== undefined)?.functionCall;
			assert.equal(fc?.name, 'Bash');
			assert.equal(fc?.args.command, step === 0 ? 'ls' : 'cat a.txt');
			contents.push({role: 'model', parts: [{functionCall: fc}]});
			// Claude Code style: tool result plus a reminder text in the same user turn; the script still drives.
			contents.push({role: 'user', parts: [{functionResponse: {id: fc?.id, name: 'Bash', response: {output: outputs[step]}}}, {text: '<system-reminder>x</system-reminder>'}]});
		}
		const final = await stream(s, envelope(CLAUDE, contents, TOOLS), token);
		assert.equal(visibleText(final.text), 'Done after 2 tool steps. Last tool output: hello world');
		// A new plain user message ends the script.
		contents.push({role: 'model', parts: [{text: 'ok'}]}, user('thanks'));
		assert.equal(visibleText((await stream(s, envelope(CLAUDE, contents, TOOLS), token)).text), 'Hello from claude-sonnet-4-6. You said: thanks');
	});

	test('parallel tools on Gemini: one turn, several calls, only the first signed', async () => {
		const body = await ask({kind: 'parallel_tools', calls: [{name: 'Bash', args: {command: 'a'}}, {name: 'Bash', args: {command: 'b'}}]}, GEMINI, TOOLS);
		const calls = parts(body).filter((p) => p.functionCall !== undefined);
		assert.equal(calls.length, 2);
		assert.ok(calls[0]?.thoughtSignature);
		assert.equal(calls[1]?.thoughtSignature, undefined);
		assert.equal(lastEvent(body).response?.candidates?.[0]?.finishReason, 'STOP');
	});

	test('image: inlineData PNG', async () => {
		const body = await ask({kind: 'image', text: 'Here it is.'}, 'gemini-3.1-flash-image');
		const image = parts(body).find((p) => p.inlineData !== undefined)?.inlineData;
		assert.equal(image?.mimeType, 'image/png');
		assert.equal(image?.data, PNG_1X1);
		assert.deepEqual([...Buffer.from(image?.data ?? '', 'base64').subarray(1, 4)], [0x50, 0x4e, 0x47]);
	});

	test('cached: cachedContentTokenCount reported', async () => {
		const body = await ask({kind: 'cached', cachedTokens: 7});
		assert.equal(lastEvent(body).response?.usageMetadata?.cachedContentTokenCount, 7);
	});

	test('long: N chunks of chunkSize', async () => {
		const body = await ask({kind: 'long', chunks: 50, chunkSize: 32});
		const received = parts(body);
		assert.equal(received.length, 50);
		assert.ok(received.every((p) => p.text?.length === 32));
	});

	test('max_tokens, safety, empty, malformed_function_call', async () => {
		assert.equal(lastEvent(await ask({kind: 'max_tokens'})).response?.candidates?.[0]?.finishReason, 'MAX_TOKENS');
		const safety = lastEvent(await ask({kind: 'safety'})).response?.candidates?.[0];
		assert.equal(safety?.finishReason, 'SAFETY');
		assert.equal(safety?.content, undefined);
		const empty = events(await ask({kind: 'empty'}));
		assert.equal(empty.length, 1);
		assert.deepEqual(empty[0]?.response?.candidates?.[0], {content: {role: 'model'}, finishReason: 'STOP'});
		const malformed = lastEvent(await ask({kind: 'malformed_function_call'})).response?.candidates?.[0];
		assert.equal(malformed?.finishReason, 'MALFORMED_FUNCTION_CALL');
		assert.match(malformed?.finishMessage ?? '', /^Malformed function call/);
	});

	test('echo: a JSON summary of the (normalised) request', async () => {
		const body = await ask({kind: 'echo'}, GEMINI, {
			systemInstruction: {role: 'user', parts: [{text: 'sys'}]},
			generation_config: {maxOutputTokens: 100, thinking_config: {include_thoughts: true, thinking_level: 'low'}},
			...TOOLS,
			toolConfig: {functionCallingConfig: {mode: 'AUTO'}},
			sessionId: 'sess',
		});
		const summary = JSON.parse(visibleText(body)) as Record<string, unknown>;
		assert.deepEqual(summary, {
			model: GEMINI,
			project: 'agproxy-demo-project',
			requestType: 'agent',
			userAgent: 'antigravity',
			sessionId: 'sess',
			contents: 1,
			roles: ['user'],
			parts: [['text']],
			systemInstruction: 'sys',
			generationConfig: {maxOutputTokens: 100, thinkingConfig: {includeThoughts: true, thinkingLevel: 'LOW'}},
			tools: 1,
			toolNames: ['Bash'],
			toolConfig: {functionCallingConfig: {mode: 'AUTO'}},
		});
		// The echo is the only part (no thought), and it carries the Gemini signature.
		assert.equal(parts(body).length, 1);
		assert.ok(parts(body)[0]?.thoughtSignature);
	});

	test('non-streaming generateContent merges the parts into one response', async () => {
		const reply = await generate(s, envelope('claude-opus-4-6-thinking', [user(simMarker({kind: 'thinking', thinking: 'abc def', text: 'xyz uvw', chunks: 3}))]), token);
		assert.equal(reply.status, 200);
		const body = reply.json as {response: {candidates: Array<{content: {parts: Array<{text: string; thought?: boolean; thoughtSignature?: string}>}; finishReason: string}>}; traceId: string};
		const merged = body.response.candidates[0];
		assert.equal(merged?.finishReason, 'STOP');
		assert.equal(merged?.content.parts.length, 2);
		assert.equal(merged?.content.parts[0]?.text, 'abc def');
		assert.ok(merged?.content.parts[0]?.thoughtSignature);
		assert.equal(merged?.content.parts[1]?.text, 'xyz uvw');
		assert.match(body.traceId, /^[0-9a-f]{16}$/);
	});

	test('streamGenerateContent without alt=sse answers a JSON array; ?$alt=sse is SSE', async () => {
		const array = await call(s, '/v1internal:streamGenerateContent', envelope(CLAUDE, [user('hi')]), token);
		assert.ok(Array.isArray(array.json));
		assert.equal((array.json as unknown[]).length, 3);
		const dollar = await call(s, '/v1internal:streamGenerateContent?$alt=sse', envelope(CLAUDE, [user('hi')]), token);
		assert.equal(dollar.headers.get('content-type'), 'text/event-stream');
		assert.equal(events(dollar.text).length, 3);
	});
});
