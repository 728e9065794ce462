// What an attached dashboard sees of the running server (GET /admin/events) and the few things it asks beyond the
// actions: a quota refresh and a Google sign-in. Reads the server's bus, pool and store; never changes data itself
// except by storing a signed-in account through the same action the in-process dashboard uses.
import type {IncomingMessage, ServerResponse} from 'node:http';
import type {ActionContext} from '../actions/context.js';
import {runAction} from '../actions/registry.js';
import type {AccountPool} from '../accounts/pool.js';
import type {EventBus, NoticeRecord, RequestRecord} from '../events.js';
import {VERSION} from '../version.js';
import {EventHub, type ClientStats, type EventHubOptions} from './event-hub.js';
import {type LoginRunner, LoginSessions} from './login-sessions.js';
import type {LiveEvent, LiveInfo, LiveState, LoginStatus} from './protocol.js';

export type AdminLiveDeps = {
	bus: EventBus;
	actions: ActionContext;
	pool?: Pick<AccountPool, 'snapshot' | 'onChange' | 'quota'>;
	inFlight: () => number;
	/** Read when a client attaches (the URL is known only once the server listens). */
	info: () => Omit<LiveInfo, 'version' | 'pid'>;
	login?: LoginRunner;
	pid?: number;
};

export type AdminLiveOptions = EventHubOptions & {
	/** Request records kept for a dashboard that attaches (default 100). */
	recentRequests?: number;
	/** Account snapshots at most this often (default 250 ms): the pool changes on every acquire and release. */
	accountsEveryMs?: number;
	/** How often in-flight count, keyed mode and served models are compared and sent when changed (default 500 ms). */
	stateEveryMs?: number;
};

export class AdminLive {
	private readonly hub: EventHub;
	private readonly logins: LoginSessions;
	private readonly recent: RequestRecord[] = [];
	private readonly unsubscribe: Array<() => void> = [];
	private accountsTimer: NodeJS.Timeout | undefined;
	private stateTimer: NodeJS.Timeout | undefined;
	private lastState = '';
	/** Request ids of routine admin reads whose records the stream leaves out (see AdminOutcome.quiet). */
	private readonly hidden = new Set<string>();

	constructor(
		private readonly deps: AdminLiveDeps,
		private readonly options: AdminLiveOptions = {},
	) {
		this.hub = new EventHub(options);
		this.logins = new LoginSessions({
			...(deps.login === undefined ? {} : {login: deps.login}),
			store: async record => {
				await runAction(deps.actions, 'accounts.upsert', {record});
				await deps.actions.store.flush();
			},
			onStatus: login => this.hub.broadcast({type: 'login', login}),
		});
		const onRequest = (record: RequestRecord): void => {
			if (this.hidden.delete(record.id)) return;
			this.recent.push(record);
			if (this.recent.length > (options.recentRequests ?? 100)) this.recent.shift();
			this.hub.broadcast({type: 'request', record});
		};
		const onNotice = (notice: NoticeRecord): void => this.hub.broadcast({type: 'notice', notice});
		deps.bus.on('request', onRequest);
		deps.bus.on('notice', onNotice);
		this.unsubscribe.push(() => deps.bus.off('request', onRequest), () => deps.bus.off('notice', onNotice));
		if (deps.pool) this.unsubscribe.push(deps.pool.onChange(() => this.accountsChanged()));
	}

	private state(): LiveState {
		return {
			inFlight: this.deps.inFlight(),
			keyed: this.deps.actions.store.users.count() > 0,
			servedModels: [...this.deps.actions.servedModels()].sort(),
		};
	}

	private accountsChanged(): void {
		if (this.hub.size === 0 || this.accountsTimer !== undefined) return;
		this.accountsTimer = setTimeout(() => {
			this.accountsTimer = undefined;
			this.hub.broadcast({type: 'accounts', accounts: this.deps.pool?.snapshot() ?? []});
		}, this.options.accountsEveryMs ?? 250);
		this.accountsTimer.unref();
	}

	private checkState(): void {
		if (this.hub.size === 0) {
			if (this.stateTimer !== undefined) clearInterval(this.stateTimer);
			this.stateTimer = undefined;
			return;
		}
		const state = this.state();
		const text = JSON.stringify(state);
		if (text === this.lastState) return;
		this.lastState = text;
		this.hub.broadcast({type: 'state', state});
	}

	/** GET /admin/events (already authorised): refused with 503 when too many dashboards are attached. */
	attach(_req: IncomingMessage, res: ServerResponse): boolean {
		if (!this.hub.hasRoom()) return false;
		const state = this.state();
		const snapshot: LiveEvent = {
			type: 'snapshot',
			info: {...this.deps.info(), version: VERSION, pid: this.deps.pid ?? process.pid},
			state,
			accounts: this.deps.pool?.snapshot() ?? [],
			recent: [...this.recent],
			logins: this.logins.statuses(),
		};
		this.hub.attach(res, snapshot);
		this.lastState = JSON.stringify(state);
		this.stateTimer ??= setInterval(() => this.checkState(), this.options.stateEveryMs ?? 500).unref();
		return true;
	}

	/** Leaves the record of request `id` (a routine admin read, about to be emitted) out of the stream. */
	hideRecord(id: string): void {
		if (id === '') return;
		this.hidden.add(id);
		// Emitted right after: anything older was never emitted (a request that failed before the record).
		if (this.hidden.size > 1000) this.hidden.delete(this.hidden.values().next().value ?? '');
	}

	async refreshQuotas(): Promise<void> {
		await this.deps.pool?.quota?.refresh();
	}

	startLogin(): Promise<{id: string; url: string}> {
		return this.logins.start();
	}

	pasteLogin(id: string, text: string): void {
		this.logins.paste(id, text);
	}

	cancelLogin(id: string): void {
		this.logins.cancel(id);
	}

	/** Per attached client: bytes waiting, events left out (tests, diagnostics). */
	clientStats(): ClientStats[] {
		return this.hub.stats();
	}

	/** The server stops: streams end, sign-ins are abandoned, listeners removed. Idempotent. */
	close(): void {
		for (const off of this.unsubscribe.splice(0)) off();
		if (this.accountsTimer !== undefined) clearTimeout(this.accountsTimer);
		if (this.stateTimer !== undefined) clearInterval(this.stateTimer);
		this.accountsTimer = undefined;
		this.stateTimer = undefined;
		this.logins.close();
		this.hub.close();
	}
}
