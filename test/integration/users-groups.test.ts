// Users, keys and model groups end to end: a real agproxy owning proxy.db in a temp dir, the real CLI going through its
// admin API, the official SDK as the client, the simulator as Google.
import assert from 'node:assert/strict';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, it} from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import {type App, startApp} from '../../source/app.js';
import {runGroups} from '../../source/cli/groups.js';
import {runUsers} from '../../source/cli/users.js';
import {ConfigError, loadConfig} from '../../source/config.js';
import type {Simulator} from '../../source/simulator/index.js';
import {openDataStore} from '../../source/store/index.js';
import {MemoryDataStore} from '../../source/store/memory.js';
import {type PoolStack, startPoolStack} from '../helpers/stack.js';

let sim: Simulator;
let app: App;
let dataDir: string;
const accounts = [
	{email: 'one@groups.test', refreshToken: '1//refresh-one', project: 'project-one'},
	{email: 'two@groups.test', refreshToken: '1//refresh-two', project: 'project-two'},
];

let stack: PoolStack;
before(async () => {
	stack = await startPoolStack({sim: {accounts}, prefix: 'agproxy-users-'});
	({sim, app, dataDir} = stack);
});
after(() => stack.close());

async function cli(run: typeof runUsers | typeof runGroups, args: string[], flags: Record<string, unknown> = {}): Promise<{code: number; out: string; err: string}> {
	let out = '';
	let err = '';
	const io = {stdout: {write: (t: string) => ((out += t), true)}, stderr: {write: (t: string) => ((err += t), true)}};
	const code = await run(args, flags as never, io, {dataDir});
	return {code, out, err};
}

async function createUser(name: string): Promise<string> {
	const result = await cli(runUsers, ['create', name]);
	assert.equal(result.code, 0, result.err);
	const key = /(sk-agp-[A-Za-z0-9_-]+)/.exec(result.out)?.[1];
	assert.ok(key, result.out);
	return key;
}

const clientWith = (apiKey: string): Anthropic => new Anthropic({baseURL: app.url, apiKey, maxRetries: 0});
const hello = {model: 'claude-sonnet-4-6', max_tokens: 30, messages: [{role: 'user' as const, content: 'hi'}]};

describe('users and keys', () => {
	let aliceKey = '';

	it('serves open on loopback while no user exists', async () => {
		assert.equal((await clientWith('anything').messages.create(hello)).stop_reason, 'end_turn');
	});

	it('once a user exists, every endpoint but / and /health needs a valid key; operator endpoints an admin user', async () => {
		aliceKey = await createUser('alice');
		const created = await cli(runUsers, ['create', 'ops'], {admin: true});
		assert.equal(created.code, 0, created.err);
		const opsKey = /(sk-agp-[A-Za-z0-9_-]+)/.exec(created.out)?.[1] ?? '';
		const endpoints: Array<[string, string, unknown?]> = [
			['POST', '/v1/messages', hello],
			['POST', '/v1/messages/count_tokens', hello],
			['GET', '/v1/models'],
			['GET', '/v1/models/claude-sonnet-4-6'],
			['GET', '/account-limits'],
			['POST', '/refresh-token'],
		];
		for (const [method, path, body] of endpoints) {
			const init = (headers: Record<string, string>): RequestInit => ({method, headers: {'content-type': 'application/json', ...headers}, ...(body ? {body: JSON.stringify(body)} : {})});
			const missing = await fetch(`${app.url}${path}`, init({}));
			assert.equal(missing.status, 401, `${method} ${path} without a key`);
			assert.equal(((await missing.json()) as {error: {type: string}}).error.type, 'authentication_error');
			assert.equal((await fetch(`${app.url}${path}`, init({'x-api-key': 'sk-agp-wrong'}))).status, 401, `${method} ${path} wrong key`);
			const operator = path === '/account-limits' || path === '/refresh-token';
			// alice is an ordinary user: the operator endpoints (accounts, token refreshes) refuse her with 403.
			const asAlice = await fetch(`${app.url}${path}`, init({'x-api-key': aliceKey}));
			assert.equal(asAlice.status, operator ? 403 : 200, `${method} ${path} x-api-key`);
			if (operator) assert.equal(((await asAlice.json()) as {error: {type: string}}).error.type, 'permission_error');
			assert.equal((await fetch(`${app.url}${path}`, init({authorization: `Bearer ${aliceKey}`}))).status, operator ? 403 : 200, `${method} ${path} Bearer`);
			assert.equal((await fetch(`${app.url}${path}`, init({authorization: `Bearer ${opsKey}`}))).status, 200, `${method} ${path} admin user`);
		}
		for (const path of ['/', '/health']) assert.equal((await fetch(`${app.url}${path}`)).status, 200, path);
	});

	it('rotate kills the old key at once; disable and enable work', async () => {
		const rotated = await cli(runUsers, ['rotate', 'alice']);
		assert.equal(rotated.code, 0, rotated.err);
		const newKey = /(sk-agp-[A-Za-z0-9_-]+)/.exec(rotated.out)?.[1] ?? '';
		await assert.rejects(clientWith(aliceKey).messages.create(hello), Anthropic.AuthenticationError);
		assert.equal((await clientWith(newKey).messages.create(hello)).stop_reason, 'end_turn');
		assert.equal((await cli(runUsers, ['disable', 'alice'])).code, 0);
		await assert.rejects(clientWith(newKey).messages.create(hello), Anthropic.AuthenticationError);
		assert.equal((await cli(runUsers, ['enable', 'alice'])).code, 0);
		assert.equal((await clientWith(newKey).messages.create(hello)).stop_reason, 'end_turn');
		aliceKey = newKey;
	});

	it('records usage per user and model; users list shows it', async () => {
		const list = await cli(runUsers, ['list'], {json: true});
		assert.equal(list.code, 0, list.err);
		const alice = (JSON.parse(list.out) as Array<{name: string; keyPrefix: string; usage: {total: {requests: number; outputTokens: number}}}>).find(u => u.name === 'alice');
		assert.ok(alice);
		assert.ok(alice.usage.total.requests >= 2, JSON.stringify(alice));
		assert.ok(alice.usage.total.outputTokens > 0);
		assert.ok(aliceKey.startsWith(alice.keyPrefix));
		assert.doesNotMatch(list.out, new RegExp(aliceKey));
	});

	it('concurrent CLI commands while the server runs lose nothing', async () => {
		const names = Array.from({length: 12}, (_, i) => `crowd-${i}`);
		const results = await Promise.all(names.map(name => cli(runUsers, ['create', name])));
		assert.deepEqual(results.map(r => r.code), names.map(() => 0));
		const listed = JSON.parse((await cli(runUsers, ['list'], {json: true})).out) as Array<{name: string}>;
		for (const name of names) assert.ok(listed.some(u => u.name === name), name);
	});

	describe('model groups', () => {
		it('refuses unknown member models', async () => {
			assert.equal((await cli(runGroups, ['create', 'fast'], {strategy: 'priority'})).code, 0);
			const bad = await cli(runGroups, ['add', 'fast', 'gemini-9-imaginary']);
			assert.notEqual(bad.code, 0);
			assert.match(bad.err, /gemini-9-imaginary/);
		});

		it('fails over to the next member when the first is exhausted on every account', async () => {
			assert.equal((await cli(runGroups, ['add', 'fast', 'gemini-3-flash'], {order: 1})).code, 0);
			assert.equal((await cli(runGroups, ['add', 'fast', 'claude-sonnet-4-6'], {order: 2})).code, 0);
			const reset = new Date(Date.now() + 3_600_000).toISOString();
			for (const account of accounts) sim.enqueue({match: {account: account.email, model: 'gemini-3-flash'}, times: 10, script: {kind: 'http_error', error: 'quota_exhausted', resetTime: reset}});
			const {data, response} = await clientWith(aliceKey).messages.create({...hello, model: 'fast'}).withResponse();
			assert.equal(data.model, 'fast', 'the answer names the alias asked for');
			assert.equal(response.headers.get('x-agproxy-model'), 'claude-sonnet-4-6');
			const models = sim.requests.filter(r => r.rpc === 'streamGenerateContent').slice(-3).map(r => (r.body as {model: string}).model);
			assert.ok(models.includes('gemini-3-flash') && models.at(-1) === 'claude-sonnet-4-6', models.join(','));
		});

		it("a user's group shadows the global one with the same alias, and /v1/models lists the caller's aliases", async () => {
			const bobKey = await createUser('bob');
			assert.equal((await cli(runGroups, ['create', 'fast'], {strategy: 'priority', user: 'alice'})).code, 0);
			assert.equal((await cli(runGroups, ['add', 'fast', 'gemini-2.5-flash'], {user: 'alice'})).code, 0);
			const served = async (key: string): Promise<string | null> => (await clientWith(key).messages.create({...hello, model: 'fast'}).withResponse()).response.headers.get('x-agproxy-model');
			assert.equal(await served(aliceKey), 'gemini-2.5-flash');
			assert.equal(await served(bobKey), 'claude-sonnet-4-6');
			const listed: string[] = [];
			for await (const model of clientWith(aliceKey).models.list({limit: 100})) listed.push(model.id);
			assert.ok(listed.includes('fast') && listed.includes('claude-sonnet-4-6'));
		});

		it('groups test reports which member answered', async () => {
			const result = await cli(runGroups, ['test', 'fast']);
			assert.equal(result.code, 0, result.err);
			assert.match(result.out, /claude-sonnet-4-6/);
		});
	});
});

describe('start-up failures', () => {
	it('a port already in use fails the start and releases the data file and its lock', async () => {
		const otherDir = mkdtempSync(join(tmpdir(), 'agproxy-busy-'));
		try {
			await assert.rejects(startApp(loadConfig({port: app.port, upstream: sim.url, dataDir: otherDir}, {})), (error: unknown) => (error as NodeJS.ErrnoException).code === 'EADDRINUSE');
			const reopened = await openDataStore(otherDir, {lock: 'server'});
			reopened.close();
		} finally {
			rmSync(otherDir, {recursive: true, force: true});
		}
	});
});

describe('open mode', () => {
	it('refuses to serve a non-loopback address without users, unless --allow-open', async () => {
		await assert.rejects(startApp(loadConfig({port: 0, host: '0.0.0.0'}, {}), {dataStore: new MemoryDataStore()}), (error: unknown) => error instanceof ConfigError && /users create/.test(error.message));
	});
});
