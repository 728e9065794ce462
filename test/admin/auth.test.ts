// Client keys on /v1/*: valid, wrong, rotated, disabled and missing keys, x-api-key and Bearer, the shared fallback key,
// and open (keyless) mode only while no user exists, only on loopback unless --allow-open. Over a real socket too.
import assert from 'node:assert/strict';
import {createServer} from 'node:http';
import type {AddressInfo} from 'node:net';
import {after, before, describe, test} from 'node:test';
import * as users from '../../source/actions/users.js';
import {
	authenticateRequest,
	isLoopbackAddress,
	isLoopbackHost,
	openModeAllowed,
	openModeProblem,
	presentedKey,
	secretsEqual,
} from '../../source/http/auth.js';
import {HttpError} from '../../source/http/errors.js';
import {sendError, sendJson} from '../../source/http/messages.js';
import {context} from './helpers.js';

type Headers = Record<string, string>;
const req = (headers: Headers): {headers: Headers} => ({headers});

function refused(fn: () => unknown, pattern: RegExp): void {
	assert.throws(fn, (error: unknown) => error instanceof HttpError && error.status === 401 && error.type === 'authentication_error' && pattern.test(error.message));
}

describe('key authentication', () => {
	test('presentedKey: x-api-key first, then Authorization: Bearer', () => {
		assert.equal(presentedKey(req({'x-api-key': 'k1', authorization: 'Bearer k2'})), 'k1');
		assert.equal(presentedKey(req({authorization: 'Bearer k2'})), 'k2');
		assert.equal(presentedKey(req({authorization: 'bearer   k2  '})), 'k2');
		assert.equal(presentedKey(req({authorization: 'Basic abc'})), undefined);
		assert.equal(presentedKey(req({'x-api-key': ''})), undefined);
		assert.equal(presentedKey(req({})), undefined);
		assert.equal(secretsEqual('a', 'a'), true);
		assert.equal(secretsEqual('a', 'ab'), false);
	});

	test('with users: valid key (both headers), wrong, rotated, disabled, missing', () => {
		const {ctx, store} = context();
		const alice = users.create(ctx, 'alice');
		const bob = users.create(ctx, 'bob');
		const options = {users: store.users};
		assert.equal(authenticateRequest(req({'x-api-key': alice.key}), options).user?.name, 'alice');
		assert.equal(authenticateRequest(req({authorization: `Bearer ${bob.key}`}), options).user?.name, 'bob');
		refused(() => authenticateRequest(req({'x-api-key': `${alice.key}x`}), options), /^Invalid API key$/);
		refused(() => authenticateRequest(req({'x-api-key': 'sk-agp-guess'}), options), /^Invalid API key$/);
		refused(() => authenticateRequest(req({}), options), /^Missing API key/);
		const rotated = users.rotate(ctx, 'alice');
		refused(() => authenticateRequest(req({'x-api-key': alice.key}), options), /^Invalid API key$/);
		assert.equal(authenticateRequest(req({'x-api-key': rotated.key}), options).user?.name, 'alice');
		users.setDisabled(ctx, 'bob', true);
		refused(() => authenticateRequest(req({authorization: `Bearer ${bob.key}`}), options), /key disabled/i);
		users.setDisabled(ctx, 'bob', false);
		assert.equal(authenticateRequest(req({authorization: `Bearer ${bob.key}`}), options).user?.name, 'bob');
		users.remove(ctx, 'bob');
		refused(() => authenticateRequest(req({authorization: `Bearer ${bob.key}`}), options), /^Invalid API key$/);
	});

	test('the shared fallback key (AGPROXY_API_KEY): accepted without a user, required even with no users', () => {
		const {ctx, store} = context();
		const options = {users: store.users, fallbackKey: 'shared-secret'};
		assert.deepEqual(authenticateRequest(req({'x-api-key': 'shared-secret'}), options), {});
		refused(() => authenticateRequest(req({}), options), /^Missing API key/);
		refused(() => authenticateRequest(req({'x-api-key': 'other'}), options), /^Invalid API key$/);
		const alice = users.create(ctx, 'alice');
		assert.equal(authenticateRequest(req({'x-api-key': alice.key}), options).user?.name, 'alice');
		assert.deepEqual(authenticateRequest(req({authorization: 'Bearer shared-secret'}), options), {});
	});

	test('no users: open, with or without a key, unless open mode is not allowed', () => {
		const {ctx, store} = context();
		assert.deepEqual(authenticateRequest(req({}), {users: store.users}), {});
		assert.deepEqual(authenticateRequest(req({'x-api-key': 'anything'}), {users: store.users}), {});
		refused(() => authenticateRequest(req({}), {users: store.users, openAllowed: false}), /no users yet/);
		users.create(ctx, 'alice');
		refused(() => authenticateRequest(req({'x-api-key': 'anything'}), {users: store.users}), /^Invalid API key$/);
	});

	test('loopback: hosts and peer addresses', () => {
		for (const host of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', '0:0:0:0:0:0:0:1', 'localhost', 'LOCALHOST', '::ffff:127.0.0.1']) assert.equal(isLoopbackHost(host), true, host);
		for (const host of ['0.0.0.0', '::', '192.168.1.10', '10.0.0.1', 'example.com', '128.0.0.1', '::2', '::ffff:10.0.0.1', '']) assert.equal(isLoopbackHost(host), false, host);
		assert.equal(isLoopbackAddress(undefined), false);
		assert.equal(isLoopbackAddress('::ffff:127.0.0.1'), true);
		assert.equal(openModeAllowed('127.0.0.1'), true);
		assert.equal(openModeAllowed('0.0.0.0'), false);
		assert.equal(openModeAllowed('0.0.0.0', {allowOpen: true}), true);
	});

	test('openModeProblem: a non-loopback bind with no users and no shared key is refused at start', () => {
		const {ctx, store} = context();
		assert.equal(openModeProblem({host: '127.0.0.1', users: store.users}), undefined);
		assert.equal(openModeProblem({host: '0.0.0.0', users: store.users, allowOpen: true}), undefined);
		assert.equal(openModeProblem({host: '0.0.0.0', users: store.users, fallbackKey: 'k'}), undefined);
		const problem = openModeProblem({host: '0.0.0.0', users: store.users});
		assert.match(problem ?? '', /^refusing to serve 0\.0\.0\.0 without keys: .*agproxy users create <name>.*--allow-open/);
		users.create(ctx, 'alice');
		assert.equal(openModeProblem({host: '0.0.0.0', users: store.users}), undefined);
	});
});

describe('key authentication over a real socket', () => {
	const {ctx, store} = context();
	let url = '';
	const server = createServer((request, response) => {
		try {
			const {user} = authenticateRequest(request, {users: store.users});
			sendJson(response, 200, {user: user?.name ?? null});
		} catch (error) {
			sendError(response, error, 'req_test');
		}
	});
	before(async () => {
		await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
		url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/messages`;
	});
	after(() => {
		server.closeAllConnections();
		server.close();
	});

	test('open, then keys: 200 with the user, 401 in Anthropic error JSON', async () => {
		assert.deepEqual(await (await fetch(url)).json(), {user: null});
		const {key} = users.create(ctx, 'alice');
		const ok = await fetch(url, {headers: {'x-api-key': key}});
		assert.deepEqual([ok.status, await ok.json()], [200, {user: 'alice'}]);
		const bearer = await fetch(url, {headers: {authorization: `Bearer ${key}`}});
		assert.deepEqual(await bearer.json(), {user: 'alice'});
		const missing = await fetch(url);
		assert.equal(missing.status, 401);
		assert.deepEqual(await missing.json(), {
			type: 'error',
			error: {type: 'authentication_error', message: 'Missing API key: send it in the x-api-key header or as Authorization: Bearer'},
			request_id: 'req_test',
		});
		const wrong = await fetch(url, {headers: {'x-api-key': 'sk-agp-nope'}});
		assert.equal(wrong.status, 401);
		assert.equal(((await wrong.json()) as {error: {message: string}}).error.message, 'Invalid API key');
	});
});
