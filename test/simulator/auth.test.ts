import assert from 'node:assert/strict';
import {createHash, randomBytes} from 'node:crypto';
import {describe, test} from 'node:test';
import {ACCOUNT, ACCOUNT2, call, envelope, errorMessage, sim, stream, user} from './helpers.js';

const REDIRECT = 'http://127.0.0.1:51121/oauth-callback';

function authorizeUrl(base: string, params: Record<string, string>): string {
	const url = new URL(base);
	for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
	return url.toString();
}

function pkce(): {verifier: string; challenge: string} {
	const verifier = randomBytes(32).toString('base64url');
	return {verifier, challenge: createHash('sha256').update(verifier).digest('base64url')};
}

async function form(url: string, params: Record<string, string>): Promise<{status: number; json: Record<string, unknown>}> {
	const response = await fetch(url, {method: 'POST', headers: {'content-type': 'application/x-www-form-urlencoded'}, body: new URLSearchParams(params)});
	return {status: response.status, json: (await response.json()) as Record<string, unknown>};
}

async function authorize(base: string, params: Record<string, string>): Promise<URL> {
	const response = await fetch(authorizeUrl(base, params), {redirect: 'manual'});
	assert.equal(response.status, 302);
	return new URL(response.headers.get('location') ?? '');
}

describe('v1internal bearer auth', () => {
	test('missing token: 401 CREDENTIALS_MISSING', async () => {
		const s = await sim();
		const reply = await call(s, '/v1internal:loadCodeAssist', {});
		assert.equal(reply.status, 401);
		const body = reply.json as {error: {status: string; details: Array<{reason: string; domain: string}>}};
		assert.equal(body.error.status, 'UNAUTHENTICATED');
		assert.equal(body.error.details[0]?.reason, 'CREDENTIALS_MISSING');
		assert.match(errorMessage(reply), /^Request is missing required authentication credential/);
		assert.match(reply.headers.get('www-authenticate') ?? '', /^Bearer realm=/);
	});

	test('unknown token: 401 invalid credentials', async () => {
		const s = await sim();
		const reply = await call(s, '/v1internal:loadCodeAssist', {}, 'ya29.not-issued-here');
		assert.equal(reply.status, 401);
		assert.match(errorMessage(reply), /^Request had invalid authentication credentials/);
		assert.equal((reply.json as {error: {details: Array<{reason: string}>}}).error.details[0]?.reason, 'ACCESS_TOKEN_TYPE_UNSUPPORTED');
	});

	test('expired token (injected clock): 401 ACCESS_TOKEN_EXPIRED; a fresh one works', async () => {
		let now = Date.parse('2026-06-01T00:00:00Z');
		const s = await sim({now: () => now, accessTokenTtlSec: 60});
		const token = s.issueAccessToken(ACCOUNT);
		assert.equal((await call(s, '/v1internal:loadCodeAssist', {}, token)).status, 200);
		now += 60_000;
		const expired = await call(s, '/v1internal:loadCodeAssist', {}, token);
		assert.equal(expired.status, 401);
		assert.equal((expired.json as {error: {details: Array<{reason: string}>}}).error.details[0]?.reason, 'ACCESS_TOKEN_EXPIRED');
		assert.equal((await call(s, '/v1internal:loadCodeAssist', {}, s.issueAccessToken(ACCOUNT))).status, 200);
	});

	test('the token identifies the account', async () => {
		const s = await sim();
		await stream(s, envelope('gemini-3-flash', [user('hi')], {}, {project: 'agproxy-demo-project-2'}), s.issueAccessToken(ACCOUNT2));
		assert.equal(s.requests.at(-1)?.account, ACCOUNT2);
		assert.throws(() => s.issueAccessToken('nobody@example.com'), /unknown account/);
	});
});

describe('OAuth', () => {
	test('authorization_code with PKCE: good verifier gets tokens, userinfo names the account', async () => {
		const s = await sim();
		const {verifier, challenge} = pkce();
		const location = await authorize(s.oauth.authUrl, {
			client_id: 'client-1',
			redirect_uri: REDIRECT,
			response_type: 'code',
			scope: 'openid email',
			state: 'st-1',
			code_challenge: challenge,
			code_challenge_method: 'S256',
			login_hint: ACCOUNT2,
			access_type: 'offline',
			prompt: 'consent',
		});
		assert.equal(`${location.origin}${location.pathname}`, REDIRECT);
		assert.equal(location.searchParams.get('state'), 'st-1');
		const code = location.searchParams.get('code') ?? '';
		assert.ok(code.length > 20);

		const token = await form(s.oauth.tokenUrl, {grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: REDIRECT, client_id: 'client-1'});
		assert.equal(token.status, 200);
		assert.equal(token.json.token_type, 'Bearer');
		assert.equal(token.json.expires_in, 3600);
		assert.equal(token.json.refresh_token, '1//sim-refresh-demo2');
		assert.equal(token.json.id_token, undefined);

		const info = await fetch(s.oauth.userinfoUrl, {headers: {authorization: `Bearer ${String(token.json.access_token)}`}});
		assert.equal(info.status, 200);
		assert.equal(((await info.json()) as {email: string}).email, ACCOUNT2);
		const v1 = await fetch(`${s.url}/oauth2/v1/userinfo?alt=json`, {headers: {authorization: `Bearer ${String(token.json.access_token)}`}});
		assert.equal(((await v1.json()) as {email: string}).email, ACCOUNT2);

		const reused = await form(s.oauth.tokenUrl, {grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: REDIRECT});
		assert.equal(reused.status, 400);
		assert.equal(reused.json.error, 'invalid_grant');
	});

	test('bad or missing verifier: invalid_grant', async () => {
		const s = await sim();
		const {challenge} = pkce();
		const params = {client_id: 'c', redirect_uri: REDIRECT, response_type: 'code', scope: 's', state: 'x', code_challenge: challenge, code_challenge_method: 'S256'};
		const code1 = (await authorize(s.oauth.authUrl, params)).searchParams.get('code') ?? '';
		const bad = await form(s.oauth.tokenUrl, {grant_type: 'authorization_code', code: code1, code_verifier: pkce().verifier, redirect_uri: REDIRECT});
		assert.deepEqual(bad, {status: 400, json: {error: 'invalid_grant', error_description: 'Invalid code verifier.'}});
		const code2 = (await authorize(s.oauth.authUrl, params)).searchParams.get('code') ?? '';
		const missing = await form(s.oauth.tokenUrl, {grant_type: 'authorization_code', code: code2, redirect_uri: REDIRECT});
		assert.deepEqual(missing.json, {error: 'invalid_grant', error_description: 'Missing code verifier.'});
		const code3 = (await authorize(s.oauth.authUrl, params)).searchParams.get('code') ?? '';
		const mismatch = await form(s.oauth.tokenUrl, {grant_type: 'authorization_code', code: code3, redirect_uri: 'http://127.0.0.1:1/other'});
		assert.equal(mismatch.json.error, 'redirect_uri_mismatch');
	});

	test('authorization endpoint validates its parameters', async () => {
		const s = await sim({oauthClientId: 'the-client'});
		const good = {client_id: 'the-client', redirect_uri: REDIRECT, response_type: 'code', scope: 's', state: 'x'};
		const expectError = async (params: Record<string, string>, status: number, error: string): Promise<void> => {
			const response = await fetch(authorizeUrl(s.oauth.authUrl, params), {redirect: 'manual'});
			assert.equal(response.status, status, JSON.stringify(params));
			assert.equal(((await response.json()) as {error: string}).error, error);
		};
		await expectError({...good, client_id: 'other'}, 401, 'invalid_client');
		await expectError({...good, state: ''}, 400, 'invalid_request');
		await expectError({...good, response_type: 'token'}, 400, 'unsupported_response_type');
		await expectError({...good, redirect_uri: 'http://evil.example.com/cb'}, 400, 'invalid_request');
		await expectError({...good, code_challenge: pkce().challenge, code_challenge_method: 'plain'}, 400, 'invalid_request');
		const denied = await authorize(s.oauth.authUrl, {...good, login_hint: 'stranger@example.com'});
		assert.equal(denied.searchParams.get('error'), 'access_denied');
		assert.equal(denied.searchParams.get('code'), null);
		// Without PKCE the flow still works (gemini-cli's loopback flow does not use it).
		assert.ok((await authorize(s.oauth.authUrl, good)).searchParams.get('code'));
	});

	test('refresh_token grant, unknown refresh token, and client secret enforcement', async () => {
		const s = await sim({oauthClientId: 'cid', oauthClientSecret: 'secret'});
		const ok = await form(s.oauth.tokenUrl, {grant_type: 'refresh_token', refresh_token: '1//sim-refresh-demo', client_id: 'cid', client_secret: 'secret'});
		assert.equal(ok.status, 200);
		assert.equal(typeof ok.json.access_token, 'string');
		assert.equal(ok.json.refresh_token, undefined);
		assert.equal((await call(s, '/v1internal:loadCodeAssist', {}, String(ok.json.access_token))).status, 200);

		const revoked = await form(s.oauth.tokenUrl, {grant_type: 'refresh_token', refresh_token: '1//nope', client_id: 'cid', client_secret: 'secret'});
		assert.deepEqual(revoked, {status: 400, json: {error: 'invalid_grant', error_description: 'Token has been expired or revoked.'}});
		const wrongSecret = await form(s.oauth.tokenUrl, {grant_type: 'refresh_token', refresh_token: '1//sim-refresh-demo', client_id: 'cid', client_secret: 'x'});
		assert.equal(wrongSecret.status, 401);
		assert.equal(wrongSecret.json.error, 'invalid_client');
		const basic = await fetch(s.oauth.tokenUrl, {
			method: 'POST',
			headers: {'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from('cid:secret').toString('base64')}`},
			body: 'grant_type=refresh_token&refresh_token=1%2F%2Fsim-refresh-demo',
		});
		assert.equal(basic.status, 200);
		const unsupported = await form(s.oauth.tokenUrl, {grant_type: 'password', client_id: 'cid', client_secret: 'secret'});
		assert.equal(unsupported.json.error, 'unsupported_grant_type');
	});

	test('rules on method "token": rotation revokes the old refresh token; canned invalid_grant', async () => {
		const s = await sim();
		s.enqueue({match: {method: 'token', account: ACCOUNT}, script: {kind: 'rotate_refresh_token'}});
		const rotated = await form(s.oauth.tokenUrl, {grant_type: 'refresh_token', refresh_token: '1//sim-refresh-demo'});
		assert.equal(rotated.status, 200);
		const fresh = String(rotated.json.refresh_token);
		assert.match(fresh, /^1\/\/sim-rotated-/);
		assert.equal((await form(s.oauth.tokenUrl, {grant_type: 'refresh_token', refresh_token: '1//sim-refresh-demo'})).json.error, 'invalid_grant');
		assert.equal((await form(s.oauth.tokenUrl, {grant_type: 'refresh_token', refresh_token: fresh})).status, 200);

		s.enqueue({match: {method: 'token'}, script: {kind: 'http_error', error: 'invalid_grant'}});
		const failed = await form(s.oauth.tokenUrl, {grant_type: 'refresh_token', refresh_token: '1//sim-refresh-demo2'});
		assert.deepEqual(failed, {status: 400, json: {error: 'invalid_grant', error_description: 'Token has been expired or revoked.'}});
		assert.equal((await form(s.oauth.tokenUrl, {grant_type: 'refresh_token', refresh_token: '1//sim-refresh-demo2'})).status, 200);
		s.reset();
		assert.equal((await form(s.oauth.tokenUrl, {grant_type: 'refresh_token', refresh_token: '1//sim-refresh-demo'})).status, 200, 'reset restores accounts');
	});

	test('userinfo without or with a bad token: 401', async () => {
		const s = await sim();
		assert.equal((await fetch(s.oauth.userinfoUrl)).status, 401);
		assert.equal((await fetch(s.oauth.userinfoUrl, {headers: {authorization: 'Bearer nope'}})).status, 401);
		const info = await fetch(`${s.url}/tokeninfo?access_token=${s.issueAccessToken(ACCOUNT)}`);
		assert.equal(((await info.json()) as {email: string}).email, ACCOUNT);
	});
});
