// The interactive login, browser-less: a plain HTTP client plays the browser (the simulator's auth endpoint
// redirects straight to the callback). PKCE round trip with onboarding, state mismatch, access_denied, timeout,
// abort, port fallback with a matching redirect_uri, pasted URLs and bare codes, and refresh-token accounts.
import assert from 'node:assert/strict';
import {type Server, createServer} from 'node:http';
import type {AddressInfo} from 'node:net';
import {PassThrough} from 'node:stream';
import {after, describe, test} from 'node:test';
import {browserCommand, canOpenBrowser, openBrowser} from '../../source/accounts/browser.js';
import {AccountIdentityError, LoginError, accountFromRefreshToken, login, obtainAuthorizationCode, parsePastedCallback} from '../../source/accounts/login.js';
import {type OAuthConfig, loadOAuthConfig} from '../../source/accounts/oauth.js';
import {InvalidGrantError} from '../../source/accounts/types.js';
import {DEFAULT_ACCOUNTS, type Simulator, startSimulator} from '../../source/simulator/index.js';
import {UpstreamClient} from '../../source/upstream/client.js';

const NEW_USER = {email: 'new@example.com', refreshToken: '1//new-user'};

const cleanup: Array<() => unknown> = [];
after(async () => {
	for (const step of cleanup) await step();
});

type Setup = {s: Simulator; oauth: OAuthConfig; client: UpstreamClient};

async function setup(): Promise<Setup> {
	const s = await startSimulator({accounts: [...DEFAULT_ACCOUNTS, NEW_USER], oauthClientId: 'login-test-client', oauthClientSecret: 'login-test-secret'});
	const client = new UpstreamClient([s.url], {connectMs: 2000, firstByteMs: 5000, idleMs: 5000});
	cleanup.push(() => client.close(), () => s.close());
	const oauth = loadOAuthConfig({
		AGPROXY_OAUTH_CLIENT_ID: 'login-test-client',
		AGPROXY_OAUTH_CLIENT_SECRET: 'login-test-secret',
		AGPROXY_OAUTH_AUTH_URL: s.oauth.authUrl,
		AGPROXY_OAUTH_TOKEN_URL: s.oauth.tokenUrl,
		AGPROXY_USERINFO_URL: s.oauth.userinfoUrl,
	});
	return {s, oauth, client};
}

class Capture {
	text = '';
	private waiters: Array<{pattern: RegExp; resolve: (match: RegExpMatchArray) => void}> = [];
	write(chunk: string): boolean {
		this.text += chunk;
		this.waiters = this.waiters.filter((w) => {
			const match = this.text.match(w.pattern);
			if (match !== null) w.resolve(match);
			return match === null;
		});
		return true;
	}
	waitFor(pattern: RegExp): Promise<RegExpMatchArray> {
		const match = this.text.match(pattern);
		if (match !== null) return Promise.resolve(match);
		return new Promise((resolve) => this.waiters.push({pattern, resolve}));
	}
}

/** The printed sign-in URL (the indented line after "Open this URL"). */
async function printedUrl(output: Capture): Promise<string> {
	const match = await output.waitFor(/\n {2}(http\S+)\n/);
	return match[1] ?? '';
}

/** What Google would do: the simulator answers the auth URL with a 302 to the redirect_uri. */
async function authorize(url: string): Promise<URL> {
	const response = await fetch(url, {redirect: 'manual'});
	assert.equal(response.status, 302, await response.text());
	return new URL(response.headers.get('location') ?? '');
}

/** The browser arriving at the callback. */
async function visit(url: URL | string): Promise<{status: number; html: string}> {
	const response = await fetch(url);
	return {status: response.status, html: await response.text()};
}

function withState(url: string, state: string): string {
	const changed = new URL(url);
	changed.searchParams.set('state', state);
	return changed.toString();
}

async function occupy(port = 0): Promise<Server> {
	const server = createServer();
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(port, '127.0.0.1', resolve);
	});
	cleanup.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
	return server;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
	return promise.then(
		() => assert.fail('expected a rejection'),
		(error: unknown) => error,
	);
}

describe('login', () => {
	test('PKCE round trip through the loopback server: code, tokens, e-mail, onboarding -> a record', async () => {
		const {s, oauth, client} = await setup();
		const output = new Capture();
		let browser: {status: number; html: string} | undefined;
		const record = await login({
			oauth,
			client,
			output,
			callbackPort: 0,
			loginHint: NEW_USER.email,
			discovery: {pollIntervalMs: 1},
			now: () => Date.parse('2026-05-01T00:00:00Z'),
			// The "browser": follow the URL Google-style, then land on the callback.
			openBrowser: async (url) => {
				browser = await visit(await authorize(url));
				return true;
			},
		});
		assert.deepEqual(
			{...record, projectId: record.projectId?.replace(/[0-9a-f]{6}$/, 'X')},
			{email: NEW_USER.email, refreshToken: NEW_USER.refreshToken, projectId: 'sim-onboarded-X', tier: 'free-tier', enabled: true, addedAt: '2026-05-01T00:00:00.000Z'},
		);
		assert.equal(browser?.status, 200);
		assert.match(browser?.html ?? '', /Signed in/);

		const url = new URL(await printedUrl(output));
		const redirectUri = url.searchParams.get('redirect_uri') ?? '';
		assert.match(redirectUri, /^http:\/\/localhost:\d+\/oauth-callback$/);
		assert.equal(url.searchParams.get('code_challenge_method'), 'S256');
		const exchange = s.requests.find((r) => r.rpc === 'token')?.body as Record<string, string>;
		assert.equal(exchange['redirect_uri'], redirectUri, 'the exchange uses the same redirect_uri');
		assert.match(exchange['code_verifier'] ?? '', /^[A-Za-z0-9_-]{43}$/);
		assert.doesNotMatch(output.text, /new-user|login-test-secret/, 'no secrets printed');
	});

	test('a callback with the wrong state is refused and the login keeps waiting; the right one completes it', async () => {
		const {oauth} = await setup();
		const output = new Capture();
		const pending = obtainAuthorizationCode({oauth, output, callbackPort: 0, noBrowser: true});
		const url = await printedUrl(output);
		const forged = await visit(await authorize(withState(url, 'not-the-state')));
		assert.equal(forged.status, 400);
		assert.match(forged.html, /does not belong/);
		assert.match(output.text, /state mismatch/);
		const missing = new URL(url);
		const callback = new URL(missing.searchParams.get('redirect_uri') ?? '');
		callback.searchParams.set('code', 'x');
		assert.equal((await visit(callback)).status, 400, 'no state at all is refused too');
		assert.equal((await visit(new URL('/favicon.ico', callback))).status, 404);

		const good = await visit(await authorize(url));
		assert.equal(good.status, 200);
		const code = await pending;
		assert.equal(code.via, 'callback');
		assert.ok(code.code.length > 10);
		assert.equal(code.redirectUri, missing.searchParams.get('redirect_uri'));
	});

	test('access_denied ends the login with a clear error', async () => {
		const {oauth} = await setup();
		const output = new Capture();
		const outcome = rejection(obtainAuthorizationCode({oauth, output, callbackPort: 0, noBrowser: true, loginHint: 'stranger@example.com'}));
		const page = await visit(await authorize(await printedUrl(output)));
		assert.equal(page.status, 400);
		assert.match(page.html, /access_denied/);
		const error = await outcome;
		assert.ok(error instanceof LoginError && error.kind === 'denied', String(error));
		assert.match(error.message, /access_denied/);
	});

	test('timeout (injected) and abort end the wait and free the port', async () => {
		const {oauth} = await setup();
		const output = new Capture();
		const started = Date.now();
		const timedOut = await rejection(obtainAuthorizationCode({oauth, output, callbackPort: 0, noBrowser: true, timeoutMs: 100}));
		assert.ok(timedOut instanceof LoginError && timedOut.kind === 'timeout', String(timedOut));
		assert.match(timedOut.message, /no sign-in within 100 ms/);
		assert.ok(Date.now() - started < 2000);
		const port = Number(new URL(new URL(await printedUrl(output)).searchParams.get('redirect_uri') ?? '').port);
		await occupy(port); // would throw EADDRINUSE if the callback server were still listening

		const controller = new AbortController();
		const aborted = rejection(obtainAuthorizationCode({oauth, output: new Capture(), callbackPort: 0, noBrowser: true, signal: controller.signal}));
		setTimeout(() => controller.abort(), 20);
		const error = await aborted;
		assert.ok(error instanceof LoginError && error.kind === 'aborted', String(error));
	});

	test('a taken port: the next one is bound and the redirect_uri names the port actually bound', async () => {
		const {oauth, client} = await setup();
		const taken = await occupy();
		const takenPort = (taken.address() as AddressInfo).port;
		const output = new Capture();
		const pending = login({oauth, client, output, callbackPort: takenPort, noBrowser: true});
		const url = await printedUrl(output);
		const redirect = new URL(new URL(url).searchParams.get('redirect_uri') ?? '');
		const bound = Number(redirect.port);
		assert.ok(bound > takenPort && bound <= takenPort + 5, `${bound} after ${takenPort}`);
		assert.match(output.text, new RegExp(`Port ${takenPort} is not available.*listening on ${bound}`));
		const location = await authorize(url);
		assert.equal(Number(location.port), bound, "Google's redirect reaches the server that listens");
		assert.equal((await visit(location)).status, 200);
		const record = await pending;
		assert.equal(record.email, 'demo@agproxy.local');
		assert.equal(record.projectId, 'agproxy-demo-project');
	});

	test('--no-browser: the browser is not opened; a pasted redirect URL completes the login', async () => {
		const {oauth, client} = await setup();
		const output = new Capture();
		const input = new PassThrough();
		let opened = false;
		const pending = login({
			oauth,
			client,
			output,
			input,
			callbackPort: 0,
			noBrowser: true,
			openBrowser: async () => {
				opened = true;
				return true;
			},
		});
		const url = await printedUrl(output);
		assert.match(output.text, /paste it here/);
		// The browser (elsewhere) ends on the redirect URL; the user copies it from the address bar.
		const location = await authorize(url);
		input.write('this is not it\n');
		await output.waitFor(/neither the address/);
		input.write(`${withState(location.toString(), 'other-login')}\n`);
		await output.waitFor(/state mismatch/);
		input.write(`  ${location.toString()}  \n`);
		const record = await pending;
		assert.equal(record.email, 'demo@agproxy.local');
		assert.equal(opened, false);
	});

	test('a pasted bare code works too, also while the loopback server waits', async () => {
		const {oauth} = await setup();
		const output = new Capture();
		const input = new PassThrough();
		let launched = '';
		const pending = obtainAuthorizationCode({
			oauth,
			output,
			input,
			callbackPort: 0,
			openBrowser: async (url) => {
				launched = url;
				return false;
			},
		});
		const url = await printedUrl(output);
		await output.waitFor(/No browser could be opened/);
		assert.equal(launched, url, 'the browser is asked to open the printed URL');
		const code = (await authorize(url)).searchParams.get('code') ?? '';
		input.write(`${encodeURIComponent(code)}\n`);
		const result = await pending;
		assert.equal(result.code, code);
		assert.equal(result.via, 'paste');
	});
});

describe('parsePastedCallback', () => {
	test('URLs, query strings, bare codes, errors and junk', () => {
		assert.deepEqual(parsePastedCallback('http://localhost:51121/oauth-callback?state=s&code=4%2F0Abc&scope=x'), {kind: 'params', code: '4/0Abc', state: 's'});
		assert.deepEqual(parsePastedCallback('"http://localhost:1/oauth-callback?state=s&error=access_denied"'), {kind: 'params', state: 's', error: 'access_denied'});
		assert.deepEqual(parsePastedCallback('?code=4/0Abcdefghij&state=t'), {kind: 'params', code: '4/0Abcdefghij', state: 't'});
		assert.deepEqual(parsePastedCallback('4/0AVGzR1Bxyz_-.~'), {kind: 'code', code: '4/0AVGzR1Bxyz_-.~'});
		assert.deepEqual(parsePastedCallback('   '), {kind: 'empty'});
		assert.deepEqual(parsePastedCallback('hello world'), {kind: 'invalid'});
		assert.deepEqual(parsePastedCallback('http://localhost:1/oauth-callback?state=s'), {kind: 'invalid'});
	});
});

describe('accountFromRefreshToken', () => {
	test('refresh, userinfo for the e-mail, discovery; --email is only checked against Google; a dead token is InvalidGrantError', async () => {
		const {s, oauth, client} = await setup();
		const record = await accountFromRefreshToken({oauth, client, refreshToken: '1//sim-refresh-demo2'});
		assert.equal(record.email, 'demo2@agproxy.local');
		assert.equal(record.projectId, 'agproxy-demo-project-2');
		assert.equal(record.refreshToken, '1//sim-refresh-demo2');
		const userinfoCalls = s.requests.filter((r) => r.rpc === 'userinfo').length;
		const checked = await accountFromRefreshToken({oauth, client, refreshToken: '1//sim-refresh-demo', email: 'DEMO@agproxy.local'});
		assert.equal(checked.email, 'demo@agproxy.local', "Google's spelling of the e-mail is stored");
		assert.equal(s.requests.filter((r) => r.rpc === 'userinfo').length, userinfoCalls + 1, 'the e-mail is asked of Google even when given');
		const mismatch = await rejection(accountFromRefreshToken({oauth, client, refreshToken: '1//sim-refresh-demo', email: 'someone@else.example'}));
		assert.ok(mismatch instanceof AccountIdentityError, String(mismatch));
		assert.match(mismatch.message, /belongs to demo@agproxy\.local, not someone@else\.example/);

		s.enqueue({match: {method: 'token'}, script: {kind: 'rotate_refresh_token'}});
		const rotated = await accountFromRefreshToken({oauth, client, refreshToken: '1//sim-refresh-demo'});
		assert.match(rotated.refreshToken, /^1\/\/sim-rotated-/, 'the rotated token is the one to store');

		const error = await rejection(accountFromRefreshToken({oauth, client, refreshToken: '1//dead'}));
		assert.ok(error instanceof InvalidGrantError, String(error));
		assert.match(error.message, /refused the refresh token.*expired or revoked/);
	});
});

describe('browser', () => {
	test('only where a browser is plausible; the right launcher per platform; failure to launch is just false', async () => {
		assert.equal(canOpenBrowser({DISPLAY: ':0'}, 'linux'), true);
		assert.equal(canOpenBrowser({WAYLAND_DISPLAY: 'wayland-0'}, 'linux'), true);
		assert.equal(canOpenBrowser({}, 'linux'), false, 'no display server');
		assert.equal(canOpenBrowser({DISPLAY: ':0', CI: 'true'}, 'linux'), false);
		assert.equal(canOpenBrowser({DISPLAY: ':0', BROWSER: 'www-browser'}, 'linux'), false);
		assert.equal(canOpenBrowser({}, 'darwin'), true);
		assert.equal(canOpenBrowser({SSH_CONNECTION: '1 2 3 4'}, 'darwin'), false);
		assert.equal(canOpenBrowser({}, 'win32'), true);

		const url = 'https://accounts.google.com/o/oauth2/v2/auth?a=1&b=2';
		assert.deepEqual(browserCommand(url, {}, 'linux'), {command: 'xdg-open', args: [url]});
		assert.deepEqual(browserCommand(url, {}, 'darwin'), {command: 'open', args: [url]});
		assert.deepEqual(browserCommand(url, {}, 'win32'), {command: 'rundll32', args: ['url.dll,FileProtocolHandler', url]});
		assert.deepEqual(browserCommand(url, {BROWSER: 'firefox'}, 'linux'), {command: 'firefox', args: [url]});

		assert.equal(await openBrowser(url, {}, 'linux'), false, 'not even tried without a display');
		assert.equal(await openBrowser(url, {DISPLAY: ':0', BROWSER: '/nonexistent/agproxy-test-browser'}, 'linux'), false);
	});
});
