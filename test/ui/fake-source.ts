// A DashboardSource over real state kept in memory: the real actions (runAction) over a MemoryDataStore, a fake pool
// whose snapshot the test shapes (health, quotas, limits), an EventBus the test emits requests into, and a sign-in
// whose outcome the test decides. Tests assert on what the dashboard shows AND on this state after each key flow.
import type {PoolAccountSnapshot} from '../../source/accounts/pool.js';
import type {AccountRecord, ModelState} from '../../source/accounts/types.js';
import type {ActionContext} from '../../source/actions/context.js';
import {type ActionArgs, type ActionName, type ActionResult, runAction} from '../../source/actions/registry.js';
import {EventBus, type RequestRecord} from '../../source/events.js';
import {MemoryDataStore} from '../../source/store/memory.js';
import type {DashboardSource, LoginSession} from '../../source/ui/source.js';

export const SERVED = ['claude-sonnet-4-6', 'claude-opus-4-6', 'gemini-2.5-pro', 'gemini-3-flash'];
export const LOGIN_URL = `https://accounts.google.com/o/oauth2/v2/auth?client_id=${'1234567890-abcdefghijklmnop'.repeat(2)}.apps.googleusercontent.com&redirect_uri=http%3A%2F%2Flocalhost%3A51121%2Foauth-callback&response_type=code&scope=openid%20email&state=xyz`;

export type Runtime = Partial<Pick<PoolAccountSnapshot, 'health' | 'invalidReason' | 'requestsServed' | 'inFlight' | 'cooldown' | 'quotaFetchedAt' | 'tier'>> & {models?: Record<string, ModelState>};

/** The pool as the dashboard sees it: stored records plus runtime state the test sets. */
export class FakePool {
	readonly runtime = new Map<string, Runtime>();
	private records: AccountRecord[] = [];
	private readonly listeners = new Set<() => void>();
	reloads = 0;

	constructor(private readonly store: MemoryDataStore) {}

	async reload(): Promise<void> {
		this.reloads++;
		this.records = await this.store.accounts.list();
		this.changed();
	}

	async setEnabled(email: string, enabled: boolean): Promise<boolean> {
		const updated = await this.store.accounts.update(email, {enabled});
		if (updated === undefined) return false;
		await this.reload();
		return true;
	}

	snapshot(): PoolAccountSnapshot[] {
		return this.records.map(record => {
			const extra = this.runtime.get(record.email.toLowerCase()) ?? {};
			const health = record.invalid !== undefined ? 'invalid' : !record.enabled ? 'disabled' : (extra.health ?? 'active');
			return {
				email: record.email,
				...(record.tier === undefined ? {} : {tier: record.tier}),
				health,
				...(record.invalid === undefined ? {} : {invalidReason: record.invalid.reason}),
				enabled: record.enabled,
				requestsServed: extra.requestsServed ?? 0,
				inFlight: extra.inFlight ?? 0,
				...(extra.quotaFetchedAt === undefined ? {} : {quotaFetchedAt: extra.quotaFetchedAt}),
				...(extra.invalidReason === undefined ? {} : {invalidReason: extra.invalidReason}),
				models: extra.models ?? {},
				queued: 0,
				sessions: 0,
				...(extra.cooldown === undefined ? {} : {cooldown: extra.cooldown}),
			};
		});
	}

	onChange(listener: () => void): () => void {
		this.listeners.add(listener);
		return () => this.listeners.delete(listener);
	}

	changed(): void {
		for (const listener of this.listeners) listener();
	}
}

export type FakeLogin = {pasted: string[]; cancelled: boolean};

export type FakeSource = DashboardSource & {
	store: MemoryDataStore;
	pool: FakePool;
	calls: Array<{action: ActionName; args: unknown}>;
	logins: FakeLogin[];
	quotaRefreshes: number;
	inFlightNow: number;
	/** What groups.test answers with (default: the first member). */
	testAnswer?: (alias: string) => {model: string; text: string};
	emitRequest: (partial?: Partial<RequestRecord>) => RequestRecord;
};

export function account(email: string, extra: Partial<AccountRecord> = {}): AccountRecord {
	return {email, refreshToken: `rt-${email}`, projectId: `proj-${email.split('@')[0] ?? ''}`, enabled: true, addedAt: '2026-05-01T00:00:00.000Z', ...extra};
}

let requestSeq = 0;

export function requestRecord(partial: Partial<RequestRecord> = {}): RequestRecord {
	requestSeq++;
	return {
		id: `req_${String(requestSeq).padStart(6, '0')}`,
		time: new Date().toISOString(),
		method: 'POST',
		path: '/v1/messages',
		status: 200,
		latencyMs: 1234,
		ttftMs: 321,
		stream: true,
		modelAsked: 'claude-sonnet-4-6',
		modelServed: 'claude-sonnet-4-6',
		account: 'alice@example.com',
		user: 'bob',
		inputTokens: 1200,
		outputTokens: 340,
		cachedTokens: 1000,
		...partial,
	};
}

export async function createFakeSource(options: {accounts?: AccountRecord[]; runtime?: Record<string, Runtime>; startedAt?: number} = {}): Promise<FakeSource> {
	const store = new MemoryDataStore({accounts: options.accounts ?? []});
	const pool = new FakePool(store);
	for (const [email, runtime] of Object.entries(options.runtime ?? {})) pool.runtime.set(email.toLowerCase(), runtime);
	await pool.reload();
	const bus = new EventBus();
	const calls: FakeSource['calls'] = [];
	const logins: FakeLogin[] = [];
	const ctx: ActionContext = {
		store,
		pool,
		servedModels: () => new Set(SERVED),
		testGroup: async ({alias, owner}) => {
			const answer = source.testAnswer?.(alias);
			if (answer !== undefined) return answer;
			const group = store.groups.get(alias, owner);
			const first = group?.members.slice().sort((a, b) => a.order - b.order)[0];
			if (first === undefined) throw new Error('no member answered');
			return {model: first.model, text: 'pong'};
		},
	};
	const source: FakeSource = {
		info: {url: 'http://127.0.0.1:8080', version: '0.1.0', strategy: 'sticky', startedAt: options.startedAt ?? Date.now() - 3_723_000, keyed: () => store.users.list().length > 0},
		bus,
		accounts: () => pool.snapshot(),
		onAccounts: listener => pool.onChange(listener),
		inFlight: () => source.inFlightNow,
		run: async <N extends ActionName>(action: N, args: ActionArgs<N>): Promise<ActionResult<N>> => {
			calls.push({action, args});
			return await runAction(ctx, action, args);
		},
		refreshQuotas: async () => {
			source.quotaRefreshes++;
			pool.changed();
		},
		startLogin: (): LoginSession => {
			const login: FakeLogin = {pasted: [], cancelled: false};
			logins.push(login);
			let resolve: (value: {email: string}) => void = () => {};
			let reject: (error: Error) => void = () => {};
			const done = new Promise<{email: string}>((res, rej) => {
				resolve = res;
				reject = rej;
			});
			done.catch(() => {});
			return {
				url: Promise.resolve(LOGIN_URL),
				paste: text => {
					login.pasted.push(text);
					if (text.includes('bad')) {
						setTimeout(() => reject(new Error('invalid_grant: the code was already used or expired')), 5);
						return;
					}
					const email = 'new.person@example.com';
					setTimeout(() => {
						void runAction(ctx, 'accounts.upsert', {record: {email, refreshToken: 'rt-new'}}).then(
							() => pool.reload().then(() => resolve({email})),
							(error: unknown) => reject(error instanceof Error ? error : new Error(String(error))),
						);
					}, 5);
				},
				done,
				cancel: () => {
					login.cancelled = true;
					reject(new Error('cancelled'));
				},
			};
		},
		servedModels: () => [...SERVED],
		store,
		pool,
		calls,
		logins,
		quotaRefreshes: 0,
		inFlightNow: 0,
		emitRequest: partial => {
			const record = requestRecord(partial);
			bus.emit('request', record);
			return record;
		},
	};
	return source;
}
