import assert from 'node:assert/strict';
import {describe, test} from 'node:test';
import {simMarker} from '../../source/simulator/index.js';
import {ACCOUNT, ACCOUNT2, type Content, envelope, events, lastEvent, parts, sim, stream, user} from './helpers.js';

const MODEL = 'claude-sonnet-4-6';

describe('SSE framing', () => {
	test('byte-exact events: `data: <compact json>` CRLF CRLF, no [DONE], trace id header = body traceId', async () => {
		const s = await sim();
		const reply = await stream(s, envelope(MODEL, [user(simMarker({kind: 'text', text: 'abcdef', chunks: 2}))]), s.issueAccessToken(ACCOUNT));
		assert.equal(reply.status, 200);
		assert.equal(reply.headers.get('content-type'), 'text/event-stream');
		assert.equal(reply.headers.get('content-length'), null);
		const first = events(reply.text)[0]?.response;
		const traceId = reply.headers.get('x-cloudaicompanion-trace-id') ?? '';
		assert.match(traceId, /^[0-9a-f]{16}$/);
		const prompt = first?.usageMetadata?.promptTokenCount ?? 0;
		const responseId = first?.responseId ?? '';
		assert.match(responseId, /^msg_vrtx_[1-9A-Za-z]{24}$/);
		const event = (piece: string, out: number, finish: boolean): string =>
			`data: {"response":{"candidates":[{"content":{"role":"model","parts":[{"text":"${piece}"}]}${finish ? ',"finishReason":"STOP"' : ''}}],"usageMetadata":{"promptTokenCount":${prompt},"candidatesTokenCount":${out},"totalTokenCount":${prompt + out}},"modelVersion":"${MODEL}","responseId":"${responseId}"},"traceId":"${traceId}"}\r\n\r\n`;
		assert.equal(reply.text, event('abc', 1, false) + event('def', 2, true));
		assert.ok(!reply.text.includes('[DONE]'));
	});

	test('usage on every chunk: candidates and thoughts grow, total adds up', async () => {
		const s = await sim();
		const reply = await stream(
			s,
			envelope('claude-opus-4-6-thinking', [user('Tell me something')], {generationConfig: {thinkingConfig: {includeThoughts: true, thinkingBudget: 2048}}}),
			s.issueAccessToken(ACCOUNT),
		);
		const usages = events(reply.text).map((e) => e.response?.usageMetadata ?? {});
		assert.ok(usages.length >= 4);
		assert.equal(parts(reply.text)[0]?.thought, true, 'thinking on: the answer starts with a thought');
		let previous = 0;
		for (const u of usages) {
			const total = (u.promptTokenCount ?? 0) + (u.candidatesTokenCount ?? 0) + (u.thoughtsTokenCount ?? 0);
			assert.equal(u.totalTokenCount, total);
			assert.ok(total >= previous);
			previous = total;
		}
		assert.ok((usages.at(-1)?.thoughtsTokenCount ?? 0) > 0);
		assert.ok((usages.at(-1)?.candidatesTokenCount ?? 0) > 0);
	});
});

describe('determinism', () => {
	test('the same request twice gives the same bytes except the counter-based trace id', async () => {
		const s = await sim();
		const token = s.issueAccessToken(ACCOUNT);
		const body = envelope('gemini-3-flash', [user(simMarker({kind: 'tools', calls: [{name: 'Read', args: {path: '/a'}}]}))], {
			tools: [{functionDeclarations: [{name: 'Read', parameters: {type: 'OBJECT', properties: {path: {type: 'STRING'}}}}]}],
		});
		const a = await stream(s, body, token);
		const b = await stream(s, body, token);
		const traceA = a.headers.get('x-cloudaicompanion-trace-id') ?? '';
		const traceB = b.headers.get('x-cloudaicompanion-trace-id') ?? '';
		assert.notEqual(traceA, traceB);
		assert.equal(a.text.replaceAll(traceA, 'T'), b.text.replaceAll(traceB, 'T'));
	});

	test('two simulators with the same signature secret answer byte-identically', async () => {
		const one = await sim({signatureSecret: 'k'});
		const two = await sim({signatureSecret: 'k'});
		const body = envelope('claude-opus-4-6-thinking', [user(simMarker({kind: 'thinking'}))], {generationConfig: {thinkingConfig: {thinkingBudget: 2048}}});
		const a = await stream(one, body, one.issueAccessToken(ACCOUNT));
		const b = await stream(two, body, two.issueAccessToken(ACCOUNT));
		assert.equal(a.text, b.text);
	});
});

describe('prompt cache (per account and sessionId)', () => {
	test('a request that extends the previous contents reports the previous prompt as cached', async () => {
		const s = await sim();
		const token = s.issueAccessToken(ACCOUNT);
		const system = {systemInstruction: {role: 'user', parts: [{text: 'You are terse.'}]}};
		const turn1: Content[] = [user('first question')];
		const first = await stream(s, envelope(MODEL, turn1, {...system, sessionId: 's-1'}), token);
		const firstUsage = lastEvent(first.text).response?.usageMetadata;
		assert.equal(firstUsage?.cachedContentTokenCount, undefined);

		const turn2: Content[] = [...turn1, {role: 'model', parts: [{text: 'answer'}]}, user('second question')];
		const second = lastEvent((await stream(s, envelope(MODEL, turn2, {...system, sessionId: 's-1'}), token)).text).response?.usageMetadata;
		assert.equal(second?.cachedContentTokenCount, firstUsage?.promptTokenCount);
		assert.ok((second?.promptTokenCount ?? 0) > (firstUsage?.promptTokenCount ?? 0), 'promptTokenCount includes the cached part');

		// Another session, another account, a changed system prompt or a rewritten history: no hit.
		const other = lastEvent((await stream(s, envelope(MODEL, turn2, {...system, sessionId: 's-2'}), token)).text).response?.usageMetadata;
		assert.equal(other?.cachedContentTokenCount, undefined);
		const otherAccount = lastEvent(
			(await stream(s, envelope(MODEL, turn2, {...system, sessionId: 's-1'}, {project: 'agproxy-demo-project-2'}), s.issueAccessToken(ACCOUNT2))).text,
		).response?.usageMetadata;
		assert.equal(otherAccount?.cachedContentTokenCount, undefined);
		const changed = lastEvent((await stream(s, envelope(MODEL, [...turn2, {role: 'model', parts: [{text: 'x'}]}, user('third')], {sessionId: 's-1'}), token)).text)
			.response?.usageMetadata;
		assert.equal(changed?.cachedContentTokenCount, undefined);
		const rewritten = lastEvent((await stream(s, envelope(MODEL, [user('edited question')], {sessionId: 's-1'}), token)).text).response?.usageMetadata;
		assert.equal(rewritten?.cachedContentTokenCount, undefined);
		// Without a sessionId nothing is cached.
		await stream(s, envelope(MODEL, turn1), token);
		assert.equal(lastEvent((await stream(s, envelope(MODEL, turn2), token)).text).response?.usageMetadata?.cachedContentTokenCount, undefined);
	});
});

describe('lifecycle', () => {
	test('close() returns promptly even with a stalled stream in flight', async () => {
		const s = await sim();
		const pending = stream(s, envelope(MODEL, [user(simMarker({kind: 'stall', afterChunks: 1, ms: 60_000}))]), s.issueAccessToken(ACCOUNT)).catch((error: unknown) => error);
		await new Promise((resolve) => setTimeout(resolve, 100));
		const started = Date.now();
		await s.close();
		assert.ok(Date.now() - started < 2000);
		await pending;
	});
});
