// Fault injection end to end: a client (the official SDK, or raw HTTP to read the SSE bytes) -> agproxy with an account
// pool over a temp data dir -> the simulator's faults (and a token endpoint that fails). For every fault, streaming and
// not: either a well-formed Anthropic error (status, {type:'error', error:{type, message}}, request-id; mid-stream an
// SSE `error` event and a clean end) or a complete answer retried before the first byte; the upstream attempts counted
// in sim.requests; the account's state afterwards (GET /account-limits, GET /health); and nothing left behind: no
// request in flight, no socket to the simulator beyond the keep-alive pool, no timer keeping the process alive, a
// bounded heap.
import assert from 'node:assert/strict';
import {mkdtempSync, rmSync} from 'node:fs';
import {type Server, createServer} from 'node:http';
import type {AddressInfo} from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, afterEach, before, beforeEach, describe, it} from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import {loadOAuthConfig} from '../../source/accounts/oauth.js';
import type {LimitsAccountJson, LimitsJson} from '../../source/accounts/limits-view.js';
import type {AccountRecord} from '../../source/accounts/types.js';
import {type App, startApp} from '../../source/app.js';
import {loadConfig} from '../../source/config.js';
import {type FaultRule, type SimAccount, type SimScript, type Simulator, startSimulator} from '../../source/simulator/index.js';
import {openDataStore} from '../../source/store/index.js';
import type {AccountsSummary} from '../../source/upstream/credentials.js';
import {activeResources, heapAfterGc, resourceGrowth, settle} from '../helpers/leaks.js';

// Before anything of this file runs: what must be back once it is done.
const baseline = activeResources();

const A: SimAccount = {email: 'a@faults.test', refreshToken: '1//refresh-faults-a', project: 'project-faults-a', tier: 'free-tier'};
const B: SimAccount = {email: 'b@faults.test', refreshToken: '1//refresh-faults-b', project: 'project-faults-b', tier: 'free-tier'};
const MODEL = 'claude-sonnet-4-6';
/** What agproxy serves MODEL with (no group, no mapping rule for it): the model the simulator and the pool see. */
const SERVED = 'claude-sonnet-4-6';
/** The pool's cooldown after the 3rd upstream failure in a row, and after a failed token refresh (rate-limit.ts, pool.ts). */
const COOLDOWN_MS = 30_000;
/**
 * Idle keep-alive sockets that may stay open to the simulator between sequential requests: per account one from the
 * start-up quota fetches (they run in parallel) and one of the OAuth client's, plus a spare for a replaced connection.
 */
const keepAliveSockets = (accounts: number): number => 2 * accounts + 2;
/**
 * Generous upstream timeouts for every test but the timeout ones, so a loaded machine never turns a healthy attempt
 * into a retry (attempt counts are exact); a small wait budget, so "every account is out" answers at once.
 */
const ENV: NodeJS.ProcessEnv = {
	AGPROXY_FIRST_BYTE_TIMEOUT_MS: '10000',
	AGPROXY_IDLE_TIMEOUT_MS: '10000',
	AGPROXY_MAX_WAIT_MS: '1000',
	AGPROXY_PING_INTERVAL_MS: '60000',
};
const TIMEOUT_MS = 300;
/**
 * How long the simulator holds a slow first byte or a stall. undici runs its header and body timeouts on a coarse
 * clock (ticks of ~0.5 s), so a 300 ms timeout fires 0.5-1 s in: this stays well past that.
 */
const SLOW_MS = 2000;

let sim: Simulator;

type Pool = {app: App; client: Anthropic; sim: Simulator; accounts: number; dataDir: string; close: () => Promise<void>};
const running = new Set<Pool>();

type PoolOptions = {accounts?: SimAccount[]; sim?: Simulator; tokenUrl?: string; env?: NodeJS.ProcessEnv; waitForQuota?: boolean};

/** agproxy with a pool over a fresh temp data dir holding `accounts` (default A), against `sim`; its start-up quota fetch done. */
async function startPool(options: PoolOptions = {}): Promise<Pool> {
	const target = options.sim ?? sim;
	const accounts = options.accounts ?? [A];
	const dataDir = mkdtempSync(join(tmpdir(), 'agproxy-faults-'));
	const seed = await openDataStore(dataDir);
	for (const account of accounts) {
		await seed.accounts.upsert({email: account.email, refreshToken: account.refreshToken, projectId: account.project ?? '', tier: 'free-tier', enabled: true, addedAt: new Date().toISOString()});
	}
	seed.close();
	const config = loadConfig({port: 0, upstream: target.url, dataDir}, {...ENV, ...options.env});
	let app: App;
	try {
		app = await startApp(config, {oauth: {...loadOAuthConfig({}), tokenUrl: options.tokenUrl ?? target.oauth.tokenUrl, userinfoUrl: target.oauth.userinfoUrl, authUrl: target.oauth.authUrl}});
	} catch (error) {
		rmSync(dataDir, {recursive: true, force: true});
		throw error;
	}
	const pool: Pool = {
		app,
		sim: target,
		accounts: accounts.length,
		dataDir,
		client: new Anthropic({baseURL: app.url, apiKey: 'x', maxRetries: 0, timeout: 20_000}),
		close: async () => {
			running.delete(pool);
			await app.stop();
			rmSync(dataDir, {recursive: true, force: true});
		},
	};
	running.add(pool);
	if (options.waitForQuota !== false) {
		// The start-up fetchAvailableModels (one token refresh and one call per account) runs in the background: let it finish
		// so it neither races a test's token faults nor counts among its sockets.
		await settle(async () => {
			const waiting = (await limits(pool)).accounts.filter(account => account.quotaFetchedAt === null).map(account => account.email);
			return waiting.length === 0 ? undefined : `quota not fetched yet for ${waiting.join(', ')}`;
		});
	}
	return pool;
}

/** The account as stored in the pool's data dir; stops the app first (it is the data file's only writer). */
async function storedAccount(pool: Pool, email: string): Promise<AccountRecord | undefined> {
	await pool.app.stop();
	const store = await openDataStore(pool.dataDir);
	try {
		return await store.accounts.get(email);
	} finally {
		store.close();
	}
}

async function limits(pool: Pool): Promise<LimitsJson> {
	return (await (await fetch(`${pool.app.url}/account-limits`)).json()) as LimitsJson;
}

async function account(pool: Pool, email = A.email): Promise<LimitsAccountJson> {
	const found = (await limits(pool)).accounts.find(entry => entry.email === email);
	assert.ok(found, `account ${email} in /account-limits`);
	return found;
}

async function health(pool: Pool): Promise<AccountsSummary> {
	const response = await fetch(`${pool.app.url}/health`);
	assert.equal(response.status, 200);
	return ((await response.json()) as {accounts: AccountsSummary}).accounts;
}

/** The streamGenerateContent calls (upstream attempts) the simulator received, in order, by account. */
function attempts(target = sim): string[] {
	return target.requests.filter(r => r.rpc === 'streamGenerateContent').map(r => r.account ?? '?');
}

function fault(script: SimScript, times = 1, match?: FaultRule['match']): void {
	sim.enqueue({script, times, ...(match === undefined ? {} : {match})});
}

// ---- clients ----

type SseEvent = {event: string; data: Record<string, unknown>};
type Reply = {status: number; headers: Headers; text: string; ms: number};

function request(stream: boolean, text = 'hello'): Record<string, unknown> {
	return {model: MODEL, max_tokens: 100, stream, messages: [{role: 'user', content: text}]};
}

/** A raw POST /v1/messages: the status, headers and every byte, read to the end (a cut connection rejects). */
async function post(pool: Pool, stream: boolean, session?: string, prompt?: string): Promise<Reply> {
	const started = Date.now();
	const response = await fetch(`${pool.app.url}/v1/messages`, {
		method: 'POST',
		headers: {'content-type': 'application/json', 'x-api-key': 'x', ...(session === undefined ? {} : {'x-claude-code-session-id': session})},
		body: JSON.stringify(request(stream, prompt)),
	});
	const text = await response.text();
	return {status: response.status, headers: response.headers, text, ms: Date.now() - started};
}

/** Strict SSE reading: blocks of exactly `event: <type>` and `data: <JSON of that type>`, each ended by a blank line. */
function sseEvents(text: string): SseEvent[] {
	assert.ok(text.endsWith('\n\n'), `the stream ends after a whole event: ${JSON.stringify(text.slice(-80))}`);
	return text
		.slice(0, -2)
		.split('\n\n')
		.map(block => {
			const lines = block.split('\n');
			assert.equal(lines.length, 2, `one event and one data line: ${block}`);
			const [eventLine = '', dataLine = ''] = lines;
			assert.ok(eventLine.startsWith('event: ') && dataLine.startsWith('data: '), block);
			const event = eventLine.slice('event: '.length);
			const data = JSON.parse(dataLine.slice('data: '.length)) as Record<string, unknown>;
			assert.equal(data['type'], event, `data.type matches the event name: ${block}`);
			return {event, data};
		});
}

function assertRequestId(reply: Reply): string {
	const id = reply.headers.get('request-id');
	assert.match(id ?? '', /^req_[0-9a-f]{24}$/, 'request-id header');
	return id ?? '';
}

/** A whole answer, streamed: message_start ... message_stop with end_turn, no error. */
function assertCompleteStream(reply: Reply): void {
	assert.equal(reply.status, 200, reply.text.slice(0, 300));
	assert.match(reply.headers.get('content-type') ?? '', /^text\/event-stream/);
	assertRequestId(reply);
	const events = sseEvents(reply.text);
	assert.equal(events[0]?.event, 'message_start');
	assert.equal(events.at(-1)?.event, 'message_stop');
	const delta = events.at(-2)?.data['delta'] as {stop_reason?: string} | undefined;
	assert.equal(delta?.stop_reason, 'end_turn');
	assert.ok(events.some(event => event.event === 'content_block_delta'), 'carries content');
	assert.ok(!events.some(event => event.event === 'error'));
}

/** A stream that broke after content reached the client: content, then one `error` event, then a clean end. */
function assertStreamError(reply: Reply, message: RegExp, type = 'api_error'): void {
	assert.equal(reply.status, 200, 'headers were committed before the fault');
	const id = assertRequestId(reply);
	const events = sseEvents(reply.text);
	assert.equal(events[0]?.event, 'message_start');
	assert.ok(events.some(event => event.event === 'content_block_delta'), 'content reached the client before the fault');
	const last = events.at(-1);
	assert.equal(last?.event, 'error', `last event: ${last?.event}`);
	assert.equal(events.filter(event => event.event === 'error').length, 1);
	assert.ok(!events.some(event => event.event === 'message_stop'), 'no message_stop after a failure');
	const error = last?.data['error'] as {type?: string; message?: string} | undefined;
	assert.equal(error?.type, type);
	assert.match(error?.message ?? '', message);
	assert.equal(last?.data['request_id'], id);
}

/** An Anthropic error before any byte of an answer: JSON, the status, the type, the request id (header and body). */
function assertHttpError(reply: Reply, status: number, type: string, message?: RegExp): Record<string, unknown> {
	assert.equal(reply.status, status, reply.text.slice(0, 300));
	assert.match(reply.headers.get('content-type') ?? '', /^application\/json/);
	const id = assertRequestId(reply);
	const body = JSON.parse(reply.text) as {type?: string; error?: {type?: string; message?: string}; request_id?: string};
	assert.equal(body.type, 'error');
	assert.equal(body.error?.type, type);
	assert.equal(typeof body.error?.message, 'string');
	if (message) assert.match(body.error?.message ?? '', message);
	assert.equal(body.request_id, id);
	return body as Record<string, unknown>;
}

type ApiError = InstanceType<typeof Anthropic.APIError>;

/** The same through the official SDK (non-streaming): its error class, status, type and request id. */
async function sdkError(pool: Pool, status: number, type: string, message?: RegExp, session?: string): Promise<ApiError> {
	const error = await pool.client.messages
		.create({model: MODEL, max_tokens: 100, messages: [{role: 'user', content: 'hello'}]}, session === undefined ? {} : {headers: {'x-claude-code-session-id': session}})
		.then(
			() => assert.fail(`expected ${status}`),
			(e: unknown) => e,
		);
	assert.ok(error instanceof Anthropic.APIError, `an APIError, got ${String(error)}`);
	assert.equal(error.status, status, error.message);
	const body = error.error as {type?: string; error?: {type?: string; message?: string}} | undefined;
	assert.equal(body?.type, 'error');
	assert.equal(body?.error?.type, type);
	if (message) assert.match(body?.error?.message ?? '', message);
	assert.match(error.requestID ?? '', /^req_/);
	return error;
}

async function sdkAnswer(pool: Pool, session?: string, text = 'hello'): Promise<Anthropic.Message> {
	const message = await pool.client.messages.create(
		{model: MODEL, max_tokens: 100, messages: [{role: 'user', content: text}]},
		session === undefined ? {} : {headers: {'x-claude-code-session-id': session}},
	);
	assert.equal(message.stop_reason, 'end_turn');
	assert.ok(message.content.length > 0);
	return message;
}

/** One request in either mode that must come back complete. */
async function expectAnswer(pool: Pool, stream: boolean, session?: string): Promise<void> {
	if (stream) assertCompleteStream(await post(pool, true, session));
	else await sdkAnswer(pool, session);
}

// ---- state and leaks ----

/** The account is usable again or resting, but never marked invalid by a transport or server failure. */
function assertNotInvalid(state: LimitsAccountJson): void {
	assert.notEqual(state.health, 'invalid');
	assert.equal(state.invalidReason, null);
}

function assertCooledDown(state: LimitsAccountJson, model: string, reason: RegExp, failures: number, ms = COOLDOWN_MS): void {
	const limit = state.models[model];
	assert.ok(limit, `state for ${model}`);
	assert.equal(limit.state, 'capacity');
	assert.equal(limit.consecutiveFailures, failures);
	assert.match(limit.reason ?? '', reason);
	const left = Date.parse(limit.until ?? '') - Date.now();
	assert.ok(left > ms - 5000 && left <= ms, `cooldown ends in ${left} ms, expected ~${ms}`);
	assert.equal(state.health, 'rate_limited');
	assertNotInvalid(state);
}

function assertHealthy(state: LimitsAccountJson, model = SERVED, failures = 0): void {
	assert.equal(state.health, 'active');
	assertNotInvalid(state);
	assert.equal(state.cooldown, null);
	assert.equal(state.models[model]?.state ?? 'ok', 'ok');
	assert.equal(state.models[model]?.consecutiveFailures ?? 0, failures);
}

/**
 * After a group of faults: no request in flight (agproxy's count and the pool's slots), no more sockets to the simulator
 * than the keep-alive pool, and no ref'd timer beyond the file's baseline (a stalled simulator script may still be
 * sleeping for a moment: waited for).
 */
async function expectQuiet(pool: Pool, options: {timers?: boolean} = {}): Promise<void> {
	const maxSockets = keepAliveSockets(pool.accounts);
	await settle(async () => {
		if (pool.app.inFlight() !== 0) return `${pool.app.inFlight()} request(s) in flight`;
		const busy = (await limits(pool)).accounts.filter(entry => entry.inFlight !== 0 || entry.queued !== 0);
		if (busy.length > 0) return `pool slots held: ${busy.map(entry => `${entry.email} ${entry.inFlight}/${entry.queued}`).join(', ')}`;
		const sockets = await pool.sim.openConnections();
		if (sockets > maxSockets) return `${sockets} sockets open to the simulator (at most ${maxSockets} expected)`;
		return options.timers === false ? undefined : timerGrowth();
	});
}

function timerGrowth(): string | undefined {
	const timers = resourceGrowth(baseline, ['Timeout']);
	return timers.length > 0 ? `ref'd timers beyond the baseline: ${timers.join(', ')}` : undefined;
}

before(async () => {
	sim = await startSimulator({port: 0, accounts: [A, B]});
});
beforeEach(() => sim.reset());
afterEach(async () => {
	// A failed test leaves its pool running: close it here so later tests and the process end stay clean.
	for (const pool of [...running]) await pool.close();
});
after(async () => {
	await sim.close();
	// Every server, socket and timer of this file is gone: the process can end by itself (no --test-force-exit).
	await settle(() => {
		const left = resourceGrowth(baseline, ['Timeout', 'TCPSocketWrap', 'TCPServerWrap']);
		return left.length > 0 ? `still alive: ${left.join(', ')}` : undefined;
	});
});

const MODES = [true, false] as const;
const modeName = (stream: boolean): string => (stream ? 'streaming' : 'non-streaming');

describe('connection reset', () => {
	for (const stream of MODES) {
		it(`before the first byte, once: retried on the same account, a complete ${modeName(stream)} answer`, async () => {
			const pool = await startPool();
			fault({kind: 'disconnect_mid_stream', afterChunks: 0});
			await expectAnswer(pool, stream);
			assert.deepEqual(attempts(), [A.email, A.email]);
			assertHealthy(await account(pool));
			await expectQuiet(pool);
			await pool.close();
		});

		it(`before the first byte, every time: ${modeName(stream)} 502 after exactly 3 attempts, the account+model cools down 30 s`, async () => {
			const pool = await startPool();
			fault({kind: 'disconnect_mid_stream', afterChunks: 0}, 20);
			if (stream) assertHttpError(await post(pool, true), 502, 'api_error', /upstream stream failed/);
			else await sdkError(pool, 502, 'api_error', /upstream stream failed/);
			// generate() spends its attempts before the first byte; the non-streaming path must not run it again on top.
			assert.deepEqual(attempts(), [A.email, A.email, A.email]);
			assertCooledDown(await account(pool), SERVED, /3 upstream errors in a row/, 3);
			assert.deepEqual(await health(pool), {total: 1, active: 0, rateLimited: 1, invalid: 0, disabled: 0});
			// While it rests, the only account is out: 429 with retry-after at the end of the cooldown, no upstream call.
			const error = await sdkError(pool, 429, 'rate_limit_error', /without capacity/);
			const retryAfter = Number(error.headers?.get('retry-after'));
			assert.ok(retryAfter > 25 && retryAfter <= 30, `retry-after ${retryAfter}`);
			assert.equal(attempts().length, 3);
			await expectQuiet(pool);
			await pool.close();
		});
	}

	it('during a stream: the streaming client gets its content, one SSE error event and a clean end; one attempt', async () => {
		const pool = await startPool();
		fault({kind: 'disconnect_mid_stream', afterChunks: 2, answer: {kind: 'long', chunks: 8}});
		assertStreamError(await post(pool, true), /upstream stream failed/);
		assert.deepEqual(attempts(), [A.email], 'bytes reached the client: no retry');
		// Counted like a 5xx (one of three before a cooldown); a disconnect never makes the account invalid.
		assertHealthy(await account(pool), SERVED, 1);
		await expectQuiet(pool);
		// The next request is served normally and resets the count.
		await expectAnswer(pool, true);
		assertHealthy(await account(pool));
		await pool.close();
	});

	it('during a stream: the non-streaming client gets a complete answer from a second attempt', async () => {
		const pool = await startPool();
		fault({kind: 'disconnect_mid_stream', afterChunks: 2, answer: {kind: 'long', chunks: 8}});
		const message = await sdkAnswer(pool);
		assert.equal(message.content[0]?.type, 'text');
		assert.deepEqual(attempts(), [A.email, A.email]);
		assertHealthy(await account(pool));
		await expectQuiet(pool);
		await pool.close();
	});
});

describe('upstream timeouts (first byte and idle at 300 ms)', () => {
	const env = {AGPROXY_FIRST_BYTE_TIMEOUT_MS: String(TIMEOUT_MS), AGPROXY_IDLE_TIMEOUT_MS: String(TIMEOUT_MS)};
	// The simulator keeps sleeping through a slow script after agproxy gave up on it (its own timer, not agproxy's):
	// timers are checked once for the whole group, when the last of those sleeps is over.
	const quiet = (pool: Pool): Promise<void> => expectQuiet(pool, {timers: false});
	after(() => settle(timerGrowth, SLOW_MS + 1000));

	for (const stream of MODES) {
		it(`slow first byte, once: the attempt is cut at the timeout and retried, a complete ${modeName(stream)} answer`, async () => {
			const pool = await startPool({env});
			fault({kind: 'slow_first_byte', ms: SLOW_MS});
			const started = Date.now();
			await expectAnswer(pool, stream);
			assert.ok(Date.now() - started >= TIMEOUT_MS);
			// A second attempt proves the first was cut: waited out, it would have answered.
			assert.deepEqual(attempts(), [A.email, A.email]);
			assertHealthy(await account(pool));
			await quiet(pool);
			await pool.close();
		});

		it(`slow first byte, every time: ${modeName(stream)} 504 after 3 attempts, cooldown`, async () => {
			const pool = await startPool({env});
			fault({kind: 'slow_first_byte', ms: SLOW_MS}, 20);
			if (stream) {
				const reply = await post(pool, true);
				assertHttpError(reply, 504, 'timeout_error', /timed out/);
				assert.ok(reply.ms < 3 * SLOW_MS, `bounded: ${reply.ms} ms`);
			} else {
				await sdkError(pool, 504, 'timeout_error', /timed out/);
			}
			assert.deepEqual(attempts(), [A.email, A.email, A.email]);
			assertCooledDown(await account(pool), SERVED, /3 upstream errors in a row \(last: 504\)/, 3);
			await quiet(pool);
			await pool.close();
		});
	}

	it('a stall past the idle timeout mid-stream: SSE error after the content, one attempt', async () => {
		const pool = await startPool({env});
		fault({kind: 'stall', afterChunks: 2, ms: SLOW_MS, answer: {kind: 'long', chunks: 6}});
		// Cut by the idle timeout (the stall over, the answer would have completed), reported as a timeout.
		assertStreamError(await post(pool, true), /stalled/, 'timeout_error');
		assert.deepEqual(attempts(), [A.email]);
		assertHealthy(await account(pool), SERVED, 1);
		await quiet(pool);
		await pool.close();
	});

	it('a stall past the idle timeout, non-streaming: retried, a complete answer', async () => {
		const pool = await startPool({env});
		fault({kind: 'stall', afterChunks: 2, ms: SLOW_MS, answer: {kind: 'long', chunks: 6}});
		await sdkAnswer(pool);
		assert.deepEqual(attempts(), [A.email, A.email]);
		assertHealthy(await account(pool));
		await quiet(pool);
		await pool.close();
	});
});

describe('broken SSE', () => {
	it('truncated (no finishReason, then a clean end): streaming gets an SSE error; non-streaming a retried answer', async () => {
		const pool = await startPool();
		fault({kind: 'truncated'});
		assertStreamError(await post(pool, true), /ended before the answer was complete/);
		assert.deepEqual(attempts(), [A.email]);
		sim.reset();
		fault({kind: 'truncated'});
		await sdkAnswer(pool);
		assert.deepEqual(attempts(), [A.email, A.email]);
		assertHealthy(await account(pool));
		await expectQuiet(pool);
		await pool.close();
	});

	it('truncated every time, non-streaming: 502 after 3 whole attempts (not more), cooldown', async () => {
		const pool = await startPool();
		fault({kind: 'truncated'}, 20);
		await sdkError(pool, 502, 'api_error', /ended before the answer was complete/);
		assert.deepEqual(attempts(), [A.email, A.email, A.email]);
		assertCooledDown(await account(pool), SERVED, /3 upstream errors in a row/, 3);
		await expectQuiet(pool);
		await pool.close();
	});

	for (const stream of MODES) {
		it(`a malformed JSON chunk first: retried before the first byte, a complete ${modeName(stream)} answer`, async () => {
			const pool = await startPool();
			fault({kind: 'malformed_chunk', at: 0});
			await expectAnswer(pool, stream);
			assert.deepEqual(attempts(), [A.email, A.email]);
			assertHealthy(await account(pool));
			await expectQuiet(pool);
			await pool.close();
		});
	}

	it('a malformed JSON chunk after content: streaming gets an SSE error; non-streaming a retried answer', async () => {
		const pool = await startPool();
		fault({kind: 'malformed_chunk', at: 2, answer: {kind: 'long', chunks: 6}});
		assertStreamError(await post(pool, true), /malformed stream chunk/);
		assert.deepEqual(attempts(), [A.email]);
		sim.reset();
		fault({kind: 'malformed_chunk', at: 2, answer: {kind: 'long', chunks: 6}});
		await sdkAnswer(pool);
		assert.deepEqual(attempts(), [A.email, A.email]);
		assertHealthy(await account(pool));
		await expectQuiet(pool);
		await pool.close();
	});

	it('malformed every time, non-streaming: 502 after exactly 3 attempts (the whole-answer retry does not multiply them)', async () => {
		const pool = await startPool();
		fault({kind: 'malformed_chunk', at: 0}, 20);
		await sdkError(pool, 502, 'api_error', /malformed stream chunk/);
		assert.deepEqual(attempts(), [A.email, A.email, A.email]);
		assertCooledDown(await account(pool), SERVED, /3 upstream errors in a row/, 3);
		await expectQuiet(pool);
		await pool.close();
	});
});

describe('array-wrapped error bodies (`[{...}\\n]`, split in two writes, legacy errors[], text/event-stream)', () => {
	const inTwoHours = (): string => new Date(Date.now() + 7_200_000).toISOString();
	type Case = {
		name: string;
		script: () => SimScript;
		status: number;
		type: string;
		message: RegExp;
		retryAfter?: [number, number];
		/** the model's state afterwards */
		state: {state: string; reason?: RegExp; untilS?: [number, number]; failures: number};
		health: keyof AccountsSummary;
	};
	const cases: Case[] = [
		{
			name: 'RATE_LIMIT_EXCEEDED with a 600 s RetryInfo',
			script: () => ({kind: 'http_error', error: 'rate_limit', retryDelaySec: 600, arrayWrapped: true, legacyErrors: true}),
			status: 429,
			type: 'rate_limit_error',
			message: /rate-limited/,
			retryAfter: [599, 601],
			state: {state: 'rate_limited', reason: /RATE_LIMIT_EXCEEDED \(retry in 10m\)/, untilS: [595, 601], failures: 1},
			health: 'rateLimited',
		},
		{
			name: 'MODEL_CAPACITY_EXHAUSTED (503) with a 20 s RetryInfo',
			script: () => ({kind: 'http_error', error: 'capacity_503', retryDelaySec: 20, arrayWrapped: true, split: true, contentType: 'event-stream'}),
			// No other account: 529 at once (the client retries it), never a wait for the backoff.
			status: 529,
			type: 'overloaded_error',
			message: /no capacity for claude-sonnet-4-6 right now on the only Google account/,
			retryAfter: [15, 20],
			state: {state: 'capacity', reason: /MODEL_CAPACITY_EXHAUSTED/, untilS: [15, 20], failures: 1},
			health: 'rateLimited',
		},
		{
			name: 'QUOTA_EXHAUSTED with a reset in 2 h',
			script: () => ({kind: 'http_error', error: 'quota_exhausted', resetTime: inTwoHours(), arrayWrapped: true, split: true}),
			status: 429,
			type: 'rate_limit_error',
			message: /out of quota|Quota exhausted/,
			retryAfter: [7190, 7201],
			state: {state: 'exhausted', reason: /QUOTA_EXHAUSTED until reset/, untilS: [7190, 7201], failures: 1},
			health: 'rateLimited',
		},
		{
			name: 'INVALID_ARGUMENT (400): the request\'s fault, the account untouched',
			script: () => ({kind: 'http_error', error: 'invalid_argument_400', arrayWrapped: true, split: true, legacyErrors: true}),
			status: 400,
			type: 'invalid_request_error',
			message: /Upstream rejected the request/,
			state: {state: 'ok', failures: 0},
			health: 'active',
		},
	];

	for (const c of cases) {
		for (const stream of MODES) {
			it(`${c.name}: ${modeName(stream)} ${c.status} ${c.type}, one attempt, the account's state follows the body`, async () => {
				const pool = await startPool();
				fault(c.script(), 5);
				let retryAfter: number | undefined;
				if (stream) {
					const reply = await post(pool, true);
					assertHttpError(reply, c.status, c.type, c.message);
					retryAfter = reply.headers.get('retry-after') === null ? undefined : Number(reply.headers.get('retry-after'));
				} else {
					const error = await sdkError(pool, c.status, c.type, c.message);
					retryAfter = error.headers?.get('retry-after') ? Number(error.headers.get('retry-after')) : undefined;
				}
				if (c.retryAfter) {
					assert.ok(retryAfter !== undefined && retryAfter >= c.retryAfter[0] && retryAfter <= c.retryAfter[1], `retry-after ${retryAfter}`);
				} else {
					assert.equal(retryAfter, undefined);
				}
				assert.deepEqual(attempts(), [A.email], 'one upstream attempt: the limit keeps the next one from being sent');
				const state = await account(pool);
				const model = state.models[SERVED];
				assert.equal(model?.state, c.state.state);
				assert.equal(model?.consecutiveFailures, c.state.failures);
				if (c.state.reason) assert.match(model?.reason ?? '', c.state.reason);
				if (c.state.untilS) {
					const left = (Date.parse(model?.until ?? '') - Date.now()) / 1000;
					assert.ok(left >= c.state.untilS[0] && left <= c.state.untilS[1], `limited for ${left} s`);
				}
				// Limits are per model: the account still serves others.
				assert.equal(state.models['gemini-3-flash']?.state, 'ok');
				assertNotInvalid(state);
				const summary = await health(pool);
				assert.equal(summary[c.health], 1, JSON.stringify(summary));
				await expectQuiet(pool);
				await pool.close();
			});
		}
	}

	for (const stream of MODES) {
		it(`a single array-wrapped, split 500: retried invisibly, a complete ${modeName(stream)} answer`, async () => {
			const pool = await startPool();
			fault({kind: 'http_error', error: 'server_500', arrayWrapped: true, split: true, legacyErrors: true});
			await expectAnswer(pool, stream);
			assert.deepEqual(attempts(), [A.email, A.email]);
			assertHealthy(await account(pool));
			await expectQuiet(pool);
			await pool.close();
		});
	}
});

describe('5xx storms over two accounts', () => {
	for (const stream of MODES) {
		it(`a storm on one account: ${modeName(stream)} answers come from the other account, the stormy one cools down after 3 errors`, async () => {
			const pool = await startPool({accounts: [A, B]});
			fault({kind: 'http_error', error: 'server_500', arrayWrapped: true}, 100, {account: A.email});
			const session = `storm-${modeName(stream)}`;
			// Each turn tries the conversation's account first (the binding stays: a 5xx may be a blip), then retries
			// that one request on the healthy account instead of hammering the failing one.
			for (let turn = 0; turn < 3; turn++) await expectAnswer(pool, stream, session);
			assert.deepEqual(attempts(), [A.email, B.email, A.email, B.email, A.email, B.email]);
			assertCooledDown(await account(pool, A.email), SERVED, /3 upstream errors in a row \(last: 500\)/, 3);
			assertHealthy(await account(pool, B.email));
			assert.deepEqual(await health(pool), {total: 2, active: 1, rateLimited: 1, invalid: 0, disabled: 0});
			// While the first account rests, the conversation goes straight to the other one.
			await expectAnswer(pool, stream, session);
			assert.deepEqual(attempts().slice(6), [B.email]);
			await expectQuiet(pool);
			await pool.close();
		});
	}

	it('a storm on every account: each cools down after 3 errors, then 429 until the first comes back, no upstream call', async () => {
		const pool = await startPool({accounts: [A, B]});
		fault({kind: 'http_error', error: 'server_500', split: true}, 100, {model: SERVED});
		assertHttpError(await post(pool, true, 'storm-all-1'), 502, 'api_error', /Upstream failed/);
		await sdkError(pool, 502, 'api_error', /Upstream failed/, 'storm-all-2');
		// Retries alternate between the accounts; after 6 attempts each has failed 3 times in a row.
		const tried = attempts();
		assert.equal(tried.length, 6);
		assert.deepEqual([tried.filter(e => e === A.email).length, tried.filter(e => e === B.email).length], [3, 3]);
		for (const email of [A.email, B.email]) assertCooledDown(await account(pool, email), SERVED, /3 upstream errors in a row \(last: 500\)/, 3);
		assert.deepEqual(await health(pool), {total: 2, active: 0, rateLimited: 2, invalid: 0, disabled: 0});
		for (const stream of MODES) {
			const reply = await post(pool, stream, `storm-all-${modeName(stream)}`);
			assertHttpError(reply, 429, 'rate_limit_error', /All 2 Google account\(s\) are limited for claude-sonnet-4-6 \(2 without capacity\)/);
			const retryAfter = Number(reply.headers.get('retry-after'));
			assert.ok(retryAfter > 25 && retryAfter <= 30, `retry-after ${retryAfter}`);
		}
		assert.equal(attempts().length, 6, 'resting accounts get no traffic');
		// Other models are not affected by the storm's limits.
		const other = await pool.client.messages.create({model: 'gemini-3-flash', max_tokens: 50, messages: [{role: 'user', content: 'hi'}]});
		assert.equal(other.stop_reason, 'end_turn');
		await expectQuiet(pool);
		await pool.close();
	});
});

describe('the OAuth token endpoint down', () => {
	// Access tokens that live 60 s are always within the refresh margin: every request refreshes, through `gateway`.
	let tokenSim: Simulator;
	let gateway: Server;
	let tokenUrl: string;
	let mode: 'forward' | 'reset' | '503' | 'json-500' = 'forward';
	/** Refresh tokens the gateway fails for (all when empty). */
	let failFor: string[] = [];
	let hits = 0;
	let holdMs = 0;

	before(async () => {
		tokenSim = await startSimulator({port: 0, accounts: [A, B], accessTokenTtlSec: 60});
		gateway = createServer((req, res) => {
			const chunks: Buffer[] = [];
			req.on('data', (chunk: Buffer) => chunks.push(chunk));
			req.on('end', () => {
				hits++;
				const body = Buffer.concat(chunks).toString('utf8');
				const refreshToken = new URLSearchParams(body).get('refresh_token') ?? '';
				const fail = mode !== 'forward' && (failFor.length === 0 || failFor.includes(refreshToken));
				const answer = async (): Promise<void> => {
					if (!fail) {
						const upstream = await fetch(tokenSim.oauth.tokenUrl, {method: 'POST', headers: {'content-type': 'application/x-www-form-urlencoded'}, body});
						res.writeHead(upstream.status, {'content-type': 'application/json'});
						res.end(await upstream.text());
					} else if (mode === 'reset') {
						req.socket.resetAndDestroy();
					} else if (mode === '503') {
						res.writeHead(503, {'content-type': 'text/html'});
						res.end('<html><body>Service Unavailable</body></html>');
					} else {
						res.writeHead(500, {'content-type': 'application/json'});
						res.end(JSON.stringify({error: {code: 500, message: 'Internal error encountered.', status: 'INTERNAL'}}));
					}
				};
				setTimeout(() => void answer().catch(() => res.destroy()), holdMs);
			});
		});
		await new Promise<void>(resolve => gateway.listen(0, '127.0.0.1', resolve));
		tokenUrl = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}/token`;
	});
	after(async () => {
		gateway.closeAllConnections();
		await new Promise(resolve => gateway.close(resolve));
		await tokenSim.close();
	});
	beforeEach(() => {
		tokenSim.reset();
		mode = 'forward';
		failFor = [];
		hits = 0;
		holdMs = 0;
	});

	const startTokenPool = (accounts: SimAccount[] = [A]): Promise<Pool> => startPool({sim: tokenSim, tokenUrl, accounts});

	for (const failure of ['reset', '503', 'json-500'] as const) {
		it(`${failure === 'reset' ? 'connection reset' : `HTTP ${failure}`}: 503 api_error with retry-after both ways, the account rests (never invalid), and works again once the endpoint is back`, async () => {
			const pool = await startTokenPool();
			mode = failure;
			const firstHits = hits;
			assertHttpError(await post(pool, true), 503, 'api_error', /token endpoint failed/);
			const error = await sdkError(pool, 503, 'api_error', /token endpoint failed/);
			const retryAfter = Number(error.headers?.get('retry-after'));
			assert.ok(retryAfter > 25 && retryAfter <= 30, `retry-after ${retryAfter}`);
			assert.equal(hits - firstHits, 1, 'one refresh; while the account rests nothing hammers the endpoint');
			assert.deepEqual(attempts(tokenSim), [], 'no Cloud Code call without a token');
			const state = await account(pool);
			assertNotInvalid(state);
			assert.equal(state.health, 'rate_limited');
			assert.match(state.cooldown?.reason ?? '', /^token refresh failed: refreshing the access token/);
			const left = Date.parse(state.cooldown?.until ?? '') - Date.now();
			assert.ok(left > 25_000 && left <= COOLDOWN_MS, `rests ${left} ms`);
			assert.deepEqual(await health(pool), {total: 1, active: 0, rateLimited: 1, invalid: 0, disabled: 0});

			// The endpoint is back: the account still rests (a well-formed 503, no hang) until its cooldown ends or an
			// operator forces a refresh, which clears the rest at once.
			mode = 'forward';
			assertHttpError(await post(pool, false), 503, 'api_error', /token endpoint failed/);
			const refreshed = (await (await fetch(`${pool.app.url}/refresh-token`, {method: 'POST'})).json()) as {accounts: Array<{email: string; ok: boolean}>};
			assert.deepEqual(refreshed.accounts, [{email: A.email, ok: true}]);
			assertHealthy(await account(pool));
			await expectAnswer(pool, true);
			await expectAnswer(pool, false);
			assert.deepEqual(attempts(tokenSim), [A.email, A.email]);
			await expectQuiet(pool);
			// Nothing was stored as invalid; the refresh token is the one it had.
			const stored = await storedAccount(pool, A.email);
			assert.equal(stored?.invalid, undefined);
			assert.equal(stored?.refreshToken, A.refreshToken);
			await pool.close();
		});
	}

	it('a closed port: 503 api_error both ways, the account is not invalid', async () => {
		const closed = createServer();
		await new Promise<void>(resolve => closed.listen(0, '127.0.0.1', resolve));
		const port = (closed.address() as AddressInfo).port;
		await new Promise(resolve => closed.close(resolve));
		const pool = await startPool({sim: tokenSim, tokenUrl: `http://127.0.0.1:${port}/token`, waitForQuota: false});
		assertHttpError(await post(pool, true), 503, 'api_error', /token endpoint failed/);
		await sdkError(pool, 503, 'api_error', /token endpoint failed/);
		const state = await account(pool);
		assertNotInvalid(state);
		assert.match(state.cooldown?.reason ?? '', /ECONNREFUSED/);
		await expectQuiet(pool);
		await pool.close();
	});

	it('one account\'s refresh fails: the request is served by the other, before the first byte', async () => {
		const pool = await startTokenPool([A, B]);
		mode = 'reset';
		failFor = [A.refreshToken];
		await expectAnswer(pool, true, 'token-one');
		await expectAnswer(pool, false, 'token-two');
		assert.deepEqual(attempts(tokenSim), [B.email, B.email]);
		const a = await account(pool, A.email);
		assertNotInvalid(a);
		assert.match(a.cooldown?.reason ?? '', /token refresh failed/);
		assertHealthy(await account(pool, B.email));
		assert.deepEqual(await health(pool), {total: 2, active: 1, rateLimited: 1, invalid: 0, disabled: 0});
		await expectQuiet(pool);
		await pool.close();
	});

	it('concurrent requests during the outage share one refresh and all get the 503', async () => {
		const pool = await startTokenPool();
		mode = '503';
		holdMs = 300;
		const firstHits = hits;
		const replies = await Promise.all(Array.from({length: 6}, (_, i) => post(pool, i % 2 === 0)));
		for (const reply of replies) assertHttpError(reply, 503, 'api_error', /token endpoint failed/);
		assert.equal(hits - firstHits, 1, 'a single refresh for six waiting requests');
		assertNotInvalid(await account(pool));
		await expectQuiet(pool);
		await pool.close();
	});

	it('by contrast, invalid_grant does make the account invalid (stored), and the client is told why', async () => {
		const pool = await startTokenPool();
		tokenSim.enqueue({match: {method: 'token'}, times: 5, script: {kind: 'http_error', error: 'invalid_grant'}});
		assertHttpError(await post(pool, false), 503, 'api_error', /no usable Google account: 1 invalid/);
		const state = await account(pool);
		assert.equal(state.health, 'invalid');
		assert.match(state.invalidReason ?? '', /invalid_grant/);
		await expectQuiet(pool);
		assert.match((await storedAccount(pool, A.email))?.invalid?.reason ?? '', /expired or revoked/, 'persisted');
		await pool.close();
	});
});

describe('nothing leaks', () => {
	it('300 faults (mid-stream resets to streaming clients, resets before the first byte to non-streaming ones): sockets, slots, timers and heap stay bounded', async () => {
		const pool = await startPool();
		// Big prompts and answers: whatever agproxy kept per request would show in the heap at once.
		const prompt = `remember this: ${'lorem ipsum dolor sit amet '.repeat(600)}`;
		const answer = {kind: 'long', chunks: 6, chunkSize: 512} as const;
		const round = async (): Promise<void> => {
			fault({kind: 'disconnect_mid_stream', afterChunks: 2, answer});
			assertStreamError(await post(pool, true, undefined, prompt), /upstream stream failed/);
			// Retried, and its success resets the failure count (the account never cools down).
			fault({kind: 'disconnect_mid_stream', afterChunks: 0, answer});
			await sdkAnswer(pool, undefined, prompt);
		};
		for (let i = 0; i < 10; i++) await round();
		sim.reset();
		await expectQuiet(pool);
		// The test's own fetch keeps a resource-timing entry per request (up to 250): not agproxy's memory.
		performance.clearResourceTimings();
		const heapBefore = await heapAfterGc();
		for (let i = 0; i < 150; i++) await round();
		assert.equal(attempts().length, 150 * 3);
		sim.reset();
		await expectQuiet(pool);
		performance.clearResourceTimings();
		const growth = (await heapAfterGc()) - heapBefore;
		// 300 requests of ~16 KB each: kept, they alone would be ~5 MiB.
		assert.ok(growth < 4 * 1024 * 1024, `heap grew ${(growth / 1024 / 1024).toFixed(1)} MiB over 300 faults`);
		const state = await account(pool);
		assertHealthy(state);
		assert.equal(state.requestsServed, 160, 'every non-streaming request was served by its retry');
		await pool.close();
		// agproxy's own upstream sockets are gone with it (an OAuth keep-alive socket may stay until its idle timeout).
		await settle(async () => {
			const sockets = await sim.openConnections();
			return sockets > 1 ? `${sockets} sockets still open to the simulator after stop` : undefined;
		});
	});
});
