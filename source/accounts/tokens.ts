// Access tokens for stored accounts: cached until shortly before expiry, one refresh in flight per account, a
// rotated refresh token persisted before the new access token is handed out, and invalid_grant recorded on the
// account. Network and server failures are passed on without touching the account.
import {type HttpOptions, type OAuthConfig, type TokenSet, abortError, refreshAccessToken} from './oauth.js';
import {type AccountStore, type TokenSource, InvalidGrantError} from './types.js';

export type TokenManagerOptions = {
	/** injectable clock (epoch ms) */
	now?: () => number;
	/** a cached token is used until this long before it expires (default 60 s) */
	skewMs?: number;
	/** per token request (default oauth.ts's) */
	timeoutMs?: number;
};

/** The account is not in the store. */
export class UnknownAccountError extends Error {
	constructor(readonly email: string) {
		super(`no stored account ${email}`);
		this.name = 'UnknownAccountError';
	}
}

type Cached = {accessToken: string; expiresAt: number};

export class TokenManager implements TokenSource {
	private readonly now: () => number;
	private readonly skewMs: number;
	private readonly cache = new Map<string, Cached>();
	private readonly inflight = new Map<string, Promise<Cached>>();
	/** A rotated refresh token the store could not take yet: used for the next refresh so it is not lost. */
	private readonly unsaved = new Map<string, string>();

	constructor(
		private readonly store: AccountStore,
		private readonly oauth: OAuthConfig,
		private readonly options: TokenManagerOptions = {},
	) {
		this.now = options.now ?? Date.now;
		this.skewMs = options.skewMs ?? 60_000;
	}

	async accessToken(email: string, options: {force?: boolean; signal?: AbortSignal} = {}): Promise<string> {
		const key = email.toLowerCase();
		const cached = this.cache.get(key);
		if (options.force !== true && cached !== undefined && cached.expiresAt - this.skewMs > this.now()) return cached.accessToken;
		// A refresh already running serves everyone, forced or not: its token is brand new.
		let pending = this.inflight.get(key);
		if (pending === undefined) {
			pending = this.refresh(email, key).finally(() => this.inflight.delete(key));
			this.inflight.set(key, pending);
		}
		const token = await waitFor(pending, options.signal);
		return token.accessToken;
	}

	forget(email: string): void {
		const key = email.toLowerCase();
		this.cache.delete(key);
		this.unsaved.delete(key);
	}

	/** When the cached access token expires (epoch ms), if there is one. */
	expiresAt(email: string): number | undefined {
		return this.cache.get(email.toLowerCase())?.expiresAt;
	}

	private async refresh(email: string, key: string): Promise<Cached> {
		const record = await this.store.get(email);
		if (record === undefined) {
			this.forget(email);
			throw new UnknownAccountError(email);
		}
		const used = this.unsaved.get(key) ?? record.refreshToken;
		let tokens: TokenSet;
		try {
			tokens = await refreshAccessToken(this.oauth, used, this.httpOptions(record.email));
		} catch (error) {
			if (!(error instanceof InvalidGrantError)) throw error;
			// Another process may have rotated the token meanwhile: the stored one is worth one more try.
			const latest = await this.store.get(email);
			if (latest !== undefined && latest.refreshToken !== used) {
				this.unsaved.delete(key);
				return this.refreshWith(record.email, key, latest.refreshToken);
			}
			return this.markInvalid(record.email, key, error);
		}
		return this.accept(record.email, key, used, tokens);
	}

	private async refreshWith(email: string, key: string, refreshToken: string): Promise<Cached> {
		try {
			return await this.accept(email, key, refreshToken, await refreshAccessToken(this.oauth, refreshToken, this.httpOptions(email)));
		} catch (error) {
			if (error instanceof InvalidGrantError) return this.markInvalid(email, key, error);
			throw error;
		}
	}

	private async markInvalid(email: string, key: string, error: InvalidGrantError): Promise<never> {
		this.cache.delete(key);
		this.unsaved.delete(key);
		try {
			await this.store.update(email, {invalid: {reason: error.reason, at: new Date(this.now()).toISOString()}});
		} catch {
			// The verdict stands even if it could not be written; callers learn it from the error.
		}
		throw new InvalidGrantError(email, error.reason);
	}

	private async accept(email: string, key: string, used: string, tokens: TokenSet): Promise<Cached> {
		if (tokens.refreshToken !== undefined && tokens.refreshToken !== used) {
			// Google revoked the old refresh token: the new one must be on disk before anything uses the access token.
			this.unsaved.set(key, tokens.refreshToken);
			await this.store.update(email, {refreshToken: tokens.refreshToken});
			this.unsaved.delete(key);
		} else if (this.unsaved.get(key) === used) {
			// An earlier rotation that failed to save: save it now.
			await this.store.update(email, {refreshToken: used});
			this.unsaved.delete(key);
		}
		const cached = {accessToken: tokens.accessToken, expiresAt: tokens.expiresAt};
		this.cache.set(key, cached);
		return cached;
	}

	private httpOptions(email: string): HttpOptions & {email: string} {
		return {email, now: this.now, ...(this.options.timeoutMs === undefined ? {} : {timeoutMs: this.options.timeoutMs})};
	}
}

/** The shared refresh keeps going when one caller gives up. */
function waitFor<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
	if (signal === undefined) return promise;
	if (signal.aborted) return Promise.reject(abortError(signal));
	return new Promise<T>((resolve, reject) => {
		const onAbort = (): void => reject(abortError(signal));
		signal.addEventListener('abort', onAbort, {once: true});
		promise.then(
			(value) => {
				signal.removeEventListener('abort', onAbort);
				resolve(value);
			},
			(error: unknown) => {
				signal.removeEventListener('abort', onAbort);
				reject(error);
			},
		);
	});
}
