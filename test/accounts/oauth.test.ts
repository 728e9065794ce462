// OAuth wire format against the simulator: configuration, PKCE, the authorization URL, code exchange, refresh
// (rotation, invalid_grant, retryable failures), userinfo, and refusal of malformed answers.
import assert from 'node:assert/strict';
import {createHash} from 'node:crypto';
import {type Server, createServer} from 'node:http';
import type {AddressInfo} from 'node:net';
import {after, describe, test} from 'node:test';
import {
	ANTIGRAVITY_CLIENT_ID,
	GOOGLE_AUTH_URL,
	GOOGLE_TOKEN_URL,
	GOOGLE_USERINFO_URL,
	OAUTH_SCOPES,
	OAuthError,
	type OAuthConfig,
	buildAuthUrl,
	createOAuthState,
	createPkce,
	exchangeCode,
	fetchUserInfo,
	loadOAuthConfig,
	refreshAccessToken,
} from '../../source/accounts/oauth.js';
import {InvalidGrantError} from '../../source/accounts/types.js';
import {ConfigError} from '../../source/config.js';
import {type Simulator, type SimulatorOptions, startSimulator} from '../../source/simulator/index.js';

const ACCOUNT = 'demo@agproxy.local';
const REFRESH = '1//sim-refresh-demo';
const SECRET = 'test-client-secret';

const open: Array<{close(): unknown}> = [];
after(async () => {
	for (const item of open) await item.close();
});

async function sim(options: SimulatorOptions = {}): Promise<Simulator> {
	const s = await startSimulator(options);
	open.push(s);
	return s;
}

function configFor(s: Simulator): OAuthConfig {
	return loadOAuthConfig({
		AGPROXY_OAUTH_CLIENT_ID: 'test-client',
		AGPROXY_OAUTH_CLIENT_SECRET: SECRET,
		AGPROXY_OAUTH_AUTH_URL: s.oauth.authUrl,
		AGPROXY_OAUTH_TOKEN_URL: s.oauth.tokenUrl,
		AGPROXY_USERINFO_URL: s.oauth.userinfoUrl,
	});
}

/** A server that answers every request with a fixed status and body. */
async function fixed(status: number, body: string, contentType = 'application/json'): Promise<string> {
	const server: Server = createServer((_req, res) => {
		res.writeHead(status, {'content-type': contentType});
		res.end(body);
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	open.push({close: () => new Promise<void>((resolve) => server.close(() => resolve()))});
	return `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`;
}

/** A port nobody listens on. */
async function deadPort(): Promise<number> {
	const server = createServer();
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const {port} = server.address() as AddressInfo;
	await new Promise<void>((resolve) => server.close(() => resolve()));
	return port;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
	return promise.then(
		() => assert.fail('expected a rejection'),
		(error: unknown) => error,
	);
}

describe('configuration and URL', () => {
	test('defaults are the Antigravity client and Google endpoints; env overrides; bad URLs refused', () => {
		const defaults = loadOAuthConfig({});
		assert.equal(defaults.clientId, ANTIGRAVITY_CLIENT_ID);
		assert.match(defaults.clientSecret, /^GOCSPX-/);
		assert.equal(defaults.authUrl, GOOGLE_AUTH_URL);
		assert.equal(defaults.tokenUrl, GOOGLE_TOKEN_URL);
		assert.equal(defaults.userinfoUrl, GOOGLE_USERINFO_URL);
		assert.equal(defaults.scopes.length, 5);
		assert.ok(defaults.scopes.includes('https://www.googleapis.com/auth/cclog'));

		const custom = loadOAuthConfig({AGPROXY_OAUTH_CLIENT_ID: 'x', AGPROXY_OAUTH_TOKEN_URL: 'http://127.0.0.1:9/token', AGPROXY_USERINFO_URL: ' '});
		assert.equal(custom.clientId, 'x');
		assert.equal(custom.tokenUrl, 'http://127.0.0.1:9/token');
		assert.equal(custom.userinfoUrl, GOOGLE_USERINFO_URL, 'blank = default');
		assert.throws(() => loadOAuthConfig({AGPROXY_OAUTH_AUTH_URL: 'not a url'}), (e: unknown) => e instanceof ConfigError && /AGPROXY_OAUTH_AUTH_URL/.test(e.message));
		assert.throws(() => loadOAuthConfig({AGPROXY_OAUTH_TOKEN_URL: 'ftp://x/token'}), ConfigError);
		assert.throws(() => loadOAuthConfig({AGPROXY_OAUTH_CLIENT_ID: 'a b'}), ConfigError);
	});

	test('PKCE S256 and state are random and well formed', () => {
		const a = createPkce();
		const b = createPkce();
		assert.match(a.verifier, /^[A-Za-z0-9_-]{43}$/);
		assert.notEqual(a.verifier, b.verifier);
		assert.equal(a.challenge, createHash('sha256').update(a.verifier).digest('base64url'));
		assert.equal(a.method, 'S256');
		assert.notEqual(createOAuthState(), createOAuthState());
		assert.ok(createOAuthState().length >= 32);
	});

	test('buildAuthUrl carries every parameter Google needs', () => {
		const url = new URL(buildAuthUrl(loadOAuthConfig({}), {redirectUri: 'http://localhost:51121/oauth-callback', state: 'st', codeChallenge: 'ch'}));
		assert.equal(`${url.origin}${url.pathname}`, GOOGLE_AUTH_URL);
		const p = url.searchParams;
		assert.equal(p.get('client_id'), ANTIGRAVITY_CLIENT_ID);
		assert.equal(p.get('response_type'), 'code');
		assert.equal(p.get('access_type'), 'offline');
		assert.equal(p.get('prompt'), 'consent');
		assert.equal(p.get('code_challenge'), 'ch');
		assert.equal(p.get('code_challenge_method'), 'S256');
		assert.equal(p.get('state'), 'st');
		assert.equal(p.get('redirect_uri'), 'http://localhost:51121/oauth-callback');
		assert.equal(p.get('scope'), OAUTH_SCOPES.join(' '));
		assert.equal(p.get('client_secret'), null, 'the secret never goes into the browser URL');
	});
});

describe('code exchange', () => {
	test('PKCE round trip through the simulator; the wrong verifier is refused (not as InvalidGrantError)', async () => {
		const s = await sim({oauthClientId: 'test-client', oauthClientSecret: SECRET});
		const config = configFor(s);
		const redirectUri = 'http://localhost:51121/oauth-callback';
		const authorize = async (challenge: string): Promise<string> => {
			const response = await fetch(buildAuthUrl(config, {redirectUri, state: 's', codeChallenge: challenge}), {redirect: 'manual'});
			assert.equal(response.status, 302);
			return new URL(response.headers.get('location') ?? '').searchParams.get('code') ?? '';
		};
		const pkce = createPkce();
		const now = 1_800_000_000_000;
		const tokens = await exchangeCode(config, {code: await authorize(pkce.challenge), verifier: pkce.verifier, redirectUri}, {now: () => now});
		assert.equal(tokens.refreshToken, REFRESH);
		assert.equal(tokens.expiresAt, now + 3600_000);
		assert.match(tokens.accessToken, /^ya29\./);
		const sent = s.requests.find((r) => r.rpc === 'token')?.body as Record<string, string>;
		assert.equal(sent['grant_type'], 'authorization_code');
		assert.equal(sent['code_verifier'], pkce.verifier);
		assert.equal(sent['client_secret'], SECRET);

		const other = createPkce();
		const error = await rejection(exchangeCode(config, {code: await authorize(other.challenge), verifier: pkce.verifier, redirectUri}));
		assert.ok(error instanceof OAuthError, String(error));
		assert.equal(error.code, 'invalid_grant');
		assert.equal(error.retryable, false);
		assert.match(error.message, /Invalid code verifier/);
	});

	test('an answer without a refresh token is refused with advice', async () => {
		const url = await fixed(200, JSON.stringify({access_token: 'ya29.x', expires_in: 3599}));
		const error = await rejection(exchangeCode({...loadOAuthConfig({}), tokenUrl: url}, {code: 'c', verifier: 'v', redirectUri: 'http://localhost:1/cb'}));
		assert.ok(error instanceof OAuthError);
		assert.match(error.message, /no refresh token/);
	});
});

describe('refresh', () => {
	test('a good refresh token gives an access token that works; expiry from the injected clock', async () => {
		const s = await sim();
		const now = 1_700_000_000_000;
		const tokens = await refreshAccessToken(configFor(s), REFRESH, {now: () => now});
		assert.equal(tokens.expiresAt, now + 3600_000);
		assert.equal(tokens.refreshToken, undefined);
		assert.equal((await fetchUserInfo(configFor(s), tokens.accessToken)).email, ACCOUNT);
	});

	test('a rotated refresh token is returned', async () => {
		const s = await sim();
		s.enqueue({match: {method: 'token', account: ACCOUNT}, script: {kind: 'rotate_refresh_token'}});
		const tokens = await refreshAccessToken(configFor(s), REFRESH);
		assert.match(tokens.refreshToken ?? '', /^1\/\/sim-rotated-/);
	});

	test('invalid_grant becomes InvalidGrantError with Google description; no secret in the message', async () => {
		const s = await sim();
		const error = await rejection(refreshAccessToken(configFor(s), '1//revoked-token', {email: 'x@example.com'}));
		assert.ok(error instanceof InvalidGrantError, String(error));
		assert.equal(error.email, 'x@example.com');
		assert.equal(error.reason, 'Token has been expired or revoked.');
		assert.doesNotMatch(error.message, /revoked-token|test-client-secret/);
	});

	test('5xx, network failure and timeout are retryable OAuthErrors; a bad client is not retryable', async () => {
		const s = await sim({oauthClientId: 'test-client', oauthClientSecret: SECRET});
		s.enqueue({match: {method: 'token'}, script: {kind: 'http_error', error: 'server_500'}});
		const server = await rejection(refreshAccessToken(configFor(s), REFRESH));
		assert.ok(server instanceof OAuthError && server.retryable && server.status === 500, String(server));

		const port = await deadPort();
		const network = await rejection(refreshAccessToken({...configFor(s), tokenUrl: `http://127.0.0.1:${port}/token`}, REFRESH));
		assert.ok(network instanceof OAuthError && network.retryable && network.status === undefined, String(network));

		s.enqueue({match: {method: 'token'}, script: {kind: 'slow_first_byte', ms: 2000}});
		const started = Date.now();
		const slow = await rejection(refreshAccessToken(configFor(s), REFRESH, {timeoutMs: 100}));
		assert.ok(slow instanceof OAuthError && slow.retryable, String(slow));
		assert.match(slow.message, /timed out/);
		assert.ok(Date.now() - started < 1500);

		const badClient = await rejection(refreshAccessToken({...configFor(s), clientSecret: 'wrong'}, REFRESH));
		assert.ok(badClient instanceof OAuthError && !badClient.retryable && badClient.status === 401 && badClient.code === 'invalid_client', String(badClient));
		assert.doesNotMatch(badClient.message, /wrong|sim-refresh/);
	});

	test('malformed answers are refused', async () => {
		const base = loadOAuthConfig({});
		for (const [status, body, pattern] of [
			[200, '<html>oops</html>', /not a JSON object|other than a JSON object/],
			[200, '{"expires_in":3600}', /no access_token/],
			[200, '{"access_token":"a","expires_in":-5}', /invalid expires_in/],
			[200, '{"access_token":"a","expires_in":3600,"refresh_token":7}', /invalid refresh_token/],
			[502, '<html><body>Bad gateway</body></html>', /HTTP 502.*Bad gateway/],
		] as const) {
			const url = await fixed(status, body, status === 200 ? 'application/json' : 'text/html');
			const error = await rejection(refreshAccessToken({...base, tokenUrl: url}, 'r'));
			assert.ok(error instanceof OAuthError, String(error));
			assert.match(error.message, pattern);
		}
		// The object error form is understood too.
		const url = await fixed(400, JSON.stringify({error: {code: 400, status: 'invalid_grant', message: 'Bad Request'}}));
		assert.ok((await rejection(refreshAccessToken({...base, tokenUrl: url}, 'r'))) instanceof InvalidGrantError);
	});
});

describe('userinfo', () => {
	test('a bad token is a 401 OAuthError; an answer without email is refused', async () => {
		const s = await sim();
		const error = await rejection(fetchUserInfo(configFor(s), 'ya29.nope'));
		assert.ok(error instanceof OAuthError && error.status === 401, String(error));
		const url = await fixed(200, JSON.stringify({id: '1', name: 'x'}));
		const missing = await rejection(fetchUserInfo({...configFor(s), userinfoUrl: url}, 't'));
		assert.ok(missing instanceof OAuthError);
		assert.match(missing.message, /no valid email/);
	});
});
