// The official @anthropic-ai/sdk against agproxy (in front of the strict simulator): its streaming helpers for text,
// thinking, tool use and a stream that breaks mid-way; its error classes for every status agproxy answers, through both
// messages.create and messages.stream(); and its retries honouring agproxy's retry-after.
import assert from 'node:assert/strict';
import {after, before, beforeEach, describe, it} from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import {type App, startApp} from '../../source/app.js';
import {loadConfig} from '../../source/config.js';
import type {RequestRecord} from '../../source/events.js';
import {type FaultRule, type SimScript, simMarker} from '../../source/simulator/index.js';
import {MemoryDataStore} from '../../source/store/memory.js';
import type {CredentialProvider} from '../../source/upstream/credentials.js';
import {type Stack, startStack} from '../helpers/stack.js';

const KEY = 'test-key';
const BODY_LIMIT = 64 * 1024;

let stack: Stack;
/** agproxy with a credential source that throws a plain Error: the path of an internal fault (500). */
let broken: App;
/** agproxy with no Google account at all (503). */
let empty: App;
const records: RequestRecord[] = [];

before(async () => {
	stack = await startStack({env: {AGPROXY_API_KEY: KEY, AGPROXY_BODY_LIMIT_BYTES: String(BODY_LIMIT)}});
	stack.app.bus.on('request', record => records.push(record));
	const failing: CredentialProvider = {
		acquire: () => Promise.reject(new Error('credential store exploded')),
		report: () => undefined,
		summary: () => ({total: 1, active: 1, rateLimited: 0, invalid: 0, disabled: 0}),
	};
	broken = await startApp(loadConfig({port: 0, upstream: stack.sim.url}, {AGPROXY_API_KEY: KEY}), {dataStore: new MemoryDataStore(), credentials: failing});
	empty = await startApp(loadConfig({port: 0, upstream: stack.sim.url}, {AGPROXY_API_KEY: KEY}), {dataStore: new MemoryDataStore()});
});
after(async () => {
	await Promise.all([broken.stop(), empty.stop()]);
	await stack.close();
});
beforeEach(() => {
	stack.sim.reset();
	records.length = 0;
});

const say = (script: SimScript, text = 'please'): string => `${text} ${simMarker(script)}`;
const fault = (script: SimScript, times = 1): void => stack.sim.enqueue({script, times} satisfies FaultRule);
const client = (url: string, options: {apiKey?: string; maxRetries?: number} = {}): Anthropic =>
	new Anthropic({baseURL: url, apiKey: options.apiKey ?? KEY, maxRetries: options.maxRetries ?? 0, timeout: 20_000});

type Params = Anthropic.MessageCreateParamsNonStreaming;
const base: Params = {model: 'claude-sonnet-4-6', max_tokens: 200, messages: [{role: 'user', content: 'hello'}]};

describe('streaming helpers', () => {
	it('text: on(text) deltas, finalText() and finalMessage() agree', async () => {
		const stream = stack.client.messages.stream({...base, messages: [{role: 'user', content: say({kind: 'text', text: 'one two three four five', chunks: 5})}]});
		const deltas: string[] = [];
		let snapshot = '';
		let connected = false;
		let ended = false;
		stream.on('connect', () => (connected = true));
		stream.on('text', (delta, textSnapshot) => {
			deltas.push(delta);
			snapshot = textSnapshot;
		});
		stream.on('end', () => (ended = true));
		const message = await stream.finalMessage();
		const text = await stream.finalText();
		assert.equal(text, 'one two three four five');
		assert.equal(deltas.length, 5, 'one text event per upstream chunk');
		assert.equal(deltas.join(''), text);
		assert.equal(snapshot, text);
		assert.deepEqual(message.content, [{type: 'text', text}]);
		assert.equal(message.stop_reason, 'end_turn');
		assert.equal(message.role, 'assistant');
		assert.ok(message.usage.input_tokens > 0 && message.usage.output_tokens > 0);
		assert.ok(connected && ended);
		assert.match(stream.request_id ?? '', /^req_[0-9a-f]{24}$/);
		assert.equal(stream.receivedMessages.length, 1);
	});

	it('thinking: on(thinking) and on(signature), then the text, on claude-opus-4-6-thinking', async () => {
		const thought = 'First I add two and two. That makes four.';
		const stream = stack.client.messages.stream({
			model: 'claude-opus-4-6-thinking',
			max_tokens: 4000,
			thinking: {type: 'enabled', budget_tokens: 2048},
			messages: [{role: 'user', content: say({kind: 'thinking', thinking: thought, text: 'The answer is 4.', chunks: 3}, 'what is 2+2?')}],
		});
		const thinking: string[] = [];
		const signatures: string[] = [];
		const order: string[] = [];
		stream.on('thinking', delta => thinking.push(delta));
		stream.on('signature', signature => signatures.push(signature));
		stream.on('contentBlock', block => order.push(block.type));
		const message = await stream.finalMessage();
		assert.equal(await stream.finalText(), 'The answer is 4.');
		assert.deepEqual(order, ['thinking', 'text']);
		const block = message.content[0];
		assert.ok(block?.type === 'thinking');
		assert.equal(block.thinking, thought);
		assert.ok(thinking.length > 1, 'thinking arrives in several deltas');
		assert.equal(thinking.join(''), thought);
		assert.deepEqual(signatures, [block.signature]);
		assert.match(block.signature, /^agp1\.claude\./);
		assert.equal(message.model, 'claude-opus-4-6-thinking');
	});

	it('tool use: on(inputJson) builds the input, finalMessage() has it parsed, and the loop continues', async () => {
		const read: Anthropic.Tool = {
			name: 'Read',
			description: 'Read a file',
			input_schema: {type: 'object', properties: {file_path: {type: 'string'}, limit: {type: 'integer'}, flags: {type: 'array', items: {type: 'string'}}}, required: ['file_path']},
		};
		const args = {file_path: '/tmp/notes.txt', limit: 3, flags: ['a', 'b']};
		const messages: Anthropic.MessageParam[] = [{role: 'user', content: say({kind: 'tools', calls: [{name: 'Read', args}]}, 'read my notes')}];
		const stream = stack.client.messages.stream({...base, tools: [read], messages});
		let lastJsonSnapshot: unknown;
		let partials = '';
		stream.on('inputJson', (partial, snapshot) => {
			partials += partial;
			lastJsonSnapshot = snapshot;
		});
		const message = await stream.finalMessage();
		assert.equal(message.stop_reason, 'tool_use');
		const call = message.content.find(b => b.type === 'tool_use');
		assert.ok(call?.type === 'tool_use');
		assert.equal(call.name, 'Read');
		assert.match(call.id, /^toolu_/);
		assert.deepEqual(call.input, args, 'input parsed into an object');
		assert.deepEqual(JSON.parse(partials), args, 'the input_json_delta pieces concatenate to the JSON');
		assert.deepEqual(lastJsonSnapshot, args);

		messages.push({role: 'assistant', content: message.content as Anthropic.ContentBlockParam[]});
		messages.push({role: 'user', content: [{type: 'tool_result', tool_use_id: call.id, content: 'three lines of notes'}]});
		const next = stack.client.messages.stream({...base, tools: [read], messages});
		assert.match(await next.finalText(), /three lines of notes/);
		assert.equal((await next.finalMessage()).stop_reason, 'end_turn');
	});

	for (const [name, script] of [
		['a disconnect', {kind: 'disconnect_mid_stream', afterChunks: 3, answer: {kind: 'long', chunks: 20}}],
		['a malformed chunk', {kind: 'malformed_chunk', at: 3, answer: {kind: 'long', chunks: 20}}],
	] satisfies Array<[string, SimScript]>) {
		it(`${name} mid-stream: text so far is delivered, then the helpers reject with an api_error APIError`, async () => {
			fault(script);
			const stream = stack.client.messages.stream(base);
			const deltas: string[] = [];
			const errors: unknown[] = [];
			stream.on('text', delta => deltas.push(delta));
			stream.on('error', error => errors.push(error));
			const error = await stream.finalMessage().then(
				() => assert.fail('expected the stream to fail'),
				(e: unknown) => e,
			);
			await assert.rejects(stream.finalText());
			assert.ok(error instanceof Anthropic.APIError, String(error));
			assert.equal(error.status, undefined, 'after the first byte there is no HTTP status: the SSE error event carries it');
			assert.equal(error.type, 'api_error');
			const body = error.error as {type: string; error: {type: string; message: string}; request_id: string};
			assert.equal(body.type, 'error');
			assert.equal(body.error.type, 'api_error');
			assert.match(body.error.message, /upstream/i);
			assert.match(error.requestID ?? '', /^req_[0-9a-f]{24}$/);
			assert.equal(body.request_id, error.requestID);
			assert.ok(deltas.length >= 1, 'content before the fault reached the client');
			assert.deepEqual(errors, [error], "the 'error' event fired once with the same error");
			assert.equal(stack.sim.requests.filter(r => r.rpc === 'streamGenerateContent').length, 1, 'no retry once content was sent');
		});
	}
});

type Case = {
	/** What causes it. */
	what: string;
	status: number;
	errorClass: new (...args: never[]) => InstanceType<typeof Anthropic.APIError>;
	type: string;
	message: RegExp;
	/** Prepares the failure; returns the client to use (default: the main stack's) and the params. */
	setup: () => {client?: Anthropic; params?: Params};
	retryAfter?: string;
};

const capacity = (times: number, retryDelaySec?: number): void => fault({kind: 'http_error', error: 'capacity_503', ...(retryDelaySec === undefined ? {} : {retryDelaySec})}, times);

const matrix: Case[] = [
	{what: 'bad input', status: 400, errorClass: Anthropic.BadRequestError, type: 'invalid_request_error', message: /^max_tokens: must be >= 1/, setup: () => ({params: {...base, max_tokens: -1}})},
	{
		what: 'upstream INVALID_ARGUMENT',
		status: 400,
		errorClass: Anthropic.BadRequestError,
		type: 'invalid_request_error',
		message: /^Upstream rejected the request/,
		setup: () => {
			fault({kind: 'http_error', error: 'invalid_argument_400'});
			return {};
		},
	},
	{what: 'wrong API key', status: 401, errorClass: Anthropic.AuthenticationError, type: 'authentication_error', message: /key/i, setup: () => ({client: client(stack.app.url, {apiKey: 'wrong-key'})})},
	{
		what: 'account needs verification',
		status: 403,
		errorClass: Anthropic.PermissionDeniedError,
		type: 'permission_error',
		message: /verified.*https:\/\/accounts\.google\.com/,
		setup: () => {
			fault({kind: 'http_error', error: 'validation_required_403'});
			return {};
		},
	},
	{what: 'model unknown upstream', status: 404, errorClass: Anthropic.NotFoundError, type: 'not_found_error', message: /gemini-9-imaginary/, setup: () => ({params: {...base, model: 'gemini-9-imaginary'}})},
	{
		what: 'body over the limit',
		status: 413,
		errorClass: Anthropic.ContentTooLargeError,
		type: 'request_too_large',
		message: new RegExp(`exceeds the limit of ${BODY_LIMIT} bytes`),
		setup: () => ({params: {...base, messages: [{role: 'user', content: 'x'.repeat(BODY_LIMIT + 1)}]}}),
	},
	{
		what: 'long upstream rate limit',
		status: 429,
		errorClass: Anthropic.RateLimitError,
		type: 'rate_limit_error',
		message: /Rate limited upstream on claude-sonnet-4-6; retry in 42s/,
		retryAfter: '42',
		setup: () => {
			fault({kind: 'http_error', error: 'rate_limit', retryDelaySec: 42});
			return {};
		},
	},
	{what: 'internal fault', status: 500, errorClass: Anthropic.InternalServerError, type: 'api_error', message: /^Internal error in agproxy$/, setup: () => ({client: client(broken.url)})},
	{
		what: 'upstream keeps failing',
		status: 502,
		errorClass: Anthropic.InternalServerError,
		type: 'api_error',
		message: /^Upstream failed/,
		setup: () => {
			fault({kind: 'http_error', error: 'server_500'}, 10);
			return {};
		},
	},
	{what: 'no Google account', status: 503, errorClass: Anthropic.ServiceUnavailableError, type: 'api_error', message: /no usable Google account.*agproxy accounts add/, setup: () => ({client: client(empty.url)})},
	{
		what: 'upstream keeps timing out',
		status: 504,
		errorClass: Anthropic.GatewayTimeoutError,
		type: 'timeout_error',
		message: /^Upstream failed/,
		setup: () => {
			fault({kind: 'http_error', error: 'server_500', status: 504}, 10);
			return {};
		},
	},
	{
		what: 'upstream has no capacity',
		status: 529,
		errorClass: Anthropic.OverloadedError,
		type: 'overloaded_error',
		message: /no capacity for claude-sonnet-4-6/,
		retryAfter: '7',
		setup: () => {
			capacity(10, 6.5);
			return {};
		},
	},
];

describe('every error status agproxy answers, through the SDK error classes', () => {
	for (const c of matrix) {
		for (const via of ['messages.create', 'messages.stream().finalMessage()'] as const) {
			it(`${c.status} ${c.type} (${c.what}) → ${c.errorClass.name} via ${via}`, async () => {
				const {client: sdk = stack.client, params = base} = c.setup();
				const promise = via === 'messages.create' ? sdk.messages.create(params) : sdk.messages.stream(params).finalMessage();
				const error = await promise.then(
					() => assert.fail(`expected ${c.status}`),
					(e: unknown) => e,
				);
				assert.ok(error instanceof c.errorClass, `expected ${c.errorClass.name}, got ${(error as Error).constructor.name}: ${(error as Error).message}`);
				assert.ok(error instanceof Anthropic.APIError);
				assert.equal(c.status >= 500, error instanceof Anthropic.InternalServerError, 'every 5xx is an InternalServerError');
				assert.equal(error.status, c.status);
				assert.equal(error.type, c.type);
				const body = error.error as {type: string; error: {type: string; message: string}; request_id: string};
				assert.equal(body.type, 'error');
				assert.equal(body.error.type, c.type);
				assert.match(body.error.message, c.message);
				assert.equal(error.apiMessage, body.error.message);
				assert.match(error.requestID ?? '', /^req_[0-9a-f]{24}$/);
				assert.equal(body.request_id, error.requestID);
				assert.ok(error.headers instanceof Headers);
				assert.equal(error.headers.get('request-id'), error.requestID);
				assert.match(error.headers.get('content-type') ?? '', /^application\/json/);
				assert.equal(error.headers.get('retry-after'), c.retryAfter ?? null);
				assert.match(error.message, new RegExp(`^${c.status} `));
			});
		}
	}
});

describe('SDK retries honour retry-after', () => {
	/** Gaps (ms) between the end of one client attempt seen by agproxy and the start of the next. */
	const gaps = (list: RequestRecord[]): number[] =>
		list.slice(1).map((record, i) => {
			const previous = list[i] as RequestRecord;
			return Date.parse(record.time) - (Date.parse(previous.time) + previous.latencyMs);
		});
	const attempts = (): RequestRecord[] => records.filter(r => r.path === '/v1/messages');

	it('429 with retry-after: 1 → messages.create waits about a second, then succeeds (maxRetries: 2)', async () => {
		fault({kind: 'http_error', error: 'quota_exhausted', resetTime: new Date(Date.now() + 300).toISOString()});
		const message = await client(stack.app.url, {maxRetries: 2}).messages.create(base);
		assert.equal(message.stop_reason, 'end_turn');
		assert.deepEqual(attempts().map(r => r.status), [429, 200]);
		const [gap = 0] = gaps(attempts());
		// The SDK's own first backoff is at most 500 ms: a gap near 1 s is the header's doing.
		assert.ok(gap >= 900 && gap < 3000, `waited ${gap} ms`);
	});

	it('529 with retry-after: 1 → messages.stream() retries before the first byte, then streams', async () => {
		capacity(3, 0.5);
		const stream = client(stack.app.url, {maxRetries: 2}).messages.stream(base);
		const message = await stream.finalMessage();
		assert.equal(message.stop_reason, 'end_turn');
		assert.deepEqual(attempts().map(r => r.status), [529, 200]);
		const [gap = 0] = gaps(attempts());
		assert.ok(gap >= 900 && gap < 3000, `waited ${gap} ms`);
	});

	it('a 429 that persists: two retries, each after retry-after, then RateLimitError', async () => {
		fault({kind: 'http_error', error: 'quota_exhausted', resetTime: new Date(Date.now() + 300).toISOString()}, 3);
		const error = await client(stack.app.url, {maxRetries: 2})
			.messages.create(base)
			.then(
				() => assert.fail('expected a 429'),
				(e: unknown) => e,
			);
		assert.ok(error instanceof Anthropic.RateLimitError);
		assert.equal(error.headers.get('retry-after'), '1');
		assert.deepEqual(attempts().map(r => r.status), [429, 429, 429]);
		for (const gap of gaps(attempts())) assert.ok(gap >= 900 && gap < 3000, `waited ${gap} ms`);
	});

	it('a 400 is never retried', async () => {
		await assert.rejects(client(stack.app.url, {maxRetries: 2}).messages.create({...base, max_tokens: 0}), Anthropic.BadRequestError);
		assert.deepEqual(attempts().map(r => r.status), [400]);
	});
});
