// Web pages are not clients. While agproxy serves without keys (open mode), any page the user visits could otherwise
// post to 127.0.0.1 (spending quota), or rebind its own domain to 127.0.0.1 and read the answers (DNS rebinding).
// Claude Code and the SDKs send no Origin, a loopback Host and JSON, so these checks never touch them:
//   - an Origin header (or Sec-Fetch-Site cross-site/same-site) is refused unless the origin is allowed;
//   - a Host that is a DNS name other than localhost / *.localhost is refused unless allowed (an IP literal cannot be rebound);
//   - a request body that is not declared as JSON is refused (a page can post text/plain without a CORS preflight).
// Allowed origins also get CORS headers (and preflight answers), in every mode: that is what lets such a page read answers.
import type {IncomingMessage, ServerResponse} from 'node:http';
import {isIP} from 'node:net';
import {HttpError} from './errors.js';

export type BrowserPolicy = {
	/** Exact origins (`https://app.example:8443`), lowercase; `*` allows every origin. */
	allowedOrigins: readonly string[];
	/** Host names accepted besides localhost, *.localhost and IP addresses; `*` accepts every name. */
	allowedHosts: readonly string[];
};

export const NO_BROWSERS: BrowserPolicy = {allowedOrigins: [], allowedHosts: []};

const ORIGIN_SETTING = 'AGPROXY_ALLOWED_ORIGINS (or `agproxy settings set allowedOrigins <origin,…>`)';
const HOST_SETTING = 'AGPROXY_ALLOWED_HOSTS (or `agproxy settings set allowedHosts <name,…>`)';
const KEYS_HINT = 'or create a user (`agproxy users create <name>`) and send its key';

function header(req: Pick<IncomingMessage, 'headers'>, name: string): string | undefined {
	const value = req.headers[name];
	return Array.isArray(value) ? value[0] : value;
}

function forbidden(message: string, headers: Record<string, string> = {}): HttpError {
	return new HttpError(403, message, headers, 'permission_error');
}

export function originAllowed(origin: string, policy: BrowserPolicy): boolean {
	return policy.allowedOrigins.includes('*') || policy.allowedOrigins.includes(origin.trim().toLowerCase());
}

/** The host name of a Host header (`name:port`, `[v6]:port`), lowercase, without brackets; undefined when malformed. */
export function hostnameOf(host: string): string | undefined {
	// Every request of a client sends the same Host: the last answer saves a URL parse per request.
	if (host === lastHost.host) return lastHost.name;
	const name = parseHostname(host);
	lastHost = {host, name};
	return name;
}

let lastHost: {host: string | undefined; name: string | undefined} = {host: undefined, name: undefined};

function parseHostname(host: string): string | undefined {
	try {
		const url = new URL(`http://${host.trim()}`);
		if (url.username !== '' || url.password !== '' || url.pathname !== '/' || url.search !== '' || url.hash !== '') return undefined;
		return url.hostname.replace(/^\[(.*)\]$/, '$1');
	} catch {
		return undefined;
	}
}

/** A Host a DNS-rebinding page cannot produce (an address, localhost), or one the operator allowed. */
export function hostAllowed(host: string | undefined, policy: BrowserPolicy): boolean {
	// HTTP/1.0 clients may omit Host; browsers always send it.
	if (host === undefined) return true;
	const name = hostnameOf(host);
	if (name === undefined || name === '') return false;
	if (isIP(name) !== 0 || name === 'localhost' || name.endsWith('.localhost')) return true;
	return policy.allowedHosts.includes('*') || policy.allowedHosts.includes(name);
}

/** `application/json`, `application/<x>+json`, with or without parameters. */
export function isJsonContentType(value: string | undefined): boolean {
	if (value === undefined) return false;
	const type = value.split(';')[0]?.trim().toLowerCase() ?? '';
	return type === 'application/json' || /^application\/[a-z0-9.+-]+\+json$/.test(type);
}

/** The request carries a body (a non-zero Content-Length, or chunked). */
export function hasBody(req: Pick<IncomingMessage, 'headers'>): boolean {
	const length = header(req, 'content-length');
	return header(req, 'transfer-encoding') !== undefined || (length !== undefined && length.trim() !== '0');
}

/**
 * For requests served without a key (open mode): throws 403 permission_error for a browser page, a rebound Host or a
 * body that is not JSON, naming the setting that allows it. A refused body is never read, so the connection closes.
 */
export function refuseBrowsers(req: Pick<IncomingMessage, 'headers'>, policy: BrowserPolicy): void {
	const closing: Record<string, string> = hasBody(req) ? {connection: 'close'} : {};
	const origin = header(req, 'origin');
	if (origin !== undefined && !originAllowed(origin, policy)) {
		throw forbidden(`agproxy serves keyless clients, not web pages: a request from origin ${JSON.stringify(origin.slice(0, 200))} is refused. Allow the origin with ${ORIGIN_SETTING}, ${KEYS_HINT}`, closing);
	}
	const site = header(req, 'sec-fetch-site');
	if (origin === undefined && (site === 'cross-site' || site === 'same-site')) {
		throw forbidden(`agproxy serves keyless clients, not web pages: a ${site} browser request without an Origin is refused. Allow the page's origin with ${ORIGIN_SETTING}, ${KEYS_HINT}`, closing);
	}
	const host = header(req, 'host');
	if (!hostAllowed(host, policy)) {
		throw forbidden(`Host ${JSON.stringify((host ?? '').slice(0, 200))} is not a loopback name or an address: agproxy refuses it while it serves without keys (it could be a DNS-rebinding web page). Allow the name with ${HOST_SETTING}, ${KEYS_HINT}`, closing);
	}
	if (hasBody(req) && !isJsonContentType(header(req, 'content-type'))) {
		throw forbidden(`the request body must be sent as content-type: application/json (got ${describeType(req)}): agproxy refuses other types while it serves without keys, because web pages can post them`, closing);
	}
}

/** For keyed requests: a body must be JSON too; 415 instead of guessing. */
export function requireJsonBody(req: Pick<IncomingMessage, 'headers'>): void {
	if (!isJsonContentType(header(req, 'content-type'))) {
		throw new HttpError(415, `the request body must be sent as content-type: application/json (got ${describeType(req)})`, hasBody(req) ? {connection: 'close'} : {}, 'invalid_request_error');
	}
}

function describeType(req: Pick<IncomingMessage, 'headers'>): string {
	const type = header(req, 'content-type');
	return type === undefined ? 'no content-type' : `'${type.slice(0, 100)}'`;
}

const EXPOSED = 'request-id, x-agproxy-model, retry-after, x-should-retry';

/** CORS headers for a request from an allowed origin (none otherwise: the browser then keeps the answer from the page). */
export function corsHeaders(req: Pick<IncomingMessage, 'headers'>, policy: BrowserPolicy): Record<string, string> {
	if (policy.allowedOrigins.length === 0) return {};
	const origin = header(req, 'origin');
	if (origin === undefined || !originAllowed(origin, policy)) return {vary: 'origin'};
	return {'access-control-allow-origin': origin, vary: 'origin', 'access-control-expose-headers': EXPOSED};
}

/**
 * A CORS preflight (OPTIONS with Origin and Access-Control-Request-Method): 204 for an allowed origin, 403 otherwise.
 * Returns false for any other request. Preflights carry no key, so this runs before authentication.
 */
export function answerPreflight(req: IncomingMessage, res: ServerResponse, policy: BrowserPolicy): boolean {
	const origin = header(req, 'origin');
	if (req.method !== 'OPTIONS' || origin === undefined || header(req, 'access-control-request-method') === undefined) return false;
	if (!originAllowed(origin, policy)) {
		throw forbidden(`agproxy does not answer web pages from origin ${JSON.stringify(origin.slice(0, 200))}: allow it with ${ORIGIN_SETTING}`);
	}
	const requested = header(req, 'access-control-request-headers') ?? '';
	const allowHeaders = requested.split(',').map(name => name.trim().toLowerCase()).filter(name => /^[a-z0-9!#$%&'*+.^_`|~-]{1,100}$/.test(name)).slice(0, 50).join(', ');
	res.writeHead(204, {
		'access-control-allow-origin': origin,
		'access-control-allow-methods': 'GET, POST, HEAD',
		...(allowHeaders === '' ? {} : {'access-control-allow-headers': allowHeaders}),
		'access-control-max-age': '600',
		vary: 'origin',
	});
	res.end();
	return true;
}
