// Google OAuth without a browser (reference cloudcode-api.md §6): the authorization endpoint checks its parameters
// and redirects straight back with a code; /token exchanges codes (PKCE S256 checked) and refresh tokens; userinfo
// and tokeninfo read access tokens. Errors use Google's OAuth JSON shape {"error", "error_description"}.
import {createHash, randomBytes} from 'node:crypto';
import type {IncomingMessage, ServerResponse} from 'node:http';
import {cannedError} from './errors.js';
import {bearerToken, isRecord, sendError, sendJson} from './http-util.js';
import type {SimState} from './state.js';
import type {RecordedRequest} from './types.js';

export const OAUTH_SCOPE = [
	'https://www.googleapis.com/auth/cloud-platform',
	'https://www.googleapis.com/auth/userinfo.email',
	'https://www.googleapis.com/auth/userinfo.profile',
	'https://www.googleapis.com/auth/cclog',
	'https://www.googleapis.com/auth/experimentsandconfigs',
].join(' ');

type PendingCode = {email: string; clientId: string; redirectUri: string; challenge: string | undefined; scope: string; expiresAt: number; used: boolean};

export class OAuthCodes {
	private codes = new Map<string, PendingCode>();

	add(code: PendingCode): string {
		const id = `4/0Asim${randomBytes(24).toString('base64url')}`;
		this.codes.set(id, code);
		return id;
	}

	get(code: string): PendingCode | undefined {
		return this.codes.get(code);
	}

	clear(): void {
		this.codes.clear();
	}
}

function oauthError(res: ServerResponse, status: number, error: string, description: string): void {
	sendJson(res, status, {error, error_description: description});
}

function isAllowedRedirect(value: string): boolean {
	try {
		const url = new URL(value);
		const loopback = url.hostname === 'localhost' || url.hostname === '127.0.0.1' || url.hostname === '[::1]';
		return url.protocol === 'https:' || (url.protocol === 'http:' && loopback);
	} catch {
		return false;
	}
}

/** GET /o/oauth2/v2/auth: validates like Google, then 302s to redirect_uri?state=…&code=…&scope=… at once. */
export function handleAuthorize(state: SimState, codes: OAuthCodes, query: URLSearchParams, res: ServerResponse, record: RecordedRequest): void {
	for (const name of ['client_id', 'redirect_uri', 'response_type', 'scope', 'state']) {
		if (!query.get(name)) return oauthError(res, 400, 'invalid_request', `Missing required parameter: ${name}`);
	}
	const clientId = query.get('client_id') ?? '';
	if (state.oauthClientId !== undefined && clientId !== state.oauthClientId) return oauthError(res, 401, 'invalid_client', 'The OAuth client was not found.');
	const redirectUri = query.get('redirect_uri') ?? '';
	if (!isAllowedRedirect(redirectUri)) return oauthError(res, 400, 'invalid_request', `Invalid parameter value for redirect_uri: ${redirectUri}`);
	if (query.get('response_type') !== 'code') return oauthError(res, 400, 'unsupported_response_type', `Invalid response_type: ${query.get('response_type') ?? ''}`);
	const challenge = query.get('code_challenge') ?? undefined;
	const method = query.get('code_challenge_method') ?? undefined;
	if (challenge === undefined && method !== undefined) return oauthError(res, 400, 'invalid_request', 'Missing required parameter: code_challenge');
	if (challenge !== undefined) {
		if (method !== 'S256') return oauthError(res, 400, 'invalid_request', `Invalid code_challenge_method: ${method ?? '(missing)'}; only S256 is accepted`);
		if (!/^[A-Za-z0-9_-]{43}$/.test(challenge)) return oauthError(res, 400, 'invalid_request', 'Invalid code_challenge.');
	}
	const hint = query.get('login_hint') ?? undefined;
	const email = hint ?? state.accounts.list()[0]?.email;
	const target = new URL(redirectUri);
	target.searchParams.set('state', query.get('state') ?? '');
	if (email === undefined || state.accounts.get(email) === undefined) {
		// The "user" cannot sign in as that account: the consent screen ends in access_denied.
		target.searchParams.set('error', 'access_denied');
	} else {
		record.account = email;
		const scope = query.get('scope') ?? '';
		const code = codes.add({email, clientId, redirectUri, challenge, scope, expiresAt: state.now() + 10 * 60 * 1000, used: false});
		target.searchParams.set('code', code);
		target.searchParams.set('scope', scope);
	}
	res.writeHead(302, {location: target.toString(), 'content-length': '0'});
	res.end();
}

/** Form (or JSON) parameters of a /token request, with HTTP Basic client credentials folded in. */
export function tokenParams(req: IncomingMessage, raw: string): URLSearchParams {
	const type = req.headers['content-type'] ?? '';
	let params: URLSearchParams;
	if (type.includes('application/json')) {
		params = new URLSearchParams();
		try {
			const parsed: unknown = JSON.parse(raw);
			if (isRecord(parsed)) for (const [k, v] of Object.entries(parsed)) if (typeof v === 'string') params.set(k, v);
		} catch {
			// an unparsable body is a request without parameters
		}
	} else {
		params = new URLSearchParams(raw);
	}
	const basic = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? '');
	if (basic?.[1] !== undefined) {
		const [id, secret] = Buffer.from(basic[1], 'base64').toString('utf8').split(':');
		if (id !== undefined && !params.has('client_id')) params.set('client_id', decodeURIComponent(id));
		if (secret !== undefined && !params.has('client_secret')) params.set('client_secret', decodeURIComponent(secret));
	}
	return params;
}

/** POST /token */
export async function handleToken(state: SimState, codes: OAuthCodes, params: URLSearchParams, res: ServerResponse, record: RecordedRequest): Promise<void> {
	const grant = params.get('grant_type');
	if (!grant) return oauthError(res, 400, 'invalid_request', 'Missing required parameter: grant_type');
	if (state.oauthClientId !== undefined && params.get('client_id') !== state.oauthClientId) return oauthError(res, 401, 'invalid_client', 'The OAuth client was not found.');
	if (state.oauthClientSecret !== undefined && params.get('client_secret') !== state.oauthClientSecret) return oauthError(res, 401, 'invalid_client', 'Unauthorized');

	if (grant === 'authorization_code') {
		const id = params.get('code');
		if (!id) return oauthError(res, 400, 'invalid_request', 'Missing required parameter: code');
		const code = codes.get(id);
		if (code === undefined) return oauthError(res, 400, 'invalid_grant', 'Malformed auth code.');
		record.account = code.email;
		if (code.used || state.now() > code.expiresAt) return oauthError(res, 400, 'invalid_grant', 'Bad Request');
		if (params.get('redirect_uri') !== code.redirectUri) return oauthError(res, 400, 'redirect_uri_mismatch', 'Bad Request');
		if (params.has('client_id') && params.get('client_id') !== code.clientId) return oauthError(res, 400, 'invalid_grant', 'Bad Request');
		if (code.challenge !== undefined) {
			const verifier = params.get('code_verifier');
			if (!verifier) return oauthError(res, 400, 'invalid_grant', 'Missing code verifier.');
			if (createHash('sha256').update(verifier).digest('base64url') !== code.challenge) return oauthError(res, 400, 'invalid_grant', 'Invalid code verifier.');
		}
		if ((await applyTokenRule(state, code.email, res)) === true) return;
		code.used = true;
		const account = state.accounts.get(code.email);
		if (account === undefined) return oauthError(res, 400, 'invalid_grant', 'Bad Request');
		const access = state.accounts.issueAccessToken(code.email);
		return sendJson(res, 200, {access_token: access.token, expires_in: access.expiresIn, refresh_token: account.refreshToken, scope: code.scope, token_type: 'Bearer'});
	}

	if (grant === 'refresh_token') {
		const token = params.get('refresh_token');
		if (!token) return oauthError(res, 400, 'invalid_request', 'Missing required parameter: refresh_token');
		const email = state.accounts.emailForRefreshToken(token);
		if (email === undefined) return oauthError(res, 400, 'invalid_grant', 'Token has been expired or revoked.');
		record.account = email;
		const rotated = await applyTokenRule(state, email, res);
		if (rotated === true) return;
		const access = state.accounts.issueAccessToken(email);
		return sendJson(res, 200, {
			access_token: access.token,
			expires_in: access.expiresIn,
			scope: OAUTH_SCOPE,
			token_type: 'Bearer',
			...(rotated === 'rotate' ? {refresh_token: state.accounts.rotateRefreshToken(email)} : {}),
		});
	}
	return oauthError(res, 400, 'unsupported_grant_type', `Invalid grant_type: ${grant}`);
}

/** Applies an enqueued rule for method 'token': true = answered (error), 'rotate' = rotate the refresh token. */
async function applyTokenRule(state: SimState, email: string, res: ServerResponse): Promise<boolean | 'rotate'> {
	const rule = state.faults.take({method: 'token', account: email});
	if (rule === undefined) return false;
	if (rule.kind === 'slow_first_byte') await state.sleep(rule.ms);
	if (rule.kind === 'rotate_refresh_token') return 'rotate';
	if (rule.kind !== 'http_error') return false;
	const reply = cannedError(rule.error, {now: state.now(), email, ...(rule.message === undefined ? {} : {message: rule.message})});
	await sendError(res, rule.status ?? reply.status, reply.body, {}, state.sleep);
	return true;
}

const USERINFO_MISSING = 'Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.';
const USERINFO_INVALID = 'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.';

/** GET /oauth2/v2/userinfo and /oauth2/v1/userinfo */
export function handleUserinfo(state: SimState, req: IncomingMessage, res: ServerResponse, record: RecordedRequest): void {
	const token = bearerToken(req);
	const found = token === undefined ? undefined : state.accounts.lookupAccessToken(token);
	if (found?.ok !== true) {
		const message = token === undefined ? USERINFO_MISSING : USERINFO_INVALID;
		return sendJson(res, 401, {error: {code: 401, message, status: 'UNAUTHENTICATED'}}, {'www-authenticate': 'Bearer realm="https://accounts.google.com/"'});
	}
	record.account = found.email;
	const local = found.email.split('@')[0] ?? found.email;
	sendJson(res, 200, {
		id: createHash('sha256').update(found.email).digest('hex').replace(/[a-f]/g, '').slice(0, 21).padEnd(21, '7'),
		email: found.email,
		verified_email: true,
		name: local,
		given_name: local,
		picture: 'https://lh3.googleusercontent.com/a/default-user=s96-c',
	});
}

/** GET or POST /tokeninfo?access_token=… (or Bearer). */
export function handleTokeninfo(state: SimState, req: IncomingMessage, params: URLSearchParams, res: ServerResponse): void {
	const token = params.get('access_token') ?? bearerToken(req);
	const found = token === undefined || token === null ? undefined : state.accounts.lookupAccessToken(token);
	if (found?.ok !== true || token === null || token === undefined) return oauthError(res, 400, 'invalid_token', 'Invalid Value');
	const expiresIn = state.accounts.accessTokenExpiresIn(token) ?? 0;
	sendJson(res, 200, {
		azp: state.oauthClientId ?? 'sim-client',
		aud: state.oauthClientId ?? 'sim-client',
		scope: OAUTH_SCOPE,
		exp: String(Math.floor(state.now() / 1000) + expiresIn),
		expires_in: String(expiresIn),
		email: found.email,
		email_verified: 'true',
		access_type: 'offline',
	});
}
