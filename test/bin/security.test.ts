// The shipped binary (`node dist/cli.js --daemon --simulate`) as a user runs it: a keyless server refuses web pages and
// rebound Hosts unless `agproxy settings set allowedOrigins …` allows them, a broken percent-escape is a 400, and once
// users exist the operator endpoints answer only an admin user or the admin token from server.json.
import assert from 'node:assert/strict';
import {join} from 'node:path';
import {after, before, describe, it} from 'node:test';
import {readServerInfo} from '../../source/store/lock.js';
import {type RawAnswer, rawRequest} from '../helpers/raw-http.js';
import {type Daemon, keyOf, lifecycle, run, startDaemon, tempDir} from './run.js';

lifecycle('security');

const errorType = (answer: RawAnswer): string => (JSON.parse(answer.text) as {error: {type: string}}).error.type;
const hello = JSON.stringify({model: 'claude-sonnet-4-6', max_tokens: 20, messages: [{role: 'user', content: 'hi'}]});

describe('dist/cli.js: web pages, path escapes and operator endpoints', () => {
	const dataDir = join(tempDir(), 'data');
	let daemon: Daemon;

	before(async () => {
		const set = await run(['settings', 'set', 'allowedOrigins', 'https://app.example', '--data-dir', dataDir]);
		assert.equal(set.code, 0, set.stderr);
		const bad = await run(['settings', 'set', 'allowedOrigins', 'app.example/path', '--data-dir', dataDir]);
		assert.notEqual(bad.code, 0);
		assert.match(bad.stderr, /allowedOrigins/);
		daemon = await startDaemon(dataDir, ['--simulate']);
	});
	after(async () => {
		await daemon.stop();
	});

	it('keyless: Claude Code-like requests are served; other origins, rebound Hosts and text/plain get 403', async () => {
		const json = {'content-type': 'application/json'};
		assert.equal((await rawRequest(daemon.url, '/v1/messages', {method: 'POST', headers: {...json, host: `localhost:${daemon.port}`}, body: hello})).status, 200);
		const page = await rawRequest(daemon.url, '/v1/messages', {method: 'POST', headers: {...json, origin: 'https://evil.example'}, body: hello});
		assert.equal(page.status, 403);
		assert.equal(errorType(page), 'permission_error');
		assert.match(page.text, /AGPROXY_ALLOWED_ORIGINS/);
		const allowed = await rawRequest(daemon.url, '/v1/messages', {method: 'POST', headers: {...json, origin: 'https://app.example'}, body: hello});
		assert.equal(allowed.status, 200, allowed.text);
		assert.equal(allowed.headers['access-control-allow-origin'], 'https://app.example');
		const rebound = await rawRequest(daemon.url, '/v1/models', {headers: {host: `attacker.example:${daemon.port}`}});
		assert.equal(rebound.status, 403);
		assert.match(rebound.text, /AGPROXY_ALLOWED_HOSTS/);
		assert.equal((await rawRequest(daemon.url, '/v1/messages', {method: 'POST', headers: {'content-type': 'text/plain'}, body: hello})).status, 403);
		const escape = await rawRequest(daemon.url, '/v1/models/%E0%A4%A');
		assert.equal(escape.status, 400);
		assert.equal(errorType(escape), 'invalid_request_error');
	});

	it('with users: an ordinary key is refused on the operator endpoints; an admin key and the admin token are served', async () => {
		const alice = keyOf((await run(['users', 'create', 'alice', '--data-dir', dataDir])).stdout);
		const ops = keyOf((await run(['users', 'create', 'ops', '--admin', '--data-dir', dataDir])).stdout);
		const token = readServerInfo(dataDir)?.token ?? '';
		for (const [method, path] of [['GET', '/account-limits'], ['POST', '/refresh-token']] as const) {
			const refused = await rawRequest(daemon.url, path, {method, headers: {'x-api-key': alice}});
			assert.equal(refused.status, 403, `${path}: ${refused.text}`);
			assert.equal(errorType(refused), 'permission_error');
			assert.doesNotMatch(refused.text, /@/);
			assert.equal((await rawRequest(daemon.url, path, {method, headers: {'x-api-key': ops}})).status, 200, path);
			assert.equal((await rawRequest(daemon.url, path, {method, headers: {authorization: `Bearer ${token}`}})).status, 200, path);
		}
		// Keyed now: a non-JSON body is a 415, an Origin with a valid key is served.
		assert.equal((await rawRequest(daemon.url, '/v1/messages', {method: 'POST', headers: {'x-api-key': alice, 'content-type': 'text/plain'}, body: hello})).status, 415);
		assert.equal((await rawRequest(daemon.url, '/v1/messages', {method: 'POST', headers: {'x-api-key': alice, 'content-type': 'application/json', origin: 'https://evil.example'}, body: hello})).status, 200);
		// Many refresh calls at once share one round.
		const rounds = await Promise.all(Array.from({length: 20}, () => rawRequest(daemon.url, '/refresh-token', {method: 'POST', headers: {'x-api-key': ops}})));
		assert.equal(new Set(rounds.map(r => (JSON.parse(r.text) as {refreshed_at: string}).refreshed_at)).size, 1);
		assert.ok(rounds.every(r => (JSON.parse(r.text) as {reused: boolean}).reused), 'within 10 s of the last round, the result is reused');
	});
});
