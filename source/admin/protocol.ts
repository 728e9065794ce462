// The loopback admin API, shared by its server (admin/server.ts) and client (admin/client.ts).
//
//   GET  /admin/ping   -> 200 {ok: true, pid, version}
//   POST /admin/rpc    body {action: "users.create", args: {...}} -> 200 {ok: true, result}
//
// Both need `Authorization: Bearer <token>`, the token agproxy wrote to <data-dir>/server.json at start (store/lock.ts:
// createServerToken, writeServerInfo), and are answered only to loopback peers and never to browsers (a request with
// an Origin header is refused).
// Errors use Anthropic's error shape plus the action error kind, so the client rebuilds the same error class:
//   {type: "error", error: {type: "not_found_error", message: "no user 'bob' …", kind: "not_found"}}
//   400 invalid · 401 missing/wrong token · 403 not loopback / from a browser · 404 not_found · 405 wrong method
//   409 conflict · 413 body too large · 503 unavailable (e.g. groups.test with no tester) · 500 anything else
export const ADMIN_PREFIX = '/admin';
export const PING_PATH = '/admin/ping';
export const RPC_PATH = '/admin/rpc';
/** Admin requests are small; a refresh token is the largest thing they carry. */
export const ADMIN_BODY_LIMIT_BYTES = 256 * 1024;

export type PingAnswer = {ok: true; pid: number; version: string};
export type RpcRequest = {action: string; args?: unknown};
export type RpcAnswer = {ok: true; result: unknown};

export function isAdminPath(pathname: string): boolean {
	return pathname === ADMIN_PREFIX || pathname.startsWith(`${ADMIN_PREFIX}/`);
}
