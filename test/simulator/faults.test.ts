import assert from 'node:assert/strict';
import {request as httpRequest} from 'node:http';
import {before, describe, test} from 'node:test';
import {type CannedErrorName, type SimScript, type Simulator, simMarker} from '../../source/simulator/index.js';
import {ACCOUNT, ACCOUNT2, call, envelope, errorMessage, events, lastEvent, parts, sim, stream, user} from './helpers.js';

let s: Simulator;
let token: string;
let token2: string;
before(async () => {
	s = await sim();
	token = s.issueAccessToken(ACCOUNT);
	token2 = s.issueAccessToken(ACCOUNT2);
});

const MODEL = 'claude-sonnet-4-6';
const body = (text = 'hi', model = MODEL): Record<string, unknown> => envelope(model, [user(text)]);
const body2 = (): Record<string, unknown> => envelope(MODEL, [user('hi')], {}, {project: 'agproxy-demo-project-2'});

type Raw = {status: number; headers: Record<string, string | string[] | undefined>; chunks: Array<{at: number; data: string}>; error?: string; started: number};

/** A raw HTTP POST that records each received data event with its arrival time, and how the stream ended. */
function raw(target: Simulator, path: string, payload: unknown, bearer: string): Promise<Raw> {
	return new Promise((resolve) => {
		const started = Date.now();
		const out: Raw = {status: 0, headers: {}, chunks: [], started};
		const req = httpRequest(`${target.url}${path}`, {method: 'POST', headers: {authorization: `Bearer ${bearer}`, 'content-type': 'application/json'}}, (res) => {
			out.status = res.statusCode ?? 0;
			out.headers = res.headers;
			res.setEncoding('utf8');
			res.on('data', (data: string) => out.chunks.push({at: Date.now(), data}));
			res.on('end', () => resolve(out));
			res.on('error', (error) => {
				out.error = error.message;
				resolve(out);
			});
			res.on('aborted', () => {
				out.error ??= 'aborted';
			});
		});
		req.on('error', (error) => {
			out.error = error.message;
			resolve(out);
		});
		req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
		req.end(JSON.stringify(payload));
	});
}

const SSE = '/v1internal:streamGenerateContent?alt=sse';
const text = (r: Raw): string => r.chunks.map((c) => c.data).join('');

describe('http_error scripts', () => {
	const expected: Array<[CannedErrorName, number, string, string | undefined]> = [
		['rate_limit', 429, 'RESOURCE_EXHAUSTED', 'RATE_LIMIT_EXCEEDED'],
		['quota_exhausted', 429, 'RESOURCE_EXHAUSTED', 'QUOTA_EXHAUSTED'],
		['bare_429', 429, 'RESOURCE_EXHAUSTED', undefined],
		['capacity_503', 503, 'UNAVAILABLE', 'MODEL_CAPACITY_EXHAUSTED'],
		['unauthenticated_401', 401, 'UNAUTHENTICATED', 'ACCESS_TOKEN_EXPIRED'],
		['validation_required_403', 403, 'PERMISSION_DENIED', 'VALIDATION_REQUIRED'],
		['permission_403', 403, 'PERMISSION_DENIED', 'IAM_PERMISSION_DENIED'],
		['banned_403', 403, 'PERMISSION_DENIED', 'TOS_VIOLATION'],
		['invalid_argument_400', 400, 'INVALID_ARGUMENT', undefined],
		['not_found_404', 404, 'NOT_FOUND', undefined],
		['server_500', 500, 'INTERNAL', undefined],
	];
	for (const [name, status, rpcStatus, reason] of expected) {
		test(name, async () => {
			const reply = await stream(s, body(simMarker({kind: 'http_error', error: name})), token);
			assert.equal(reply.status, status);
			const err = (reply.json as {error: {code: number; status: string; details?: Array<{reason?: string}>}}).error;
			assert.equal(err.code, status);
			assert.equal(err.status, rpcStatus);
			assert.equal(err.details?.[0]?.reason, reason);
			assert.match(reply.text, /^\{\n {2}"error": \{\n {4}"code": /, 'pretty-printed with two spaces');
			assert.match(reply.headers.get('x-cloudaicompanion-trace-id') ?? '', /^[0-9a-f]{16}$/);
		});
	}

	test('rate_limit and quota_exhausted carry the delays; model named in metadata', async () => {
		const rate = await stream(s, body(simMarker({kind: 'http_error', error: 'rate_limit', retryDelaySec: 1.5})), token);
		const rateBody = rate.json as {error: {message: string; details: Array<{metadata?: Record<string, string>; retryDelay?: string}>}};
		assert.equal(rateBody.error.details[1]?.retryDelay, '1.5s');
		assert.equal(rateBody.error.details[0]?.metadata?.quotaResetDelay, '1.5s');
		assert.equal(rateBody.error.details[0]?.metadata?.model, MODEL);
		const quota = await stream(s, body(simMarker({kind: 'http_error', error: 'quota_exhausted', retryDelaySec: 3725})), token);
		assert.equal(errorMessage(quota), 'You have exhausted your capacity on this model. Your quota will reset after 1h2m5s.');
		const capacity = await stream(s, body(simMarker({kind: 'http_error', error: 'capacity_503', retryDelaySec: 2})), token);
		assert.equal(errorMessage(capacity), `No capacity available for model ${MODEL} on the server`);
	});

	test('array-wrapped, event-stream content type, legacy errors array, custom status and message', async () => {
		const reply = await stream(s, body(simMarker({kind: 'http_error', error: 'bare_429', arrayWrapped: true, contentType: 'event-stream', legacyErrors: true})), token);
		assert.equal(reply.headers.get('content-type'), 'text/event-stream');
		assert.ok(reply.text.startsWith('[{\n  "error": {\n    "code": 429,\n    "message": "Resource has been exhausted (e.g. check quota).",\n    "errors": ['));
		assert.ok(reply.text.endsWith('}\n]'));
		const custom = await stream(s, body(simMarker({kind: 'http_error', error: 'server_500', status: 502, message: 'Bad gateway'})), token);
		assert.equal(custom.status, 502);
		assert.equal(errorMessage(custom), 'Bad gateway');
	});

	test('split: the error body arrives in two writes', async () => {
		const r = await raw(s, SSE, body(simMarker({kind: 'http_error', error: 'rate_limit', split: true})), token);
		assert.equal(r.status, 429);
		assert.ok(r.chunks.length >= 2, `chunks: ${r.chunks.length}`);
		assert.ok(JSON.parse(text(r)));
	});
});

describe('stream faults', () => {
	test('disconnect_mid_stream: N events then the socket dies', async () => {
		const r = await raw(s, SSE, body(simMarker({kind: 'disconnect_mid_stream', afterChunks: 2})), token);
		assert.equal(r.status, 200);
		assert.ok(r.error !== undefined, 'the body errors');
		assert.equal(events(text(r)).length, 2);
		assert.equal(events(text(r)).some((e) => e.response?.candidates?.[0]?.finishReason !== undefined), false);
	});

	test('slow_first_byte delays the headers', async () => {
		const r = await raw(s, SSE, body(simMarker({kind: 'slow_first_byte', ms: 150})), token);
		assert.equal(r.status, 200);
		assert.ok((r.chunks[0]?.at ?? 0) - r.started >= 140);
		assert.equal(lastEvent(text(r)).response?.candidates?.[0]?.finishReason, 'STOP');
	});

	test('truncated: a clean end without any finishReason', async () => {
		const reply = await stream(s, body(simMarker({kind: 'truncated', answer: {kind: 'text', text: 'partial answer', chunks: 2}})), token);
		assert.equal(reply.status, 200);
		assert.equal(events(reply.text).length, 2);
		assert.equal(events(reply.text).some((e) => e.response?.candidates?.[0]?.finishReason !== undefined), false);
	});

	test('malformed_chunk: one data line with broken JSON, the rest intact', async () => {
		const reply = await stream(s, body(simMarker({kind: 'malformed_chunk', at: 1})), token);
		const blocks = reply.text.split('\r\n\r\n').filter((b) => b !== '');
		assert.equal(blocks.length, 5);
		assert.throws(() => JSON.parse((blocks[1] ?? '').slice(6)));
		assert.ok(blocks[1]?.startsWith('data: {'));
		assert.equal(events(blocks.filter((_, i) => i !== 1).join('\r\n\r\n') + '\r\n\r\n').length, 4);
	});

	test('stall: a pause mid-stream', async () => {
		const r = await raw(s, SSE, body(simMarker({kind: 'stall', afterChunks: 1, ms: 200})), token);
		const firstGap = r.chunks.findIndex((c, i) => i > 0 && c.at - (r.chunks[i - 1]?.at ?? 0) >= 180);
		assert.ok(firstGap > 0, JSON.stringify(r.chunks.map((c) => c.at - r.started)));
		assert.equal(lastEvent(text(r)).response?.candidates?.[0]?.finishReason, 'STOP');
	});

	test('chunkDelayMs paces every chunk', async () => {
		const paced = await sim({chunkDelayMs: 60});
		const r = await raw(paced, SSE, body(simMarker({kind: 'text', chunks: 4})), paced.issueAccessToken(ACCOUNT));
		const last = r.chunks.at(-1)?.at ?? 0;
		assert.ok(last - r.started >= 170, `took ${last - r.started}ms`);
		assert.equal(events(text(r)).length, 4);
	});

	test('faults on non-streaming generateContent', async () => {
		const r = await raw(s, '/v1internal:generateContent', body(simMarker({kind: 'disconnect_mid_stream'})), token);
		assert.ok(r.error !== undefined);
		const broken = await call(s, '/v1internal:generateContent', body(simMarker({kind: 'malformed_chunk'})), token);
		assert.equal(broken.status, 200);
		assert.equal(broken.json, undefined);
		const truncated = await call(s, '/v1internal:generateContent', body(simMarker({kind: 'truncated'})), token);
		assert.equal((truncated.json as {response: {candidates: Array<{finishReason?: string}>}}).response.candidates[0]?.finishReason, undefined);
	});
});

describe('enqueued rules', () => {
	test('match by account and times; the other account is unaffected; rules beat markers', async () => {
		s.enqueue({match: {account: ACCOUNT}, times: 2, script: {kind: 'http_error', error: 'rate_limit'}});
		assert.equal((await stream(s, body2(), token2)).status, 200);
		assert.equal((await stream(s, body(), token)).status, 429);
		assert.equal((await stream(s, body(simMarker({kind: 'text', text: 'marker'})), token)).status, 429);
		const after = await stream(s, body(simMarker({kind: 'text', text: 'marker'})), token);
		assert.equal(after.status, 200);
		assert.equal(parts(after.text).map((p) => p.text).join(''), 'marker');
	});

	test('match by model and by method; generate rules are not eaten by other methods', async () => {
		s.enqueue({match: {model: 'gemini-3-flash'}, script: {kind: 'http_error', error: 'capacity_503'}});
		assert.equal((await call(s, '/v1internal:loadCodeAssist', {}, token)).status, 200);
		assert.equal((await stream(s, body(), token)).status, 200);
		assert.equal((await stream(s, body('hi', 'gemini-3-flash'), token)).status, 503);
		s.enqueue({match: {method: 'loadCodeAssist'}, script: {kind: 'http_error', error: 'server_500'}});
		assert.equal((await call(s, '/v1internal:loadCodeAssist', {}, token)).status, 500);
		assert.equal((await call(s, '/v1internal:loadCodeAssist', {}, token)).status, 200);
		s.enqueue({match: {method: 'generateContent'}, script: {kind: 'empty'}});
		assert.equal((await stream(s, body(), token)).status, 200);
		const whole = await call(s, '/v1internal:generateContent', body(), token);
		assert.deepEqual((whole.json as {response: {candidates: unknown[]}}).response.candidates[0], {content: {role: 'model'}, finishReason: 'STOP'});
	});

	test('match by toolLoop: only a request that continues a tool loop consumes the rule', async () => {
		s.enqueue({match: {toolLoop: true}, script: {kind: 'http_error', error: 'server_500'}});
		const loop = envelope(MODEL, [
			user('run it'),
			{role: 'model', parts: [{functionCall: {name: 'Bash', args: {command: 'ls'}, id: 'toolu_1'}}]},
			{role: 'user', parts: [{functionResponse: {name: 'Bash', id: 'toolu_1', response: {output: 'a.txt'}}}]},
		]);
		assert.equal((await stream(s, body(), token)).status, 200, 'a fresh question passes');
		assert.equal((await stream(s, loop, token)).status, 500, 'the tool-loop continuation takes the fault');
		assert.equal((await stream(s, loop, token)).status, 200, 'once');
		s.enqueue({match: {toolLoop: false}, script: {kind: 'http_error', error: 'server_500'}});
		assert.equal((await stream(s, loop, token)).status, 200);
		assert.equal((await stream(s, body(), token)).status, 500);
	});

	test('HTTP control endpoints: enqueue (one or many), token, requests, reset', async () => {
		const control = await sim();
		const issued = await call(control, '/__sim/token', {email: ACCOUNT});
		const bearer = String((issued.json as {access_token: string}).access_token);
		const queued = await call(control, '/__sim/enqueue', [
			{match: {account: ACCOUNT}, script: {kind: 'http_error', error: 'bare_429'}},
			{script: {kind: 'text', text: 'second'}},
		]);
		assert.deepEqual(queued.json, {queued: 2, pending: 2});
		assert.equal((await stream(control, body(), bearer)).status, 429);
		assert.equal(parts((await stream(control, body(), bearer)).text).map((p) => p.text).join(''), 'second');
		const listed = (await call(control, '/__sim/requests', undefined, undefined, {method: 'GET'})).json as {requests: Array<{rpc: string; account: string; status: number}>};
		assert.deepEqual(
			listed.requests.map((r) => [r.rpc, r.account, r.status]),
			[
				['streamGenerateContent', ACCOUNT, 429],
				['streamGenerateContent', ACCOUNT, 200],
			],
		);
		assert.equal(control.requests[0]?.headers.authorization, `Bearer ${bearer}`);
		await call(control, '/__sim/enqueue', {script: {kind: 'http_error', error: 'bare_429'}});
		await call(control, '/__sim/reset', {});
		assert.equal(control.requests.length, 0);
		assert.equal((await stream(control, body(), bearer)).status, 200, 'reset drops rules but keeps tokens');
	});

	test('a marker fault in the prompt applies to every request that carries it', async () => {
		const script: SimScript = {kind: 'http_error', error: 'bare_429'};
		assert.equal((await stream(s, body(simMarker(script)), token)).status, 429);
		assert.equal((await stream(s, body(simMarker(script)), token)).status, 429);
	});
});
