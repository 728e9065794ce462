// Interactive Google sign-in: a loopback callback server on 127.0.0.1 (port 51121, or the next free one: the
// redirect_uri always names the port actually bound), PKCE S256, a random state, the URL always printed and the
// browser opened where possible. The user may instead paste the address the browser ended on (or the bare code)
// into the terminal at any time, which is the only way in --no-browser mode when the browser is on another machine.
//
// State handling: a callback or pasted URL whose `state` is not ours is answered with an error page and ignored;
// the login keeps waiting (a stale tab or a forged request must neither finish nor kill the login). A bare pasted
// code carries no state; PKCE still binds it to this login, since only we hold the verifier.
import {type IncomingMessage, type Server, type ServerResponse, createServer} from 'node:http';
import type {AddressInfo} from 'node:net';
import {createInterface} from 'node:readline';
import type {UpstreamClient} from '../upstream/client.js';
import {openBrowser as defaultOpenBrowser} from './browser.js';
import {type DiscoveryOptions, discoverProject} from './discovery.js';
import {type OAuthConfig, buildAuthUrl, createOAuthState, createPkce, exchangeCode, fetchUserInfo, refreshAccessToken} from './oauth.js';
import type {AccountRecord} from './types.js';

export const DEFAULT_CALLBACK_PORT = 51121;
export const CALLBACK_PATH = '/oauth-callback';
export const LOGIN_TIMEOUT_MS = 5 * 60 * 1000;
/** Ports tried after the requested one when it is taken (Windows reserves ranges, other tools squat 51121). */
export const EXTRA_CALLBACK_PORTS = 5;

export type LoginErrorKind = 'denied' | 'timeout' | 'aborted' | 'input_closed' | 'bind_failed';

export class LoginError extends Error {
	constructor(
		message: string,
		readonly kind: LoginErrorKind,
	) {
		super(message);
		this.name = 'LoginError';
	}
}

export type Output = {write(text: string): unknown};

export type AuthorizeOptions = {
	oauth: OAuthConfig;
	/** instructions and the sign-in URL */
	output: Output;
	/** where a pasted redirect URL or code is read from (the terminal) */
	input?: NodeJS.ReadableStream;
	/** default 51121; 0 = any free port */
	callbackPort?: number;
	/** how many following ports to try when it is taken (default 5) */
	extraPorts?: number;
	/** do not try to open a browser */
	noBrowser?: boolean;
	/** injectable launcher (tests); resolves whether a browser was started */
	openBrowser?: (url: string) => Promise<boolean>;
	/** default 5 minutes */
	timeoutMs?: number;
	signal?: AbortSignal;
	/** told the URL once it is known (the dashboard, tests) */
	onAuthUrl?: (info: {url: string; redirectUri: string; port: number | undefined}) => void;
	loginHint?: string;
};

export type LoginOptions = AuthorizeOptions & {
	client: UpstreamClient;
	discovery?: DiscoveryOptions;
	now?: () => number;
};

export type AuthorizationCode = {code: string; verifier: string; redirectUri: string; via: 'callback' | 'paste'};

export type PastedCallback =
	| {kind: 'params'; code?: string; state?: string; error?: string; errorDescription?: string}
	| {kind: 'code'; code: string}
	| {kind: 'empty'}
	| {kind: 'invalid'};

/** What the user pasted: the full redirect URL, its query string, or just the code. */
export function parsePastedCallback(text: string): PastedCallback {
	const trimmed = text.trim().replace(/^['"<]+|['">]+$/g, '');
	if (trimmed === '') return {kind: 'empty'};
	let params: URLSearchParams | undefined;
	if (/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed)) {
		try {
			params = new URL(trimmed).searchParams;
		} catch {
			return {kind: 'invalid'};
		}
	} else if (/(^|[?&])(code|error|state)=/.test(trimmed)) {
		params = new URLSearchParams(trimmed.replace(/^.*?\?/, ''));
	}
	if (params !== undefined) {
		const pick = (name: string): string | undefined => {
			const value = params.get(name);
			return value === null || value === '' ? undefined : value;
		};
		const code = pick('code');
		const state = pick('state');
		const error = pick('error');
		const errorDescription = pick('error_description');
		if (code === undefined && error === undefined) return {kind: 'invalid'};
		return {
			kind: 'params',
			...(code === undefined ? {} : {code}),
			...(state === undefined ? {} : {state}),
			...(error === undefined ? {} : {error}),
			...(errorDescription === undefined ? {} : {errorDescription}),
		};
	}
	let code = trimmed;
	if (code.includes('%')) {
		try {
			code = decodeURIComponent(code);
		} catch {
			return {kind: 'invalid'};
		}
	}
	return /^[A-Za-z0-9/_.~+-]{10,}$/.test(code) ? {kind: 'code', code} : {kind: 'invalid'};
}

function escapeHtml(text: string): string {
	return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(res: ServerResponse, status: number, title: string, message: string): void {
	const body = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>agproxy: ${escapeHtml(title)}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:34rem;margin:4rem auto;padding:0 1rem;color:#222}h1{font-size:1.3rem}</style>
</head><body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p></body></html>
`;
	res.writeHead(status, {'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', connection: 'close', 'content-length': Buffer.byteLength(body)});
	res.end(body);
}

function formatDuration(ms: number): string {
	if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000} minute${ms === 60_000 ? '' : 's'}`;
	if (ms >= 1000) return `${Math.round(ms / 1000)} s`;
	return `${ms} ms`;
}

async function listenOn(port: number): Promise<{server: Server; port: number}> {
	const server = createServer();
	return new Promise((resolve, reject) => {
		const onError = (error: Error): void => {
			server.off('listening', onListening);
			reject(error);
		};
		const onListening = (): void => {
			server.off('error', onError);
			resolve({server, port: (server.address() as AddressInfo).port});
		};
		server.once('error', onError);
		server.once('listening', onListening);
		server.listen({port, host: '127.0.0.1', exclusive: true});
	});
}

/** The requested port, else the next few; undefined when none can be bound. */
async function bindCallbackServer(port: number, extra: number): Promise<{server: Server; port: number; failures: string[]} | undefined> {
	const failures: string[] = [];
	const last = port === 0 ? 0 : Math.min(65_535, port + extra);
	for (let candidate = port; candidate <= last; candidate++) {
		try {
			return {...(await listenOn(candidate)), failures};
		} catch (error) {
			failures.push(`${candidate}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
		}
	}
	return undefined;
}

/** Runs the browser part of the sign-in and resolves with the authorization code (not yet exchanged). */
export async function obtainAuthorizationCode(options: AuthorizeOptions): Promise<AuthorizationCode> {
	const {output} = options;
	const requested = options.callbackPort ?? DEFAULT_CALLBACK_PORT;
	if (!Number.isInteger(requested) || requested < 0 || requested > 65_535) throw new RangeError(`invalid callback port ${requested}: expected 0-65535`);
	if (options.signal?.aborted === true) throw new LoginError('sign-in cancelled', 'aborted');
	const pkce = createPkce();
	const state = createOAuthState();
	const bound = await bindCallbackServer(requested, options.extraPorts ?? EXTRA_CALLBACK_PORTS);
	if (bound === undefined && options.input === undefined) {
		throw new LoginError(`cannot listen for Google's redirect on 127.0.0.1 port ${requested} or the ${options.extraPorts ?? EXTRA_CALLBACK_PORTS} ports after it`, 'bind_failed');
	}
	const port = bound?.port ?? (requested === 0 ? DEFAULT_CALLBACK_PORT : requested);
	// Google accepts any loopback port for installed-app clients; `localhost` is what the peers register and use.
	const redirectUri = `http://localhost:${port}${CALLBACK_PATH}`;
	const url = buildAuthUrl(options.oauth, {redirectUri, state, codeChallenge: pkce.challenge, ...(options.loginHint === undefined ? {} : {loginHint: options.loginHint})});
	const timeoutMs = options.timeoutMs ?? LOGIN_TIMEOUT_MS;

	return new Promise<AuthorizationCode>((resolve, reject) => {
		let settled = false;
		let inputOpen = options.input !== undefined;
		const lines = options.input === undefined ? undefined : createInterface({input: options.input, terminal: false, crlfDelay: Infinity});
		const timer = setTimeout(() => finish(new LoginError(`no sign-in within ${formatDuration(timeoutMs)}; run the command again to retry`, 'timeout')), timeoutMs);
		const onAbort = (): void => finish(new LoginError('sign-in cancelled', 'aborted'));
		options.signal?.addEventListener('abort', onAbort, {once: true});

		function finish(outcome: AuthorizationCode | LoginError): void {
			if (settled) return;
			settled = true;
			clearTimeout(timer);
			options.signal?.removeEventListener('abort', onAbort);
			lines?.close();
			if (bound !== undefined) {
				bound.server.close();
				bound.server.closeIdleConnections();
			}
			if (outcome instanceof LoginError) reject(outcome);
			else resolve(outcome);
		}

		/** One callback, from the browser or pasted: 'done', or why it was ignored. */
		function consider(params: {code?: string | undefined; state?: string | undefined; error?: string | undefined; errorDescription?: string | undefined}, via: 'callback' | 'paste'): {status: number; title: string; message: string} {
			if (params.state !== state) {
				output.write(
					params.state === undefined
						? 'Ignored a sign-in response without a state parameter; paste the complete address.\n'
						: 'Ignored a sign-in response that belongs to another login attempt (state mismatch); still waiting.\n',
				);
				return {status: 400, title: 'Not this sign-in', message: 'This response does not belong to the sign-in agproxy is waiting for. Use the link agproxy printed most recently.'};
			}
			if (params.error !== undefined) {
				const detail = params.errorDescription === undefined ? params.error : `${params.error}: ${params.errorDescription}`;
				finish(new LoginError(params.error === 'access_denied' ? 'sign-in was cancelled or access was denied in the browser (access_denied)' : `Google sign-in failed (${detail})`, 'denied'));
				return {status: 400, title: 'Sign-in failed', message: `Google answered: ${detail}. Return to the terminal.`};
			}
			if (params.code === undefined) {
				return {status: 400, title: 'No authorization code', message: 'The response carries no authorization code; still waiting.'};
			}
			finish({code: params.code, verifier: pkce.verifier, redirectUri, via});
			return {status: 200, title: 'Signed in', message: 'agproxy received the authorization. You can close this tab and return to the terminal.'};
		}

		bound?.server.on('request', (req: IncomingMessage, res: ServerResponse) => {
			const target = new URL(req.url ?? '/', 'http://localhost');
			if (target.pathname !== CALLBACK_PATH) {
				res.writeHead(404, {'content-type': 'text/plain; charset=utf-8', connection: 'close'});
				res.end('Not found\n');
				return;
			}
			if (req.method !== 'GET') {
				res.writeHead(405, {allow: 'GET', 'content-type': 'text/plain; charset=utf-8', connection: 'close'});
				res.end('Method not allowed\n');
				return;
			}
			if (settled) return page(res, 410, 'Sign-in already finished', 'This sign-in has already finished. Return to the terminal.');
			const get = (name: string): string | undefined => target.searchParams.get(name) ?? undefined;
			const answer = consider({code: get('code'), state: get('state'), error: get('error'), errorDescription: get('error_description')}, 'callback');
			page(res, answer.status, answer.title, answer.message);
		});

		lines?.on('line', (line) => {
			if (settled) return;
			const pasted = parsePastedCallback(line);
			if (pasted.kind === 'empty') return;
			if (pasted.kind === 'invalid') {
				output.write('That is neither the address the browser ended on nor an authorization code; paste it again.\n');
				return;
			}
			if (pasted.kind === 'code') finish({code: pasted.code, verifier: pkce.verifier, redirectUri, via: 'paste'});
			else consider(pasted, 'paste');
		});
		lines?.on('close', () => {
			inputOpen = false;
			if (bound === undefined) finish(new LoginError('the input closed before an authorization code was pasted', 'input_closed'));
		});

		if (bound !== undefined && bound.port !== requested && requested !== 0) {
			output.write(`Port ${requested} is not available (${bound.failures.join(', ')}); listening on ${bound.port} instead.\n`);
		}
		output.write(`\nOpen this URL in a browser and sign in with the Google account to add:\n\n  ${url}\n\n`);
		options.onAuthUrl?.({url, redirectUri, port: bound?.port});
		const pasteHint = inputOpen
			? `If the browser runs on another machine, it will end on an address starting with ${redirectUri} that fails to load: copy that whole address and paste it here (the bare code works too), then press Enter.\n`
			: '';
		if (bound === undefined) {
			output.write(`Cannot listen on 127.0.0.1 port ${requested} or the ports after it, so the browser cannot hand the code back by itself.\n${pasteHint}`);
		} else {
			output.write(`Waiting for the browser to come back to ${redirectUri} (${formatDuration(timeoutMs)} at most).\n${pasteHint}`);
		}
		if (options.noBrowser !== true) {
			const launch = options.openBrowser ?? ((target: string) => defaultOpenBrowser(target));
			launch(url).then(
				(opened) => {
					if (!opened && !settled) output.write('(No browser could be opened here; open the URL above yourself.)\n');
				},
				() => undefined,
			);
		}
	});
}

function record(fields: {email: string; refreshToken: string; projectId: string; tier: string; now: () => number}): AccountRecord {
	return {
		email: fields.email,
		refreshToken: fields.refreshToken,
		projectId: fields.projectId,
		tier: fields.tier,
		enabled: true,
		addedAt: new Date(fields.now()).toISOString(),
	};
}

/** The whole interactive login: browser sign-in, code exchange, e-mail, project discovery. Nothing is stored. */
export async function login(options: LoginOptions): Promise<AccountRecord> {
	const now = options.now ?? Date.now;
	const auth = await obtainAuthorizationCode(options);
	const signal = options.signal === undefined ? {} : {signal: options.signal};
	options.output.write('Authorization received; finishing the sign-in…\n');
	const tokens = await exchangeCode(options.oauth, {code: auth.code, verifier: auth.verifier, redirectUri: auth.redirectUri}, {now, ...signal});
	const user = await fetchUserInfo(options.oauth, tokens.accessToken, signal);
	options.output.write(`Signed in as ${user.email}; looking up the Cloud Code project…\n`);
	const found = await discoverProject(options.client, tokens.accessToken, {...options.discovery, ...signal});
	return record({email: user.email, refreshToken: tokens.refreshToken, projectId: found.projectId, tier: found.tier, now});
}

export type RefreshTokenLogin = {
	oauth: OAuthConfig;
	client: UpstreamClient;
	refreshToken: string;
	/** Only a check: the e-mail always comes from Google (userinfo); a different one is an AccountIdentityError. */
	email?: string;
	discovery?: DiscoveryOptions;
	now?: () => number;
	signal?: AbortSignal;
};

/** The refresh token belongs to another Google account than the one the user named. */
export class AccountIdentityError extends Error {
	constructor(
		message: string,
		readonly actual: string,
	) {
		super(message);
		this.name = 'AccountIdentityError';
	}
}

/**
 * An account from an existing refresh token: refresh, the e-mail from Google (never taken on trust: the same Google
 * account must not be stored twice under two names), project discovery. Nothing is stored.
 */
export async function accountFromRefreshToken(params: RefreshTokenLogin): Promise<AccountRecord> {
	const now = params.now ?? Date.now;
	const signal = params.signal === undefined ? {} : {signal: params.signal};
	const tokens = await refreshAccessToken(params.oauth, params.refreshToken, {now, ...signal, ...(params.email === undefined ? {} : {email: params.email})});
	const {email} = await fetchUserInfo(params.oauth, tokens.accessToken, signal);
	if (params.email !== undefined && params.email.trim().toLowerCase() !== email.toLowerCase()) {
		throw new AccountIdentityError(`this refresh token belongs to ${email}, not ${params.email.trim()}: nothing was stored (drop --email, or use the token of ${params.email.trim()})`, email);
	}
	const found = await discoverProject(params.client, tokens.accessToken, {...params.discovery, ...signal});
	// Google may rotate the refresh token on use: keep the one that still works.
	return record({email, refreshToken: tokens.refreshToken ?? params.refreshToken, projectId: found.projectId, tier: found.tier, now});
}
