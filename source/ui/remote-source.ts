// The dashboard's view of an agproxy running in another process (`agproxy dashboard`): the same DashboardSource as the
// in-process one (connect.ts), fed by the server's event stream (GET /admin/events) and calling its admin API with the
// token from server.json. The synchronous getters read the latest state the stream delivered. When the server goes
// away the dashboard is told through notices ("disconnected — retrying"), the connection is retried (looking the
// server up again: a restarted server has a new port and token), and after `giveUpAfterMs` `gaveUp` resolves with a
// message for the user. No Ink or React here.
import type {EventEmitter as NodeEventEmitter} from 'node:events';
import type {PoolAccountSnapshot} from '../accounts/pool.js';
import {AdminClient, AdminError} from '../admin/client.js';
import type {LiveEvent, LiveInfo, LiveState, LoginStatus} from '../admin/protocol.js';
import {SseDecoder} from '../cloudcode/sse.js';
import {EventBus, type NoticeRecord, type RequestRecord} from '../events.js';
import type {DashboardSource, LoginSession} from './source.js';

/** A running server's admin API. */
export type RemoteTarget = {url: string; token: string; pid: number};

export type RemoteOptions = {
	target: RemoteTarget;
	/** Finds the server again before a retry; throws (with a message for the user) when none runs. */
	relocate?: () => Promise<RemoteTarget>;
	/** How long the server may stay away before giving up (default 60 s). */
	giveUpAfterMs?: number;
	/** Retry delays: from `retryMinMs` doubling up to `retryMaxMs` (default 250 ms .. 3 s). */
	retryMinMs?: number;
	retryMaxMs?: number;
	/** How long to wait for the first snapshot (default 10 s). */
	connectTimeoutMs?: number;
};

export type RemoteDashboard = {
	source: DashboardSource;
	/** Resolves with a one-line reason when the server stayed away too long; the dashboard should then exit. */
	gaveUp: Promise<string>;
	/** Stops the stream and the retries. Idempotent. */
	close: () => Promise<void>;
};

/** Request ids already shown, so records replayed after a reconnect are not shown twice. */
const SEEN_LIMIT = 2000;
/** Records and notices that arrived before the dashboard listened to the bus. */
const EARLY_LIMIT = 500;

type LoginWaiter = {resolve: (value: {email: string}) => void; reject: (error: Error) => void};

function messageOf(error: unknown): string {
	return error instanceof Error ? error.message : String(error);
}

function isLiveEvent(value: unknown): value is LiveEvent {
	return typeof value === 'object' && value !== null && typeof (value as {type?: unknown}).type === 'string';
}

class RemoteConnection {
	readonly bus = new EventBus();
	private client: AdminClient;
	private target: RemoteTarget;
	private info: LiveInfo;
	private state: LiveState = {inFlight: 0, keyed: false, servedModels: []};
	private accounts: PoolAccountSnapshot[] = [];
	private readonly accountListeners = new Set<() => void>();
	private readonly seen = new Set<string>();
	private readonly early: Array<['request', RequestRecord] | ['notice', NoticeRecord]> = [];
	private readonly loginWaiters = new Map<string, LoginWaiter>();
	private readonly abort = new AbortController();
	private closed = false;
	private resolveGaveUp: (reason: string) => void = () => {};
	readonly gaveUp = new Promise<string>(resolve => (this.resolveGaveUp = resolve));

	constructor(private readonly options: RemoteOptions) {
		this.target = options.target;
		this.client = new AdminClient({url: options.target.url, token: options.target.token});
		this.info = {url: options.target.url, version: '?', strategy: '?', startedAt: Date.now(), pid: options.target.pid};
		// The dashboard subscribes to the bus once it is mounted: replay what came before (the snapshot's recent requests).
		(this.bus as unknown as NodeEventEmitter).on('newListener', (name: string | symbol) => {
			if (name === 'request' || name === 'notice') setImmediate(() => this.replayEarly());
		});
	}

	private replayEarly(): void {
		const kept = this.early.splice(0);
		for (const item of kept) this.publish(item);
	}

	private publish(item: ['request', RequestRecord] | ['notice', NoticeRecord]): void {
		if (this.bus.listenerCount(item[0]) === 0) {
			this.early.push(item);
			if (this.early.length > EARLY_LIMIT) this.early.shift();
			return;
		}
		if (item[0] === 'request') this.bus.emit('request', item[1]);
		else this.bus.emit('notice', item[1]);
	}

	private notice(level: NoticeRecord['level'], message: string): void {
		this.publish(['notice', {time: new Date().toISOString(), level, message}]);
	}

	private request(record: RequestRecord): void {
		if (this.seen.has(record.id)) return;
		this.seen.add(record.id);
		if (this.seen.size > SEEN_LIMIT) {
			const oldest = this.seen.values().next().value;
			if (oldest !== undefined) this.seen.delete(oldest);
		}
		this.publish(['request', record]);
	}

	private setAccounts(accounts: PoolAccountSnapshot[]): void {
		this.accounts = accounts;
		for (const listener of this.accountListeners) listener();
	}

	private login(status: LoginStatus): void {
		if (status.state === 'pending') return;
		const waiter = this.loginWaiters.get(status.id);
		if (waiter === undefined) return;
		this.loginWaiters.delete(status.id);
		if (status.state === 'done') waiter.resolve({email: status.email ?? '?'});
		else waiter.reject(new Error(status.error ?? 'the sign-in failed'));
	}

	private handle(event: LiveEvent): void {
		switch (event.type) {
			case 'snapshot':
				this.info = event.info;
				this.state = event.state;
				this.setAccounts(event.accounts);
				for (const record of event.recent) this.request(record);
				for (const status of event.logins) this.login(status);
				break;
			case 'request':
				this.request(event.record);
				break;
			case 'notice':
				this.publish(['notice', event.notice]);
				break;
			case 'accounts':
				this.setAccounts(event.accounts);
				break;
			case 'state':
				this.state = event.state;
				break;
			case 'login':
				this.login(event.login);
				break;
			case 'dropped':
				this.notice('warn', `this dashboard read too slowly: ${event.count} request/notice event(s) from agproxy were left out`);
				break;
		}
	}

	/** Reads one connection's stream until it ends; calls `onSnapshot` after the first snapshot. */
	private async stream(onSnapshot: () => void): Promise<string> {
		const body = await this.client.openEvents(this.abort.signal);
		const decoder = new SseDecoder();
		let snapshotSeen = false;
		const take = (payloads: string[]): void => {
			for (const payload of payloads) {
				let event: unknown;
				try {
					event = JSON.parse(payload);
				} catch {
					continue; // not ours to crash on: the next event may be fine
				}
				if (!isLiveEvent(event)) continue;
				this.handle(event);
				if (event.type === 'snapshot' && !snapshotSeen) {
					snapshotSeen = true;
					onSnapshot();
				}
			}
		};
		try {
			for await (const chunk of body) take(decoder.push(chunk));
			take(decoder.end());
			return 'agproxy ended the event stream (stopping or restarting)';
		} catch (error) {
			if (this.abort.signal.aborted) return 'closed';
			return `the connection broke: ${messageOf(error)}`;
		}
	}

	/** Resolves once the first snapshot arrived; rejects when the first connection fails. Then keeps the stream alive. */
	start(): Promise<void> {
		return new Promise<void>((resolve, reject) => {
			let connected = false;
			const timeout = setTimeout(() => {
				if (connected) return;
				reject(new Error(`agproxy at ${this.target.url} did not send its dashboard state within ${Math.round((this.options.connectTimeoutMs ?? 10_000) / 1000)} s`));
				void this.close();
			}, this.options.connectTimeoutMs ?? 10_000);
			const onSnapshot = (): void => {
				if (connected) return;
				connected = true;
				clearTimeout(timeout);
				resolve();
			};
			void this.run(onSnapshot, error => {
				clearTimeout(timeout);
				reject(error);
			});
		});
	}

	private async run(onSnapshot: () => void, failFirst: (error: Error) => void): Promise<void> {
		let everConnected = false;
		let awaySince: number | undefined;
		let delay = this.options.retryMinMs ?? 250;
		for (;;) {
			let reason: string;
			let live = false;
			try {
				reason = await this.stream(() => {
					live = true;
					everConnected = true;
					if (awaySince !== undefined) this.notice('info', `reconnected to agproxy at ${this.target.url}`);
					awaySince = undefined;
					delay = this.options.retryMinMs ?? 250;
					onSnapshot();
				});
			} catch (error) {
				reason = messageOf(error);
				if (!everConnected) {
					failFirst(new Error(error instanceof AdminError && error.status === 401 ? `agproxy refused the admin token of server.json: ${reason}` : reason));
					await this.close();
					return;
				}
			}
			if (this.closed) return;
			if (!everConnected) {
				failFirst(new Error(reason));
				await this.close();
				return;
			}
			const now = Date.now();
			if (awaySince === undefined || live) {
				awaySince = now;
				this.state = {...this.state, inFlight: 0};
				this.notice('warn', `disconnected — retrying (agproxy at ${this.target.url}: ${reason})`);
			}
			const giveUpAfterMs = this.options.giveUpAfterMs ?? 60_000;
			if (now - awaySince >= giveUpAfterMs) {
				this.resolveGaveUp(`lost the connection to agproxy at ${this.target.url} and could not reconnect for ${Math.round(giveUpAfterMs / 1000)} s: ${reason}`);
				await this.close();
				return;
			}
			await new Promise(resolve => setTimeout(resolve, delay));
			delay = Math.min(delay * 2, this.options.retryMaxMs ?? 3000);
			if (this.closed) return;
			if (this.options.relocate) {
				try {
					const found = await this.options.relocate();
					if (found.url !== this.target.url || found.token !== this.target.token) {
						await this.client.close().catch(() => {});
						this.target = found;
						this.client = new AdminClient({url: found.url, token: found.token});
					}
				} catch {
					// No server right now: the next attempt fails fast and counts toward giving up.
				}
			}
		}
	}

	startLogin(): LoginSession {
		const client = this.client;
		let cancelled = false;
		let loginId: string | undefined;
		let rejectDone: (error: Error) => void = () => {};
		const started = client.startLogin().then(answer => {
			loginId = answer.id;
			if (cancelled) void client.cancelLogin(answer.id).catch(() => {});
			return answer;
		});
		const done = new Promise<{email: string}>((resolve, reject) => {
			rejectDone = reject;
			void started.then(
				({id}) => {
					if (!cancelled) this.loginWaiters.set(id, {resolve, reject});
				},
				(error: unknown) => reject(new Error(messageOf(error))),
			);
		});
		done.catch(() => {});
		const url = started.then(answer => answer.url);
		url.catch(() => {});
		return {
			url,
			done,
			paste: text => {
				const id = loginId;
				if (id === undefined) throw new Error('the sign-in has not started yet');
				client.pasteLogin(id, text).catch((error: unknown) => {
					this.loginWaiters.delete(id);
					rejectDone(new Error(messageOf(error)));
				});
			},
			cancel: () => {
				cancelled = true;
				if (loginId !== undefined) {
					this.loginWaiters.delete(loginId);
					void client.cancelLogin(loginId).catch(() => {});
				}
			},
		};
	}

	source(): DashboardSource {
		const self = this;
		return {
			info: {
				get url() {
					return self.info.url;
				},
				get version() {
					return self.info.version;
				},
				get strategy() {
					return self.info.strategy;
				},
				get startedAt() {
					return self.info.startedAt;
				},
				keyed: () => self.state.keyed,
			},
			bus: this.bus,
			accounts: () => this.accounts,
			onAccounts: listener => {
				this.accountListeners.add(listener);
				return () => this.accountListeners.delete(listener);
			},
			inFlight: () => this.state.inFlight,
			run: (action, args) => this.client.call(action, args),
			refreshQuotas: () => this.client.refreshQuotas(),
			startLogin: () => this.startLogin(),
			servedModels: () => this.state.servedModels,
		};
	}

	async close(): Promise<void> {
		if (this.closed) return;
		this.closed = true;
		this.abort.abort();
		for (const waiter of this.loginWaiters.values()) waiter.reject(new Error('the dashboard closed'));
		this.loginWaiters.clear();
		await this.client.close().catch(() => {});
	}
}

/** Connects to the server's event stream; resolves once its first snapshot arrived, rejects with a one-line reason. */
export async function connectRemote(options: RemoteOptions): Promise<RemoteDashboard> {
	const connection = new RemoteConnection(options);
	await connection.start();
	return {source: connection.source(), gaveUp: connection.gaveUp, close: () => connection.close()};
}
