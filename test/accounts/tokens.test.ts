// TokenManager against the simulator and a real file store: caching with skew, single-flight refresh, force,
// rotation persisted before the token is handed out (and not lost when the write fails), invalid_grant marking,
// network and server errors not marking, another process's rotation, and callers that give up.
import assert from 'node:assert/strict';
import {createServer} from 'node:http';
import type {AddressInfo} from 'node:net';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, describe, test} from 'node:test';
import {FileAccountStore} from '../../source/accounts/file-store.js';
import {OAuthError, type OAuthConfig, loadOAuthConfig} from '../../source/accounts/oauth.js';
import {TokenManager, UnknownAccountError} from '../../source/accounts/tokens.js';
import {type AccountRecord, type AccountStore, InvalidGrantError} from '../../source/accounts/types.js';
import {type Simulator, startSimulator} from '../../source/simulator/index.js';

const DEMO = 'demo@agproxy.local';
const DEMO2 = 'demo2@agproxy.local';

const cleanup: Array<() => unknown> = [];
after(async () => {
	for (const step of cleanup) await step();
});

type Setup = {s: Simulator; store: FileAccountStore; oauth: OAuthConfig; tokenRequests: () => number};

async function setup(): Promise<Setup> {
	const s = await startSimulator();
	const dir = mkdtempSync(join(tmpdir(), 'agproxy-tokens-'));
	cleanup.push(() => s.close(), () => rmSync(dir, {recursive: true, force: true}));
	const store = new FileAccountStore(dir);
	for (const [email, refreshToken] of [
		[DEMO, '1//sim-refresh-demo'],
		[DEMO2, '1//sim-refresh-demo2'],
	] as const) {
		await store.upsert({email, refreshToken, enabled: true, addedAt: new Date().toISOString()});
	}
	const oauth = loadOAuthConfig({AGPROXY_OAUTH_TOKEN_URL: s.oauth.tokenUrl, AGPROXY_USERINFO_URL: s.oauth.userinfoUrl, AGPROXY_OAUTH_AUTH_URL: s.oauth.authUrl});
	return {s, store, oauth, tokenRequests: () => s.requests.filter((r) => r.rpc === 'token').length};
}

/** Delegates to a store and lets a test observe or break calls. */
class ObservedStore implements AccountStore {
	readonly events: string[] = [];
	failUpdates = 0;
	staleGets: AccountRecord[] = [];
	constructor(private readonly inner: AccountStore) {}
	list(): Promise<AccountRecord[]> {
		return this.inner.list();
	}
	async get(email: string): Promise<AccountRecord | undefined> {
		const stale = this.staleGets.shift();
		return stale ?? this.inner.get(email);
	}
	upsert(record: AccountRecord): Promise<void> {
		return this.inner.upsert(record);
	}
	async update(email: string, patch: Partial<Omit<AccountRecord, 'email'>>): Promise<AccountRecord | undefined> {
		this.events.push(`update:${Object.keys(patch).join(',')}`);
		await new Promise((resolve) => setTimeout(resolve, 30));
		if (this.failUpdates > 0) {
			this.failUpdates--;
			throw new Error('disk full');
		}
		const result = await this.inner.update(email, patch);
		this.events.push('update-done');
		return result;
	}
	remove(email: string): Promise<boolean> {
		return this.inner.remove(email);
	}
	watch(listener: () => void): () => void {
		return this.inner.watch(listener);
	}
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
	return promise.then(
		() => assert.fail('expected a rejection'),
		(error: unknown) => error,
	);
}

async function loadWorks(s: Simulator, token: string): Promise<boolean> {
	const response = await fetch(`${s.url}/v1internal:loadCodeAssist`, {method: 'POST', headers: {authorization: `Bearer ${token}`, 'content-type': 'application/json'}, body: '{}'});
	await response.text();
	return response.status === 200;
}

describe('TokenManager', () => {
	test('caches until 60 s before expiry; force refreshes; forget drops the cache', async () => {
		const {s, store, oauth, tokenRequests} = await setup();
		let now = Date.now();
		const tokens = new TokenManager(store, oauth, {now: () => now});
		const first = await tokens.accessToken(DEMO);
		assert.ok(await loadWorks(s, first));
		assert.equal(await tokens.accessToken('DEMO@agproxy.local'), first, 'cached, case-insensitive');
		assert.equal(tokenRequests(), 1);
		assert.equal(tokens.expiresAt(DEMO), now + 3600_000);

		now += 3600_000 - 61_000;
		assert.equal(await tokens.accessToken(DEMO), first, 'still more than 60 s left');
		now += 2000;
		const second = await tokens.accessToken(DEMO);
		assert.notEqual(second, first, 'within 60 s of expiry: refreshed');
		assert.equal(tokenRequests(), 2);

		const forced = await tokens.accessToken(DEMO, {force: true});
		assert.notEqual(forced, second);
		assert.equal(tokenRequests(), 3);
		tokens.forget(DEMO);
		await tokens.accessToken(DEMO);
		assert.equal(tokenRequests(), 4);
	});

	test('single flight: many concurrent callers, one token request per account', async () => {
		const {s, store, oauth, tokenRequests} = await setup();
		s.enqueue({match: {method: 'token'}, times: 2, script: {kind: 'slow_first_byte', ms: 50}});
		const tokens = new TokenManager(store, oauth);
		const demo = await Promise.all(Array.from({length: 10}, (_, i) => tokens.accessToken(DEMO, {force: i % 2 === 0})));
		assert.equal(new Set(demo).size, 1);
		assert.equal(tokenRequests(), 1);
		const both = await Promise.all([tokens.accessToken(DEMO2), tokens.accessToken(DEMO2), tokens.accessToken(DEMO, {force: true})]);
		assert.equal(both[0], both[1]);
		assert.equal(tokenRequests(), 3);
	});

	test('a rotated refresh token is on disk before the access token is handed out', async () => {
		const {s, store, oauth} = await setup();
		const observed = new ObservedStore(store);
		s.enqueue({match: {method: 'token', account: DEMO}, script: {kind: 'rotate_refresh_token'}});
		const tokens = new TokenManager(observed, oauth);
		const token = await tokens.accessToken(DEMO).then((value) => {
			observed.events.push('handed-out');
			return value;
		});
		assert.deepEqual(observed.events, ['update:refreshToken', 'update-done', 'handed-out']);
		const rotated = (await new FileAccountStore(join(store.path, '..')).get(DEMO))?.refreshToken ?? '';
		assert.match(rotated, /^1\/\/sim-rotated-/);
		assert.ok(await loadWorks(s, token));
		// The old token is revoked: the next refresh only works because the new one was kept.
		await tokens.accessToken(DEMO, {force: true});
	});

	test('a rotation that cannot be written is not lost: the next refresh uses and saves it', async () => {
		const {s, store, oauth} = await setup();
		const observed = new ObservedStore(store);
		observed.failUpdates = 1;
		s.enqueue({match: {method: 'token', account: DEMO}, script: {kind: 'rotate_refresh_token'}});
		const tokens = new TokenManager(observed, oauth);
		await assert.rejects(tokens.accessToken(DEMO), /disk full/);
		assert.equal((await store.get(DEMO))?.refreshToken, '1//sim-refresh-demo');
		await tokens.accessToken(DEMO);
		assert.match((await store.get(DEMO))?.refreshToken ?? '', /^1\/\/sim-rotated-/);
		assert.equal((await store.get(DEMO))?.invalid, undefined);
	});

	test('invalid_grant marks the account invalid and throws InvalidGrantError', async () => {
		const {s, store, oauth} = await setup();
		s.updateAccount(DEMO, {refreshToken: '1//someone-else-has-it-now'});
		const now = Date.parse('2026-03-01T12:00:00.000Z');
		const tokens = new TokenManager(store, oauth, {now: () => now});
		const error = await rejection(tokens.accessToken(DEMO));
		assert.ok(error instanceof InvalidGrantError, String(error));
		assert.equal(error.email, DEMO);
		assert.equal(error.reason, 'Token has been expired or revoked.');
		assert.deepEqual((await store.get(DEMO))?.invalid, {reason: 'Token has been expired or revoked.', at: '2026-03-01T12:00:00.000Z'});
		assert.equal((await store.get(DEMO2))?.invalid, undefined);
	});

	test('network errors and 5xx are thrown without marking the account', async () => {
		const {s, store, oauth} = await setup();
		s.enqueue({match: {method: 'token'}, script: {kind: 'http_error', error: 'server_500'}});
		const tokens = new TokenManager(store, oauth);
		const server = await rejection(tokens.accessToken(DEMO));
		assert.ok(server instanceof OAuthError && server.retryable, String(server));

		const dead = createServer();
		await new Promise<void>((resolve) => dead.listen(0, '127.0.0.1', resolve));
		const {port} = dead.address() as AddressInfo;
		await new Promise<void>((resolve) => dead.close(() => resolve()));
		const offline = new TokenManager(store, {...oauth, tokenUrl: `http://127.0.0.1:${port}/token`});
		const network = await rejection(offline.accessToken(DEMO));
		assert.ok(network instanceof OAuthError && network.retryable, String(network));
		assert.equal((await store.get(DEMO))?.invalid, undefined);
		// And the account still works once Google answers again.
		assert.ok(await loadWorks(s, await tokens.accessToken(DEMO)));
	});

	test('a token rotated by another process meanwhile is retried, not marked invalid', async () => {
		const {s, store, oauth} = await setup();
		const stale = await store.get(DEMO);
		assert.ok(stale);
		// Another process refreshed with rotation and saved the new token; this one read the file just before.
		s.updateAccount(DEMO, {refreshToken: '1//rotated-elsewhere'});
		await store.update(DEMO, {refreshToken: '1//rotated-elsewhere'});
		const observed = new ObservedStore(store);
		observed.staleGets.push(stale);
		const tokens = new TokenManager(observed, oauth);
		assert.ok(await loadWorks(s, await tokens.accessToken(DEMO)));
		assert.equal((await store.get(DEMO))?.invalid, undefined);
	});

	test('unknown accounts are refused; a caller that gives up does not stop the shared refresh', async () => {
		const {s, store, oauth, tokenRequests} = await setup();
		const tokens = new TokenManager(store, oauth);
		assert.ok((await rejection(tokens.accessToken('nobody@example.com'))) instanceof UnknownAccountError);

		s.enqueue({match: {method: 'token'}, script: {kind: 'slow_first_byte', ms: 150}});
		const controller = new AbortController();
		const impatient = tokens.accessToken(DEMO, {signal: controller.signal});
		const patient = tokens.accessToken(DEMO);
		setTimeout(() => controller.abort(), 20);
		const aborted = await rejection(impatient);
		assert.equal((aborted as Error).name, 'AbortError');
		assert.ok(await loadWorks(s, await patient));
		assert.equal(tokenRequests(), 1);
	});
});
