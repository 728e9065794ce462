// The account pool end to end: SDK -> agproxy (pool over a file store) -> simulator with three accounts.
import assert from 'node:assert/strict';
import {PassThrough} from 'node:stream';
import {after, before, beforeEach, describe, it} from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import type {App} from '../../source/app.js';
import {runAccounts} from '../../source/cli/accounts.js';
import {loadConfig} from '../../source/config.js';
import type {SimAccount, Simulator} from '../../source/simulator/index.js';
import {type PoolStack, startPoolStack} from '../helpers/stack.js';

const accounts: SimAccount[] = ['a', 'b', 'c'].map(n => ({email: `${n}@pool.test`, refreshToken: `1//refresh-${n}`, project: `project-${n}`, tier: 'free-tier'}));

let stack: PoolStack;
let sim: Simulator;
let app: App;
let client: Anthropic;
let dataDir: string;

before(async () => {
	// Seeds proxy.db, then the server opens it as the one writer (it writes server.json; the CLI goes through it).
	// 3 accounts x 20 slots: 50 concurrent conversations fit without spilling over to other accounts.
	stack = await startPoolStack({
		sim: {accounts: [...accounts, {email: 'late@pool.test', refreshToken: '1//refresh-late', project: 'project-late'}]},
		seed: accounts,
		env: {AGPROXY_MAX_WAIT_MS: '3000', AGPROXY_ACCOUNT_CONCURRENCY: '20'},
		prefix: 'agproxy-accounts-',
	});
	({sim, app, client, dataDir} = stack);
});
after(() => stack.close());
beforeEach(() => sim.reset());

function ask(session: string, text = 'hello', model = 'claude-sonnet-4-6'): Promise<Anthropic.Message> {
	return client.messages.create({model, max_tokens: 50, messages: [{role: 'user', content: text}]}, {headers: {'x-claude-code-session-id': session}});
}

function generateAccounts(): Array<string | undefined> {
	return sim.requests.filter(r => r.rpc === 'streamGenerateContent').map(r => r.account);
}

describe('account pool through agproxy', () => {
	it('keeps a conversation on one account (sticky), with a stable upstream sessionId', async () => {
		for (let turn = 0; turn < 4; turn++) await ask('conv-sticky');
		const used = generateAccounts();
		assert.equal(used.length, 4);
		assert.equal(new Set(used).size, 1, `one account, got ${used.join(',')}`);
		const sessionIds = sim.requests.filter(r => r.rpc === 'streamGenerateContent').map(r => (r.body as {request: {sessionId: string}}).request.sessionId);
		assert.equal(new Set(sessionIds).size, 1);
	});

	it('moves a request to another account on a long 429 without the client seeing an error', async () => {
		await ask('conv-long-429');
		const bound = generateAccounts()[0];
		assert.ok(bound);
		sim.enqueue({match: {account: bound}, times: 5, script: {kind: 'http_error', error: 'rate_limit', retryDelaySec: 600}});
		const message = await ask('conv-long-429');
		assert.equal(message.stop_reason, 'end_turn');
		const used = generateAccounts();
		assert.equal(used.at(-2), bound, 'the bound account was tried');
		assert.notEqual(used.at(-1), bound, 'and the answer came from another');
	});

	it('refreshes the token after an upstream 401 and retries on the same account', async () => {
		await ask('conv-401');
		const bound = generateAccounts()[0];
		assert.ok(bound);
		sim.reset();
		sim.enqueue({match: {account: bound}, times: 1, script: {kind: 'http_error', error: 'unauthenticated_401'}});
		const message = await ask('conv-401');
		assert.equal(message.stop_reason, 'end_turn');
		assert.deepEqual(generateAccounts(), [bound, bound]);
		assert.ok(sim.requests.some(r => r.rpc === 'token' && r.account === bound), 'a token refresh happened');
	});

	it('answers 429 with retry-after at the earliest reset when every account is exhausted — no hang', async () => {
		const soon = new Date(Date.now() + 90_000).toISOString();
		const later = new Date(Date.now() + 3_600_000).toISOString();
		for (const [i, account] of accounts.entries()) {
			sim.enqueue({match: {account: account.email, model: 'gemini-3-flash'}, times: 5, script: {kind: 'http_error', error: 'quota_exhausted', resetTime: i === 1 ? soon : later}});
		}
		const started = Date.now();
		const error = await ask('conv-exhausted', 'hi', 'gemini-3-flash').then(
			() => assert.fail('expected 429'),
			(e: unknown) => e,
		);
		assert.ok(error instanceof Anthropic.RateLimitError, String(error));
		const retryAfter = Number(error.headers?.get('retry-after'));
		assert.ok(retryAfter > 60 && retryAfter <= 91, `retry-after ${retryAfter}`);
		assert.ok(Date.now() - started < 5000, 'no long wait');
		const limits = (await (await fetch(`${app.url}/account-limits`)).json()) as {accounts: Array<{email: string; models: Record<string, {state: string}>}>};
		for (const account of limits.accounts.filter(a => accounts.some(x => x.email === a.email))) {
			assert.equal(account.models['gemini-3-flash']?.state, 'exhausted', account.email);
		}
		// Other models still work on the same accounts.
		assert.equal((await ask('conv-exhausted-other', 'hi', 'claude-sonnet-4-6')).stop_reason, 'end_turn');
	});

	it('does not retry a stream that failed after bytes reached the client', async () => {
		sim.enqueue({times: 5, script: {kind: 'disconnect_mid_stream', afterChunks: 2, answer: {kind: 'long', chunks: 8}}});
		const stream = client.messages.stream({model: 'claude-sonnet-4-6', max_tokens: 50, messages: [{role: 'user', content: 'hi'}]}, {headers: {'x-claude-code-session-id': 'conv-mid'}});
		await assert.rejects(stream.finalMessage());
		assert.equal(generateAccounts().length, 1, 'one upstream attempt only');
	});

	it('50 concurrent conversations over 3 accounts keep their bindings and lose no request', async () => {
		// A model no earlier test limited: every account is free for it.
		const model = 'gemini-2.5-flash';
		const conversations = Array.from({length: 50}, (_, i) => `fan-${i}`);
		const first = await Promise.all(conversations.map(c => ask(c, 'hello', model).then(m => m.stop_reason)));
		assert.equal(first.filter(r => r === 'end_turn').length, 50);
		const bindings = new Map<string, string>();
		for (const r of sim.requests.filter(x => x.rpc === 'streamGenerateContent')) {
			const sessionId = (r.body as {request: {sessionId: string}}).request.sessionId;
			bindings.set(sessionId, r.account ?? '');
		}
		const perAccount = new Map<string, number>();
		for (const account of bindings.values()) perAccount.set(account, (perAccount.get(account) ?? 0) + 1);
		assert.equal(perAccount.size, 3, 'spread over all accounts');
		sim.reset();
		const second = await Promise.all(conversations.map(c => ask(c, 'hello', model).then(m => m.stop_reason)));
		assert.equal(second.filter(r => r === 'end_turn').length, 50);
		for (const r of sim.requests.filter(x => x.rpc === 'streamGenerateContent')) {
			const sessionId = (r.body as {request: {sessionId: string}}).request.sessionId;
			assert.equal(r.account, bindings.get(sessionId), 'same account as the first turn');
		}
	});

	it('sees accounts added and disabled by the CLI while it runs', async () => {
		const out = new PassThrough();
		const err = new PassThrough();
		let printed = '';
		out.on('data', chunk => (printed += String(chunk)));
		err.on('data', chunk => (printed += String(chunk)));
		const io = {stdout: out, stderr: err, stdin: new PassThrough(), env: {}};
		const context = {dataDir, config: loadConfig({upstream: sim.url}, {})};
		const env = {AGPROXY_OAUTH_TOKEN_URL: sim.oauth.tokenUrl, AGPROXY_USERINFO_URL: sim.oauth.userinfoUrl, AGPROXY_OAUTH_AUTH_URL: sim.oauth.authUrl};
		const code = await runAccounts(['add'], {refreshToken: '1//refresh-late'}, {...io, env}, context);
		assert.equal(code, 0, printed);
		const deadline = Date.now() + 5000;
		let emails: string[] = [];
		while (Date.now() < deadline) {
			const limits = (await (await fetch(`${app.url}/account-limits`)).json()) as {accounts: Array<{email: string}>};
			emails = limits.accounts.map(a => a.email);
			if (emails.includes('late@pool.test')) break;
			await new Promise(resolve => setTimeout(resolve, 50));
		}
		assert.ok(emails.includes('late@pool.test'), `server picked up the new account: ${emails.join(',')}`);
		assert.equal(await runAccounts(['verify'], {}, {...io, env}, context), 0, `verify through the running server: ${printed}`);
		assert.match(printed, /late@pool\.test/);
		assert.equal(await runAccounts(['disable', 'late@pool.test'], {}, {...io, env}, context), 0, printed);
		while (Date.now() < deadline) {
			const summary = ((await (await fetch(`${app.url}/health`)).json()) as {accounts: {disabled: number}}).accounts;
			if (summary.disabled === 1) break;
			await new Promise(resolve => setTimeout(resolve, 50));
		}
		assert.equal(((await (await fetch(`${app.url}/health`)).json()) as {accounts: {disabled: number}}).accounts.disabled, 1);
	});

	it('POST /refresh-token refreshes every account and reports each', async () => {
		const answer = (await (await fetch(`${app.url}/refresh-token`, {method: 'POST'})).json()) as {accounts: Array<{email: string; ok: boolean}>};
		const emails = answer.accounts.map(a => a.email);
		for (const account of accounts) assert.ok(emails.includes(account.email));
		assert.ok(answer.accounts.filter(a => accounts.some(x => x.email === a.email)).every(a => a.ok));
	});
});
