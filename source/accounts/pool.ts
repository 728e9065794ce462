// The multi-account pool: which Google account serves each request, how many at once, and what every upstream failure
// means for the account (rate-limit.ts decides, strategies.ts chooses, this file keeps the state and applies both).
//
// - Accounts come from the AccountStore (reloaded when it changes); disabled, invalid and project-less ones are skipped.
// - Per account a p-queue bounds concurrent requests (perAccountConcurrency, default 8): acquire() takes a slot,
//   Credential.release() (or report()) frees it.
// - Per account+model: the limit (rate_limited / capacity / exhausted, with `until`), consecutive failures, last use,
//   quota (from the QuotaRefresher). Limits are per model: an account exhausted on one model serves the others.
// - acquire() waits when every usable account is briefly limited (never longer than maxWaitMs, default 120 s, in
//   total, and never past the abort signal); when they are all out for longer it throws 429 with retry-after = the
//   earliest reset; with no usable account at all, 503. It never hangs.
import PQueue from 'p-queue';
import {setTimeout as sleepTimer} from 'node:timers/promises';
import type {UpstreamError, UpstreamErrorKind} from '../cloudcode/errors.js';
import {HttpError} from '../http/errors.js';
import type {UpstreamClient} from '../upstream/client.js';
import type {AccountsSummary, Credential, CredentialProvider, RetryAdvice} from '../upstream/credentials.js';
import {type FailureMemory, type ModelLimit, type RateLimitPolicy, decideFailure, decideSuccess} from './rate-limit.js';
import {type AvailableModels, type QuotaReport, type QuotaSink, QuotaRefresher} from './quota.js';
import {type AccountView, type StrategyName, DEFAULT_QUOTA_THRESHOLD, DEFAULT_STICKY_WAIT_MS, select} from './strategies.js';
import {
	type AccountHealth,
	type AccountRecord,
	type AccountSnapshot,
	type AccountStore,
	type ModelQuota,
	type ModelState,
	type TokenSource,
	InvalidGrantError,
} from './types.js';

export type PoolOptions = {
	store: AccountStore;
	tokens: TokenSource;
	/** When given, the pool runs a QuotaRefresher (fetchAvailableModels per account) started by start(). */
	client?: Pick<UpstreamClient, 'call'>;
	/** default 'sticky' */
	strategy?: StrategyName;
	/** Longest an acquire waits for a limited account, in total (default 120 s). Longer limits move conversations. */
	maxWaitMs?: number;
	/** A bound account limited for at most this long is waited for even when others are free (default 2 s). */
	stickyWaitMs?: number;
	/** Concurrent requests per account (default 8). */
	perAccountConcurrency?: number;
	/** quota-aware: accounts under this remainingFraction are avoided (default 0.05). */
	quotaThreshold?: number;
	/** A conversation's binding is forgotten after this long unused (default 1 h), and beyond maxSessions (10 000). */
	sessionTtlMs?: number;
	maxSessions?: number;
	/** QuotaRefresher period (default 5 min). */
	quotaIntervalMs?: number;
	now?: () => number;
	/** Abortable; resolves (never rejects) after ms or on abort. */
	sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
	/** [0, 1) for the capacity-backoff jitter. */
	random?: () => number;
	policy?: Partial<RateLimitPolicy>;
};

/** What changed, for the dashboard and the log. Never carries tokens. */
export type PoolEvent =
	| {type: 'accounts'; total: number}
	| {type: 'acquired'; email: string; model: string; sessionKey: string; why: string}
	| {type: 'released'; email: string}
	| {type: 'waiting'; email: string; model: string; ms: number; why: string}
	| {type: 'success'; email: string; model: string}
	| {type: 'failure'; email: string; model: string; kind: UpstreamErrorKind; status: number; limit?: ModelLimit; duplicate: boolean; quotaHint: boolean}
	| {type: 'invalid'; email: string; reason: string; url?: string}
	| {type: 'cooldown'; email: string; until: number; reason: string}
	| {type: 'enabled'; email: string; enabled: boolean}
	/** An account became usable after the start: added, enabled again, signed in again (the quota refresher fetches at once). */
	| {type: 'usable'; email: string; why: 'added' | 'enabled' | 'signed in again'}
	| {type: 'quota'; email: string}
	| {type: 'notice'; level: 'info' | 'warn' | 'error'; message: string; email?: string};

/** The shared snapshot plus what only the pool knows. */
export type PoolAccountSnapshot = AccountSnapshot & {
	/** Requests waiting for a concurrency slot. */
	queued: number;
	/** Conversations bound to the account. */
	sessions: number;
	/** Account-wide cooldown (a second 401, a permission error, a failed token refresh). */
	cooldown?: {until: number; reason: string};
};

type ModelRuntime = FailureMemory & {lastUsed?: number; quota?: ModelQuota};

type Entry = {
	email: string;
	record: AccountRecord;
	order: number;
	queue: PQueue;
	/** Slots held right now (p-queue's own count lags a few microtasks behind a release). */
	held: number;
	requestsServed: number;
	lastUsed?: number;
	models: Map<string, ModelRuntime>;
	authFailures: number;
	cooldown?: {until: number; reason: string};
	/** Marked invalid by this process (the store may not show it yet). */
	invalid?: {reason: string; url?: string; at: string};
	/** A forced token refresh after a 401; the next acquire waits for it. */
	refreshing?: Promise<string | undefined>;
	quotaFetchedAt?: number;
	/** Models fetchAvailableModels listed for this account. */
	offered?: Set<string>;
};

type Lease = {entry: Entry; sessionKey: string; release: () => void};

export const DEFAULT_MAX_WAIT_MS = 120_000;
export const DEFAULT_CONCURRENCY = 8;
export const DEFAULT_SESSION_TTL_MS = 3_600_000;
export const DEFAULT_MAX_SESSIONS = 10_000;
/** A failed token refresh that is not invalid_grant (network, Google down): the account rests this long. */
const TOKEN_FAILURE_COOLDOWN_MS = 30_000;
/** A "retry on the same account" hint after a 401 is honoured this long. */
const RETRY_HINT_TTL_MS = 60_000;

const key = (email: string): string => email.trim().toLowerCase();

function defaultSleep(ms: number, signal: AbortSignal): Promise<void> {
	return sleepTimer(ms, undefined, {signal}).catch(() => undefined);
}

/** Error text from elsewhere, shortened, with anything token-shaped removed. */
export function redact(text: string): string {
	return text
		.replace(/ya29\.[\w.-]+/g, 'ya29.…')
		.replace(/1\/\/[\w.-]+/g, '1//…')
		.replace(/Bearer\s+\S+/gi, 'Bearer …')
		.slice(0, 300);
}

function formatWait(ms: number): string {
	const seconds = Math.max(1, Math.ceil(ms / 1000));
	if (seconds < 60) return `${seconds}s`;
	const minutes = Math.floor(seconds / 60);
	if (minutes < 60) return `${minutes}m${seconds % 60 > 0 ? `${seconds % 60}s` : ''}`;
	const hours = Math.floor(minutes / 60);
	if (hours < 48) return `${hours}h${minutes % 60}m`;
	return `${Math.floor(hours / 24)}d${hours % 24}h`;
}

function aborted(): HttpError {
	return new HttpError(499, 'client closed the request', {}, 'api_error');
}

export class AccountPool implements CredentialProvider, QuotaSink {
	readonly strategy: StrategyName;
	readonly maxWaitMs: number;
	readonly quota?: QuotaRefresher;
	private readonly store: AccountStore;
	private readonly tokens: TokenSource;
	private readonly stickyWaitMs: number;
	private readonly concurrency: number;
	private readonly quotaThreshold: number;
	private readonly sessionTtlMs: number;
	private readonly maxSessions: number;
	private readonly now: () => number;
	private readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
	private readonly random: () => number;
	private readonly policy: Partial<RateLimitPolicy>;
	private readonly entries = new Map<string, Entry>();
	/** sessionKey -> binding, least recently used first. */
	private readonly bindings = new Map<string, {email: string; seen: number}>();
	private readonly sessionCounts = new Map<string, number>();
	/** sessionKey -> what the next attempt should do: the same account (after a token refresh) or another (after a 5xx). */
	private readonly retryHints = new Map<string, {email: string; at: number; prefer: 'same' | 'other'}>();
	private readonly leases = new WeakMap<Credential, Lease>();
	private readonly listeners = new Set<(event: PoolEvent) => void>();
	private cursor = 0;
	private loadError?: string;
	private loadedOnce = false;
	private reloading: Promise<void> = Promise.resolve();
	private readonly ready: Promise<void>;
	private readonly unwatch: () => void;

	constructor(options: PoolOptions) {
		this.store = options.store;
		this.tokens = options.tokens;
		this.strategy = options.strategy ?? 'sticky';
		this.maxWaitMs = options.maxWaitMs ?? DEFAULT_MAX_WAIT_MS;
		this.stickyWaitMs = options.stickyWaitMs ?? DEFAULT_STICKY_WAIT_MS;
		this.concurrency = Math.max(1, Math.floor(options.perAccountConcurrency ?? DEFAULT_CONCURRENCY));
		this.quotaThreshold = options.quotaThreshold ?? DEFAULT_QUOTA_THRESHOLD;
		this.sessionTtlMs = options.sessionTtlMs ?? DEFAULT_SESSION_TTL_MS;
		this.maxSessions = options.maxSessions ?? DEFAULT_MAX_SESSIONS;
		this.now = options.now ?? Date.now;
		this.sleep = options.sleep ?? defaultSleep;
		this.random = options.random ?? Math.random;
		this.policy = options.policy ?? {};
		this.ready = this.reload();
		this.unwatch = this.store.watch(() => {
			void this.reload();
		});
		if (options.client !== undefined) {
			this.quota = new QuotaRefresher({
				pool: this,
				tokens: options.tokens,
				client: options.client,
				now: this.now,
				...(options.quotaIntervalMs === undefined ? {} : {intervalMs: options.quotaIntervalMs}),
			});
		}
	}

	/** Loads the accounts and starts the quota refresher (its first fetch runs in the background). */
	async start(): Promise<void> {
		await this.ready;
		this.quota?.start();
	}

	/** Resolves once the accounts were loaded (start() includes it). */
	loaded(): Promise<void> {
		return this.ready;
	}

	close(): void {
		this.unwatch();
		this.quota?.stop();
		this.listeners.clear();
	}

	onChange(listener: (event: PoolEvent) => void): () => void {
		this.listeners.add(listener);
		return () => this.listeners.delete(listener);
	}

	/** The models the accounts really offer (from fetchAvailableModels), when a quota refresher runs. */
	availableModels(): AvailableModels | undefined {
		return this.quota?.models();
	}

	private emit(event: PoolEvent): void {
		for (const listener of this.listeners) {
			try {
				listener(event);
			} catch {
				// A broken listener must not break request handling.
			}
		}
	}

	// ---- accounts from the store ----

	/** Re-reads the store; runtime state of accounts that stay is kept. Serialised. */
	reload(): Promise<void> {
		this.reloading = this.reloading.then(() => this.reloadNow());
		return this.reloading;
	}

	private async reloadNow(): Promise<void> {
		let records: AccountRecord[];
		try {
			records = await this.store.list();
			this.loadError = undefined;
		} catch (error) {
			this.loadError = redact(error instanceof Error ? error.message : String(error));
			this.emit({type: 'notice', level: 'error', message: `could not read the account store: ${this.loadError}`});
			return;
		}
		const seen = new Set<string>();
		const usable: Array<Extract<PoolEvent, {type: 'usable'}>> = [];
		records.forEach((record, order) => {
			const id = key(record.email);
			if (seen.has(id)) return;
			seen.add(id);
			const existing = this.entries.get(id);
			if (existing === undefined) {
				const entry = this.newEntry(record, order);
				this.entries.set(id, entry);
				if (this.eligible(entry)) usable.push({type: 'usable', email: entry.email, why: 'added'});
				return;
			}
			const wasEligible = this.eligible(existing);
			const wasEnabled = existing.record.enabled;
			// A new login (new refresh token), an invalid flag cleared in the store or a new client version gives the account a fresh start.
			if (
				existing.record.refreshToken !== record.refreshToken ||
				(existing.record.invalid !== undefined && record.invalid === undefined) ||
				existing.record.clientVersion !== record.clientVersion
			) {
				existing.invalid = undefined;
				existing.authFailures = 0;
				existing.cooldown = undefined;
			}
			existing.record = record;
			existing.order = order;
			if (!wasEligible && this.eligible(existing)) usable.push({type: 'usable', email: existing.email, why: wasEnabled ? 'signed in again' : 'enabled'});
		});
		for (const [id, entry] of this.entries) {
			if (seen.has(id)) continue;
			this.entries.delete(id);
			this.tokens.forget(entry.email);
		}
		this.emit({type: 'accounts', total: this.entries.size});
		// The first load is the start: the quota refresher's first round fetches those accounts anyway.
		if (this.loadedOnce) for (const event of usable) this.emit(event);
		this.loadedOnce = true;
	}

	private newEntry(record: AccountRecord, order: number): Entry {
		return {
			email: record.email,
			record,
			order,
			queue: new PQueue({concurrency: this.concurrency}),
			held: 0,
			requestsServed: 0,
			models: new Map(),
			authFailures: 0,
		};
	}

	private sortedEntries(): Entry[] {
		return [...this.entries.values()].sort((a, b) => a.order - b.order);
	}

	private invalidOf(entry: Entry): {reason: string; url?: string} | undefined {
		if (entry.invalid !== undefined) return entry.invalid;
		if (entry.record.invalid !== undefined) return entry.record.invalid;
		if (!entry.record.projectId) return {reason: 'no Cloud Code project yet: run `agproxy accounts add` again'};
		return undefined;
	}

	private eligible(entry: Entry): boolean {
		return entry.record.enabled && this.invalidOf(entry) === undefined;
	}

	async setEnabled(email: string, enabled: boolean): Promise<boolean> {
		const updated = await this.store.update(email, {enabled});
		const entry = this.entries.get(key(email));
		if (updated === undefined && entry === undefined) return false;
		// Measured after the update: a store reload that ran meanwhile already counted the change.
		const wasEligible = entry !== undefined && this.eligible(entry);
		if (entry !== undefined) entry.record = updated ?? {...entry.record, enabled};
		this.emit({type: 'enabled', email: entry?.email ?? email, enabled});
		if (entry !== undefined && !wasEligible && this.eligible(entry)) this.emit({type: 'usable', email: entry.email, why: 'enabled'});
		return true;
	}

	private markInvalid(entry: Entry, reason: string, url: string | undefined, persist: boolean): void {
		const at = new Date(this.now()).toISOString();
		entry.invalid = {reason, at, ...(url === undefined ? {} : {url})};
		this.emit({type: 'invalid', email: entry.email, reason, ...(url === undefined ? {} : {url})});
		this.emit({type: 'notice', level: 'warn', message: `account ${entry.email} is unusable: ${reason}${url ? ` (${url})` : ''}`, email: entry.email});
		if (!persist) return;
		this.store.update(entry.email, {invalid: {reason, at, ...(url === undefined ? {} : {url})}}).catch((error: unknown) => {
			this.emit({type: 'notice', level: 'error', message: `could not save that ${entry.email} is invalid: ${redact(String(error))}`, email: entry.email});
		});
	}

	private coolDown(entry: Entry, until: number, reason: string): void {
		if (entry.cooldown !== undefined && entry.cooldown.until >= until) return;
		entry.cooldown = {until, reason};
		this.emit({type: 'cooldown', email: entry.email, until, reason});
	}

	// ---- conversations ----

	/** The account a conversation is bound to, if any. */
	bindingOf(sessionKey: string): string | undefined {
		const binding = this.bindings.get(sessionKey);
		if (binding === undefined || this.now() - binding.seen > this.sessionTtlMs) return undefined;
		return binding.email;
	}

	private bind(sessionKey: string, email: string): void {
		const current = this.bindings.get(sessionKey);
		if (current !== undefined) {
			this.bindings.delete(sessionKey);
			this.sessionCounts.set(current.email, (this.sessionCounts.get(current.email) ?? 1) - 1);
		}
		this.bindings.set(sessionKey, {email, seen: this.now()});
		this.sessionCounts.set(email, (this.sessionCounts.get(email) ?? 0) + 1);
		while (this.bindings.size > this.maxSessions) this.dropOldestBinding();
	}

	private touch(sessionKey: string): void {
		const binding = this.bindings.get(sessionKey);
		if (binding === undefined) return;
		this.bindings.delete(sessionKey);
		this.bindings.set(sessionKey, {email: binding.email, seen: this.now()});
	}

	private dropOldestBinding(): void {
		const first = this.bindings.entries().next();
		if (first.done === true) return;
		const [sessionKey, binding] = first.value;
		this.bindings.delete(sessionKey);
		this.sessionCounts.set(binding.email, Math.max(0, (this.sessionCounts.get(binding.email) ?? 1) - 1));
	}

	private expireBindings(now: number): void {
		for (const [, binding] of this.bindings) {
			if (now - binding.seen <= this.sessionTtlMs) break;
			this.dropOldestBinding();
		}
		for (const [sessionKey, hint] of this.retryHints) {
			if (now - hint.at > RETRY_HINT_TTL_MS) this.retryHints.delete(sessionKey);
		}
	}

	// ---- per account+model state ----

	private modelState(entry: Entry, model: string): ModelRuntime {
		let state = entry.models.get(model);
		if (state === undefined) {
			state = {consecutiveFailures: 0};
			entry.models.set(model, state);
		}
		return state;
	}

	/** The limit that applies to this account for this model now (the later of the model's and the account's). */
	private activeLimit(entry: Entry, model: string, now: number): AccountView['limit'] {
		const modelLimit = entry.models.get(model)?.limit;
		const fromModel = modelLimit !== undefined && modelLimit.until > now ? {kind: modelLimit.kind, until: modelLimit.until} : undefined;
		const fromAccount = entry.cooldown !== undefined && entry.cooldown.until > now ? {kind: 'cooldown' as const, until: entry.cooldown.until} : undefined;
		if (fromModel === undefined) return fromAccount;
		if (fromAccount === undefined) return fromModel;
		return fromAccount.until > fromModel.until ? fromAccount : fromModel;
	}

	private view(entry: Entry, model: string, now: number): AccountView {
		const state = entry.models.get(model);
		const limit = this.activeLimit(entry, model, now);
		const reset = state?.quota?.resetTime === undefined ? Number.NaN : Date.parse(state.quota.resetTime);
		// Past its reset the fetched fraction is stale (the quota refilled): unknown until the next fetch.
		const fraction = reset <= now ? undefined : state?.quota?.remainingFraction;
		return {
			email: entry.email,
			...(limit === undefined ? {} : {limit}),
			inFlight: entry.held,
			capacity: this.concurrency,
			queued: entry.queue.size,
			sessions: this.sessionCounts.get(entry.email) ?? 0,
			...(entry.lastUsed === undefined ? {} : {lastUsed: entry.lastUsed}),
			...(fraction === undefined ? {} : {remainingFraction: fraction}),
			...(Number.isNaN(reset) || reset <= now ? {} : {resetAt: reset}),
		};
	}

	/** Eligible accounts for this model; accounts whose model list lacks it are left out when another lists it. */
	private candidates(model: string): Entry[] {
		const eligible = this.sortedEntries().filter((entry) => this.eligible(entry));
		const listed = eligible.some((entry) => entry.offered?.has(model) === true);
		return listed ? eligible.filter((entry) => entry.offered === undefined || entry.offered.has(model)) : eligible;
	}

	private usableFor(entry: Entry, model: string): boolean {
		return this.eligible(entry) && this.activeLimit(entry, model, this.now()) === undefined;
	}

	// ---- CredentialProvider ----

	async acquire(model: string, sessionKey: string, signal: AbortSignal): Promise<Credential> {
		await this.ready;
		const deadline = this.now() + this.maxWaitMs;
		const maxRounds = 20 + this.entries.size * 4;
		for (let round = 0; round < maxRounds; round++) {
			if (signal.aborted) throw aborted();
			const now = this.now();
			this.expireBindings(now);
			const entries = this.candidates(model);
			if (entries.length === 0) throw this.noAccountError();

			const hint = sessionKey === '' ? undefined : this.retryHints.get(sessionKey);
			let chosen: Entry | undefined;
			let why = '';
			let choices = entries;
			let detour = false;
			if (hint !== undefined) {
				this.retryHints.delete(sessionKey);
				const hinted = this.entries.get(key(hint.email));
				if (hint.prefer === 'same' && hinted !== undefined && entries.includes(hinted) && this.usableFor(hinted, model)) {
					chosen = hinted;
					why = 'retry on the same account after a token refresh';
				} else if (hint.prefer === 'other') {
					// A server error on the bound account: retry this one request elsewhere when another account can take it,
					// keeping the binding (the error may be a blip; the conversation's cache lives there).
					const others = entries.filter((entry) => entry !== hinted && this.usableFor(entry, model));
					if (others.length > 0) {
						choices = others;
						detour = true;
					}
				}
			}
			if (chosen === undefined) {
				const bound = sessionKey === '' || detour ? undefined : this.bindingOf(sessionKey);
				const selection = select({
					strategy: this.strategy,
					now,
					accounts: choices.map((entry) => this.view(entry, model, now)),
					...(bound === undefined ? {} : {bound}),
					cursor: this.cursor,
					maxWaitMs: this.maxWaitMs,
					waitBudgetMs: Math.max(0, deadline - now),
					stickyWaitMs: this.stickyWaitMs,
					quotaThreshold: this.quotaThreshold,
				});
				if (selection.kind === 'out') throw this.outError(model, entries, selection.retryAt);
				if (selection.kind === 'wait') {
					// Google out of capacity and no other account to try: Claude Code and the SDKs retry a 529 themselves
					// (with backoff), so answer at once instead of holding the client for the 5-15 s backoff.
					const waitedFor = this.entries.get(key(selection.email));
					const everyOutUntil = this.earliestEnd(entries, model, now);
					if (waitedFor !== undefined && everyOutUntil !== undefined && this.overloaded(waitedFor, model, now)) {
						throw this.overloadError(model, entries, everyOutUntil);
					}
					const ms = Math.max(0, selection.until - now);
					this.emit({type: 'waiting', email: selection.email, model, ms, why: selection.why});
					await this.sleep(ms, signal);
					continue;
				}
				chosen = this.entries.get(key(selection.email));
				if (chosen === undefined) continue;
				why = detour ? `retry on another account after a server error (${selection.why})` : selection.why;
				if (selection.cursor !== undefined) this.cursor = selection.cursor;
				if (sessionKey !== '' && !detour) {
					if (selection.bind !== undefined) this.bind(sessionKey, selection.bind);
					else this.touch(sessionKey);
				}
			}

			const release = await this.takeSlot(chosen, signal);
			// The account may have been limited, disabled or removed while this request queued for it.
			if (!this.entries.has(key(chosen.email)) || !this.usableFor(chosen, model)) {
				release();
				continue;
			}
			let accessToken: string;
			try {
				accessToken = await this.accessToken(chosen, signal);
			} catch (error) {
				release();
				if (signal.aborted) throw aborted();
				this.tokenFailed(chosen, error);
				continue;
			}
			const project = chosen.record.projectId ?? '';
			const at = this.now();
			chosen.lastUsed = at;
			this.modelState(chosen, model).lastUsed = at;
			const credential: Credential = {accountId: chosen.email, accessToken, project, release, ...(chosen.record.clientVersion === undefined ? {} : {clientVersion: chosen.record.clientVersion})};
			this.leases.set(credential, {entry: chosen, sessionKey, release});
			this.emit({type: 'acquired', email: chosen.email, model, sessionKey, why});
			return credential;
		}
		throw new HttpError(503, 'agproxy could not settle on a Google account (the accounts kept changing); retry', {'retry-after': '1'}, 'api_error');
	}

	/** Waits for a concurrency slot on the account; the returned function frees it (idempotent). */
	private takeSlot(entry: Entry, signal: AbortSignal): Promise<() => void> {
		return new Promise<() => void>((resolve, reject) => {
			// The caller's signal may cancel the wait in the queue, never a slot already held (release() does that).
			const whileQueued = new AbortController();
			const onAbort = (): void => whileQueued.abort();
			signal.addEventListener('abort', onAbort, {once: true});
			entry.queue
				.add(
					() =>
						new Promise<void>((done) => {
							signal.removeEventListener('abort', onAbort);
							entry.held++;
							let released = false;
							const release = (): void => {
								if (released) return;
								released = true;
								entry.held--;
								done();
								this.emit({type: 'released', email: entry.email});
							};
							if (signal.aborted) {
								release();
								reject(aborted());
								return;
							}
							resolve(release);
						}),
					{signal: whileQueued.signal},
				)
				.catch(() => {
					signal.removeEventListener('abort', onAbort);
					reject(aborted());
				});
		});
	}

	private async accessToken(entry: Entry, signal: AbortSignal): Promise<string> {
		const refreshing = entry.refreshing;
		if (refreshing !== undefined) {
			const fresh = await refreshing;
			if (fresh !== undefined) return fresh;
			if (!this.eligible(entry)) throw new Error('the account became unusable during its token refresh');
			return this.tokens.accessToken(entry.email, {force: true, signal});
		}
		return this.tokens.accessToken(entry.email, {signal});
	}

	/** After a 401: refresh now, so the retry (and every later acquire) gets the new token. */
	private forceRefresh(entry: Entry): void {
		if (entry.refreshing !== undefined) return;
		const refreshing = this.tokens.accessToken(entry.email, {force: true}).then(
			(token) => token,
			(error: unknown) => {
				this.tokenFailed(entry, error);
				return undefined;
			},
		);
		entry.refreshing = refreshing;
		void refreshing.finally(() => {
			if (entry.refreshing === refreshing) entry.refreshing = undefined;
		});
	}

	private tokenFailed(entry: Entry, error: unknown): void {
		if (error instanceof InvalidGrantError) {
			// The TokenManager persists it; the pool stops using the account now.
			this.markInvalid(entry, `invalid_grant: ${error.reason}`, undefined, false);
			return;
		}
		const message = redact(error instanceof Error ? error.message : String(error));
		this.coolDown(entry, this.now() + TOKEN_FAILURE_COOLDOWN_MS, `token refresh failed: ${message}`);
		this.emit({type: 'notice', level: 'warn', message: `token refresh for ${entry.email} failed: ${message}`, email: entry.email});
	}

	report(credential: Credential, model: string, outcome: {ok: true} | {ok: false; error: UpstreamError}): RetryAdvice | void {
		const lease = this.leases.get(credential);
		// The attempt is over: free the slot (release() stays safe to call again).
		(lease?.release ?? credential.release)?.();
		const entry = lease?.entry ?? this.entries.get(key(credential.accountId));
		if (entry === undefined) return outcome.ok ? undefined : 'retry';
		const state = this.modelState(entry, model);
		if (outcome.ok) {
			Object.assign(state, decideSuccess(state));
			entry.requestsServed++;
			entry.authFailures = 0;
			this.emit({type: 'success', email: entry.email, model});
			return;
		}
		const now = this.now();
		const decision = decideFailure(outcome.error, {now, memory: state, authFailures: entry.authFailures, random: this.random, policy: this.policy});
		state.consecutiveFailures = decision.memory.consecutiveFailures;
		state.lastFailureAt = decision.memory.lastFailureAt;
		state.limit = decision.memory.limit;
		const account = decision.account;
		if (account !== undefined) {
			switch (account.action) {
				case 'refresh_token':
					entry.authFailures++;
					this.forceRefresh(entry);
					if (lease !== undefined && lease.sessionKey !== '') this.retryHints.set(lease.sessionKey, {email: entry.email, at: now, prefer: 'same'});
					break;
				case 'cooldown':
					if (outcome.error.kind === 'unauthenticated') entry.authFailures++;
					this.coolDown(entry, account.until, account.reason);
					if (account.refreshToken === true) this.forceRefresh(entry);
					break;
				case 'invalid':
					this.markInvalid(entry, account.reason, account.url, account.persist !== false);
					break;
			}
		}
		if (decision.retry && account?.action !== 'refresh_token' && (outcome.error.kind === 'server_error' || outcome.error.kind === 'unknown') && lease !== undefined && lease.sessionKey !== '') {
			this.retryHints.set(lease.sessionKey, {email: entry.email, at: now, prefer: 'other'});
		}
		this.emit({
			type: 'failure',
			email: entry.email,
			model,
			kind: outcome.error.kind,
			status: outcome.error.status,
			...(state.limit === undefined || state.limit.until <= now ? {} : {limit: state.limit}),
			duplicate: decision.duplicate,
			quotaHint: decision.quotaHint,
		});
		return decision.retry ? 'retry' : 'stop';
	}

	// ---- errors for the client ----

	private noAccountError(): HttpError {
		if (this.loadError !== undefined && this.entries.size === 0) {
			return new HttpError(503, `agproxy could not read its accounts: ${this.loadError}`, {}, 'api_error');
		}
		if (this.entries.size === 0) {
			return new HttpError(503, 'no usable Google account: none is configured. Run `agproxy accounts add`', {}, 'api_error');
		}
		let invalid = 0;
		let disabled = 0;
		let other = 0;
		for (const entry of this.entries.values()) {
			if (this.invalidOf(entry) !== undefined) invalid++;
			else if (!entry.record.enabled) disabled++;
			else other++;
		}
		const parts = [invalid > 0 ? `${invalid} invalid (sign in again with \`agproxy accounts add\`, or verify the account)` : '', disabled > 0 ? `${disabled} disabled` : '', other > 0 ? `${other} without this model` : ''].filter(Boolean);
		return new HttpError(503, `no usable Google account: ${parts.join(', ')}. See GET /account-limits`, {}, 'api_error');
	}

	/** The account is limited for this model because Google had no capacity (and not by a longer account cooldown). */
	private overloaded(entry: Entry, model: string, now: number): boolean {
		const limit = this.activeLimit(entry, model, now);
		return limit?.kind === 'capacity' && entry.models.get(model)?.limit?.overload === true && limit.until === entry.models.get(model)?.limit?.until;
	}

	/** When the first of these accounts is free again for the model (undefined when one is free now). */
	private earliestEnd(entries: readonly Entry[], model: string, now: number): number | undefined {
		let earliest: number | undefined;
		for (const entry of entries) {
			const until = this.activeLimit(entry, model, now)?.until;
			if (until === undefined) return undefined;
			earliest = earliest === undefined ? until : Math.min(earliest, until);
		}
		return earliest;
	}

	/** 529 overloaded_error: every account is out for this model, the first one back is out of capacity. */
	private overloadError(model: string, entries: readonly Entry[], retryAt: number): HttpError {
		const seconds = Math.max(1, Math.ceil((retryAt - this.now()) / 1000));
		return new HttpError(
			529,
			`Google has no capacity for ${model} right now on ${entries.length === 1 ? 'the only Google account' : `any of the ${entries.length} Google accounts`}; retry in ${seconds}s`,
			{'retry-after': String(seconds)},
			'overloaded_error',
		);
	}

	private outError(model: string, entries: readonly Entry[], retryAt: number | undefined): HttpError {
		const now = this.now();
		if (retryAt === undefined) return this.noAccountError();
		if (entries.every((entry) => this.overloaded(entry, model, now))) return this.overloadError(model, entries, retryAt);
		const counts = new Map<string, number>();
		for (const entry of entries) {
			const kind = this.activeLimit(entry, model, now)?.kind;
			if (kind !== undefined) counts.set(kind, (counts.get(kind) ?? 0) + 1);
		}
		const labels: Record<string, string> = {exhausted: 'out of quota', rate_limited: 'rate-limited', capacity: 'without capacity', cooldown: 'cooling down'};
		const detail = [...counts].map(([kind, count]) => `${count} ${labels[kind] ?? kind}`).join(', ');
		const waitMs = Math.max(0, retryAt - now);
		const seconds = Math.max(1, Math.ceil(waitMs / 1000));
		const tokenDown = entries.every(
			(entry) => this.activeLimit(entry, model, now)?.kind === 'cooldown' && entry.cooldown?.reason.startsWith('token refresh failed') === true,
		);
		if (tokenDown) {
			// Not a rate limit: Google's token endpoint failed (network, 5xx) for every account, which rests until it is retried.
			return new HttpError(
				503,
				`Google's token endpoint failed for all ${entries.length} Google account(s), so none can be used right now; the first is tried again in ${formatWait(waitMs)}. See GET /account-limits`,
				{'retry-after': String(seconds)},
				'api_error',
			);
		}
		return new HttpError(
			429,
			`All ${entries.length} Google account(s) are limited for ${model} (${detail}); the first is free again in ${formatWait(waitMs)} (${new Date(retryAt).toISOString()})`,
			{'retry-after': String(seconds)},
			'rate_limit_error',
		);
	}

	// ---- views ----

	private health(entry: Entry, now: number): AccountHealth {
		if (this.invalidOf(entry) !== undefined) return 'invalid';
		if (!entry.record.enabled) return 'disabled';
		if (entry.cooldown !== undefined && entry.cooldown.until > now) return 'rate_limited';
		let limited = false;
		for (const state of entry.models.values()) {
			if (state.limit === undefined || state.limit.until <= now) continue;
			if (state.limit.kind === 'exhausted') return 'exhausted';
			limited = true;
		}
		return limited ? 'rate_limited' : 'active';
	}

	snapshot(): PoolAccountSnapshot[] {
		const now = this.now();
		return this.sortedEntries().map((entry) => {
			const invalid = this.invalidOf(entry);
			const models: Record<string, ModelState> = {};
			for (const [model, state] of [...entry.models].sort(([a], [b]) => a.localeCompare(b))) {
				const limit = state.limit !== undefined && state.limit.until > now ? {kind: state.limit.kind, until: state.limit.until, reason: state.limit.reason} : undefined;
				models[model] = {
					consecutiveFailures: state.consecutiveFailures,
					...(limit === undefined ? {} : {limit}),
					...(state.lastUsed === undefined ? {} : {lastUsed: state.lastUsed}),
					...(state.quota === undefined ? {} : {quota: {...state.quota}}),
				};
			}
			const cooldown = entry.cooldown !== undefined && entry.cooldown.until > now ? {...entry.cooldown} : undefined;
			return {
				email: entry.email,
				...(entry.record.projectId === undefined ? {} : {projectId: entry.record.projectId}),
				...(entry.record.tier === undefined ? {} : {tier: entry.record.tier}),
				health: this.health(entry, now),
				...(invalid === undefined ? {} : {invalidReason: invalid.reason}),
				...(invalid?.url === undefined ? {} : {verifyUrl: invalid.url}),
				enabled: entry.record.enabled,
				requestsServed: entry.requestsServed,
				inFlight: entry.held,
				...(entry.lastUsed === undefined ? {} : {lastUsed: entry.lastUsed}),
				...(entry.quotaFetchedAt === undefined ? {} : {quotaFetchedAt: entry.quotaFetchedAt}),
				models,
				queued: entry.queue.size,
				sessions: this.sessionCounts.get(entry.email) ?? 0,
				...(cooldown === undefined ? {} : {cooldown}),
			};
		});
	}

	summary(): AccountsSummary {
		const now = this.now();
		const result: AccountsSummary = {total: 0, active: 0, rateLimited: 0, invalid: 0, disabled: 0};
		for (const entry of this.entries.values()) {
			result.total++;
			const health = this.health(entry, now);
			if (health === 'active') result.active++;
			else if (health === 'invalid') result.invalid++;
			else if (health === 'disabled') result.disabled++;
			else result.rateLimited++;
		}
		return result;
	}

	/** Forces a token refresh for every enabled account (POST /refresh-token). Errors never contain tokens. */
	async refreshAllTokens(): Promise<Array<{email: string; ok: boolean; error?: string}>> {
		await this.ready;
		const entries = this.sortedEntries().filter((entry) => entry.record.enabled);
		return Promise.all(
			entries.map(async (entry) => {
				try {
					await this.tokens.accessToken(entry.email, {force: true});
					if (entry.invalid?.reason.startsWith('invalid_grant') === true) {
						entry.invalid = undefined;
						if (this.eligible(entry)) this.emit({type: 'usable', email: entry.email, why: 'signed in again'});
					}
					entry.authFailures = 0;
					if (entry.cooldown?.reason.startsWith('token refresh failed') === true) entry.cooldown = undefined;
					return {email: entry.email, ok: true};
				} catch (error) {
					if (error instanceof InvalidGrantError) this.markInvalid(entry, `invalid_grant: ${error.reason}`, undefined, false);
					return {email: entry.email, ok: false, error: redact(error instanceof Error ? error.message : String(error))};
				}
			}),
		);
	}

	// ---- QuotaSink (the QuotaRefresher writes through these) ----

	quotaTargets(): Array<{email: string; project?: string; clientVersion?: string}> {
		return this.sortedEntries()
			.filter((entry) => this.eligible(entry))
			.map((entry) => ({
				email: entry.email,
				...(entry.record.projectId === undefined ? {} : {project: entry.record.projectId}),
				...(entry.record.clientVersion === undefined ? {} : {clientVersion: entry.record.clientVersion}),
			}));
	}

	applyQuota(email: string, report: QuotaReport): void {
		const entry = this.entries.get(key(email));
		if (entry === undefined) return;
		entry.quotaFetchedAt = report.fetchedAt;
		entry.offered = new Set(report.models.map((model) => model.id));
		for (const [model, quota] of Object.entries(report.quotas)) {
			const state = this.modelState(entry, model);
			state.quota = quota;
			const reset = quota.resetTime === undefined ? Number.NaN : Date.parse(quota.resetTime);
			if (quota.remainingFraction === 0 && reset > report.fetchedAt) {
				const next: ModelLimit = {kind: 'exhausted', until: reset, reason: 'quota at 0% until reset', since: report.fetchedAt};
				if (state.limit === undefined || state.limit.until <= report.fetchedAt || state.limit.until < reset) state.limit = next;
			} else if (
				quota.remainingFraction !== undefined &&
				quota.remainingFraction > 0 &&
				state.limit?.kind === 'exhausted' &&
				state.limit.since < report.startedAt
			) {
				// Fetched after the exhaustion was recorded and the quota is back: usable again.
				state.limit = undefined;
			}
		}
		this.emit({type: 'quota', email: entry.email});
	}

	quotaFailed(email: string, error: UpstreamError | Error): void {
		const entry = this.entries.get(key(email));
		if (entry === undefined) return;
		if (error instanceof Error) {
			if (error instanceof InvalidGrantError) this.tokenFailed(entry, error);
			return;
		}
		if (error.kind === 'validation_required') this.markInvalid(entry, 'verification required by Google', error.validationUrl, true);
		else if (error.kind === 'banned') this.markInvalid(entry, 'disabled by Google for a Terms of Service violation', undefined, true);
		else if (error.kind === 'unauthenticated') this.forceRefresh(entry);
	}
}
