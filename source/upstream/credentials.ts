// Where an upstream request gets its Google credential. The core runs on one token from the environment;
// the account pool (multi-account, refresh, rate-limit aware) implements the same interface.
import {HttpError} from '../http/errors.js';
import type {UpstreamError} from '../cloudcode/errors.js';

export type Credential = {accountId: string; accessToken: string; project: string};

export type AccountsSummary = {total: number; active: number; rateLimited: number; invalid: number; disabled: number};

export interface CredentialProvider {
	/** A credential for this model and conversation, or an HttpError (429 with retry-after, 503) when none can serve. */
	acquire(model: string, sessionKey: string, signal: AbortSignal): Promise<Credential>;
	/** What happened with it, so a pool can mark rate limits, exhaustion or invalid accounts. */
	report(credential: Credential, model: string, outcome: {ok: true} | {ok: false; error: UpstreamError}): void;
	summary(): AccountsSummary;
}

export class StaticCredentials implements CredentialProvider {
	constructor(private readonly credential: Credential | undefined) {}

	async acquire(): Promise<Credential> {
		if (!this.credential) {
			throw new HttpError(503, 'agproxy has no Google account configured: set AGPROXY_ACCESS_TOKEN and AGPROXY_PROJECT, or start with --simulate', {}, 'api_error');
		}
		return this.credential;
	}

	report(): void {}

	summary(): AccountsSummary {
		return {total: this.credential ? 1 : 0, active: this.credential ? 1 : 0, rateLimited: 0, invalid: 0, disabled: 0};
	}
}
