// Everything one simulator instance holds, shared by its route handlers.
import {createHash, randomBytes} from 'node:crypto';
import type {IncomingMessage, ServerResponse} from 'node:http';
import {AccountStore, DEFAULT_ACCOUNTS} from './accounts.js';
import {unauthenticated} from './errors.js';
import {FaultQueue} from './faults.js';
import {type Sleep, abortableSleep, bearerToken, sendJson} from './http-util.js';
import {DEFAULT_MODELS} from './models.js';
import {Signer} from './signatures.js';
import type {SimModel, SimulatorOptions} from './types.js';
import {PromptCache} from './usage.js';

export type SimState = {
	accounts: AccountStore;
	models: Map<string, SimModel>;
	faults: FaultQueue;
	cache: PromptCache;
	signer: Signer;
	now: () => number;
	sleep: Sleep;
	chunkDelayMs: number;
	rejectClaudeSentinel: boolean;
	/** SimulatorOptions.minClientVersion */
	minClientVersion: string | undefined;
	oauthClientId: string | undefined;
	oauthClientSecret: string | undefined;
	/** deterministic 16-hex trace ids from a counter */
	nextTraceId(): string;
	resetCounters(): void;
};

export function createState(options: SimulatorOptions, signal: AbortSignal): SimState {
	const now = options.now ?? Date.now;
	let traces = 0;
	return {
		accounts: new AccountStore(options.accounts ?? DEFAULT_ACCOUNTS, now, options.accessTokenTtlSec ?? 3600, options.onboardPolls ?? 1),
		models: new Map((options.models ?? DEFAULT_MODELS).map((m) => [m.id, m])),
		faults: new FaultQueue(),
		cache: new PromptCache(),
		signer: new Signer(options.signatureSecret ?? randomBytes(32).toString('hex')),
		now,
		sleep: abortableSleep(signal),
		chunkDelayMs: options.chunkDelayMs ?? 0,
		rejectClaudeSentinel: options.rejectClaudeSentinel === true,
		minClientVersion: options.minClientVersion,
		oauthClientId: options.oauthClientId,
		oauthClientSecret: options.oauthClientSecret,
		nextTraceId() {
			traces++;
			return createHash('sha256').update(`agproxy-simulator-trace:${traces}`).digest('hex').slice(0, 16);
		},
		resetCounters() {
			traces = 0;
		},
	};
}

const WWW_AUTHENTICATE = {'www-authenticate': 'Bearer realm="https://accounts.google.com/", error="invalid_token"'};

/** The account behind the bearer token, or undefined after answering 401 in the Google shape (§5.3). */
export function authenticate(state: SimState, req: IncomingMessage, res: ServerResponse, rpc: string): string | undefined {
	const method = rpc.charAt(0).toUpperCase() + rpc.slice(1);
	const token = bearerToken(req);
	if (token === undefined) {
		sendJson(res, 401, unauthenticated('CREDENTIALS_MISSING', method), {'www-authenticate': 'Bearer realm="https://accounts.google.com/"'});
		return undefined;
	}
	const found = state.accounts.lookupAccessToken(token);
	if (!found.ok) {
		sendJson(res, 401, unauthenticated(found.reason === 'expired' ? 'ACCESS_TOKEN_EXPIRED' : 'ACCESS_TOKEN_TYPE_UNSUPPORTED', method), WWW_AUTHENTICATE);
		return undefined;
	}
	return found.email;
}
