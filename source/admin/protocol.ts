// The loopback admin API, shared by its server (admin/server.ts) and client (admin/client.ts).
//
//   GET  /admin/ping   -> 200 {ok: true, pid, version}
//   POST /admin/rpc    body {action: "users.create", args: {...}} -> 200 {ok: true, result}
//   GET  /admin/events -> text/event-stream of LiveEvent (`event: <type>` + `data: <json>`): a `snapshot` first, then
//                         requests, notices, coalesced account snapshots and state; `: ping` comments as heartbeats
//   POST /admin/quotas/refresh                  -> 200 {ok: true} once every account's quota was fetched
//   POST /admin/login        body {}             -> 200 {ok: true, id, url}: a Google sign-in run by the server
//   POST /admin/login/paste  body {id, text}     -> 200 {ok: true}: the redirect URL or code the user pasted
//   POST /admin/login/cancel body {id}           -> 200 {ok: true}
//   (a sign-in's outcome arrives on the event stream as a `login` event)
//
// All need `Authorization: Bearer <token>`, the token agproxy wrote to <data-dir>/server.json at start (store/lock.ts:
// createServerToken, writeServerInfo), and are answered only to loopback peers and never to browsers (a request with
// an Origin header is refused).
// Errors use Anthropic's error shape plus the action error kind, so the client rebuilds the same error class:
//   {type: "error", error: {type: "not_found_error", message: "no user 'bob' …", kind: "not_found"}}
//   400 invalid · 401 missing/wrong token · 403 not loopback / from a browser · 404 not_found · 405 wrong method
//   409 conflict · 413 body too large · 503 unavailable (e.g. groups.test with no tester) · 500 anything else
import type {PoolAccountSnapshot} from '../accounts/pool.js';
import type {NoticeRecord, RequestRecord} from '../events.js';

export const ADMIN_PREFIX = '/admin';
export const PING_PATH = '/admin/ping';
export const RPC_PATH = '/admin/rpc';
/** Admin requests are small; a refresh token is the largest thing they carry. */
export const ADMIN_BODY_LIMIT_BYTES = 256 * 1024;

export const EVENTS_PATH = '/admin/events';
export const QUOTAS_REFRESH_PATH = '/admin/quotas/refresh';
export const LOGIN_PATH = '/admin/login';
export const LOGIN_PASTE_PATH = '/admin/login/paste';
export const LOGIN_CANCEL_PATH = '/admin/login/cancel';

export type PingAnswer = {ok: true; pid: number; version: string};
export type RpcRequest = {action: string; args?: unknown};
export type RpcAnswer = {ok: true; result: unknown};

export function isAdminPath(pathname: string): boolean {
	return pathname === ADMIN_PREFIX || pathname.startsWith(`${ADMIN_PREFIX}/`);
}

// ---- the event stream (GET /admin/events) -----------------------------------------------------------------------

/** The server, as the dashboard's header shows it. */
export type LiveInfo = {url: string; version: string; strategy: string; startedAt: number; pid: number};
/** What changes without an event of its own; sent again whenever it changed. */
export type LiveState = {inFlight: number; keyed: boolean; servedModels: string[]};
/** A sign-in started through POST /admin/login. */
export type LoginStatus = {id: string; state: 'pending' | 'done' | 'failed'; email?: string; error?: string};

export type LiveEvent =
	| {type: 'snapshot'; info: LiveInfo; state: LiveState; accounts: PoolAccountSnapshot[]; recent: RequestRecord[]; logins: LoginStatus[]}
	| {type: 'request'; record: RequestRecord}
	| {type: 'notice'; notice: NoticeRecord}
	| {type: 'accounts'; accounts: PoolAccountSnapshot[]}
	| {type: 'state'; state: LiveState}
	| {type: 'login'; login: LoginStatus}
	/** This client read too slowly: `count` request/notice events were left out for it (accounts and state are coalesced, never lost). */
	| {type: 'dropped'; count: number};

export type LoginStartAnswer = {ok: true; id: string; url: string};
