// Google OAuth for the Antigravity installed-app client (reference cloudcode-api.md §6): configuration, PKCE,
// the authorization URL, code exchange, refresh and userinfo. Every answer is validated before use; error messages
// carry Google's error code and description but never a token or the client secret.
import {createHash, randomBytes} from 'node:crypto';
import {request} from 'undici';
import {ConfigError} from '../config.js';
import {InvalidGrantError} from './types.js';

export type OAuthConfig = {
	clientId: string;
	clientSecret: string;
	authUrl: string;
	tokenUrl: string;
	userinfoUrl: string;
	scopes: readonly string[];
};

/** The public installed-app client of the Antigravity desktop app, as used by the open-source peers. */
export const ANTIGRAVITY_CLIENT_ID = '1071006060591-tmhssin2h21lcre235vtolojh4g403ep.apps.googleusercontent.com';
export const ANTIGRAVITY_CLIENT_SECRET = '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';

export const GOOGLE_AUTH_URL = 'https://accounts.google.com/o/oauth2/v2/auth';
export const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';
export const GOOGLE_USERINFO_URL = 'https://www.googleapis.com/oauth2/v2/userinfo';

export const OAUTH_SCOPES: readonly string[] = [
	'https://www.googleapis.com/auth/cloud-platform',
	'https://www.googleapis.com/auth/userinfo.email',
	'https://www.googleapis.com/auth/userinfo.profile',
	'https://www.googleapis.com/auth/cclog',
	'https://www.googleapis.com/auth/experimentsandconfigs',
];

/** Default budget for one OAuth HTTP exchange (connect + answer). */
export const OAUTH_TIMEOUT_MS = 20_000;
const MAX_BODY_BYTES = 256 * 1024;

function urlFromEnv(env: NodeJS.ProcessEnv, name: string, fallback: string): string {
	const raw = env[name];
	if (raw === undefined || raw.trim() === '') return fallback;
	const value = raw.trim();
	let url: URL;
	try {
		url = new URL(value);
	} catch {
		throw new ConfigError(`invalid ${name}='${value}': expected an http(s) URL`);
	}
	if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new ConfigError(`invalid ${name}='${value}': expected an http(s) URL`);
	return value;
}

function stringFromEnv(env: NodeJS.ProcessEnv, name: string, fallback: string): string {
	const raw = env[name];
	if (raw === undefined || raw.trim() === '') return fallback;
	if (/\s/.test(raw.trim())) throw new ConfigError(`invalid ${name}: must not contain whitespace`);
	return raw.trim();
}

/** Google's endpoints and the Antigravity client, each overridable from the environment (tests point them at the simulator). */
export function loadOAuthConfig(env: NodeJS.ProcessEnv = process.env): OAuthConfig {
	return {
		clientId: stringFromEnv(env, 'AGPROXY_OAUTH_CLIENT_ID', ANTIGRAVITY_CLIENT_ID),
		clientSecret: stringFromEnv(env, 'AGPROXY_OAUTH_CLIENT_SECRET', ANTIGRAVITY_CLIENT_SECRET),
		authUrl: urlFromEnv(env, 'AGPROXY_OAUTH_AUTH_URL', GOOGLE_AUTH_URL),
		tokenUrl: urlFromEnv(env, 'AGPROXY_OAUTH_TOKEN_URL', GOOGLE_TOKEN_URL),
		userinfoUrl: urlFromEnv(env, 'AGPROXY_USERINFO_URL', GOOGLE_USERINFO_URL),
		scopes: OAUTH_SCOPES,
	};
}

export type Pkce = {verifier: string; challenge: string; method: 'S256'};

/** RFC 7636 S256: a 43-character base64url verifier (32 random bytes) and its SHA-256 challenge. */
export function createPkce(): Pkce {
	const verifier = randomBytes(32).toString('base64url');
	return {verifier, challenge: pkceChallenge(verifier), method: 'S256'};
}

export function pkceChallenge(verifier: string): string {
	return createHash('sha256').update(verifier).digest('base64url');
}

/** An unguessable `state` for one authorization attempt. */
export function createOAuthState(): string {
	return randomBytes(24).toString('base64url');
}

export type AuthUrlParams = {redirectUri: string; state: string; codeChallenge: string; loginHint?: string};

export function buildAuthUrl(config: OAuthConfig, params: AuthUrlParams): string {
	const url = new URL(config.authUrl);
	url.searchParams.set('client_id', config.clientId);
	url.searchParams.set('redirect_uri', params.redirectUri);
	url.searchParams.set('response_type', 'code');
	url.searchParams.set('scope', config.scopes.join(' '));
	url.searchParams.set('access_type', 'offline');
	url.searchParams.set('prompt', 'consent');
	url.searchParams.set('state', params.state);
	url.searchParams.set('code_challenge', params.codeChallenge);
	url.searchParams.set('code_challenge_method', 'S256');
	if (params.loginHint !== undefined) url.searchParams.set('login_hint', params.loginHint);
	return url.toString();
}

/**
 * A failed OAuth exchange other than a dead refresh token. `retryable` is true for network failures, timeouts,
 * 429 and 5xx (try again later); false when Google rejected the request itself (bad client, bad code, …).
 */
export class OAuthError extends Error {
	constructor(
		message: string,
		readonly retryable: boolean,
		readonly status?: number,
		/** Google's `error` code, e.g. invalid_client, redirect_uri_mismatch */
		readonly code?: string,
	) {
		super(message);
		this.name = 'OAuthError';
	}
}

export type TokenSet = {
	accessToken: string;
	/** epoch ms */
	expiresAt: number;
	/** present on code exchange, and on refresh when Google rotated the refresh token */
	refreshToken?: string;
	scope?: string;
};

export type HttpOptions = {signal?: AbortSignal; timeoutMs?: number; now?: () => number};

type Reply = {status: number; text: string};

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseJson(text: string): unknown {
	try {
		return JSON.parse(text) as unknown;
	} catch {
		return undefined;
	}
}

/** One HTTP exchange with a total time budget; the body is read up to a size cap. Transport failures become retryable OAuthErrors. */
export async function httpExchange(
	what: string,
	url: string,
	init: {method: 'GET' | 'POST'; headers: Record<string, string>; body?: string},
	options: HttpOptions = {},
): Promise<Reply> {
	const timeoutMs = options.timeoutMs ?? OAUTH_TIMEOUT_MS;
	const timeout = AbortSignal.timeout(timeoutMs);
	const signal = options.signal === undefined ? timeout : AbortSignal.any([options.signal, timeout]);
	try {
		const response = await request(url, {
			method: init.method,
			headers: init.headers,
			...(init.body === undefined ? {} : {body: init.body}),
			signal,
			headersTimeout: timeoutMs,
			bodyTimeout: timeoutMs,
		});
		const chunks: Buffer[] = [];
		let size = 0;
		for await (const chunk of response.body) {
			const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
			size += buffer.length;
			if (size > MAX_BODY_BYTES) {
				response.body.destroy();
				throw new OAuthError(`${what}: answer larger than ${MAX_BODY_BYTES} bytes`, true, response.statusCode);
			}
			chunks.push(buffer);
		}
		return {status: response.statusCode, text: Buffer.concat(chunks).toString('utf8')};
	} catch (error) {
		if (error instanceof OAuthError) throw error;
		if (options.signal?.aborted === true) throw abortError(options.signal);
		const detail = timeout.aborted ? `timed out after ${timeoutMs} ms` : describeTransport(error);
		throw new OAuthError(`${what}: ${detail}`, true);
	}
}

function describeTransport(error: unknown): string {
	if (!(error instanceof Error)) return String(error);
	const cause = (error as Error & {cause?: unknown}).cause;
	const code = (error as NodeJS.ErrnoException).code ?? (cause instanceof Error ? (cause as NodeJS.ErrnoException).code : undefined);
	return code === undefined ? error.message : `${error.message} (${code})`;
}

export function abortError(signal: AbortSignal): Error {
	const reason: unknown = signal.reason;
	if (reason instanceof Error) return reason;
	const error = new Error('aborted');
	error.name = 'AbortError';
	return error;
}

/** Google's OAuth error bodies: {"error":"invalid_grant","error_description":"…"} or {"error":{"code","status","message"}}. */
export function parseOAuthErrorBody(text: string): {code?: string; description?: string} {
	const json = parseJson(text);
	if (!isRecord(json)) return {};
	const error = json['error'];
	if (typeof error === 'string') {
		const description = json['error_description'];
		return {code: error, ...(typeof description === 'string' && description !== '' ? {description} : {})};
	}
	if (isRecord(error)) {
		const status = error['status'];
		const message = error['message'];
		return {
			...(typeof status === 'string' ? {code: status} : {}),
			...(typeof message === 'string' && message !== '' ? {description: message} : {}),
		};
	}
	return {};
}

function failure(what: string, reply: Reply): OAuthError {
	const {code, description} = parseOAuthErrorBody(reply.text);
	const retryable = reply.status === 408 || reply.status === 429 || reply.status >= 500;
	const parts = [code, description].filter((part): part is string => part !== undefined);
	const summary = parts.length > 0 ? parts.join(': ') : oneLine(reply.text) || 'no details';
	return new OAuthError(`${what} failed (HTTP ${reply.status}): ${summary}`, retryable, reply.status, code);
}

function oneLine(text: string): string {
	return text.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 200);
}

function parseTokenAnswer(what: string, reply: Reply, now: number): TokenSet {
	const json = parseJson(reply.text);
	if (!isRecord(json)) throw new OAuthError(`${what}: the token endpoint answered with something other than a JSON object`, true, reply.status);
	const accessToken = json['access_token'];
	if (typeof accessToken !== 'string' || accessToken === '') throw new OAuthError(`${what}: the answer has no access_token`, false, reply.status);
	const rawExpiry = json['expires_in'];
	// RFC 6749 only recommends expires_in; Google always sends it. Missing = Google's usual hour.
	const expiresIn = rawExpiry === undefined ? 3600 : typeof rawExpiry === 'string' ? Number(rawExpiry) : rawExpiry;
	if (typeof expiresIn !== 'number' || !Number.isFinite(expiresIn) || expiresIn <= 0) {
		throw new OAuthError(`${what}: the answer has an invalid expires_in`, false, reply.status);
	}
	const refreshToken = json['refresh_token'];
	if (refreshToken !== undefined && (typeof refreshToken !== 'string' || refreshToken === '')) {
		throw new OAuthError(`${what}: the answer has an invalid refresh_token`, false, reply.status);
	}
	const scope = json['scope'];
	return {
		accessToken,
		expiresAt: now + Math.floor(expiresIn * 1000),
		...(typeof refreshToken === 'string' ? {refreshToken} : {}),
		...(typeof scope === 'string' ? {scope} : {}),
	};
}

async function postForm(config: OAuthConfig, what: string, form: Record<string, string>, options: HttpOptions): Promise<Reply> {
	return httpExchange(
		what,
		config.tokenUrl,
		{
			method: 'POST',
			headers: {'content-type': 'application/x-www-form-urlencoded', accept: 'application/json'},
			body: new URLSearchParams(form).toString(),
		},
		options,
	);
}

export type CodeExchange = {code: string; verifier: string; redirectUri: string};

/** authorization_code grant with the PKCE verifier. The answer must carry a refresh token (access_type=offline, prompt=consent). */
export async function exchangeCode(config: OAuthConfig, exchange: CodeExchange, options: HttpOptions = {}): Promise<TokenSet & {refreshToken: string}> {
	const now = options.now ?? Date.now;
	const what = 'exchanging the authorization code';
	const reply = await postForm(
		config,
		what,
		{
			grant_type: 'authorization_code',
			code: exchange.code,
			code_verifier: exchange.verifier,
			redirect_uri: exchange.redirectUri,
			client_id: config.clientId,
			client_secret: config.clientSecret,
		},
		options,
	);
	if (reply.status !== 200) throw failure(what, reply);
	const tokens = parseTokenAnswer(what, reply, now());
	if (tokens.refreshToken === undefined) {
		throw new OAuthError(
			`${what}: Google returned no refresh token; remove agproxy's access at https://myaccount.google.com/permissions and sign in again`,
			false,
			reply.status,
		);
	}
	return {...tokens, refreshToken: tokens.refreshToken};
}

/**
 * refresh_token grant. `{"error":"invalid_grant"}` -> InvalidGrantError (the refresh token is dead for good);
 * anything else -> OAuthError. `email` only labels the error.
 */
export async function refreshAccessToken(
	config: OAuthConfig,
	refreshToken: string,
	options: HttpOptions & {email?: string} = {},
): Promise<TokenSet> {
	const now = options.now ?? Date.now;
	const what = `refreshing the access token${options.email === undefined ? '' : ` for ${options.email}`}`;
	const reply = await postForm(
		config,
		what,
		{grant_type: 'refresh_token', refresh_token: refreshToken, client_id: config.clientId, client_secret: config.clientSecret},
		options,
	);
	if (reply.status !== 200) {
		const {code, description} = parseOAuthErrorBody(reply.text);
		if (code === 'invalid_grant') throw new InvalidGrantError(options.email ?? 'this account', description ?? 'invalid_grant');
		throw failure(what, reply);
	}
	return parseTokenAnswer(what, reply, now());
}

export type UserInfo = {email: string; name?: string};

export async function fetchUserInfo(config: OAuthConfig, accessToken: string, options: HttpOptions = {}): Promise<UserInfo> {
	const what = 'fetching the account e-mail (userinfo)';
	const reply = await httpExchange(
		what,
		config.userinfoUrl,
		{method: 'GET', headers: {authorization: `Bearer ${accessToken}`, accept: 'application/json'}},
		options,
	);
	if (reply.status !== 200) throw failure(what, reply);
	const json = parseJson(reply.text);
	if (!isRecord(json)) throw new OAuthError(`${what}: the answer is not a JSON object`, true, reply.status);
	const email = json['email'];
	if (typeof email !== 'string' || !/^[^\s@]+@[^\s@]+$/.test(email)) {
		throw new OAuthError(`${what}: the answer has no valid email (was the userinfo.email scope granted?)`, false, reply.status);
	}
	const name = json['name'];
	return {email, ...(typeof name === 'string' && name !== '' ? {name} : {})};
}
