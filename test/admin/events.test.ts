// GET /admin/events over a real socket: a real agproxy (pool over a data dir, simulator upstream) streams a snapshot,
// the record of a real /v1/messages request, account changes and sign-ins to every attached client; the admin token is
// required (no token, a user's API key and a remote peer are refused); a client that does not read is bounded
// (events dropped and counted, then told), and one stuck too long is cut off.
import assert from 'node:assert/strict';
import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {type ClientRequest, type IncomingMessage, request} from 'node:http';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, it} from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import {loadOAuthConfig} from '../../source/accounts/oauth.js';
import {AdminClient} from '../../source/admin/client.js';
import {AdminLive} from '../../source/admin/live.js';
import type {LiveEvent} from '../../source/admin/protocol.js';
import {type App, startApp} from '../../source/app.js';
import {loadConfig} from '../../source/config.js';
import {EventBus} from '../../source/events.js';
import {type SimAccount, type Simulator, startSimulator} from '../../source/simulator/index.js';
import {VERSION} from '../../source/version.js';
import {context, startAdminStub} from './helpers.js';

const ACCOUNT: SimAccount = {email: 'live@events.test', refreshToken: '1//refresh-live', project: 'project-live', tier: 'free-tier'};
const LATE: SimAccount = {email: 'late@events.test', refreshToken: '1//refresh-late', project: 'project-late', tier: 'free-tier'};

type Stream = {
	events: LiveEvent[];
	status: number;
	headers: IncomingMessage['headers'];
	/** Resolves with the first event (from index `from`) matching; fails after 10 s. */
	next: <T extends LiveEvent['type']>(type: T, match?: (event: Extract<LiveEvent, {type: T}>) => boolean, from?: number) => Promise<Extract<LiveEvent, {type: T}>>;
	res: IncomingMessage;
	req: ClientRequest;
	close: () => void;
};

/** Opens the stream with node:http (so a test can stop reading) and parses it as it arrives. */
function openStream(url: string, headers: Record<string, string>, options: {paused?: boolean} = {}): Promise<Stream> {
	return new Promise((resolve, reject) => {
		const req = request(`${url}/admin/events`, {headers}, res => {
			const events: LiveEvent[] = [];
			let buffer = '';
			const waiters = new Set<() => void>();
			res.setEncoding('utf8');
			res.on('data', (chunk: string) => {
				buffer += chunk;
				let end: number;
				while ((end = buffer.indexOf('\n\n')) >= 0) {
					const block = buffer.slice(0, end);
					buffer = buffer.slice(end + 2);
					const data = block
						.split('\n')
						.filter(line => line.startsWith('data: '))
						.map(line => line.slice(6))
						.join('\n');
					if (data !== '') events.push(JSON.parse(data) as LiveEvent);
				}
				for (const wake of waiters) wake();
			});
			if (options.paused) res.pause();
			res.on('error', () => {});
			const next: Stream['next'] = (type, match, from = 0) =>
				new Promise((found, fail) => {
					const look = (): boolean => {
						const hit = events.slice(from).find(event => event.type === type && (match === undefined || match(event as never)));
						if (hit === undefined) return false;
						waiters.delete(check);
						clearTimeout(timer);
						found(hit as never);
						return true;
					};
					const check = (): void => void look();
					const timer = setTimeout(() => {
						waiters.delete(check);
						fail(new Error(`no ${type} event within 10 s; got ${events.map(event => event.type).join(',')}`));
					}, 10_000);
					if (!look()) waiters.add(check);
				});
			resolve({events, status: res.statusCode ?? 0, headers: res.headers, next, res, req, close: () => req.destroy()});
		});
		req.on('error', reject);
		req.end();
	});
}

let sim: Simulator;
let app: App;
let dataDir: string;
let token: string;
let admin: AdminClient;
const streams: Stream[] = [];

before(async () => {
	sim = await startSimulator({port: 0, accounts: [ACCOUNT, LATE]});
	dataDir = mkdtempSync(join(tmpdir(), 'agproxy-events-'));
	const config = loadConfig({port: 0, upstream: sim.url, dataDir}, {});
	app = await startApp(config, {oauth: {...loadOAuthConfig({}), tokenUrl: sim.oauth.tokenUrl, userinfoUrl: sim.oauth.userinfoUrl, authUrl: sim.oauth.authUrl}});
	// The token other agproxy commands use: from server.json, as `agproxy dashboard` reads it.
	token = (JSON.parse(readFileSync(join(dataDir, 'server.json'), 'utf8')) as {token: string}).token;
	admin = new AdminClient({url: app.url, token});
	await admin.call('accounts.upsert', {record: {email: ACCOUNT.email, refreshToken: ACCOUNT.refreshToken, projectId: ACCOUNT.project, tier: 'free-tier'}});
});
after(async () => {
	for (const stream of streams) stream.close();
	await admin.close();
	await app.stop();
	await sim.close();
	rmSync(dataDir, {recursive: true, force: true});
});

async function attach(headers: Record<string, string> = {authorization: `Bearer ${token}`}): Promise<Stream> {
	const stream = await openStream(app.url, headers);
	streams.push(stream);
	return stream;
}

describe('GET /admin/events on a running agproxy', () => {
	it('starts with a snapshot: server info, state, accounts, recent requests', async () => {
		const stream = await attach();
		assert.equal(stream.status, 200);
		assert.match(String(stream.headers['content-type']), /^text\/event-stream/);
		const snapshot = await stream.next('snapshot');
		assert.equal(stream.events[0]?.type, 'snapshot', 'the snapshot comes first');
		assert.deepEqual({url: snapshot.info.url, version: snapshot.info.version, pid: snapshot.info.pid, strategy: snapshot.info.strategy}, {url: app.url, version: VERSION, pid: process.pid, strategy: 'sticky'});
		assert.equal(snapshot.state.keyed, false);
		assert.deepEqual(
			snapshot.accounts.map(account => account.email),
			[ACCOUNT.email],
		);
		assert.ok(snapshot.recent.some(record => record.path === '/admin/rpc'), 'the accounts.upsert call made before is among the recent requests');
		assert.ok(!JSON.stringify(snapshot).includes(ACCOUNT.refreshToken), 'no refresh token on the stream');
		assert.ok(!JSON.stringify(snapshot).includes(token), 'no admin token on the stream');
		stream.close();
	});

	it('two clients at once both receive the record of a real /v1/messages request', async () => {
		const [one, two] = await Promise.all([attach(), attach()]);
		await Promise.all([one!.next('snapshot'), two!.next('snapshot')]);
		const client = new Anthropic({baseURL: app.url, apiKey: 'x', maxRetries: 0});
		const message = await client.messages.create({model: 'claude-sonnet-4-6', max_tokens: 50, messages: [{role: 'user', content: 'hello'}]});
		assert.equal(message.type, 'message');
		const isMessages = (event: {record: {path: string}}): boolean => event.record.path === '/v1/messages';
		const [first, second] = await Promise.all([one!.next('request', isMessages), two!.next('request', isMessages)]);
		assert.deepEqual(first, second);
		assert.equal(first.record.status, 200);
		assert.equal(first.record.modelAsked, 'claude-sonnet-4-6');
		assert.equal(first.record.account, ACCOUNT.email);
		assert.ok((first.record.outputTokens ?? 0) > 0);
		// The account served it: a coalesced accounts event follows with the request counted.
		const accounts = await one!.next('accounts', event => (event.accounts.find(a => a.email === ACCOUNT.email)?.requestsServed ?? 0) >= 1);
		assert.equal(accounts.accounts.length, 1);
		one!.close();
		two!.close();
	});

	it('an account change (added through the admin RPC, then disabled) reaches the stream; so does keyed mode', async () => {
		const stream = await attach();
		await stream.next('snapshot');
		await admin.call('accounts.upsert', {record: {email: LATE.email, refreshToken: LATE.refreshToken, projectId: LATE.project}});
		await stream.next('accounts', event => event.accounts.some(a => a.email === LATE.email && a.enabled));
		await admin.call('accounts.setEnabled', {email: LATE.email, enabled: false});
		const disabled = await stream.next('accounts', event => event.accounts.some(a => a.email === LATE.email && !a.enabled));
		assert.equal(disabled.accounts.find(a => a.email === LATE.email)?.health, 'disabled');
		await admin.call('users.create', {name: 'eve'});
		const state = await stream.next('state', event => event.state.keyed);
		assert.equal(state.state.keyed, true);
		await admin.call('users.remove', {name: 'eve'});
		await admin.call('accounts.remove', {email: LATE.email});
		stream.close();
	});

	it('refuses a caller without the admin token, with a wrong one, or with a user API key', async () => {
		const created = await admin.call('users.create', {name: 'mallory'});
		try {
			const refusedHeaders: Array<Record<string, string>> = [{}, {authorization: 'Bearer 0000'}, {authorization: `Bearer ${created.key}`}, {'x-api-key': created.key}, {'x-api-key': token}];
			for (const headers of refusedHeaders) {
				const stream = await attach(headers);
				assert.equal(stream.status, 401, JSON.stringify(headers));
				assert.match(String(stream.headers['content-type']), /application\/json/);
				stream.res.resume();
			}
			// A browser page (Origin header) is refused even with the token.
			const browser = await attach({authorization: `Bearer ${token}`, origin: 'http://evil.example'});
			assert.equal(browser.status, 403);
			browser.res.resume();
			// Only GET.
			const post = await fetch(`${app.url}/admin/events`, {method: 'POST', headers: {authorization: `Bearer ${token}`}, body: '{}'});
			assert.equal(post.status, 405);
		} finally {
			await admin.call('users.remove', {name: 'mallory'});
		}
	});

	it('a Google sign-in runs in the server: start, paste the redirect, the account is stored, the outcome is streamed', async () => {
		const stream = await attach();
		await stream.next('snapshot');
		const {id, url} = await admin.startLogin();
		assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\//);
		// The simulator's consent page redirects at once with a code: paste where the browser ended.
		const consent = await fetch(`${url}&login_hint=${encodeURIComponent(LATE.email)}`, {redirect: 'manual'});
		const redirect = consent.headers.get('location');
		assert.ok(redirect !== null && redirect.includes('code='), `a redirect with a code, got ${consent.status}`);
		await admin.pasteLogin(id, redirect);
		const outcome = await stream.next('login', event => event.login.id === id && event.login.state !== 'pending');
		assert.deepEqual(outcome.login, {id, state: 'done', email: LATE.email});
		const stored = await admin.call('accounts.list', {});
		assert.ok(stored.some(account => account.email === LATE.email), 'stored through accounts.upsert');
		// Finished sign-ins refuse more input; unknown ids are 404; malformed bodies 400.
		await assert.rejects(admin.pasteLogin(id, 'again'), /finished already/);
		await assert.rejects(admin.cancelLogin('abcdef'), /no sign-in/);
		const bad = await fetch(`${app.url}/admin/login/paste`, {method: 'POST', headers: {authorization: `Bearer ${token}`}, body: JSON.stringify({id, text: ''})});
		assert.equal(bad.status, 400);
		await admin.call('accounts.remove', {email: LATE.email});
		stream.close();
	});

	it('refreshes quotas in the server (the dashboard `r`)', async () => {
		const before = sim.requests.filter(r => r.rpc === 'fetchAvailableModels').length;
		await admin.refreshQuotas();
		assert.ok(sim.requests.filter(r => r.rpc === 'fetchAvailableModels').length > before, 'the server asked the upstream for quotas');
	});
});

describe('the event stream without an app: remote peers and slow clients', () => {
	it('answers loopback peers only', async () => {
		const {ctx} = context();
		const live = new AdminLive({bus: new EventBus(), actions: ctx, inFlight: () => 0, info: () => ({url: 'http://x', strategy: 'sticky', startedAt: 0})});
		const server = await startAdminStub(ctx, {live, allowRemote: () => false});
		try {
			const stream = await openStream(server.url, {authorization: `Bearer ${server.token}`});
			assert.equal(stream.status, 403);
			stream.res.resume();
		} finally {
			live.close();
			await server.close();
		}
	});

	it('a client that does not read is bounded: events dropped and counted, then told; the stream goes on', async () => {
		const bus = new EventBus();
		const {ctx} = context();
		const maxBufferBytes = 64 * 1024;
		const live = new AdminLive({bus, actions: ctx, inFlight: () => 0, info: () => ({url: 'http://x', strategy: 'sticky', startedAt: 0})}, {maxBufferBytes});
		const server = await startAdminStub(ctx, {live});
		const stream = await openStream(server.url, {authorization: `Bearer ${server.token}`}, {paused: true});
		try {
			// ~40 MB of notices over many turns of the event loop, while the client reads nothing.
			const filler = 'x'.repeat(1000);
			for (let batch = 0; batch < 200; batch++) {
				for (let i = 0; i < 200; i++) bus.notice('info', `n${batch}-${i} ${filler}`);
				await new Promise(resolve => setImmediate(resolve));
			}
			const [stats] = live.clientStats();
			assert.ok(stats !== undefined);
			assert.ok(stats.dropped > 0, 'events were dropped for the slow client');
			assert.ok(stats.maxBuffered <= maxBufferBytes + 2 * 1100, `server-side buffer stayed bounded: ${stats.maxBuffered} bytes`);
			// It catches up: told how many were left out (in one or more `dropped` events), and new events arrive again.
			stream.res.resume();
			const told = (): number => stream.events.reduce((sum, event) => sum + (event.type === 'dropped' ? event.count : 0), 0);
			const deadline = Date.now() + 10_000;
			while (told() < stats.dropped && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 20));
			assert.equal(told(), stats.dropped, 'every left-out event was counted to the client');
			const shown = stream.events.filter(event => event.type === 'notice').length;
			assert.equal(shown + stats.dropped, 200 * 200, 'each notice was either delivered or counted as dropped');
			bus.notice('warn', 'after catching up');
			await stream.next('notice', event => event.notice.message === 'after catching up');
		} finally {
			stream.close();
			live.close();
			await server.close();
		}
	});

	it('a client stuck above the limit for too long is disconnected', async () => {
		const bus = new EventBus();
		const {ctx} = context();
		const live = new AdminLive({bus, actions: ctx, inFlight: () => 0, info: () => ({url: 'http://x', strategy: 'sticky', startedAt: 0})}, {maxBufferBytes: 16 * 1024, stallMs: 200, heartbeatMs: 50});
		const server = await startAdminStub(ctx, {live});
		const stream = await openStream(server.url, {authorization: `Bearer ${server.token}`}, {paused: true});
		try {
			const filler = 'y'.repeat(1000);
			const deadline = Date.now() + 10_000;
			while (live.clientStats().length > 0 && Date.now() < deadline) {
				for (let i = 0; i < 500; i++) bus.notice('info', filler);
				await new Promise(resolve => setTimeout(resolve, 20));
			}
			assert.equal(live.clientStats().length, 0, 'the stalled client was cut off');
		} finally {
			stream.close();
			live.close();
			await server.close();
		}
	});
});
