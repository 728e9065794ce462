// Google accounts as agproxy stores them (durable) and as the pool tracks them (runtime, in memory).

/** What survives restarts. The refresh token is a credential: never logged, stored in a 0600 file. */
export type AccountRecord = {
	email: string;
	refreshToken: string;
	/** The cloudaicompanion project found by loadCodeAssist / onboardUser. */
	projectId?: string;
	/** e.g. free-tier, standard-tier, g1-pro-tier */
	tier?: string;
	enabled: boolean;
	/** The Antigravity client version this account presents instead of the `clientVersion` setting. */
	clientVersion?: string;
	/** Set when Google refused the account for good (invalid_grant, verification required, ToS ban). */
	invalid?: {reason: string; at: string; url?: string};
	addedAt: string;
};

/** Durable account storage. The file store serves until the sql.js store (issue 4) replaces it behind this interface. */
export interface AccountStore {
	list(): Promise<AccountRecord[]>;
	get(email: string): Promise<AccountRecord | undefined>;
	/** Inserts or replaces by email (case-insensitive). */
	upsert(record: AccountRecord): Promise<void>;
	/** Applies a change to the stored record as it is now (re-read under a lock: concurrent writers lose nothing). */
	update(email: string, patch: Partial<Omit<AccountRecord, 'email'>>): Promise<AccountRecord | undefined>;
	remove(email: string): Promise<boolean>;
	/** Called when another process changed the store. */
	watch(listener: () => void): () => void;
}

export type ModelQuota = {remainingFraction?: number; resetTime?: string};

export type AccountHealth = 'active' | 'rate_limited' | 'exhausted' | 'invalid' | 'disabled';

/** Per model on one account. */
export type ModelState = {
	/** rate_limited: short limit, `until` is when to try again; exhausted: quota gone until `until` (its reset). */
	limit?: {kind: 'rate_limited' | 'exhausted' | 'capacity'; until: number; reason: string};
	consecutiveFailures: number;
	lastUsed?: number;
	quota?: ModelQuota;
};

/** A read-only view for /health, /account-limits, the CLI and the dashboard. */
export type AccountSnapshot = {
	email: string;
	projectId?: string;
	tier?: string;
	/**
	 * The account as a whole, worst first: invalid, disabled, then `exhausted` when ANY model is out of quota and
	 * `rate_limited` when any model (or the account) is briefly limited. Limits are per model: such an account still
	 * serves its other models. Which models are out, and until when, is in `models` (per model `limit`).
	 */
	health: AccountHealth;
	invalidReason?: string;
	verifyUrl?: string;
	enabled: boolean;
	requestsServed: number;
	inFlight: number;
	lastUsed?: number;
	quotaFetchedAt?: number;
	/**
	 * Per model the account has state for (used, failed or listed by the quota fetch), sorted by id. A model with a
	 * `limit` (only limits still running are included) cannot be served by this account until `limit.until`:
	 * `exhausted` = out of quota until its reset; `rate_limited` / `capacity` = briefly. Models without a limit are served.
	 */
	models: Record<string, ModelState>;
};

/** Access tokens for stored accounts: cached until shortly before expiry, one refresh in flight per account. */
export interface TokenSource {
	/** A valid access token; `force` refreshes even if the cached one looks valid (after an upstream 401). */
	accessToken(email: string, options?: {force?: boolean; signal?: AbortSignal}): Promise<string>;
	/** Forgets the cached access token (e.g. after the account was removed). */
	forget(email: string): void;
}

/** Google said the refresh token is dead (`invalid_grant`): the account needs a new login. */
export class InvalidGrantError extends Error {
	constructor(readonly email: string, readonly reason: string) {
		super(`Google refused the refresh token for ${email}: ${reason}`);
	}
}
