// What one upstream failure means for the account and model that got it (pure: the clock and the randomness are
// passed in). The pool applies the decision; the strategy then picks around the limits it recorded.
//
// Policy (reference cloudcode-api.md §5.2, §5.5–5.7; antigravity-claude-proxy.md §5.4):
// - RATE_LIMIT_EXCEEDED with a delay: limited until now + delay + RATE_LIMIT_MARGIN_MS (at least RATE_LIMIT_MIN_MS).
//   Whether that is "short" (waited out on the same account when nothing else is free) or "long" (the conversation
//   moves) is the strategy's call against maxWaitMs; the limit is recorded the same way.
// - QUOTA_EXHAUSTED / INSUFFICIENT_G1_CREDITS_BALANCE: exhausted until the reset Google gives. Without one, tiers of
//   1 min, 5 min, 30 min, 2 h by consecutive failures (the quota refresher then replaces it with the real reset).
// - Capacity (503/529, MODEL_CAPACITY_EXHAUSTED): Google's retryDelay when given, else 5–15 s (uniform jitter); the
//   request moves to another account, and with none left the client gets 529 at once (the pool never waits it out).
// - A bare 429 (no reason, no delay): NOT exhaustion. Tiers of 5 s, 15 s, 60 s, 5 min by consecutive failures.
// - 401: force a token refresh and retry once on the same account; a second 401 in a row cools the account 5 min.
// - VALIDATION_REQUIRED / ToS ban: the account is invalid, with the reason and the verification link.
// - Client version refused ("This version of Antigravity is no longer supported"): invalid until restart or a new
//   per-account client version, with what to change as the reason; no retry (every account shares the default).
// - 403 other (IAM permission denied): the account cools down 5 min; the request tries another account.
// - 5xx, transport failures, unknown statuses: counted; the 3rd in a row cools the account+model 30 s.
// - 400 / 404: the request's own fault; no state changes and no retry.
// Failures that arrive while a limit set by an earlier failure is still active (or within 2 s of it) are the same
// event seen by concurrent requests: they do not climb the tiers. Consecutive failures are forgotten 10 min after the
// last failure or the end of its backoff, whichever is later, and reset by any success.
import type {UpstreamError} from '../cloudcode/errors.js';
import type {ModelState} from './types.js';

export type LimitKind = NonNullable<ModelState['limit']>['kind'];

/**
 * A limit on one account+model, with when it was set (for de-duplicating concurrent failures). `overload` marks a limit
 * set by Google saying it has no capacity (the 5xx cooldown shares the `capacity` kind but is not an overload): with no
 * other account to try, the client gets a 529 at once rather than waiting for it.
 */
export type ModelLimit = {kind: LimitKind; until: number; reason: string; since: number; overload?: true};

/** What the pool remembers about failures of one account+model. */
export type FailureMemory = {
	consecutiveFailures: number;
	lastFailureAt?: number;
	limit?: ModelLimit;
};

export type AccountAction =
	| {action: 'refresh_token'}
	| {action: 'cooldown'; until: number; reason: string; refreshToken?: boolean}
	| {action: 'invalid'; reason: string; url?: string; /** false: only until restart (a setting fixes it, not a new login). */ persist?: boolean};

export type Decision = {
	/** The failure memory of this account+model after the failure. */
	memory: FailureMemory;
	/** Something that concerns the whole account rather than this model. */
	account?: AccountAction;
	/** Whether another attempt (on this or another account) can help. */
	retry: boolean;
	/** Retry on the same account (after a token refresh) rather than letting the strategy choose. */
	sameAccount: boolean;
	/** The answer said something about quota: a quota refresh is worth it. */
	quotaHint: boolean;
	/** True when this failure repeats one already being backed off (concurrent requests): it did not climb the tiers. */
	duplicate: boolean;
};

export type RateLimitPolicy = {
	/** Added to Google's delay: its clock and ours differ, and a retry at the exact instant often hits the limit again. */
	rateLimitMarginMs: number;
	/** Floor for a rate limit, even when Google says "0s". */
	rateLimitMinMs: number;
	/** Bare 429 backoff by consecutive failures (1st, 2nd, 3rd, 4th and later). */
	bare429TiersMs: readonly number[];
	/** QUOTA_EXHAUSTED without a reset time, by consecutive failures. */
	exhaustedTiersMs: readonly number[];
	/** Exhausted with a reset already past (clock skew, stale stamp): hold it at least this long. */
	exhaustedMinMs: number;
	/** Capacity backoff without a server delay: base + random * spread. */
	capacityBaseMs: number;
	capacitySpreadMs: number;
	/** Floor for a server-given capacity delay. */
	capacityMinMs: number;
	/** Consecutive 5xx before the account+model cools down, and for how long. */
	serverErrorThreshold: number;
	serverErrorCooldownMs: number;
	/** After a second 401 in a row (a fresh token did not help). */
	authCooldownMs: number;
	/** After a 403 that is neither verification nor a ban. */
	permissionCooldownMs: number;
	/** Consecutive failures older than this are forgotten. */
	failureMemoryMs: number;
	/** Failures this close to the one that set the current limit are duplicates. */
	duplicateWindowMs: number;
};

export const DEFAULT_POLICY: RateLimitPolicy = {
	rateLimitMarginMs: 250,
	rateLimitMinMs: 500,
	bare429TiersMs: [5_000, 15_000, 60_000, 300_000],
	exhaustedTiersMs: [60_000, 300_000, 1_800_000, 7_200_000],
	exhaustedMinMs: 30_000,
	capacityBaseMs: 5_000,
	capacitySpreadMs: 10_000,
	capacityMinMs: 1_000,
	serverErrorThreshold: 3,
	serverErrorCooldownMs: 30_000,
	authCooldownMs: 300_000,
	permissionCooldownMs: 300_000,
	failureMemoryMs: 600_000,
	duplicateWindowMs: 2_000,
};

export type DecideContext = {
	now: number;
	/** This account+model before the failure. */
	memory: FailureMemory;
	/** 401s in a row on this account (before this one). */
	authFailures: number;
	/** [0, 1); seed it in tests. */
	random: () => number;
	policy?: Partial<RateLimitPolicy>;
};

function tier(tiers: readonly number[], failures: number): number {
	const index = Math.min(Math.max(failures, 1), tiers.length) - 1;
	return tiers[index] ?? 0;
}

function formatDelay(ms: number): string {
	if (ms < 1000) return `${Math.round(ms)}ms`;
	const seconds = Math.round(ms / 1000);
	if (seconds < 120) return `${seconds}s`;
	const minutes = Math.round(seconds / 60);
	return minutes < 120 ? `${minutes}m` : `${Math.round(minutes / 60)}h`;
}

/** Whether the current limit was set by the same event this failure belongs to. */
function isDuplicate(memory: FailureMemory, now: number, policy: RateLimitPolicy): boolean {
	const limit = memory.limit;
	if (limit === undefined) return false;
	return limit.until > now || now - limit.since < policy.duplicateWindowMs;
}

/** Keeps whichever limit lasts longer. */
function later(current: ModelLimit | undefined, next: ModelLimit): ModelLimit {
	if (current === undefined || next.until >= current.until) return next;
	return current;
}

export function decideFailure(error: UpstreamError, context: DecideContext): Decision {
	const policy: RateLimitPolicy = {...DEFAULT_POLICY, ...context.policy};
	const {now} = context;
	// Measured from the end of the last backoff: a 30 min tier must not be forgotten while it runs.
	const lastEvent = Math.max(context.memory.lastFailureAt ?? Number.NEGATIVE_INFINITY, context.memory.limit?.until ?? Number.NEGATIVE_INFINITY);
	const forgotten = Number.isFinite(lastEvent) && now - lastEvent > policy.failureMemoryMs;
	const previous = forgotten ? 0 : context.memory.consecutiveFailures;
	const activeLimit = context.memory.limit !== undefined && context.memory.limit.until > now ? context.memory.limit : undefined;
	const duplicate = isDuplicate(context.memory, now, policy);
	const failures = duplicate ? Math.max(previous, 1) : previous + 1;
	const base: FailureMemory = {consecutiveFailures: failures, lastFailureAt: now, ...(activeLimit ? {limit: activeLimit} : {})};
	const decision = (memory: FailureMemory, extra: Partial<Decision> = {}): Decision => ({
		memory,
		retry: true,
		sameAccount: false,
		quotaHint: false,
		duplicate,
		...extra,
	});
	const limited = (kind: LimitKind, until: number, reason: string, extra: Partial<Decision> = {}, overload = false): Decision =>
		decision({...base, limit: later(activeLimit, {kind, until, reason, since: now, ...(overload ? {overload: true as const} : {})})}, extra);

	switch (error.kind) {
		case 'rate_limited': {
			if (error.retryDelayMs !== undefined) {
				const delay = Math.max(policy.rateLimitMinMs, error.retryDelayMs + policy.rateLimitMarginMs);
				return limited('rate_limited', now + delay, `RATE_LIMIT_EXCEEDED (retry in ${formatDelay(error.retryDelayMs)})`, {quotaHint: true});
			}
			// A bare 429 says nothing: a repeat of an active backoff keeps it as it is.
			if (duplicate && activeLimit !== undefined) return decision({...base}, {quotaHint: true});
			const delay = tier(policy.bare429TiersMs, failures);
			return limited('rate_limited', now + delay, `429 without details (backoff ${formatDelay(delay)}, #${failures})`, {quotaHint: true});
		}
		case 'quota_exhausted': {
			const fromDelay = error.retryDelayMs === undefined ? undefined : now + error.retryDelayMs;
			const known = Math.max(error.resetAt ?? Number.NEGATIVE_INFINITY, fromDelay ?? Number.NEGATIVE_INFINITY);
			const until = Number.isFinite(known) ? Math.max(known, now + policy.exhaustedMinMs) : now + tier(policy.exhaustedTiersMs, failures);
			const what = error.reason ?? 'QUOTA_EXHAUSTED';
			return limited('exhausted', until, Number.isFinite(known) ? `${what} until reset` : `${what} (no reset given)`, {quotaHint: true});
		}
		case 'capacity': {
			const delay =
				error.retryDelayMs !== undefined
					? Math.max(policy.capacityMinMs, error.retryDelayMs)
					: policy.capacityBaseMs + Math.floor(Math.min(Math.max(context.random(), 0), 0.999_999) * policy.capacitySpreadMs);
			return limited('capacity', now + delay, `${error.reason ?? 'model capacity exhausted'} (retry in ${formatDelay(delay)})`, {}, true);
		}
		case 'unauthenticated': {
			if (context.authFailures === 0) return decision({...base}, {account: {action: 'refresh_token'}, sameAccount: true});
			return decision({...base}, {
				account: {action: 'cooldown', until: now + policy.authCooldownMs, reason: '401 again after a token refresh', refreshToken: true},
			});
		}
		case 'validation_required':
			return decision({...base}, {
				account: {action: 'invalid', reason: 'verification required by Google', ...(error.validationUrl === undefined ? {} : {url: error.validationUrl})},
			});
		case 'banned':
			return decision({...base}, {account: {action: 'invalid', reason: 'disabled by Google for a Terms of Service violation'}});
		case 'permission_denied':
			return decision({...base}, {
				account: {action: 'cooldown', until: now + policy.permissionCooldownMs, reason: `permission denied: ${error.reason ?? error.message.slice(0, 120)}`},
			});
		case 'client_outdated':
			// The client version this account presents is refused: unusable until the operator sets a current one (a new
			// `accounts set-client` or a restart with a new `clientVersion` clears it, so it is not saved as invalid).
			return decision({...base}, {account: {action: 'invalid', reason: clientRefusedReason(error), persist: false}, retry: false});
		case 'invalid_argument':
		case 'not_found':
			// The request's fault, not the account's: nothing to remember, nothing another account would do better.
			return {memory: {...context.memory}, retry: false, sameAccount: false, quotaHint: false, duplicate: false};
		case 'server_error':
		case 'unknown': {
			if (failures >= policy.serverErrorThreshold && !duplicate) {
				return limited('capacity', now + policy.serverErrorCooldownMs, `${failures} upstream errors in a row (last: ${error.status})`);
			}
			return decision({...base});
		}
	}
}

/** Short enough for the dashboard's state column, and says what to change. */
function clientRefusedReason(error: UpstreamError): string {
	const version = error.clientVersion ?? 'in use';
	return `Google refuses client version ${version}: agproxy settings set clientVersion <newer> (or accounts set-client)`;
}

/** A success resets the failure count; limits set by requests that failed meanwhile stay. */
export function decideSuccess(memory: FailureMemory): FailureMemory {
	return {...memory, consecutiveFailures: 0};
}
