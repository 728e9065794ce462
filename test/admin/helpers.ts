// Shared by the actions, admin API and CLI tests: an action context over the in-memory DataStore with a fixed clock,
// and an admin API server on a real loopback socket.
import {createServer} from 'node:http';
import type {AddressInfo} from 'node:net';
import type {ActionContext} from '../../source/actions/context.js';
import {type AdminContext, type AdminOutcome, handleAdmin} from '../../source/admin/server.js';
import {createServerToken} from '../../source/store/lock.js';
import {MemoryDataStore} from '../../source/store/memory.js';

export const SERVED: ReadonlySet<string> = new Set(['claude-sonnet-4-6', 'gemini-2.5-pro', 'gemini-3-flash']);
/** 2026-05-01 12:00 UTC */
export const T0 = Date.parse('2026-05-01T12:00:00Z');
export const DAY = 86_400_000;

export type Clock = {t: number; now: () => number};

export function clock(start = T0): Clock {
	const c: Clock = {t: start, now: () => c.t};
	return c;
}

export function context(extra: Partial<ActionContext> = {}): {ctx: ActionContext; store: MemoryDataStore; clock: Clock} {
	const store = new MemoryDataStore();
	const time = clock();
	return {ctx: {store, servedModels: () => SERVED, now: time.now, ...extra}, store, clock: time};
}

export type AdminStub = {url: string; port: number; token: string; outcomes: AdminOutcome[]; close: () => Promise<void>};

/** handleAdmin on 127.0.0.1:<free port>, as the server routes /admin/*. */
export async function startAdminStub(actions: ActionContext, options: Partial<AdminContext> = {}, host = '127.0.0.1'): Promise<AdminStub> {
	const token = options.token ?? createServerToken();
	const outcomes: AdminOutcome[] = [];
	const server = createServer((req, res) => {
		void handleAdmin(req, res, {actions, token, ...options}).then(outcome => outcomes.push(outcome));
	});
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(0, host, resolve);
	});
	const {port} = server.address() as AddressInfo;
	return {
		url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
		port,
		token,
		outcomes,
		close: () =>
			new Promise<void>(resolve => {
				server.closeAllConnections();
				server.close(() => resolve());
			}),
	};
}
