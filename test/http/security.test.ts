// Who may call what, over real sockets: broken percent-escapes and request targets, operator endpoints (admin users,
// the admin token, open mode on loopback), coalesced and rate-limited token refreshes counted at the simulator, what
// /health tells anyone, and web pages kept away from a keyless agproxy (Origin, DNS-rebinding Host, non-JSON bodies).
import assert from 'node:assert/strict';
import {mkdtempSync, rmSync} from 'node:fs';
import {connect} from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, it} from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import {loadOAuthConfig} from '../../source/accounts/oauth.js';
import {RefreshRounds} from '../../source/accounts/refresh-rounds.js';
import {create as createUser} from '../../source/actions/users.js';
import {type App, startApp} from '../../source/app.js';
import {ConfigError, loadConfig} from '../../source/config.js';
import {authorizeOperator} from '../../source/http/auth.js';
import {HttpError} from '../../source/http/errors.js';
import {SettingsError, SettingsFile} from '../../source/settings.js';
import {type Simulator, startSimulator} from '../../source/simulator/index.js';
import {openDataStore} from '../../source/store/index.js';
import {readServerInfo} from '../../source/store/lock.js';
import {MemoryDataStore} from '../../source/store/memory.js';
import {type RawAnswer, rawRequest} from '../helpers/raw-http.js';
import {type Stack, startStack} from '../helpers/stack.js';

function errorOf(answer: RawAnswer): {type: string; message: string} {
	const body = JSON.parse(answer.text) as {type: string; error: {type: string; message: string}};
	assert.equal(body.type, 'error', answer.text);
	return body.error;
}

function assertRefused(answer: RawAnswer, status: number, type: string, pattern: RegExp, label: string): void {
	assert.equal(answer.status, status, `${label}: ${answer.text.slice(0, 300)}`);
	const error = errorOf(answer);
	assert.equal(error.type, type, label);
	assert.match(error.message, pattern, label);
	assert.match(String(answer.headers['request-id']), /^req_[0-9a-f]{24}$/, label);
}

const hello = {model: 'claude-sonnet-4-6', max_tokens: 20, messages: [{role: 'user', content: 'hi'}]};
const json = (body: unknown): {headers: Record<string, string>; body: string} => ({headers: {'content-type': 'application/json'}, body: JSON.stringify(body)});

describe('request targets and percent-escapes', () => {
	let stack: Stack;
	before(async () => {
		stack = await startStack();
	});
	after(() => stack.close());

	it('a broken percent-escape in a model id is a 400 naming it, never a 500', async () => {
		for (const path of ['/v1/models/%E0%A4%A', '/v1/models/%', '/v1/models/%ZZ', '/v1/models/%C0%80']) {
			assertRefused(await rawRequest(stack.app.url, path), 400, 'invalid_request_error', /^model id: '.*' is not valid percent-encoding/, path);
		}
		const escaped = await rawRequest(stack.app.url, '/v1/models/claude%2Dsonnet%2D4%2D6');
		assert.equal(escaped.status, 200, escaped.text);
		assert.equal((JSON.parse(escaped.text) as {id: string}).id, 'claude-sonnet-4-6');
		assertRefused(await rawRequest(stack.app.url, '/v1/models/%E2%9C%93-unknown'), 404, 'not_found_error', /^model: '✓-unknown' is not served here/, 'unknown id');
	});

	it('a target that is no path is a 400 and the server carries on; //host/path stays a path', async () => {
		const send = (target: string): Promise<string> =>
			new Promise(resolve => {
				const socket = connect(stack.app.port, '127.0.0.1');
				let text = '';
				socket.setEncoding('latin1').on('data', (chunk: string) => (text += chunk));
				socket.on('close', () => resolve(text));
				socket.on('error', () => resolve(text));
				socket.write(`GET ${target} HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n\r\n`);
			});
		for (const target of ['http://[/v1/models', 'http://[::1/health']) {
			const answer = await send(target);
			assert.match(answer, /^HTTP\/1\.1 400 /, target);
			assert.match(answer, /"type":"invalid_request_error","message":"the request target is not a valid URL"/, target);
		}
		assert.match(await send('//evil.example/v1/models'), /^HTTP\/1\.1 404 /);
		assert.match(await send('http://127.0.0.1/health'), /^HTTP\/1\.1 200 /, 'absolute-form targets keep their path');
		assert.equal((await fetch(`${stack.app.url}/health`)).status, 200);
	});
});

describe('operator endpoints and token refreshes', () => {
	const accounts = [
		{email: 'one@ops.test', refreshToken: '1//refresh-one', project: 'project-one'},
		{email: 'two@ops.test', refreshToken: '1//refresh-two', project: 'project-two'},
	];
	let sim: Simulator;
	let app: App;
	let dataDir: string;
	let aliceKey = '';
	let opsKey = '';
	let adminToken = '';
	const tokenRefreshes = (): Map<string, number> => {
		const counts = new Map<string, number>();
		for (const r of sim.requests.filter(x => x.rpc === 'token')) counts.set(r.account ?? '?', (counts.get(r.account ?? '?') ?? 0) + 1);
		return counts;
	};

	before(async () => {
		sim = await startSimulator({port: 0, accounts});
		dataDir = mkdtempSync(join(tmpdir(), 'agproxy-security-'));
		const seed = await openDataStore(dataDir);
		for (const account of accounts) {
			await seed.accounts.upsert({email: account.email, refreshToken: account.refreshToken, projectId: account.project, tier: 'free-tier', enabled: true, addedAt: new Date().toISOString()});
		}
		seed.close();
		app = await startApp(loadConfig({port: 0, upstream: sim.url, dataDir}, {AGPROXY_API_KEY: 'shared-client-key'}), {
			oauth: {...loadOAuthConfig({}), tokenUrl: sim.oauth.tokenUrl, userinfoUrl: sim.oauth.userinfoUrl, authUrl: sim.oauth.authUrl},
		});
		aliceKey = createUser(app.actions, 'alice').key;
		opsKey = createUser(app.actions, 'ops', {admin: true}).key;
		adminToken = readServerInfo(dataDir)?.token ?? '';
		assert.ok(adminToken);
		await startupRefreshes();
	});

	/** The pool fetches every account's token (and quotas) at start, in the background: wait until that is done. */
	async function startupRefreshes(): Promise<void> {
		for (let i = 0; i < 100 && [...tokenRefreshes().values()].length < accounts.length; i++) await new Promise(resolve => setTimeout(resolve, 50));
		await new Promise(resolve => setTimeout(resolve, 200));
	}
	after(async () => {
		await app.stop();
		await sim.close();
		rmSync(dataDir, {recursive: true, force: true});
	});

	const endpoints: Array<[string, string]> = [
		['GET', '/account-limits'],
		['GET', '/account-limits?format=table'],
		['POST', '/refresh-token'],
	];

	it('refuses ordinary users and the shared AGPROXY_API_KEY with 403 permission_error, and no key with 401', async () => {
		const before = sim.requests.filter(r => r.rpc === 'token').length;
		for (const [method, path] of endpoints) {
			for (const [label, headers] of [
				['alice (x-api-key)', {'x-api-key': aliceKey}],
				['alice (Bearer)', {authorization: `Bearer ${aliceKey}`}],
				['AGPROXY_API_KEY', {'x-api-key': 'shared-client-key'}],
			] as const) {
				const answer = await rawRequest(app.url, path, {method, headers});
				assertRefused(answer, 403, 'permission_error', /is for operators: send the key of an admin user \(`agproxy users create <name> --admin`\), or on the server's machine the admin token from server\.json/, `${method} ${path} ${label}`);
				assert.doesNotMatch(answer.text, /@ops\.test/, 'no account is revealed');
			}
			assert.match(errorOf(await rawRequest(app.url, path, {method, headers: {'x-api-key': aliceKey}})).message, /user 'alice' is not an admin/);
			assertRefused(await rawRequest(app.url, path, {method}), 401, 'authentication_error', /^Missing API key/, `${method} ${path} no key`);
			assertRefused(await rawRequest(app.url, path, {method, headers: {'x-api-key': 'sk-agp-guess'}}), 401, 'authentication_error', /^Invalid API key$/, `${method} ${path} wrong key`);
		}
		assert.equal(sim.requests.filter(r => r.rpc === 'token').length, before, 'a refused call refreshes nothing');
	});

	it('an admin user and the admin token from server.json are served', async () => {
		const callers: Array<Record<string, string>> = [{'x-api-key': opsKey}, {authorization: `Bearer ${opsKey}`}, {authorization: `Bearer ${adminToken}`}];
		for (const headers of callers) {
			const limits = await rawRequest(app.url, '/account-limits', {headers});
			assert.equal(limits.status, 200, limits.text);
			assert.equal(limits.headers['cache-control'], 'no-store');
			assert.deepEqual((JSON.parse(limits.text) as {accounts: Array<{email: string}>}).accounts.map(a => a.email).sort(), accounts.map(a => a.email));
			const table = await rawRequest(app.url, '/account-limits?format=table', {headers});
			assert.equal(table.status, 200);
			assert.match(table.text, /one@ops\.test/);
		}
		const refreshed = await rawRequest(app.url, '/refresh-token', {method: 'POST', headers: {authorization: `Bearer ${adminToken}`}});
		assert.equal(refreshed.status, 200, refreshed.text);
		assert.deepEqual((JSON.parse(refreshed.text) as {accounts: Array<{email: string; ok: boolean}>}).accounts.map(a => a.ok), [true, true]);
	});

	it('/health tells anyone counts only: no e-mail, no project', async () => {
		const health = await rawRequest(app.url, '/health');
		assert.equal(health.status, 200);
		assert.deepEqual(Object.keys(JSON.parse(health.text) as object).sort(), ['accounts', 'status', 'uptime_s', 'version']);
		assert.doesNotMatch(health.text, /@|project-/);
	});

	it('50 concurrent POST /refresh-token share one round: each account refreshed once upstream; later calls reuse it', async () => {
		// A fresh server, so no earlier round is still within its interval.
		await app.stop();
		app = await startApp(loadConfig({port: 0, upstream: sim.url, dataDir}, {}), {
			oauth: {...loadOAuthConfig({}), tokenUrl: sim.oauth.tokenUrl, userinfoUrl: sim.oauth.userinfoUrl, authUrl: sim.oauth.authUrl},
		});
		opsKey = createUser(app.actions, 'ops2', {admin: true}).key;
		// Let start-up token fetches finish, then count only what the refresh calls cause.
		sim.reset();
		await startupRefreshes();
		sim.reset();
		const answers = await Promise.all(Array.from({length: 50}, () => rawRequest(app.url, '/refresh-token', {method: 'POST', headers: {'x-api-key': opsKey}})));
		for (const answer of answers) assert.equal(answer.status, 200, answer.text);
		const bodies = answers.map(a => JSON.parse(a.text) as {accounts: Array<{email: string; ok: boolean}>; refreshed_at: string; reused: boolean; next_round_at: string});
		assert.deepEqual(Object.fromEntries(tokenRefreshes()), Object.fromEntries(accounts.map(a => [a.email, 1])), 'one refresh per account for 50 calls');
		assert.equal(new Set(bodies.map(b => b.refreshed_at)).size, 1, 'every caller got the same round');
		for (const body of bodies) assert.deepEqual(body.accounts, accounts.map(a => ({email: a.email, ok: true})));
		assert.ok(bodies.some(b => !b.reused), 'the round was fresh for its callers');

		// Within the interval, sequential calls get that round again and cause nothing upstream.
		for (let i = 0; i < 10; i++) {
			const again = JSON.parse((await rawRequest(app.url, '/refresh-token', {method: 'POST', headers: {'x-api-key': opsKey}})).text) as (typeof bodies)[number];
			assert.equal(again.reused, true);
			assert.equal(again.refreshed_at, bodies[0]?.refreshed_at);
			assert.ok(Date.parse(again.next_round_at) - Date.parse(again.refreshed_at) === 10_000);
		}
		assert.deepEqual(Object.fromEntries(tokenRefreshes()), Object.fromEntries(accounts.map(a => [a.email, 1])), 'no further refresh');
	});

	it('open mode (no user, no shared key): loopback callers reach the operator endpoints', async () => {
		const open = await startApp(loadConfig({port: 0, upstream: sim.url}, {}), {
			dataStore: new MemoryDataStore(),
			oauth: {...loadOAuthConfig({}), tokenUrl: sim.oauth.tokenUrl, userinfoUrl: sim.oauth.userinfoUrl, authUrl: sim.oauth.authUrl},
		});
		try {
			assert.equal((await rawRequest(open.url, '/account-limits')).status, 200);
			assert.equal((await rawRequest(open.url, '/refresh-token', {method: 'POST'})).status, 200);
			// Still not for web pages.
			assertRefused(await rawRequest(open.url, '/account-limits', {headers: {origin: 'https://evil.example'}}), 403, 'permission_error', /AGPROXY_ALLOWED_ORIGINS/, 'browser');
		} finally {
			await open.stop();
		}
	});
});

describe('operator rule (pure)', () => {
	const users = {count: (): number => 0, byKeyHash: (): undefined => undefined};
	const peer = (remoteAddress: string, headers: Record<string, string> = {}): never => ({headers, socket: {remoteAddress}}) as never;
	const refused = (fn: () => unknown, pattern: RegExp): void => {
		assert.throws(fn, (error: unknown) => error instanceof HttpError && error.status === 403 && error.type === 'permission_error' && pattern.test(error.message));
	};

	it('open mode answers keyless operators on loopback only (--allow-open on a LAN address)', () => {
		assert.deepEqual(authorizeOperator(peer('127.0.0.1'), {users, endpoint: 'GET /account-limits'}), {});
		assert.deepEqual(authorizeOperator(peer('::ffff:127.0.0.1'), {users, endpoint: 'GET /account-limits'}), {});
		refused(() => authorizeOperator(peer('192.168.1.20'), {users, endpoint: 'GET /account-limits'}), /^GET \/account-limits answers keyless callers only on loopback/);
	});

	it('the admin token counts from loopback only', () => {
		const headers = {authorization: 'Bearer admin-token'};
		const options = {users, fallbackKey: 'shared', adminToken: 'admin-token', endpoint: 'POST /refresh-token'};
		assert.deepEqual(authorizeOperator(peer('127.0.0.1', headers), options), {});
		assert.throws(() => authorizeOperator(peer('10.0.0.3', headers), options), (error: unknown) => error instanceof HttpError && error.status === 401);
		refused(() => authorizeOperator(peer('127.0.0.1', {'x-api-key': 'shared'}), options), /AGPROXY_API_KEY is a client key, not an operator key/);
	});

	it('refresh rounds: joined while running, reused within the interval, new after it', async () => {
		let now = 1_000;
		let runs = 0;
		let finish: (() => void) | undefined;
		const rounds = new RefreshRounds(
			() =>
				new Promise(resolve => {
					runs++;
					finish = () => resolve([{email: 'a@x', ok: true}]);
				}),
			5_000,
			() => now,
		);
		const first = rounds.request();
		const second = rounds.request();
		assert.equal(first, second, 'a caller during a round joins it');
		finish?.();
		assert.deepEqual(await first, {accounts: [{email: 'a@x', ok: true}], finishedAt: 1_000, fresh: true, nextRoundAt: 6_000});
		now = 5_999;
		assert.equal((await rounds.request()).fresh, false);
		assert.equal(runs, 1);
		now = 6_000;
		const third = rounds.request();
		finish?.();
		assert.equal((await third).fresh, true);
		assert.equal(runs, 2);
	});

	it('a failed round is not remembered: the next call tries again', async () => {
		let runs = 0;
		const rounds = new RefreshRounds(async () => {
			runs++;
			if (runs === 1) throw new Error('pool closed');
			return [];
		}, 60_000);
		await assert.rejects(rounds.request(), /pool closed/);
		assert.equal((await rounds.request()).fresh, true);
		assert.equal(runs, 2);
	});
});

describe('web pages and a keyless agproxy (open mode)', () => {
	let stack: Stack;
	let allowing: Stack;
	const generateCalls = (s: Stack): number => s.sim.requests.filter(r => r.rpc === 'streamGenerateContent' || r.rpc === 'generateContent').length;
	before(async () => {
		stack = await startStack();
		allowing = await startStack({env: {AGPROXY_ALLOWED_ORIGINS: 'https://app.example, http://localhost:5173', AGPROXY_ALLOWED_HOSTS: 'agproxy.lan'}});
	});
	after(async () => {
		await stack.close();
		await allowing.close();
	});

	it('serves what Claude Code and the SDKs send: no Origin, a loopback Host, JSON', async () => {
		const port = stack.app.port;
		for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, 'localhost', `[::1]:${port}`, `agproxy.localhost:${port}`, '192.168.1.5:8080']) {
			const answer = await rawRequest(stack.app.url, '/v1/messages', {method: 'POST', headers: {...json(hello).headers, host, 'anthropic-version': '2023-06-01', 'x-api-key': 'anything'}, body: json(hello).body});
			assert.equal(answer.status, 200, `${host}: ${answer.text.slice(0, 200)}`);
		}
		const charset = await rawRequest(stack.app.url, '/v1/messages/count_tokens', {method: 'POST', headers: {'content-type': 'application/json; charset=utf-8'}, body: JSON.stringify(hello)});
		assert.equal(charset.status, 200, charset.text);
		// The Node SDK with dangerouslyAllowBrowser sends anthropic-dangerous-direct-browser-access (and no Origin).
		const sdk = new Anthropic({baseURL: stack.app.url, apiKey: 'x', maxRetries: 0, dangerouslyAllowBrowser: true});
		assert.equal((await sdk.messages.create({...hello, messages: [{role: 'user', content: 'hi'}]})).stop_reason, 'end_turn');
		assert.ok((await sdk.models.list()).data.length > 0);
	});

	it('refuses a browser Origin, a cross-site fetch, a rebound Host and a non-JSON body with 403, nothing upstream', async () => {
		const before = generateCalls(stack);
		const cases: Array<[string, string, {method?: string; headers?: Record<string, string>; body?: string}, RegExp]> = [
			['Origin on POST', '/v1/messages', {method: 'POST', headers: {...json(hello).headers, origin: 'https://evil.example'}, body: json(hello).body}, /origin "https:\/\/evil\.example" is refused\. Allow the origin with AGPROXY_ALLOWED_ORIGINS \(or `agproxy settings set allowedOrigins/],
			['Origin on GET', '/v1/models', {headers: {origin: 'https://evil.example'}}, /AGPROXY_ALLOWED_ORIGINS/],
			['Origin null', '/v1/messages/count_tokens', {method: 'POST', headers: {...json(hello).headers, origin: 'null'}, body: json(hello).body}, /origin "null" is refused/],
			['text/plain form post (no preflight)', '/v1/messages', {method: 'POST', headers: {'content-type': 'text/plain;charset=UTF-8'}, body: JSON.stringify(hello)}, /^the request body must be sent as content-type: application\/json \(got 'text\/plain;charset=UTF-8'\)/],
			['no content-type (a Blob body)', '/v1/messages', {method: 'POST', headers: {}, body: JSON.stringify(hello)}, /\(got no content-type\)/],
			['cross-site without Origin', '/v1/models', {headers: {'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'no-cors'}}, /a cross-site browser request without an Origin is refused/],
			['DNS rebinding Host', '/v1/messages', {method: 'POST', headers: {...json(hello).headers, host: `evil.example:${stack.app.port}`}, body: json(hello).body}, /^Host "evil\.example:\d+" is not a loopback name or an address: .*Allow the name with AGPROXY_ALLOWED_HOSTS/],
			['rebinding on GET', '/v1/models', {headers: {host: 'rebind.attacker.test'}}, /AGPROXY_ALLOWED_HOSTS/],
			['refresh from a page', '/refresh-token', {method: 'POST', headers: {origin: 'https://evil.example'}}, /AGPROXY_ALLOWED_ORIGINS/],
		];
		for (const [label, path, options, pattern] of cases) assertRefused(await rawRequest(stack.app.url, path, options), 403, 'permission_error', pattern, label);
		assert.equal(generateCalls(stack), before, 'no refused request reached upstream');
		// / and /health stay public probes.
		assert.equal((await rawRequest(stack.app.url, '/health', {headers: {origin: 'https://evil.example', host: 'evil.example'}})).status, 200);
	});

	it('allowed origins and hosts are served, with CORS headers and preflight answers', async () => {
		const origin = 'https://app.example';
		const answer = await rawRequest(allowing.app.url, '/v1/messages', {method: 'POST', headers: {...json(hello).headers, origin}, body: json(hello).body});
		assert.equal(answer.status, 200, answer.text);
		assert.equal(answer.headers['access-control-allow-origin'], origin);
		assert.match(String(answer.headers['access-control-expose-headers']), /request-id/);
		const preflight = await rawRequest(allowing.app.url, '/v1/messages', {method: 'OPTIONS', headers: {origin: 'http://localhost:5173', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, x-api-key, anthropic-version, anthropic-dangerous-direct-browser-access'}});
		assert.equal(preflight.status, 204);
		assert.equal(preflight.headers['access-control-allow-origin'], 'http://localhost:5173');
		assert.equal(preflight.headers['access-control-allow-headers'], 'content-type, x-api-key, anthropic-version, anthropic-dangerous-direct-browser-access');
		assert.match(String(preflight.headers['access-control-allow-methods']), /POST/);
		assertRefused(await rawRequest(allowing.app.url, '/v1/messages', {method: 'OPTIONS', headers: {origin: 'https://evil.example', 'access-control-request-method': 'POST'}}), 403, 'permission_error', /AGPROXY_ALLOWED_ORIGINS/, 'preflight from another origin');
		const other = await rawRequest(allowing.app.url, '/v1/models', {headers: {origin: 'https://evil.example'}});
		assert.equal(other.status, 403);
		assert.equal(other.headers['access-control-allow-origin'], undefined);
		assert.equal((await rawRequest(allowing.app.url, '/v1/models', {headers: {host: `agproxy.lan:${allowing.app.port}`}})).status, 200);
		assert.equal((await rawRequest(allowing.app.url, '/v1/models', {headers: {host: 'other.lan'}})).status, 403);
	});
});

describe('keyed agproxy: JSON bodies only, pages need the key', () => {
	let stack: Stack;
	let key = '';
	before(async () => {
		stack = await startStack();
		key = createUser(stack.app.actions, 'carol').key;
	});
	after(() => stack.close());

	it('a body that is not declared as JSON is a 415 invalid_request_error', async () => {
		for (const [type, pattern] of [
			['text/plain', /\(got 'text\/plain'\)$/],
			['application/x-www-form-urlencoded', /\(got 'application\/x-www-form-urlencoded'\)$/],
			[undefined, /\(got no content-type\)$/],
		] as const) {
			for (const path of ['/v1/messages', '/v1/messages/count_tokens']) {
				const answer = await rawRequest(stack.app.url, path, {method: 'POST', headers: {'x-api-key': key, ...(type === undefined ? {} : {'content-type': type})}, body: JSON.stringify(hello)});
				assertRefused(answer, 415, 'invalid_request_error', pattern, `${path} ${type}`);
				assert.equal(answer.headers['x-should-retry'], 'false');
			}
		}
		const vendor = await rawRequest(stack.app.url, '/v1/messages/count_tokens', {method: 'POST', headers: {'x-api-key': key, 'content-type': 'application/vnd.api+json'}, body: JSON.stringify(hello)});
		assert.equal(vendor.status, 200, vendor.text);
	});

	it('an Origin or another Host with a valid key is served (the key is the protection); without a key, 401', async () => {
		const headers = {...json(hello).headers, origin: 'https://tool.example', host: 'agproxy.example.com'};
		assert.equal((await rawRequest(stack.app.url, '/v1/messages', {method: 'POST', headers: {...headers, 'x-api-key': key}, body: json(hello).body})).status, 200);
		assertRefused(await rawRequest(stack.app.url, '/v1/messages', {method: 'POST', headers, body: json(hello).body}), 401, 'authentication_error', /^Missing API key/, 'no key');
	});
});

describe('allowed origins and hosts: configuration', () => {
	it('reads AGPROXY_ALLOWED_ORIGINS / _HOSTS or the settings, and refuses malformed entries', () => {
		const config = loadConfig({}, {AGPROXY_ALLOWED_ORIGINS: ' https://App.Example ,http://localhost:3000', AGPROXY_ALLOWED_HOSTS: 'Agproxy.LAN'});
		assert.deepEqual(config.allowedOrigins, ['https://app.example', 'http://localhost:3000']);
		assert.deepEqual(config.allowedHosts, ['agproxy.lan']);
		assert.deepEqual(loadConfig({}, {}, {allowedOrigins: '*', allowedHosts: 'a.lan,b.lan'}).allowedHosts, ['a.lan', 'b.lan']);
		assert.deepEqual(loadConfig({}, {}).allowedOrigins, []);
		assert.throws(() => loadConfig({}, {AGPROXY_ALLOWED_ORIGINS: 'https://app.example/path'}), (e: unknown) => e instanceof ConfigError && /invalid origin 'https:\/\/app\.example\/path' in AGPROXY_ALLOWED_ORIGINS/.test(e.message));
		assert.throws(() => loadConfig({}, {AGPROXY_ALLOWED_ORIGINS: 'app.example'}), ConfigError);
		assert.throws(() => loadConfig({}, {AGPROXY_ALLOWED_HOSTS: 'agproxy.lan:8080'}), (e: unknown) => e instanceof ConfigError && /no port/.test(e.message));
	});

	it('agproxy settings set checks them', () => {
		const dir = mkdtempSync(join(tmpdir(), 'agproxy-settings-'));
		try {
			const file = new SettingsFile(dir);
			file.set('allowedOrigins', 'https://app.example,http://localhost:5173');
			file.set('allowedHosts', 'agproxy.lan');
			assert.deepEqual(file.read().settings, {allowedOrigins: 'https://app.example,http://localhost:5173', allowedHosts: 'agproxy.lan'});
			assert.throws(() => file.set('allowedOrigins', 'not an origin'), SettingsError);
			assert.throws(() => file.set('allowedHosts', 'host:80'), SettingsError);
		} finally {
			rmSync(dir, {recursive: true, force: true});
		}
	});
});
