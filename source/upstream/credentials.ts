// Where an upstream request gets its Google credential. The core runs on one token from the environment;
// the account pool (multi-account, refresh, rate-limit aware) implements the same interface.
import {setTimeout as delay} from 'node:timers/promises';
import {HttpError} from '../http/errors.js';
import {type UpstreamError, isTransientUpstreamError} from '../cloudcode/errors.js';

export type Credential = {
	accountId: string;
	accessToken: string;
	project: string;
	/** The Antigravity client version to present for this account (its override); default: the client's. */
	clientVersion?: string;
	/** Frees the account's concurrency slot; called once the attempt is over, whatever its outcome. */
	release?: () => void;
};

/** After a failure: whether another attempt (on this or another account) can help. */
export type RetryAdvice = 'retry' | 'stop';

export type AccountsSummary = {total: number; active: number; rateLimited: number; invalid: number; disabled: number};

export interface CredentialProvider {
	/** A credential for this model and conversation, or an HttpError (429 with retry-after, 503) when none can serve. */
	acquire(model: string, sessionKey: string, signal: AbortSignal): Promise<Credential>;
	/**
	 * What happened with it, so a pool can mark rate limits, exhaustion or invalid accounts. For failures it may advise
	 * whether to retry (it knows if another account or a fresh token exists); without advice the caller decides.
	 */
	report(credential: Credential, model: string, outcome: {ok: true} | {ok: false; error: UpstreamError}): RetryAdvice | void;
	summary(): AccountsSummary;
}

/** Rate limits on the single token that are shorter than this are waited out; longer ones go back to the client. */
const SHORT_WAIT_MS = 2_000;

/** Single-token mode (AGPROXY_ACCESS_TOKEN): one credential, so only waiting or a server-side retry can help. */
export class StaticCredentials implements CredentialProvider {
	private waitUntil = 0;

	constructor(
		private readonly credential: Credential | undefined,
		private readonly now: () => number = Date.now,
	) {}

	async acquire(_model: string, _sessionKey: string, signal: AbortSignal): Promise<Credential> {
		if (!this.credential) {
			throw new HttpError(503, 'agproxy has no Google account configured: set AGPROXY_ACCESS_TOKEN and AGPROXY_PROJECT, or start with --simulate', {}, 'api_error');
		}
		const wait = this.waitUntil - this.now();
		if (wait > 0) await abortableSleep(Math.min(wait, SHORT_WAIT_MS), signal);
		return this.credential;
	}

	report(_credential: Credential, _model: string, outcome: {ok: true} | {ok: false; error: UpstreamError}): RetryAdvice | void {
		if (outcome.ok) return;
		const {error} = outcome;
		if (error.kind === 'rate_limited' && error.retryDelayMs !== undefined && error.retryDelayMs <= SHORT_WAIT_MS) {
			this.waitUntil = this.now() + error.retryDelayMs;
			return 'retry';
		}
		return isTransientUpstreamError(error) ? 'retry' : 'stop';
	}

	summary(): AccountsSummary {
		return {total: this.credential ? 1 : 0, active: this.credential ? 1 : 0, rateLimited: 0, invalid: 0, disabled: 0};
	}
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
	return delay(ms, undefined, {signal}).catch(() => undefined);
}
