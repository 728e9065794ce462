// Google out of capacity (503 MODEL_CAPACITY_EXHAUSTED) through a real socket: with one account the client gets a 529
// overloaded_error with retry-after at once (Claude Code and the SDKs retry 529 themselves), never a wait for the
// 5-15 s backoff; with two accounts the second one serves; in a model group the next member serves.
// The pool's default wait budget (120 s) is kept on purpose: a wait would show.
import assert from 'node:assert/strict';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, afterEach, before, beforeEach, describe, it} from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import {loadOAuthConfig} from '../../source/accounts/oauth.js';
import type {PoolEvent} from '../../source/accounts/pool.js';
import {type App, startApp} from '../../source/app.js';
import {loadConfig} from '../../source/config.js';
import {type SimAccount, type Simulator, startSimulator} from '../../source/simulator/index.js';
import {openDataStore} from '../../source/store/index.js';

const A: SimAccount = {email: 'a@capacity.test', refreshToken: '1//refresh-capacity-a', project: 'project-capacity-a', tier: 'free-tier'};
const B: SimAccount = {email: 'b@capacity.test', refreshToken: '1//refresh-capacity-b', project: 'project-capacity-b', tier: 'free-tier'};
const MODEL = 'claude-sonnet-4-6';
/** Below the shortest capacity backoff (5 s) a wait would add, far above a loaded machine's answer time (~0.1-1 s). */
const QUICK_MS = 4_500;

let sim: Simulator;
let app: App | undefined;
let dataDir: string | undefined;
let waits: Array<Extract<PoolEvent, {type: 'waiting'}>> = [];

async function start(accounts: SimAccount[]): Promise<{app: App; client: Anthropic}> {
	dataDir = mkdtempSync(join(tmpdir(), 'agproxy-capacity-'));
	const seed = await openDataStore(dataDir);
	for (const account of accounts) {
		await seed.accounts.upsert({email: account.email, refreshToken: account.refreshToken, projectId: account.project ?? '', tier: 'free-tier', enabled: true, addedAt: new Date().toISOString()});
	}
	seed.close();
	const config = loadConfig({port: 0, upstream: sim.url, dataDir}, {AGPROXY_PING_INTERVAL_MS: '60000'});
	const started = await startApp(config, {oauth: {...loadOAuthConfig({}), tokenUrl: sim.oauth.tokenUrl, userinfoUrl: sim.oauth.userinfoUrl, authUrl: sim.oauth.authUrl}});
	app = started;
	started.pool?.onChange((event) => {
		if (event.type === 'waiting') waits.push(event);
	});
	// Let the start-up quota fetch finish, so it does not race the faults below.
	for (let i = 0; i < 200 && started.pool?.snapshot().some((account) => account.quotaFetchedAt === undefined); i++) await new Promise((resolve) => setTimeout(resolve, 25));
	return {app: started, client: new Anthropic({baseURL: started.url, apiKey: 'x', maxRetries: 0, timeout: 30_000})};
}

function attempts(): string[] {
	return sim.requests
		.filter((r) => r.rpc === 'streamGenerateContent')
		.map((r) => `${r.account ?? '?'} ${(r.body as {model?: string} | undefined)?.model ?? '?'}`);
}

function capacity(times: number, match: {account?: string; model?: string} = {}): void {
	sim.enqueue({script: {kind: 'http_error', error: 'capacity_503'}, times, match});
}

before(async () => {
	sim = await startSimulator({port: 0, accounts: [A, B]});
});
beforeEach(() => {
	sim.reset();
	waits = [];
});
afterEach(async () => {
	await app?.stop();
	app = undefined;
	if (dataDir) rmSync(dataDir, {recursive: true, force: true});
	dataDir = undefined;
});
after(async () => {
	await sim.close();
});

describe('no capacity upstream', () => {
	for (const stream of [false, true]) {
		it(`one account: a ${stream ? 'streaming' : 'non-streaming'} request gets 529 overloaded_error with retry-after at once, after one attempt`, async () => {
			const {client, app: running} = await start([A]);
			capacity(5);
			const started = Date.now();
			const params = {model: MODEL, max_tokens: 50, messages: [{role: 'user' as const, content: 'hi'}]};
			const error = await (stream ? client.messages.stream(params).finalMessage() : client.messages.create(params)).then(
				() => assert.fail('expected a 529'),
				(e: unknown) => e,
			);
			const elapsed = Date.now() - started;
			assert.ok(error instanceof Anthropic.APIError, String(error));
			assert.equal(error.status, 529);
			assert.equal(error.type, 'overloaded_error');
			assert.match((error.error as {error: {message: string}}).error.message, /no capacity for claude-sonnet-4-6 right now on the only Google account; retry in \d+s/);
			const retryAfter = Number(error.headers?.get('retry-after'));
			// The pool's capacity backoff without a server delay is 5-15 s: the client is told to come back then.
			assert.ok(retryAfter >= 5 && retryAfter <= 15, `retry-after ${retryAfter}`);
			assert.ok(elapsed < QUICK_MS, `answered in ${elapsed} ms`);
			assert.deepEqual(attempts(), [`${A.email} ${MODEL}`], 'one upstream attempt');
			assert.deepEqual(waits, [], 'the pool never waited for the backoff');
			// While the backoff runs, the next request is answered the same way without reaching upstream.
			const again = await client.messages.create(params).then(() => assert.fail('expected a 529'), (e: unknown) => e as InstanceType<typeof Anthropic.APIError>);
			assert.equal(again.status, 529);
			assert.equal(attempts().length, 1);
			assert.equal(running.pool?.snapshot()[0]?.models[MODEL]?.limit?.kind, 'capacity');
		});
	}

	it('two accounts: the second one serves the request the first could not', async () => {
		const {client} = await start([A, B]);
		capacity(5, {account: A.email});
		const started = Date.now();
		// Two conversations, so each account is first for one of them; both are answered.
		for (const session of ['one', 'two']) {
			const message = await client.messages.create({model: MODEL, max_tokens: 50, messages: [{role: 'user', content: 'hi'}]}, {headers: {'x-claude-code-session-id': session}});
			assert.equal(message.stop_reason, 'end_turn');
		}
		assert.ok(Date.now() - started < QUICK_MS * 2);
		const tried = attempts();
		assert.equal(tried.at(-1), `${B.email} ${MODEL}`);
		assert.equal(tried.filter((t) => t.startsWith(A.email)).length, 1, `A tried once, then rests: ${tried.join(', ')}`);
		assert.deepEqual(waits, []);
	});

	it('a model group: the next member serves when the first has no capacity on the only account', async () => {
		const {client, app: running} = await start([A]);
		running.actions.store.groups.create({alias: 'fast', strategy: 'priority', createdAt: new Date().toISOString()});
		running.actions.store.groups.update('fast', undefined, {members: [{model: 'claude-sonnet-4-6', order: 1, weight: 1}, {model: 'gemini-3-flash', order: 2, weight: 1}]});
		capacity(5, {model: 'claude-sonnet-4-6'});
		const started = Date.now();
		const response = await client.messages.create({model: 'fast', max_tokens: 50, messages: [{role: 'user', content: 'hi'}]}).withResponse();
		assert.equal(response.data.stop_reason, 'end_turn');
		assert.equal(response.response.headers.get('x-agproxy-model'), 'gemini-3-flash');
		assert.ok(Date.now() - started < QUICK_MS);
		assert.deepEqual(attempts(), [`${A.email} claude-sonnet-4-6`, `${A.email} gemini-3-flash`]);
		assert.deepEqual(waits, []);
	});
});
