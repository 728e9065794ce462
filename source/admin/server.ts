// The admin API's server side: one generic endpoint over the actions registry, for loopback peers holding the
// token from server.json. See protocol.ts for the wire format.
import type {IncomingMessage, ServerResponse} from 'node:http';
import type {ActionContext} from '../actions/context.js';
import {ActionError, type ActionErrorKind, STATUS_BY_KIND} from '../actions/errors.js';
import {type ActionName, isActionName, mutates, runAction} from '../actions/registry.js';
import {readJsonBody} from '../http/body.js';
import {HttpError, errorTypeFor} from '../http/errors.js';
import {isLoopbackAddress, secretsEqual} from '../http/auth.js';
import {StoreReferenceError} from '../store/errors.js';
import {StoreConflictError} from '../store/types.js';
import {VERSION} from '../version.js';
import type {AdminLive} from './live.js';
import {ADMIN_BODY_LIMIT_BYTES, EVENTS_PATH, LOGIN_CANCEL_PATH, LOGIN_PASTE_PATH, LOGIN_PATH, PING_PATH, QUOTAS_REFRESH_PATH, RPC_PATH} from './protocol.js';

export type AdminContext = {
	actions: ActionContext;
	/** The token written to server.json. */
	token: string;
	bodyLimitBytes?: number;
	/** Who may call; default loopback peers only (tests swap it to simulate a remote peer). */
	allowRemote?: (address: string | undefined) => boolean;
	pid?: number;
	/** The event stream, quota refresh and sign-ins of an attached dashboard (absent: those endpoints answer 503). */
	live?: AdminLive;
};

/**
 * What happened, for the request log (never the arguments: they may carry a refresh token). `quiet`: routine reads
 * (ping, attaching the event stream, a read-only action that succeeded), e.g. an attached dashboard polling its users
 * list; the event stream leaves their records out so dashboards do not fill each other's logs with their own polling.
 */
export type AdminOutcome = {status: number; action?: ActionName; error?: string; quiet?: boolean};


class AdminFailure extends Error {
	constructor(
		readonly status: number,
		message: string,
		readonly kind?: ActionErrorKind,
	) {
		super(message);
	}
}

function send(res: ServerResponse, status: number, body: unknown): void {
	if (res.headersSent) {
		res.destroy();
		return;
	}
	const text = JSON.stringify(body);
	res.writeHead(status, {'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store'});
	res.end(text);
}

function failureOf(error: unknown): AdminFailure {
	if (error instanceof AdminFailure) return error;
	if (error instanceof ActionError) return new AdminFailure(STATUS_BY_KIND[error.kind], error.message, error.kind);
	if (error instanceof HttpError) return new AdminFailure(error.status === 499 ? 400 : error.status, error.message, error.status === 400 ? 'invalid' : undefined);
	if (error instanceof StoreConflictError) return new AdminFailure(409, error.message, 'conflict');
	if (error instanceof StoreReferenceError) return new AdminFailure(404, error.message, 'not_found');
	// The caller is the operator on this machine: the message helps (disk full, damaged file); the stack stays here.
	return new AdminFailure(500, `internal error in agproxy: ${error instanceof Error ? error.message : String(error)}`);
}

function authorize(req: IncomingMessage, ctx: AdminContext): void {
	const allowed = ctx.allowRemote ?? isLoopbackAddress;
	if (!allowed(req.socket.remoteAddress)) throw new AdminFailure(403, 'the admin API answers only on loopback (127.0.0.1, ::1)');
	if (req.headers.origin !== undefined) throw new AdminFailure(403, 'the admin API does not answer browsers');
	const presented = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
	if (presented === undefined) throw new AdminFailure(401, 'missing admin token: send Authorization: Bearer <token from server.json>');
	if (ctx.token === '' || !secretsEqual(presented, ctx.token)) throw new AdminFailure(401, 'wrong admin token');
}

function parseRequest(body: unknown): {action: ActionName; args: unknown} {
	if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new AdminFailure(400, 'expected a JSON object {action, args}', 'invalid');
	const {action, args, ...rest} = body as Record<string, unknown>;
	const extra = Object.keys(rest);
	if (extra.length > 0) throw new AdminFailure(400, `unknown field '${extra[0]}': expected {action, args}`, 'invalid');
	if (typeof action !== 'string') throw new AdminFailure(400, 'action: expected a string such as "users.list"', 'invalid');
	if (!isActionName(action)) throw new AdminFailure(400, `unknown action '${action.slice(0, 100)}'`, 'invalid');
	return {action, args};
}

const LIVE_PATHS = new Set([EVENTS_PATH, QUOTAS_REFRESH_PATH, LOGIN_PATH, LOGIN_PASTE_PATH, LOGIN_CANCEL_PATH]);

function requireMethod(req: IncomingMessage, pathname: string, method: 'GET' | 'POST'): void {
	if (req.method !== method) throw new AdminFailure(405, `${req.method ?? '?'} ${pathname}: use ${method}`);
}

/** `{id}` or `{id, text}` for the sign-in endpoints; unknown fields refused like the RPC's. */
function parseLoginBody(body: unknown, withText: boolean): {id: string; text: string} {
	if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new AdminFailure(400, 'expected a JSON object', 'invalid');
	const {id, text, ...rest} = body as Record<string, unknown>;
	const extra = Object.keys(rest).concat(!withText && text !== undefined ? ['text'] : []);
	if (extra.length > 0) throw new AdminFailure(400, `unknown field '${extra[0]}'`, 'invalid');
	if (typeof id !== 'string' || !/^[0-9a-f]{1,64}$/.test(id)) throw new AdminFailure(400, 'id: expected the id POST /admin/login answered', 'invalid');
	if (withText && (typeof text !== 'string' || text.trim() === '' || text.length > 8192)) {
		throw new AdminFailure(400, 'text: expected the pasted redirect URL or code (1-8192 characters)', 'invalid');
	}
	return {id, text: typeof text === 'string' ? text : ''};
}

/** The dashboard's endpoints beside the RPC (see protocol.ts). The event stream stays open after this returns. */
async function handleLive(pathname: string, req: IncomingMessage, res: ServerResponse, ctx: AdminContext): Promise<AdminOutcome> {
	const live = ctx.live;
	if (live === undefined) throw new AdminFailure(503, `${pathname} is not served by this agproxy`, 'unavailable');
	if (pathname === EVENTS_PATH) {
		requireMethod(req, pathname, 'GET');
		if (!live.attach(req, res)) throw new AdminFailure(503, 'too many dashboards are attached to this agproxy', 'unavailable');
		return {status: 200, quiet: true};
	}
	requireMethod(req, pathname, 'POST');
	const body = await readJsonBody(req, ctx.bodyLimitBytes ?? ADMIN_BODY_LIMIT_BYTES);
	if (pathname === QUOTAS_REFRESH_PATH) {
		await live.refreshQuotas();
		send(res, 200, {ok: true});
	} else if (pathname === LOGIN_PATH) {
		if (typeof body !== 'object' || body === null || Array.isArray(body) || Object.keys(body).length > 0) throw new AdminFailure(400, 'expected an empty JSON object {}', 'invalid');
		send(res, 200, {ok: true, ...(await live.startLogin())});
	} else if (pathname === LOGIN_PASTE_PATH) {
		const {id, text} = parseLoginBody(body, true);
		live.pasteLogin(id, text);
		send(res, 200, {ok: true});
	} else {
		live.cancelLogin(parseLoginBody(body, false).id);
		send(res, 200, {ok: true});
	}
	return {status: 200};
}

/**
 * Serves GET /admin/ping, POST /admin/rpc and the dashboard's endpoints (and answers 404/405 for anything else under /admin). Always answers;
 * never throws. Call it for every path under /admin before the /v1 key check.
 */
export async function handleAdmin(req: IncomingMessage, res: ServerResponse, ctx: AdminContext): Promise<AdminOutcome> {
	const pathname = new URL(req.url ?? '/', 'http://localhost').pathname.replace(/\/+$/, '');
	let action: ActionName | undefined;
	const abort = new AbortController();
	// The record of this request is emitted by the HTTP layer right after we return: tell the event stream to skip it.
	const quiet = (outcome: AdminOutcome): AdminOutcome => {
		if (outcome.quiet === true) ctx.live?.hideRecord(String(res.getHeader('request-id') ?? ''));
		return outcome;
	};
	const onClose = (): void => {
		if (!res.writableFinished) abort.abort();
	};
	res.once('close', onClose);
	try {
		authorize(req, ctx);
		if (pathname === PING_PATH) {
			if (req.method !== 'GET' && req.method !== 'HEAD') throw new AdminFailure(405, `${req.method ?? '?'} ${PING_PATH}: use GET`);
			send(res, 200, {ok: true, pid: ctx.pid ?? process.pid, version: VERSION});
			return quiet({status: 200, quiet: true});
		}
		if (LIVE_PATHS.has(pathname)) return quiet(await handleLive(pathname, req, res, ctx));
		if (pathname !== RPC_PATH) throw new AdminFailure(404, `no admin endpoint ${pathname}: use POST ${RPC_PATH}`);
		if (req.method !== 'POST') throw new AdminFailure(405, `${req.method ?? '?'} ${RPC_PATH}: use POST`);
		const request = parseRequest(await readJsonBody(req, ctx.bodyLimitBytes ?? ADMIN_BODY_LIMIT_BYTES));
		action = request.action;
		const result = await runAction(ctx.actions, request.action, request.args, {signal: abort.signal});
		if (mutates(request.action)) {
			try {
				await ctx.actions.store.flush();
			} catch (error) {
				throw new AdminFailure(500, `done, but not saved to disk yet (agproxy keeps retrying): ${error instanceof Error ? error.message : String(error)}`);
			}
		}
		send(res, 200, {ok: true, result: result ?? null});
		return quiet({status: 200, action, ...(mutates(request.action) ? {} : {quiet: true})});
	} catch (error) {
		const failure = failureOf(error);
		send(res, failure.status, {
			type: 'error',
			error: {type: errorTypeFor(failure.status), message: failure.message, ...(failure.kind === undefined ? {} : {kind: failure.kind})},
		});
		return {status: failure.status, ...(action === undefined ? {} : {action}), error: failure.message};
	} finally {
		res.off('close', onClose);
		req.resume();
	}
}
