// Which account serves a request for (model, conversation). Pure: the pool passes in what it knows about each
// account (limits for this model, load, quota, bound conversations) and applies the answer.
//
// Common rules for every strategy:
// - Usable = no active limit for this model (rate_limited, capacity, exhausted, account cooldown). Exhausted accounts
//   are never chosen; invalid, disabled and project-less accounts never reach this function.
// - Free = usable with a free concurrency slot. A request goes to a saturated account (and queues there) only when no
//   usable account is free.
// - Nothing usable: wait for the account whose limit ends first when that is within maxWaitMs (the bound account if it
//   is one of those), else give up with the earliest end ("out": the pool answers 429 with retry-after).
//
// sticky (default): a conversation is bound to an account (prompt-cache hits; the upstream sessionId is per
// conversation and account).
// - Bound account free: use it.
// - Bound account saturated: the request spills to the least-loaded free account; the binding stays.
// - Bound account briefly limited (rate_limited or capacity, ending within maxWaitMs): the binding stays. If the limit
//   ends within stickyWaitMs (default 2 s) the request waits for it even when others are free (a warm cache is worth
//   more than 2 s); otherwise it moves to a free account for this request only, and waits for the bound account when
//   no other account is free.
// - Bound account exhausted, limited for longer than maxWaitMs, or gone: the conversation is rebound.
// - New conversations go to the account with the fewest bound conversations (then least load, least recently used).
// round-robin: no binding; the next free account after the last one used.
// quota-aware: like sticky, but new (and rebound) conversations go to the account with the most remainingFraction for
// the model (10% buckets) and then the soonest reset (use it before it resets); a conversation moves off its account
// once that falls under quotaThreshold (default 0.05) and an account above it is usable. Accounts under the threshold
// are used only when no other is usable. Unknown quota counts as 0.5.

export type StrategyName = 'sticky' | 'round-robin' | 'quota-aware';

export const STRATEGIES: readonly StrategyName[] = ['sticky', 'round-robin', 'quota-aware'];

export function isStrategyName(value: unknown): value is StrategyName {
	return typeof value === 'string' && (STRATEGIES as readonly string[]).includes(value);
}

export type AccountView = {
	email: string;
	/** The active limit for this model, account-wide cooldowns included; undefined when usable. */
	limit?: {kind: 'rate_limited' | 'capacity' | 'exhausted' | 'cooldown'; until: number};
	inFlight: number;
	/** Concurrency limit. */
	capacity: number;
	/** Requests waiting for a slot. */
	queued: number;
	/** Conversations bound to it. */
	sessions: number;
	lastUsed?: number;
	/** For this model, when known. */
	remainingFraction?: number;
	resetAt?: number;
};

export type SelectInput = {
	strategy: StrategyName;
	now: number;
	/** In a stable order (the store's). */
	accounts: readonly AccountView[];
	/** The account this conversation is bound to (sticky, quota-aware). */
	bound?: string;
	/** round-robin: index after the last account used. */
	cursor: number;
	/** Limits ending within this are "brief": the conversation keeps its binding through them. */
	maxWaitMs: number;
	/** What is left of this request's wait budget (default maxWaitMs): a wait is proposed only within it. */
	waitBudgetMs?: number;
	stickyWaitMs: number;
	quotaThreshold: number;
};

export type Selection =
	/** `bind`: the conversation's binding after this choice (undefined: leave it as it is). */
	| {kind: 'use'; email: string; bind?: string; cursor?: number; why: string}
	/** Nothing usable now: wait until `until` (≤ maxWaitMs away), then select again. */
	| {kind: 'wait'; email: string; until: number; why: string}
	/** Nothing usable soon: `retryAt` is the earliest time any account frees up. */
	| {kind: 'out'; retryAt?: number; why: string};

export const DEFAULT_STICKY_WAIT_MS = 2_000;
export const DEFAULT_QUOTA_THRESHOLD = 0.05;
const UNKNOWN_QUOTA = 0.5;

function usable(account: AccountView, now: number): boolean {
	return account.limit === undefined || account.limit.until <= now;
}

function hasSlot(account: AccountView): boolean {
	return account.inFlight + account.queued < account.capacity;
}

function load(account: AccountView): number {
	return (account.inFlight + account.queued) / Math.max(1, account.capacity);
}

function underThreshold(account: AccountView, threshold: number): boolean {
	return account.remainingFraction !== undefined && account.remainingFraction < threshold;
}

/** Lexicographic comparison of number tuples (smaller first). */
function compareTuples(a: readonly number[], b: readonly number[]): number {
	for (let i = 0; i < a.length; i++) {
		const difference = (a[i] ?? 0) - (b[i] ?? 0);
		if (difference !== 0) return difference;
	}
	return 0;
}

function best(accounts: readonly AccountView[], key: (account: AccountView) => number[]): AccountView | undefined {
	let chosen: AccountView | undefined;
	let chosenKey: number[] = [];
	for (const account of accounts) {
		const k = key(account);
		if (chosen === undefined || compareTuples(k, chosenKey) < 0) {
			chosen = account;
			chosenKey = k;
		}
	}
	return chosen;
}

/** Rank for placing a conversation (or a spilled request): lower is better. */
function placementKey(input: SelectInput, order: Map<string, number>): (account: AccountView) => number[] {
	const lru = (account: AccountView): number => account.lastUsed ?? Number.NEGATIVE_INFINITY;
	if (input.strategy === 'quota-aware') {
		return (account) => {
			const fraction = account.remainingFraction ?? UNKNOWN_QUOTA;
			return [
				hasSlot(account) ? 0 : 1,
				underThreshold(account, input.quotaThreshold) ? 1 : 0,
				-Math.floor(fraction * 10 + 1e-9),
				account.resetAt ?? Number.POSITIVE_INFINITY,
				account.sessions,
				load(account),
				-fraction,
				lru(account),
				order.get(account.email) ?? 0,
			];
		};
	}
	return (account) => [
		hasSlot(account) ? 0 : 1,
		underThreshold(account, input.quotaThreshold) ? 1 : 0,
		account.sessions,
		load(account),
		lru(account),
		order.get(account.email) ?? 0,
	];
}

/** Rank for one request moved off its bound account (spill, brief limit): least loaded first; no binding changes. */
function spillKey(input: SelectInput, order: Map<string, number>): (account: AccountView) => number[] {
	return (account) => [
		hasSlot(account) ? 0 : 1,
		underThreshold(account, input.quotaThreshold) ? 1 : 0,
		load(account),
		account.sessions,
		account.lastUsed ?? Number.NEGATIVE_INFINITY,
		order.get(account.email) ?? 0,
	];
}

/** Where a request goes when nothing is usable now. */
function whenNothingUsable(input: SelectInput): Selection {
	const {now} = input;
	const budget = input.waitBudgetMs ?? input.maxWaitMs;
	const limited = input.accounts.filter((account) => account.limit !== undefined);
	if (limited.length === 0) return {kind: 'out', why: 'no account'};
	const ends = (account: AccountView): number => account.limit?.until ?? now;
	const soonest = best(limited, (account) => [ends(account)]);
	const bound = input.bound === undefined ? undefined : limited.find((account) => account.email === input.bound);
	if (bound !== undefined && ends(bound) - now <= budget) {
		return {kind: 'wait', email: bound.email, until: ends(bound), why: 'bound account briefly limited; nothing else usable'};
	}
	if (soonest !== undefined && ends(soonest) - now <= budget) {
		return {kind: 'wait', email: soonest.email, until: ends(soonest), why: 'every account limited; the first frees up soon'};
	}
	return {kind: 'out', ...(soonest === undefined ? {} : {retryAt: ends(soonest)}), why: 'every account limited for longer than the wait limit'};
}

function roundRobin(input: SelectInput, candidates: readonly AccountView[]): Selection {
	const n = input.accounts.length;
	const start = ((input.cursor % n) + n) % n;
	const rotated = [...input.accounts.slice(start), ...input.accounts.slice(0, start)];
	const usableSet = new Set(candidates.map((account) => account.email));
	const pick =
		rotated.find((account) => usableSet.has(account.email) && hasSlot(account) && !underThreshold(account, input.quotaThreshold)) ??
		rotated.find((account) => usableSet.has(account.email) && hasSlot(account)) ??
		best(candidates, (account) => [load(account)]);
	if (pick === undefined) return whenNothingUsable(input);
	const index = input.accounts.findIndex((account) => account.email === pick.email);
	return {kind: 'use', email: pick.email, cursor: index + 1, why: 'round-robin'};
}

export function select(input: SelectInput): Selection {
	const {now} = input;
	if (input.accounts.length === 0) return {kind: 'out', why: 'no account'};
	const order = new Map(input.accounts.map((account, index) => [account.email, index]));
	const candidates = input.accounts.filter((account) => usable(account, now));
	if (input.strategy === 'round-robin') return roundRobin(input, candidates);

	const place = (exclude?: string): AccountView | undefined =>
		best(
			candidates.filter((account) => account.email !== exclude),
			placementKey(input, order),
		);
	const spillTo = (exclude: string): AccountView | undefined =>
		best(
			candidates.filter((account) => account.email !== exclude),
			spillKey(input, order),
		);
	const bound = input.bound === undefined ? undefined : input.accounts.find((account) => account.email === input.bound);

	if (bound !== undefined) {
		if (usable(bound, now)) {
			if (input.strategy === 'quota-aware' && underThreshold(bound, input.quotaThreshold)) {
				const better = place(bound.email);
				if (better !== undefined && !underThreshold(better, input.quotaThreshold)) {
					return {kind: 'use', email: better.email, bind: better.email, why: 'bound account under the quota threshold: rebound'};
				}
			}
			if (hasSlot(bound)) return {kind: 'use', email: bound.email, why: 'bound account'};
			const spill = spillTo(bound.email);
			if (spill !== undefined && hasSlot(spill)) return {kind: 'use', email: spill.email, why: 'bound account saturated: spilled (binding kept)'};
			return {kind: 'use', email: bound.email, why: 'bound account saturated, no other free: queued'};
		}
		const limit = bound.limit;
		const remaining = (limit?.until ?? now) - now;
		const brief = limit !== undefined && (limit.kind === 'rate_limited' || limit.kind === 'capacity') && remaining <= input.maxWaitMs;
		if (brief) {
			const canWait = remaining <= (input.waitBudgetMs ?? input.maxWaitMs);
			if (canWait && remaining <= input.stickyWaitMs) return {kind: 'wait', email: bound.email, until: limit.until, why: 'bound account limited for a moment: waiting keeps the cache'};
			const other = spillTo(bound.email);
			if (other !== undefined && hasSlot(other)) return {kind: 'use', email: other.email, why: 'bound account briefly limited: moved for this request (binding kept)'};
			if (canWait) return {kind: 'wait', email: bound.email, until: limit.until, why: 'bound account briefly limited, no other free: waiting'};
			if (other !== undefined) return {kind: 'use', email: other.email, why: 'bound account briefly limited, wait budget spent: queued elsewhere (binding kept)'};
			return whenNothingUsable(input);
		}
		// Exhausted, limited for long: the conversation moves for good.
	}

	const chosen = place();
	if (chosen === undefined) return whenNothingUsable(input);
	return {kind: 'use', email: chosen.email, bind: chosen.email, why: bound === undefined ? 'new conversation' : 'bound account out: rebound'};
}
