// Client keys for /v1/*: per-user keys (sha256 looked up in the store), the optional shared AGPROXY_API_KEY, and the
// open (keyless) mode that only loopback binds get unless --allow-open. Also the per-request usage accounting.
import {createHash, timingSafeEqual} from 'node:crypto';
import type {IncomingMessage} from 'node:http';
import {isIP} from 'node:net';
import {hashKey} from '../actions/users.js';
import {recordUsage} from '../actions/usage.js';
import {type RequestRecord, isFailedRequest} from '../events.js';
import type {DataStore, UserRecord, UserRepository} from '../store/types.js';
import {HttpError} from './errors.js';

export {recordUsage};

export type AuthOptions = {
	users: Pick<UserRepository, 'count' | 'byKeyHash'>;
	/** AGPROXY_API_KEY: accepted as a key of its own (no user); when set, keyless requests are refused even with no users. */
	fallbackKey?: string | undefined;
	/** Whether keyless requests may be served while no user exists (see openModeAllowed); default true. */
	openAllowed?: boolean | undefined;
};

export type AuthResult = {user?: UserRecord};

/** The key from `x-api-key`, else from `Authorization: Bearer`; undefined when neither carries one. */
export function presentedKey(req: Pick<IncomingMessage, 'headers'>): string | undefined {
	const header = req.headers['x-api-key'];
	const apiKey = (Array.isArray(header) ? header[0] : header)?.trim();
	if (apiKey !== undefined && apiKey !== '') return apiKey;
	const bearer = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
	return bearer === undefined || bearer === '' ? undefined : bearer;
}

/** Constant-time equality of two secrets of any length (both hashed first, so lengths never leak). */
export function secretsEqual(a: string, b: string): boolean {
	const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();
	return timingSafeEqual(digest(a), digest(b));
}

function unauthorized(message: string): HttpError {
	return new HttpError(401, message, {}, 'authentication_error');
}

/**
 * Decides who is calling /v1/*. With at least one user (or a fallback key) a valid key is required; with neither the
 * server is open and every request passes without a user (unless open mode is not allowed: then 401).
 * Throws HttpError 401 (Anthropic error shape) for a missing, unknown, rotated or disabled key.
 */
export function authenticateRequest(req: Pick<IncomingMessage, 'headers'>, options: AuthOptions): AuthResult {
	const key = presentedKey(req);
	const anyUser = options.users.count() > 0;
	const fallback = options.fallbackKey === undefined || options.fallbackKey === '' ? undefined : options.fallbackKey;
	if (!anyUser && fallback === undefined) {
		if (options.openAllowed === false) {
			throw unauthorized('agproxy has no users yet and serves no keyless clients on this address: create one with `agproxy users create <name>`');
		}
		return {};
	}
	if (key === undefined) throw unauthorized('Missing API key: send it in the x-api-key header or as Authorization: Bearer');
	if (anyUser) {
		const hash = hashKey(key);
		const user = options.users.byKeyHash(hash);
		// The lookup is by hash; the comparison that decides is constant-time all the same.
		if (user !== undefined && user.keyHash.length === hash.length && timingSafeEqual(Buffer.from(user.keyHash, 'utf8'), Buffer.from(hash, 'utf8'))) {
			if (user.disabled) throw unauthorized('Key disabled: the agproxy admin disabled this API key');
			return {user};
		}
	}
	if (fallback !== undefined && secretsEqual(key, fallback)) return {};
	throw unauthorized('Invalid API key');
}

/** No user and no AGPROXY_API_KEY: keyless clients are served (open mode), if the bind address allows it. */
export function servesOpen(options: AuthOptions): boolean {
	return options.openAllowed !== false && options.users.count() === 0 && (options.fallbackKey === undefined || options.fallbackKey === '');
}

/**
 * Operator endpoints (GET /account-limits, POST /refresh-token) reveal the accounts or spend their token refreshes.
 * Allowed: an admin user's key; the admin token from server.json, from a loopback peer; in open mode, loopback peers.
 * Not allowed: ordinary users' keys and AGPROXY_API_KEY (a key shared with clients, not an operator key): 403
 * permission_error. A missing or unknown key is still a 401 (checked first).
 */
export function authorizeOperator(req: Pick<IncomingMessage, 'headers' | 'socket'>, options: AuthOptions & {adminToken?: string | undefined; endpoint: string}): AuthResult {
	const loopback = isLoopbackAddress(req.socket.remoteAddress);
	const key = presentedKey(req);
	if (loopback && key !== undefined && options.adminToken !== undefined && options.adminToken !== '' && secretsEqual(key, options.adminToken)) return {};
	const result = authenticateRequest(req, options);
	if (result.user?.admin === true) return result;
	if (result.user === undefined && servesOpen(options)) {
		if (loopback) return result;
		throw new HttpError(403, `${options.endpoint} answers keyless callers only on loopback (127.0.0.1, ::1): create an admin user (\`agproxy users create <name> --admin\`) and send its key`, {}, 'permission_error');
	}
	throw new HttpError(
		403,
		`${options.endpoint} is for operators: send the key of an admin user (\`agproxy users create <name> --admin\`), or on the server's machine the admin token from server.json; ` +
			(result.user === undefined ? 'AGPROXY_API_KEY is a client key, not an operator key' : `user '${result.user.name}' is not an admin`),
		{},
		'permission_error',
	);
}

/** 127.0.0.0/8, ::1 (also IPv4-mapped), and `localhost`. */
export function isLoopbackHost(host: string): boolean {
	const bare = host.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1');
	if (bare === 'localhost' || bare.endsWith('.localhost')) return true;
	const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(bare)?.[1];
	const address = mapped ?? bare;
	if (isIP(address) === 4) return address.startsWith('127.');
	if (isIP(address) === 6) return /^(0{0,4}:){7}0{0,3}1$/.test(expandIpv6(address));
	return false;
}

function expandIpv6(address: string): string {
	const [head = '', tail] = address.split('::');
	const left = head === '' ? [] : head.split(':');
	const right = tail === undefined || tail === '' ? [] : tail.split(':');
	const missing = tail === undefined ? 0 : 8 - left.length - right.length;
	return [...left, ...Array.from({length: missing}, () => '0'), ...right].join(':');
}

/** A socket's remote address is loopback (the admin API answers only these). */
export function isLoopbackAddress(address: string | undefined): boolean {
	return address !== undefined && address !== '' && isLoopbackHost(address);
}

/** Keyless (open) mode is only for loopback binds, unless the operator passed --allow-open. */
export function openModeAllowed(host: string, options: {allowOpen?: boolean | undefined} = {}): boolean {
	return options.allowOpen === true || isLoopbackHost(host);
}

/**
 * Call at start: a message for the operator when the server would be open (no users, no AGPROXY_API_KEY) on a
 * non-loopback address without --allow-open; undefined when starting is fine.
 */
export function openModeProblem(input: {host: string; allowOpen?: boolean | undefined; users: Pick<UserRepository, 'count'>; fallbackKey?: string | undefined}): string | undefined {
	if (openModeAllowed(input.host, input)) return undefined;
	if (input.users.count() > 0 || (input.fallbackKey !== undefined && input.fallbackKey !== '')) return undefined;
	return (
		`refusing to serve ${input.host} without keys: anyone who can reach it could use your accounts. ` +
		'Create a user first (agproxy users create <name>), or bind to 127.0.0.1, or pass --allow-open to serve it open anyway'
	);
}

/**
 * Records one finished request from the event bus (`bus.on('request', …)`): POST /v1/messages only, nothing for
 * requests refused at authentication. Never throws (a listener must not break request handling); false when the
 * store refused the write.
 */
export function recordRequestUsage(store: Pick<DataStore, 'usage' | 'users'>, record: RequestRecord, now: number = Date.now()): boolean {
	if (record.method !== 'POST' || record.path.replace(/\/+$/, '') !== '/v1/messages') return true;
	if (record.status === 401 || record.status === 403) return true;
	try {
		recordUsage(store, {
			user: record.user,
			model: record.modelServed ?? record.modelAsked ?? 'unknown',
			usage: {inputTokens: record.inputTokens, outputTokens: record.outputTokens, cachedTokens: record.cachedTokens},
			error: isFailedRequest(record),
			at: now,
		});
		return true;
	} catch {
		return false;
	}
}
