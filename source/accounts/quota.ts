// Quotas per account and model from `fetchAvailableModels` (reference cloudcode-api.md §3.6): fetched on start, every
// intervalMs (default 5 min), shortly after a 429 (debounced, default 10 s, at most once per 30 s per account) and on
// demand. Results go to the pool (remainingFraction / resetTime per model; a model at 0 with a future reset is
// exhausted until then) and make up the list of models the accounts really offer.
import type {UpstreamError} from '../cloudcode/errors.js';
import type {UpstreamClient} from '../upstream/client.js';
import type {PoolEvent} from './pool.js';
import {type ModelQuota, type TokenSource, InvalidGrantError} from './types.js';

export type AvailableModel = {id: string; displayName: string; maxTokens?: number; maxOutputTokens?: number};

/** The union over accounts, sorted by id, with how many accounts offer each model. */
export type AvailableModels = {updatedAt: number; models: Array<AvailableModel & {accounts: number}>};

export type QuotaReport = {
	/** When the answer arrived / when the request was sent. */
	fetchedAt: number;
	startedAt: number;
	models: AvailableModel[];
	quotas: Record<string, ModelQuota>;
};

/** What the refresher needs from the pool. */
export interface QuotaSink {
	/** `clientVersion`: the account's own Antigravity client version, presented on its fetchAvailableModels too. */
	quotaTargets(): Array<{email: string; project?: string; clientVersion?: string}>;
	applyQuota(email: string, report: QuotaReport): void;
	quotaFailed(email: string, error: UpstreamError | Error): void;
	onChange(listener: (event: PoolEvent) => void): () => void;
}

export type QuotaRefresherOptions = {
	pool: QuotaSink;
	tokens: TokenSource;
	client: Pick<UpstreamClient, 'call'>;
	/** default 5 min */
	intervalMs?: number;
	/** Delay between a 429 and the refresh it triggers (default 10 s): a burst of 429s causes one fetch. */
	debounceMs?: number;
	/** 429-triggered refreshes of one account are at least this far apart (default 30 s). */
	minSpacingMs?: number;
	now?: () => number;
	/** Runs fn after ms; returns a cancel function. Default: an unref'd setTimeout. */
	schedule?: (fn: () => void, ms: number) => () => void;
};

export type QuotaResult = {email: string; ok: boolean; error?: string};

export const DEFAULT_QUOTA_INTERVAL_MS = 300_000;
export const DEFAULT_QUOTA_DEBOUNCE_MS = 10_000;
export const DEFAULT_QUOTA_MIN_SPACING_MS = 30_000;

/** Ids the service lists next to the chat models that are not for chat (reference §3.6). */
export function isInternalModelId(id: string): boolean {
	return /^(chat|tab)_/i.test(id) || id === 'rev19-uic3-1p';
}

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function positiveInt(value: unknown): number | undefined {
	return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : undefined;
}

/**
 * The `fetchAvailableModels` answer, validated. A quota with a resetTime but no remainingFraction is 0 (exhausted:
 * that is how the service reports it); one with neither is unknown. Internal ids and empty entries are dropped.
 */
export function parseAvailableModels(json: unknown): {models: AvailableModel[]; quotas: Record<string, ModelQuota>} | undefined {
	if (!isRecord(json) || !isRecord(json['models'])) return undefined;
	const models: AvailableModel[] = [];
	const quotas: Record<string, ModelQuota> = {};
	for (const [id, raw] of Object.entries(json['models'])) {
		if (id === '' || isInternalModelId(id) || !isRecord(raw)) continue;
		const displayName = typeof raw['displayName'] === 'string' && raw['displayName'] !== '' ? raw['displayName'] : undefined;
		const info = isRecord(raw['quotaInfo']) ? raw['quotaInfo'] : undefined;
		if (displayName === undefined && info === undefined) continue;
		const maxTokens = positiveInt(raw['maxTokens']);
		const maxOutputTokens = positiveInt(raw['maxOutputTokens']);
		models.push({
			id,
			displayName: displayName ?? id,
			...(maxTokens === undefined ? {} : {maxTokens}),
			...(maxOutputTokens === undefined ? {} : {maxOutputTokens}),
		});
		if (info === undefined) continue;
		const fraction = info['remainingFraction'];
		const resetText = info['resetTime'];
		const resetTime = typeof resetText === 'string' && !Number.isNaN(Date.parse(resetText)) ? resetText : undefined;
		const quota: ModelQuota = {};
		if (typeof fraction === 'number' && Number.isFinite(fraction)) quota.remainingFraction = Math.min(1, Math.max(0, fraction));
		else if (resetTime !== undefined) quota.remainingFraction = 0;
		if (resetTime !== undefined) quota.resetTime = resetTime;
		quotas[id] = quota;
	}
	models.sort((a, b) => a.id.localeCompare(b.id));
	return {models, quotas};
}

function defaultSchedule(fn: () => void, ms: number): () => void {
	const timer = setTimeout(fn, ms);
	timer.unref();
	return () => clearTimeout(timer);
}

export class QuotaRefresher {
	private readonly pool: QuotaSink;
	private readonly tokens: TokenSource;
	private readonly client: Pick<UpstreamClient, 'call'>;
	private readonly intervalMs: number;
	private readonly debounceMs: number;
	private readonly minSpacingMs: number;
	private readonly now: () => number;
	private readonly schedule: (fn: () => void, ms: number) => () => void;
	private readonly inFlight = new Map<string, Promise<QuotaResult>>();
	private readonly lastFetch = new Map<string, number>();
	private readonly pending = new Map<string, () => void>();
	private readonly perAccount = new Map<string, AvailableModel[]>();
	private readonly listeners = new Set<(models: AvailableModels) => void>();
	private union: AvailableModels = {updatedAt: 0, models: []};
	private cancelInterval?: () => void;
	private unsubscribe?: () => void;
	private running = false;

	constructor(options: QuotaRefresherOptions) {
		this.pool = options.pool;
		this.tokens = options.tokens;
		this.client = options.client;
		this.intervalMs = options.intervalMs ?? DEFAULT_QUOTA_INTERVAL_MS;
		this.debounceMs = options.debounceMs ?? DEFAULT_QUOTA_DEBOUNCE_MS;
		this.minSpacingMs = options.minSpacingMs ?? DEFAULT_QUOTA_MIN_SPACING_MS;
		this.now = options.now ?? Date.now;
		this.schedule = options.schedule ?? defaultSchedule;
	}

	/** First refresh now (in the background), then every intervalMs, after 429s, and when an account becomes usable. */
	start(): Promise<QuotaResult[]> {
		if (this.running) return this.refresh();
		this.running = true;
		this.unsubscribe = this.pool.onChange((event) => {
			if (event.type === 'failure' && event.quotaHint) this.soon(event.email);
			// A new or re-enabled account: its quotas now, not at the next periodic refresh minutes later.
			if (event.type === 'usable') void this.refresh(event.email);
			if (event.type === 'accounts') this.prune();
		});
		const tick = (): void => {
			if (!this.running) return;
			void this.refresh();
			this.cancelInterval = this.schedule(tick, this.intervalMs);
		};
		this.cancelInterval = this.schedule(tick, this.intervalMs);
		return this.refresh();
	}

	stop(): void {
		this.running = false;
		this.cancelInterval?.();
		this.cancelInterval = undefined;
		this.unsubscribe?.();
		this.unsubscribe = undefined;
		for (const cancel of this.pending.values()) cancel();
		this.pending.clear();
	}

	models(): AvailableModels {
		return this.union;
	}

	/** Called whenever the union of offered models changes; returns an unsubscribe function. */
	onModels(listener: (models: AvailableModels) => void): () => void {
		this.listeners.add(listener);
		return () => this.listeners.delete(listener);
	}

	/** Refreshes one account (by email) or every usable one. Never rejects. */
	async refresh(email?: string): Promise<QuotaResult[]> {
		const targets = this.pool.quotaTargets();
		const chosen = email === undefined ? targets : targets.filter((target) => target.email.toLowerCase() === email.toLowerCase());
		if (email !== undefined && chosen.length === 0) return [{email, ok: false, error: 'no such usable account'}];
		return Promise.all(chosen.map((target) => this.refreshOne(target.email, target.project, target.clientVersion)));
	}

	/** A refresh of this account after debounceMs, at most one pending, spaced by minSpacingMs. */
	private soon(email: string): void {
		if (!this.running || this.pending.has(email)) return;
		const last = this.lastFetch.get(email);
		const delay = Math.max(this.debounceMs, last === undefined ? 0 : last + this.minSpacingMs - this.now());
		this.pending.set(
			email,
			this.schedule(() => {
				this.pending.delete(email);
				if (this.running) void this.refresh(email);
			}, delay),
		);
	}

	private refreshOne(email: string, project: string | undefined, clientVersion?: string): Promise<QuotaResult> {
		const existing = this.inFlight.get(email);
		if (existing !== undefined) return existing;
		const run = this.fetchOne(email, project, clientVersion).finally(() => this.inFlight.delete(email));
		this.inFlight.set(email, run);
		return run;
	}

	private async fetchOne(email: string, project: string | undefined, clientVersion?: string): Promise<QuotaResult> {
		const startedAt = this.now();
		this.lastFetch.set(email, startedAt);
		const body = project === undefined ? {} : {project};
		try {
			let token = await this.tokens.accessToken(email);
			let answer = await this.client.call('fetchAvailableModels', body, token, undefined, clientVersion);
			if (!answer.ok && answer.error.kind === 'unauthenticated') {
				token = await this.tokens.accessToken(email, {force: true});
				answer = await this.client.call('fetchAvailableModels', body, token, undefined, clientVersion);
			}
			if (!answer.ok) {
				this.pool.quotaFailed(email, answer.error);
				return {email, ok: false, error: `fetchAvailableModels answered ${answer.error.status}: ${answer.error.message.slice(0, 200)}`};
			}
			const parsed = parseAvailableModels(answer.json);
			if (parsed === undefined) return {email, ok: false, error: 'fetchAvailableModels answered without a models object'};
			this.pool.applyQuota(email, {fetchedAt: this.now(), startedAt, models: parsed.models, quotas: parsed.quotas});
			this.perAccount.set(email, parsed.models);
			this.rebuildUnion();
			return {email, ok: true};
		} catch (error) {
			if (error instanceof Error) this.pool.quotaFailed(email, error);
			const message = error instanceof InvalidGrantError ? `invalid_grant: ${error.reason}` : error instanceof Error ? error.message : String(error);
			return {email, ok: false, error: message.slice(0, 200)};
		}
	}

	/** Forgets accounts that left the pool. */
	private prune(): void {
		const known = new Set(this.pool.quotaTargets().map((target) => target.email));
		let changed = false;
		for (const email of this.perAccount.keys()) {
			if (!known.has(email)) {
				this.perAccount.delete(email);
				changed = true;
			}
		}
		if (changed) this.rebuildUnion();
	}

	private rebuildUnion(): void {
		const byId = new Map<string, AvailableModel & {accounts: number}>();
		for (const models of this.perAccount.values()) {
			for (const model of models) {
				const seen = byId.get(model.id);
				if (seen === undefined) byId.set(model.id, {...model, accounts: 1});
				else seen.accounts++;
			}
		}
		const models = [...byId.values()].sort((a, b) => a.id.localeCompare(b.id));
		if (JSON.stringify(models) === JSON.stringify(this.union.models)) return;
		// Listeners hear of a different list of models; new account counts alone are only kept (read through models()).
		const withoutCounts = (list: AvailableModels['models']): string => JSON.stringify(list.map(({accounts: _, ...model}) => model));
		const listChanged = withoutCounts(models) !== withoutCounts(this.union.models);
		this.union = {updatedAt: this.now(), models};
		if (!listChanged) return;
		for (const listener of this.listeners) {
			try {
				listener(this.union);
			} catch {
				// A broken listener must not stop the refresher.
			}
		}
	}
}
