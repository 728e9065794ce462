// HTTP transport: routing, request ids, error rendering and request records. No business logic lives here.
import {randomUUID} from 'node:crypto';
import {type IncomingMessage, type Server, type ServerResponse, createServer} from 'node:http';
import type {Duplex} from 'node:stream';
import type {AccountPool} from '../accounts/pool.js';
import {limitsJson, limitsTable} from '../accounts/limits-view.js';
import {type AdminContext, handleAdmin} from '../admin/server.js';
import {isAdminPath} from '../admin/protocol.js';
import type {EventBus, RequestRecord} from '../events.js';
import {chooseModels} from '../service/groups.js';
import type {GroupRecord, GroupRepository, UserRepository} from '../store/types.js';
import {RefreshRounds} from '../accounts/refresh-rounds.js';
import {authenticateRequest, authorizeOperator, servesOpen} from './auth.js';
import {type BrowserPolicy, NO_BROWSERS, answerPreflight, corsHeaders, refuseBrowsers} from './browser.js';
import {decodePathSegment, parseTarget} from './target.js';
import type {ServedModel} from '../models/catalogue.js';
import type {GenerateDeps} from '../service/generate.js';
import type {AccountsSummary} from '../upstream/credentials.js';
import {VERSION} from '../version.js';
import {HttpError} from './errors.js';
import {handleCountTokens, handleMessages, sendError, sendJson} from './messages.js';

export type ServerDeps = {
	generate: GenerateDeps;
	bodyLimitBytes: number;
	/** How long a client may take to send a whole request (headers and body); 0 = no limit. Default 300 s. */
	requestTimeoutMs?: number;
	bus: EventBus;
	models: () => readonly ServedModel[];
	accounts: () => AccountsSummary;
	/** The account pool, when agproxy runs on accounts (not on a single token). */
	pool?: AccountPool;
	startedAt: number;
	/** AGPROXY_API_KEY: a key of its own besides the users' keys. */
	apiKey?: string;
	/** Users and their keys: when any exists, everything but `/` and `/health` needs a valid key. */
	users: Pick<UserRepository, 'count' | 'byKeyHash'>;
	/** Whether keyless requests may be served while no user exists (loopback bind or --allow-open). */
	openAllowed: boolean;
	/** Model groups (virtual models), global and per user. */
	groups: Pick<GroupRepository, 'get' | 'list'>;
	/** The loopback admin API that other agproxy commands use. */
	admin: AdminContext;
	/** Origins (CORS) and Host names allowed besides the defaults; see browser.ts. Default: none. */
	browser?: BrowserPolicy;
	/** POST /refresh-token starts at most one round of refreshes per this many ms; default 10 s. */
	refreshIntervalMs?: number;
};

/** After a round, further POST /refresh-token calls get its result for this long instead of refreshing again. */
export const REFRESH_INTERVAL_MS = 10_000;

export type HttpServer = {server: Server; inFlight: () => number; drained: () => Promise<void>};

/** randomUUID draws from a cached entropy pool; randomBytes per request was 2% of agproxy's CPU. */
function newRequestId(): string {
	return `req_${randomUUID().replaceAll('-', '').slice(0, 24)}`;
}

/**
 * Requests Node refuses before our handler sees them (stalled past the request timeout, unparsable HTTP, headers too
 * large) get the same Anthropic error JSON and request-id as everything else, instead of Node's bare status line.
 */
function answerClientError(error: Error & {code?: string}, socket: Duplex): void {
	if (error.code === 'ECONNRESET' || !socket.writable) {
		socket.destroy();
		return;
	}
	const [status, reason, type, message] =
		error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
			? [408, 'Request Timeout', 'timeout_error', 'the request did not arrive in time (AGPROXY_REQUEST_TIMEOUT_MS)']
			: error.code === 'HPE_HEADER_OVERFLOW'
				? [431, 'Request Header Fields Too Large', 'request_too_large', 'the request headers are too large']
				: [400, 'Bad Request', 'invalid_request_error', 'malformed HTTP request'];
	const requestId = newRequestId();
	const body = JSON.stringify({type: 'error', error: {type, message}, request_id: requestId});
	// Written, then the socket destroyed at once (as Node itself does): a request still reading its body must end now.
	socket.write(
		`HTTP/1.1 ${status} ${reason}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nrequest-id: ${requestId}\r\nconnection: close\r\n\r\n${body}`,
	);
	socket.destroy();
}

export function createHttpServer(deps: ServerDeps): HttpServer {
	let inFlight = 0;
	const pool = deps.pool;
	const refreshRounds = pool ? new RefreshRounds(() => pool.refreshAllTokens(), deps.refreshIntervalMs ?? REFRESH_INTERVAL_MS) : undefined;
	let waiters: Array<() => void> = [];
	// A client that stalls while sending its request (slowloris) is cut off with a 408; responses, however long they
	// stream, are not limited. Node checks the timeouts every `connectionsCheckingInterval`.
	const requestTimeout = deps.requestTimeoutMs ?? 300_000;
	const headersTimeout = requestTimeout > 0 ? Math.min(60_000, requestTimeout) : 60_000;
	const connectionsCheckingInterval = Math.max(50, Math.min(30_000, Math.floor(headersTimeout / 4)));
	const server = createServer({keepAliveTimeout: 65_000, requestTimeout, headersTimeout, connectionsCheckingInterval}, (req, res) => {
		inFlight++;
		void route(req, res, deps, refreshRounds).finally(() => {
			inFlight--;
			if (inFlight === 0) {
				for (const resolve of waiters) resolve();
				waiters = [];
			}
		});
	});
	server.on('clientError', answerClientError);
	return {
		server,
		inFlight: () => inFlight,
		drained: () => (inFlight === 0 ? Promise.resolve() : new Promise<void>(resolve => waiters.push(resolve))),
	};
}

async function route(req: IncomingMessage, res: ServerResponse, deps: ServerDeps, refreshRounds: RefreshRounds | undefined): Promise<void> {
	const requestId = newRequestId();
	const started = Date.now();
	const record: RequestRecord = {id: requestId, time: new Date(started).toISOString(), method: req.method ?? 'GET', path: (req.url ?? '/').split('?')[0] ?? '/', status: 0, latencyMs: 0};
	res.setHeader('request-id', requestId);
	const browser = deps.browser ?? NO_BROWSERS;
	try {
		const url = parseTarget(req.url);
		record.path = url.pathname;
		const key = `${req.method} ${url.pathname.replace(/\/+$/, '') || '/'}`;
		if (isAdminPath(url.pathname)) {
			const outcome = await handleAdmin(req, res, deps.admin);
			record.status = outcome.status;
			if (outcome.error) record.error = outcome.error;
			return;
		}
		for (const [name, value] of Object.entries(corsHeaders(req, browser))) res.setHeader(name, value);
		if (answerPreflight(req, res, browser)) {
			record.status = 204;
			return;
		}
		const auth = {users: deps.users, openAllowed: deps.openAllowed, ...(deps.apiKey === undefined ? {} : {fallbackKey: deps.apiKey})};
		let user: string | undefined;
		if (!OPEN_PATHS.has(url.pathname)) {
			const operator = OPERATOR_ENDPOINTS.has(key);
			user = (operator ? authorizeOperator(req, {...auth, adminToken: deps.admin.token, endpoint: key}) : authenticateRequest(req, auth)).user?.name;
			if (user !== undefined) record.user = user;
			// Served without a key: make sure it is not a web page (Origin, rebound Host, a non-JSON body).
			if (user === undefined && servesOpen(auth)) refuseBrowsers(req, browser);
		}
		switch (key) {
			case 'POST /v1/messages':
				await handleMessages(req, res, {
					deps: deps.generate,
					bodyLimitBytes: deps.bodyLimitBytes,
					requestId,
					record,
					choose: model => chooseModels(deps.groups, model, user),
					...(user === undefined ? {} : {callerKey: `user:${user}`}),
				});
				break;
			case 'POST /v1/messages/count_tokens':
				await handleCountTokens(req, res, {bodyLimitBytes: deps.bodyLimitBytes, requestId, record});
				break;
			case 'GET /v1/models':
				record.status = 200;
				sendJson(res, 200, modelList(visibleModels(deps, user), url.searchParams));
				break;
			case 'GET /health':
				// Public in every mode: counts only, never an account's e-mail (GET /account-limits is for operators).
				record.status = 200;
				sendJson(res, 200, {status: 'ok', version: VERSION, uptime_s: Math.round((Date.now() - deps.startedAt) / 1000), accounts: deps.accounts()});
				break;
			case 'GET /account-limits': {
				const snapshots = deps.pool?.snapshot() ?? [];
				record.status = 200;
				if (url.searchParams.get('format') === 'table') {
					res.writeHead(200, {'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store'});
					res.end(limitsTable(snapshots, {now: Date.now()}));
				} else {
					sendJson(res, 200, limitsJson(snapshots, {now: Date.now()}), {'cache-control': 'no-store'});
				}
				break;
			}
			case 'POST /refresh-token': {
				if (!deps.pool || !refreshRounds) throw new HttpError(409, 'agproxy runs on a single token (AGPROXY_ACCESS_TOKEN): there are no accounts to refresh', {}, 'invalid_request_error');
				const round = await refreshRounds.request();
				if (round.fresh) void deps.pool.quota?.refresh();
				record.status = 200;
				sendJson(
					res,
					200,
					{
						accounts: round.accounts,
						refreshed_at: new Date(round.finishedAt).toISOString(),
						// true: this is the result of the round that ended at refreshed_at; a new round starts at next_round_at.
						reused: !round.fresh,
						next_round_at: new Date(round.nextRoundAt).toISOString(),
					},
					{'cache-control': 'no-store'},
				);
				break;
			}
			case 'HEAD /':
			case 'GET /':
				// Claude Code probes the base URL before it starts.
				record.status = 200;
				res.writeHead(200, {'content-type': 'text/plain; charset=utf-8'});
				res.end(req.method === 'HEAD' ? undefined : `agproxy ${VERSION}\n`);
				break;
			default: {
				const single = /^\/v1\/models\/([^/]+)$/.exec(url.pathname)?.[1];
				const id = req.method === 'GET' && single !== undefined ? decodePathSegment(single, 'model id') : undefined;
				const model = id === undefined ? undefined : visibleModels(deps, user).find(m => m.id === id);
				if (model) {
					record.status = 200;
					sendJson(res, 200, toModelObject(model));
					break;
				}
				if (id !== undefined) throw new HttpError(404, `model: '${id.slice(0, 200)}' is not served here (GET /v1/models lists what is)`);
				throw new HttpError(404, `Not found: ${req.method} ${url.pathname.slice(0, 200)}`);
			}
		}
	} catch (error) {
		const failure = sendError(res, error, requestId);
		record.status = failure.status;
		record.error = failure.message;
	} finally {
		req.resume();
		record.latencyMs = Date.now() - started;
		deps.bus.emit('request', record);
	}
}

/** Operator endpoints: an admin user's key, the admin token (loopback), or a loopback caller in open mode (auth.ts). */
const OPERATOR_ENDPOINTS = new Set(['GET /account-limits', 'POST /refresh-token']);

/** Reachable without a key: the probes Claude Code sends and the health check. */
const OPEN_PATHS = new Set(['/', '/health']);

/** The served models plus the model groups the caller may use (their own shadow global ones with the same alias). */
function visibleModels(deps: ServerDeps, user: string | undefined): ServedModel[] {
	const groups = new Map<string, GroupRecord>();
	for (const group of deps.groups.list()) {
		if (group.owner !== undefined && group.owner !== user) continue;
		const seen = groups.get(group.alias);
		if (!seen || group.owner !== undefined) groups.set(group.alias, group);
	}
	const aliases = [...groups.values()]
		.filter(group => group.members.length > 0)
		.sort((a, b) => a.alias.localeCompare(b.alias))
		.map(group => ({id: group.alias, displayName: `${group.alias} (group: ${group.members.map(m => m.model).join(', ')})`, createdAt: group.createdAt}));
	return [...deps.models(), ...aliases];
}

/**
 * Anthropic's model object. `max_input_tokens` / `max_tokens` are the served model's real context window and output limit
 * (Anthropic's own field names; null for a group alias); `agproxy.accounts` says how many accounts offer the model.
 */
function toModelObject(model: ServedModel): Record<string, unknown> {
	return {
		type: 'model',
		id: model.id,
		display_name: model.displayName,
		created_at: model.createdAt,
		max_input_tokens: model.limits?.contextWindow ?? null,
		max_tokens: model.limits?.maxOutputTokens ?? null,
		...(model.accounts === undefined ? {} : {agproxy: {accounts: model.accounts}}),
	};
}

/** Anthropic's list shape with cursor paging (`limit`, `after_id`, `before_id`). */
function modelList(models: readonly ServedModel[], params: URLSearchParams): Record<string, unknown> {
	const limit = Math.min(1000, Math.max(1, Number(params.get('limit') ?? 20) || 20));
	let start = 0;
	let end = models.length;
	const after = params.get('after_id');
	const before = params.get('before_id');
	if (after) start = models.findIndex(m => m.id === after) + 1;
	if (before) end = Math.max(0, models.findIndex(m => m.id === before));
	let page = models.slice(start, end);
	const hasMore = page.length > limit;
	page = before ? page.slice(-limit) : page.slice(0, limit);
	const data = page.map(toModelObject);
	return {data, has_more: hasMore, first_id: page[0]?.id ?? null, last_id: page.at(-1)?.id ?? null};
}
