// The loopback admin API over a real socket: token required (missing/wrong 401), non-loopback peers and browsers
// refused (403), malformed requests (400/404/405/413), every action reachable through AdminClient, action errors
// mapped to 400/404/409/503 and rebuilt as the same classes, a flush before answering a change.
import assert from 'node:assert/strict';
import {after, describe, test} from 'node:test';
import {ActionError, ConflictError, InvalidError, NotFoundError, UnavailableError} from '../../source/actions/errors.js';
import {ACTION_NAMES, type ActionArgs, type ActionName, type ActionResult} from '../../source/actions/registry.js';
import {AdminClient, AdminError} from '../../source/admin/client.js';
import {isAdminPath} from '../../source/admin/protocol.js';
import {isLoopbackAddress} from '../../source/http/auth.js';
import {VERSION} from '../../source/version.js';
import {type AdminStub, context, startAdminStub} from './helpers.js';

const cleanup: Array<() => Promise<unknown> | unknown> = [];
after(async () => {
	for (const step of cleanup.reverse()) await step();
});

async function stub(extra: Parameters<typeof context>[0] = {}, options: Parameters<typeof startAdminStub>[1] = {}): Promise<AdminStub & ReturnType<typeof context> & {client: AdminClient}> {
	const made = context(extra);
	const server = await startAdminStub(made.ctx, options);
	const client = new AdminClient({url: server.url, token: server.token});
	cleanup.push(() => server.close(), () => client.close());
	return {...made, ...server, client};
}

async function raw(url: string, init: RequestInit = {}): Promise<{status: number; body: {type?: string; error?: {type: string; message: string; kind?: string}; ok?: boolean; result?: unknown}}> {
	const response = await fetch(url, init);
	return {status: response.status, body: (await response.json()) as never};
}

describe('admin API', () => {
	test('ping: with the token only', async () => {
		const s = await stub();
		assert.deepEqual(await s.client.ping(), {ok: true, pid: process.pid, version: VERSION});
		const missing = await raw(`${s.url}/admin/ping`);
		assert.equal(missing.status, 401);
		assert.deepEqual(missing.body.error, {type: 'authentication_error', message: 'missing admin token: send Authorization: Bearer <token from server.json>'});
		const wrong = await raw(`${s.url}/admin/ping`, {headers: {authorization: `Bearer ${s.token.replace(/.$/, c => (c === 'a' ? 'b' : 'a'))}`}});
		assert.equal(wrong.status, 401);
		assert.equal(wrong.body.error?.message, 'wrong admin token');
		const shortToken = await raw(`${s.url}/admin/ping`, {headers: {authorization: 'Bearer x'}});
		assert.equal(shortToken.status, 401);
		await assert.rejects(new AdminClient({url: s.url, token: 'nope'}).ping(), (error: unknown) => error instanceof AdminError && error.status === 401);
	});

	test('loopback peers only (the deciding function), and never browsers', async () => {
		for (const address of ['127.0.0.1', '::1', '::ffff:127.0.0.1', '127.9.9.9']) assert.equal(isLoopbackAddress(address), true, address);
		for (const address of ['10.1.2.3', '192.168.0.2', '::ffff:192.168.0.2', 'fe80::1', undefined]) assert.equal(isLoopbackAddress(address), false, String(address));
		const seen: Array<string | undefined> = [];
		const remote = await stub({}, {allowRemote: address => (seen.push(address), false)});
		const refused = await raw(`${remote.url}/admin/ping`, {headers: {authorization: `Bearer ${remote.token}`}});
		assert.equal(refused.status, 403);
		assert.match(refused.body.error?.message ?? '', /only on loopback/);
		assert.equal(refused.body.error?.type, 'permission_error');
		assert.match(seen[0] ?? '', /127\.0\.0\.1$/, 'decided on the socket peer address');

		const s = await stub();
		const browser = await raw(`${s.url}/admin/rpc`, {method: 'POST', headers: {authorization: `Bearer ${s.token}`, origin: 'http://evil.example', 'content-type': 'application/json'}, body: '{"action":"users.list"}'});
		assert.equal(browser.status, 403);
		assert.equal(s.store.users.list().length, 0);
	});

	test('malformed requests', async () => {
		const s = await stub();
		const auth = {authorization: `Bearer ${s.token}`};
		const post = (body: string, path = '/admin/rpc'): ReturnType<typeof raw> => raw(`${s.url}${path}`, {method: 'POST', headers: {...auth, 'content-type': 'application/json'}, body});
		assert.equal((await raw(`${s.url}/admin/rpc`, {headers: auth})).status, 405);
		assert.equal((await post('{}', '/admin/ping')).status, 405);
		assert.equal((await raw(`${s.url}/admin/other`, {headers: auth})).status, 404);
		assert.equal((await raw(`${s.url}/admin/other`)).status, 401, 'no token: nothing is revealed');
		const cases: Array<[string, number, RegExp]> = [
			['{', 400, /not valid JSON/],
			['', 400, /empty/],
			['[]', 400, /expected a JSON object/],
			['{"action":5}', 400, /action: expected a string/],
			['{"action":"users.drop"}', 400, /unknown action 'users\.drop'/],
			['{"action":"constructor"}', 400, /unknown action/],
			['{"action":"users.list","args":{},"extra":1}', 400, /unknown field 'extra'/],
			['{"action":"users.create","args":{"name":7}}', 400, /name: expected a string/],
			[JSON.stringify({action: 'users.create', args: {name: 'x'.repeat(300_000)}}), 413, /exceeds the limit/],
		];
		for (const [body, status, pattern] of cases) {
			const answer = await post(body);
			assert.equal(answer.status, status, body.slice(0, 60));
			assert.equal(answer.body.type, 'error');
			assert.match(answer.body.error?.message ?? '', pattern, body.slice(0, 60));
		}
	});

	test('every action is reachable through AdminClient; results are JSON; changes are flushed before the answer', async () => {
		const s = await stub({testGroup: async ({alias}) => ({model: 'gemini-3-flash', text: `hi from ${alias}`}), verifyAccounts: async () => []});
		const reached = new Set<ActionName>();
		const call = async <N extends ActionName>(action: N, args: ActionArgs<N>): Promise<ActionResult<N>> => {
			reached.add(action);
			return s.client.call(action, args);
		};
		const flushes = (): number => s.store.flushes;

		const created = await call('users.create', {name: 'alice'});
		assert.match(created.key, /^sk-agp-/);
		assert.equal(flushes(), 1);
		assert.equal((await call('users.list', {})).length, 1);
		assert.equal(flushes(), 1, 'reads are not flushed');
		assert.notEqual((await call('users.rotate', {name: 'alice'})).key, created.key);
		assert.equal((await call('users.setDisabled', {name: 'alice', disabled: true})).disabled, true);
		await call('groups.create', {alias: 'fast', strategy: 'priority'});
		await call('groups.addMember', {alias: 'fast', model: 'gemini-3-flash'});
		await call('groups.addMember', {alias: 'fast', model: 'claude-sonnet-4-6', order: 1, weight: 2});
		assert.deepEqual(
			(await call('groups.moveMember', {alias: 'fast', model: 'claude-sonnet-4-6', order: 2})).members.map(m => m.model),
			['gemini-3-flash', 'claude-sonnet-4-6'],
		);
		assert.equal((await call('groups.setStrategy', {alias: 'fast', strategy: 'random'})).strategy, 'random');
		assert.equal((await call('groups.setWeight', {alias: 'fast', model: 'claude-sonnet-4-6', weight: 5})).members.find(m => m.model === 'claude-sonnet-4-6')?.weight, 5);
		assert.deepEqual(await call('groups.test', {alias: 'fast'}), {ok: true, alias: 'fast', model: 'gemini-3-flash', text: 'hi from fast', latencyMs: 0});
		assert.equal((await call('groups.removeMember', {alias: 'fast', model: 'gemini-3-flash'})).members.length, 1);
		assert.equal((await call('groups.list', {})).length, 1);
		assert.deepEqual(await call('groups.remove', {alias: 'fast'}), {removed: 'fast'});
		assert.equal((await call('accounts.upsert', {record: {email: 'a@example.com', refreshToken: '1//secret-refresh'}})).created, true);
		assert.equal((await s.store.accounts.get('a@example.com'))?.refreshToken, '1//secret-refresh');
		assert.equal((await call('accounts.setEnabled', {email: 'a@example.com', enabled: false})).enabled, false);
		assert.equal((await call('accounts.setClientVersion', {email: 'a@example.com', version: '3.0.0'})).clientVersion, '3.0.0');
		const accounts = await call('accounts.list', {});
		assert.ok(!JSON.stringify(accounts).includes('secret-refresh'));
		assert.deepEqual(await call('accounts.verify', {}), []);
		assert.deepEqual(await call('accounts.remove', {email: 'a@example.com'}), {removed: 'a@example.com'});
		assert.deepEqual(await call('users.remove', {name: 'alice'}), {removed: 'alice'});
		assert.deepEqual([...reached].sort(), [...ACTION_NAMES].sort(), 'every action was called');
		assert.ok(
			s.outcomes.every(outcome => !JSON.stringify(outcome).includes('secret-refresh')),
			'the outcome for the log never carries arguments',
		);
		assert.deepEqual(s.outcomes.find(o => o.action === 'accounts.upsert'), {status: 200, action: 'accounts.upsert'});
	});

	test('action errors: 400/404/409/503 with their kind, rebuilt as the same classes by the client', async () => {
		const s = await stub();
		const auth = {authorization: `Bearer ${s.token}`, 'content-type': 'application/json'};
		await s.client.call('users.create', {name: 'alice'});
		const expectations: Array<[() => Promise<unknown>, new (message: string) => ActionError, number, string]> = [
			[() => s.client.call('users.create', {name: 'Alice'}), InvalidError, 400, 'invalid'],
			[() => s.client.call('users.rotate', {name: 'bob'}), NotFoundError, 404, 'not_found'],
			[() => s.client.call('users.create', {name: 'alice'}), ConflictError, 409, 'conflict'],
			[() => s.client.call('groups.create', {alias: 'gemini-3-flash', strategy: 'priority'}), InvalidError, 400, 'invalid'],
		];
		for (const [run, kind] of expectations) await assert.rejects(run(), kind);
		await s.client.call('groups.create', {alias: 'g', strategy: 'priority'});
		await assert.rejects(s.client.call('groups.addMember', {alias: 'g', model: 'gpt-5'}), (error: unknown) => error instanceof InvalidError && /unknown model 'gpt-5'/.test(error.message));
		await assert.rejects(s.client.call('groups.test', {alias: 'g'}), UnavailableError);

		const statuses: Array<[unknown, number, string, string]> = [
			[{action: 'users.rotate', args: {name: 'bob'}}, 404, 'not_found', 'not_found_error'],
			[{action: 'users.create', args: {name: 'alice'}}, 409, 'conflict', 'invalid_request_error'],
			[{action: 'users.create', args: {name: '-'}}, 400, 'invalid', 'invalid_request_error'],
			[{action: 'groups.test', args: {alias: 'g'}}, 503, 'unavailable', 'api_error'],
		];
		for (const [body, status, kind, type] of statuses) {
			const answer = await raw(`${s.url}/admin/rpc`, {method: 'POST', headers: auth, body: JSON.stringify(body)});
			assert.equal(answer.status, status, JSON.stringify(body));
			assert.equal(answer.body.error?.kind, kind);
			assert.equal(answer.body.error?.type, type);
		}
	});

	test('a failed save is reported (500), not hidden', async () => {
		const s = await stub();
		s.store.flush = async () => {
			throw new Error('ENOSPC: no space left on device');
		};
		await assert.rejects(s.client.call('users.create', {name: 'alice'}), (error: unknown) => error instanceof AdminError && error.status === 500 && /not saved to disk yet.*ENOSPC/.test(error.message));
		assert.equal((await s.client.call('users.list', {})).length, 1, 'the change itself stands');
	});

	test('an unreachable server is an AdminError', async () => {
		const s = await stub();
		await s.close();
		const client = new AdminClient({url: s.url, token: s.token, pingTimeoutMs: 1000});
		cleanup.push(() => client.close());
		await assert.rejects(client.ping(), (error: unknown) => error instanceof AdminError && /cannot reach agproxy/.test(error.message));
		assert.equal(isAdminPath('/admin/rpc'), true);
		assert.equal(isAdminPath('/administrator'), false);
	});
});
