// Every error a client can see, through the official SDK's error classes; upstream faults before and during a stream;
// keep-alive pings; client disconnects; and Claude Code's real request under the simulator's strict validation.
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {type Server, createServer} from 'node:http';
import type {AddressInfo} from 'node:net';
import {after, before, beforeEach, describe, it} from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import {type App, startApp} from '../../source/app.js';
import {MemoryDataStore} from '../../source/store/memory.js';
import {loadConfig} from '../../source/config.js';
import {type FaultRule, type SimScript, simMarker} from '../../source/simulator/index.js';
import {type Stack, startStack} from '../helpers/stack.js';

let stack: Stack;
before(async () => {
	stack = await startStack({env: {AGPROXY_PING_INTERVAL_MS: '100', AGPROXY_API_KEY: 'test-key'}});
});
after(() => stack.close());
beforeEach(() => stack.sim.reset());

const base = {model: 'claude-sonnet-4-6', max_tokens: 100, messages: [{role: 'user' as const, content: 'hello'}]};

type ApiError = InstanceType<typeof Anthropic.APIError>;

async function expectStatus(promise: Promise<unknown>, errorClass: new (...args: never[]) => ApiError, status: number, type: string): Promise<ApiError> {
	const error = await promise.then(
		() => assert.fail(`expected ${status}`),
		(e: unknown) => e,
	);
	assert.ok(error instanceof errorClass, `expected ${errorClass.name}, got ${(error as Error).constructor.name}: ${(error as Error).message}`);
	assert.equal(error.status, status);
	assert.equal((error.error as {error?: {type?: string}} | undefined)?.error?.type, type);
	assert.ok(error.requestID, 'request-id header');
	return error;
}

function fault(script: SimScript, times = 1): void {
	const rule: FaultRule = {script, times};
	stack.sim.enqueue(rule);
}

describe('error statuses through the SDK', () => {
	it('401 authentication_error without or with a wrong key', async () => {
		const noKey = new Anthropic({baseURL: stack.app.url, apiKey: 'wrong', maxRetries: 0});
		await expectStatus(noKey.messages.create(base), Anthropic.AuthenticationError, 401, 'authentication_error');
		const bearer = await fetch(`${stack.app.url}/v1/messages/count_tokens`, {method: 'POST', headers: {authorization: 'Bearer test-key', 'content-type': 'application/json'}, body: JSON.stringify(base)});
		assert.equal(bearer.status, 200, 'Authorization: Bearer works too');
		assert.equal((await fetch(`${stack.app.url}/health`)).status, 200, 'health needs no key');
	});

	it('400 invalid_request_error for bad input and for an upstream INVALID_ARGUMENT', async () => {
		await expectStatus(stack.client.messages.create({...base, max_tokens: -1}), Anthropic.BadRequestError, 400, 'invalid_request_error');
		fault({kind: 'http_error', error: 'invalid_argument_400'});
		const error = await expectStatus(stack.client.messages.create(base), Anthropic.BadRequestError, 400, 'invalid_request_error');
		assert.match(error.message, /Upstream rejected the request/);
	});

	it('403 permission_error for a verification-required account, with the link', async () => {
		fault({kind: 'http_error', error: 'validation_required_403'});
		const error = await expectStatus(stack.client.messages.create(base), Anthropic.PermissionDeniedError, 403, 'permission_error');
		assert.match(error.message, /https:\/\/accounts\.google\.com/);
	});

	it('404 not_found_error for a model upstream does not have', async () => {
		await expectStatus(stack.client.messages.create({...base, model: 'gemini-9-imaginary'}), Anthropic.NotFoundError, 404, 'not_found_error');
	});

	it('413 request_too_large', async () => {
		const small = await startApp(loadConfig({port: 0, upstream: stack.sim.url}, {AGPROXY_BODY_LIMIT_BYTES: '2000'}), {dataStore: new MemoryDataStore()});
		try {
			const client = new Anthropic({baseURL: small.url, apiKey: 'x', maxRetries: 0});
			await expectStatus(client.messages.create({...base, messages: [{role: 'user', content: 'x'.repeat(5000)}]}), Anthropic.ContentTooLargeError, 413, 'request_too_large');
		} finally {
			await small.stop();
		}
	});

	it('429 rate_limit_error with retry-after for a long rate limit and for an exhausted quota', async () => {
		fault({kind: 'http_error', error: 'rate_limit', retryDelaySec: 42});
		const limited = await expectStatus(stack.client.messages.create(base), Anthropic.RateLimitError, 429, 'rate_limit_error');
		assert.equal(limited.headers?.get('retry-after'), '42');
		assert.equal(limited.headers?.get('x-should-retry'), null, 'a limit is worth retrying: the default applies');
		const reset = new Date(Date.now() + 3_600_000).toISOString();
		fault({kind: 'http_error', error: 'quota_exhausted', resetTime: reset, arrayWrapped: true});
		const exhausted = await expectStatus(stack.client.messages.create(base), Anthropic.RateLimitError, 429, 'rate_limit_error');
		const retryAfter = Number(exhausted.headers?.get('retry-after'));
		assert.ok(retryAfter > 3500 && retryAfter <= 3601, `retry-after ${retryAfter}`);
		assert.match(exhausted.message, /Quota exhausted/);
	});

	it('a short rate limit is waited out and retried, not returned', async () => {
		fault({kind: 'http_error', error: 'rate_limit', retryDelaySec: 0.2});
		const message = await stack.client.messages.create(base);
		assert.equal(message.stop_reason, 'end_turn');
	});

	it('529 overloaded_error when upstream has no capacity, on every try', async () => {
		fault({kind: 'http_error', error: 'capacity_503'}, 10);
		await expectStatus(stack.client.messages.create(base), Anthropic.OverloadedError, 529, 'overloaded_error');
	});

	it('5xx api_error when upstream keeps failing; a single failure is retried invisibly', async () => {
		fault({kind: 'http_error', error: 'server_500', split: true}, 10);
		await expectStatus(stack.client.messages.create(base), Anthropic.InternalServerError, 502, 'api_error');
		stack.sim.reset();
		fault({kind: 'http_error', error: 'server_500'});
		assert.equal((await stack.client.messages.create(base)).stop_reason, 'end_turn');
	});

	it('an upstream 401 is agproxy\'s credential problem: 502, not the client\'s 401', async () => {
		fault({kind: 'http_error', error: 'unauthenticated_401'});
		await expectStatus(stack.client.messages.create(base), Anthropic.InternalServerError, 502, 'api_error');
	});
});

describe('broken upstream streams', () => {
	it('empty answers, truncated streams and malformed chunks are retried before the first byte', async () => {
		for (const script of [{kind: 'empty'}, {kind: 'truncated'}, {kind: 'malformed_chunk', at: 0}] satisfies SimScript[]) {
			fault(script);
			const message = await stack.client.messages.create(base);
			assert.equal(message.stop_reason, 'end_turn', script.kind);
			assert.ok(message.content.length > 0);
		}
	});

	it('an empty answer that persists is an error, never a 200', async () => {
		fault({kind: 'empty'}, 10);
		await expectStatus(stack.client.messages.create(base), Anthropic.InternalServerError, 502, 'api_error');
		fault({kind: 'empty'}, 10);
		const stream = stack.client.messages.stream(base);
		await assert.rejects(stream.finalMessage(), (error: unknown) => error instanceof Anthropic.APIError && error.status === 502);
	});

	it('a disconnect after content reaches the streaming client as an SSE error event', async () => {
		fault({kind: 'disconnect_mid_stream', afterChunks: 2, answer: {kind: 'long', chunks: 10}});
		const stream = stack.client.messages.stream(base);
		const error = await stream.finalMessage().then(
			() => assert.fail('expected an error'),
			(e: unknown) => e,
		);
		assert.ok(error instanceof Anthropic.APIError, String(error));
		assert.match(String((error as Error).message), /api_error|upstream/);
		assert.equal((await fetch(`${stack.app.url}/health`)).status, 200);
	});

	it('sends ping events while upstream is silent mid-stream', async () => {
		fault({kind: 'stall', afterChunks: 1, ms: 450, answer: {kind: 'long', chunks: 3}});
		const response = await fetch(`${stack.app.url}/v1/messages`, {method: 'POST', headers: {'x-api-key': 'test-key', 'content-type': 'application/json'}, body: JSON.stringify({...base, stream: true})});
		const text = await response.text();
		const pings = text.split('\n').filter(line => line === 'event: ping').length;
		assert.ok(pings >= 2, `saw ${pings} pings`);
		assert.ok(text.trimEnd().endsWith('data: {"type":"message_stop"}'));
	});

	it('malformed requests through the SDK get 400s and the server stays up', async () => {
		const cases = [
			{...base, messages: [{role: 'user', content: [{type: 'image', source: {type: 'base64', media_type: 'image/png', data: 'AAAA'}}]}]},
			{...base, messages: [{role: 'tool', content: 'x'}]},
			{...base, tools: Array.from({length: 3}, () => ({name: 'same', input_schema: {type: 'object'}}))},
		];
		for (const body of cases) {
			await expectStatus(stack.client.messages.create(body as unknown as Anthropic.MessageCreateParamsNonStreaming), Anthropic.BadRequestError, 400, 'invalid_request_error');
		}
	});
});

describe('client disconnect', () => {
	let upstream: Server;
	let app: App;
	let upstreamClosed: Promise<void>;

	before(async () => {
		// A slow upstream that records when agproxy hangs up on it.
		let markClosed: () => void = () => {};
		upstreamClosed = new Promise(resolve => {
			markClosed = resolve;
		});
		upstream = createServer((req, res) => {
			req.resume();
			if (!req.url?.includes(':streamGenerateContent')) {
				res.writeHead(404).end();
				return;
			}
			res.writeHead(200, {'content-type': 'text/event-stream'});
			const chunk = (text: string): string => `data: ${JSON.stringify({response: {candidates: [{content: {role: 'model', parts: [{text}]}}]}})}\n\n`;
			const timer = setInterval(() => res.write(chunk('tick ')), 20);
			res.on('close', () => {
				clearInterval(timer);
				markClosed();
			});
		});
		await new Promise<void>(resolve => upstream.listen(0, '127.0.0.1', resolve));
		const config = loadConfig({port: 0, upstream: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`}, {});
		config.accessToken = 't';
		config.project = 'p';
		app = await startApp(config, {dataStore: new MemoryDataStore()});
	});
	after(async () => {
		await app.stop();
		upstream.closeAllConnections();
		await new Promise(resolve => upstream.close(resolve));
	});

	it('aborts the upstream request when the client goes away mid-stream', async () => {
		const controller = new AbortController();
		const response = await fetch(`${app.url}/v1/messages`, {method: 'POST', headers: {'content-type': 'application/json'}, body: JSON.stringify({...base, stream: true}), signal: controller.signal});
		const reader = response.body?.getReader();
		assert.ok(reader);
		const first = await reader.read();
		assert.match(new TextDecoder().decode(first.value), /message_start|content_block/);
		controller.abort();
		const closed = await Promise.race([upstreamClosed.then(() => true), new Promise<boolean>(resolve => setTimeout(() => resolve(false), 3000))]);
		assert.equal(closed, true, 'upstream connection was closed');
	});
});

describe("Claude Code's real request", () => {
	const captured = JSON.parse(readFileSync(new URL('../fixtures/claude-code/request.json', import.meta.url), 'utf8')) as Anthropic.MessageCreateParamsStreaming;

	for (const model of ['claude-opus-4-8', 'gemini-3.1-pro-high', 'claude-sonnet-4-6']) {
		it(`passes the simulator's strict validation as ${model}, all 24 tools included`, async () => {
			const message = await stack.client.messages.stream({...captured, model}).finalMessage();
			assert.equal(message.stop_reason, 'end_turn');
			const upstream = stack.sim.requests.filter(r => r.rpc === 'streamGenerateContent').at(-1);
			assert.equal(upstream?.status, 200);
			const declarations = (upstream?.body as {request: {tools: Array<{functionDeclarations: unknown[]}>}}).request.tools[0]?.functionDeclarations;
			assert.equal(declarations?.length, captured.tools?.length);
		});
	}
});
