// Account state: access tokens (with expiry), refresh tokens (rotation and revocation), onboarding operations
// and per-model quotas. Runtime state can be reset to the configured accounts; issued access tokens survive.
import {createHash, randomBytes} from 'node:crypto';
import type {SimAccount} from './types.js';

export const DEFAULT_ACCOUNTS: readonly SimAccount[] = [
	{email: 'demo@agproxy.local', refreshToken: '1//sim-refresh-demo', project: 'agproxy-demo-project', tier: 'free-tier'},
	{email: 'demo2@agproxy.local', refreshToken: '1//sim-refresh-demo2', project: 'agproxy-demo-project-2', tier: 'free-tier'},
];

type Operation = {id: string; email: string; polls: number; done: boolean};

export type TokenLookup = {ok: true; email: string} | {ok: false; reason: 'expired' | 'unknown'};

export class AccountStore {
	private accounts = new Map<string, SimAccount>();
	private refreshTokens = new Map<string, string>();
	private readonly accessTokens = new Map<string, {email: string; expiresAt: number}>();
	private operations = new Map<string, Operation>();

	constructor(
		private readonly initial: readonly SimAccount[],
		private readonly now: () => number,
		private readonly ttlSec: number,
		private readonly onboardPolls: number,
	) {
		this.reset();
	}

	reset(): void {
		this.accounts = new Map(this.initial.map((a) => [a.email, structuredClone(a)]));
		this.refreshTokens = new Map(this.initial.map((a) => [a.refreshToken, a.email]));
		this.operations = new Map();
	}

	get(email: string): SimAccount | undefined {
		return this.accounts.get(email);
	}

	list(): SimAccount[] {
		return [...this.accounts.values()];
	}

	update(email: string, patch: Partial<Omit<SimAccount, 'email'>>): void {
		const account = this.accounts.get(email);
		if (account === undefined) throw new Error(`simulator: unknown account ${email}`);
		if (patch.refreshToken !== undefined && patch.refreshToken !== account.refreshToken) {
			this.refreshTokens.delete(account.refreshToken);
			this.refreshTokens.set(patch.refreshToken, email);
		}
		Object.assign(account, patch);
	}

	issueAccessToken(email: string): {token: string; expiresIn: number} {
		if (!this.accounts.has(email)) throw new Error(`simulator: unknown account ${email}`);
		const token = `ya29.sim-${randomBytes(30).toString('base64url')}`;
		this.accessTokens.set(token, {email, expiresAt: this.now() + this.ttlSec * 1000});
		return {token, expiresIn: this.ttlSec};
	}

	lookupAccessToken(token: string): TokenLookup {
		const entry = this.accessTokens.get(token);
		if (entry === undefined || !this.accounts.has(entry.email)) return {ok: false, reason: 'unknown'};
		if (this.now() >= entry.expiresAt) return {ok: false, reason: 'expired'};
		return {ok: true, email: entry.email};
	}

	accessTokenExpiresIn(token: string): number | undefined {
		const entry = this.accessTokens.get(token);
		return entry === undefined ? undefined : Math.max(0, Math.floor((entry.expiresAt - this.now()) / 1000));
	}

	emailForRefreshToken(token: string): string | undefined {
		return this.refreshTokens.get(token);
	}

	/** A new refresh token replaces the old one, which stops working (the client must persist the new one). */
	rotateRefreshToken(email: string): string {
		const account = this.accounts.get(email);
		if (account === undefined) throw new Error(`simulator: unknown account ${email}`);
		const token = `1//sim-rotated-${randomBytes(18).toString('base64url')}`;
		this.update(email, {refreshToken: token});
		return token;
	}

	/** Project the account gets once onboarding completes (deterministic per email). */
	onboardedProject(email: string): string {
		return `sim-onboarded-${createHash('sha256').update(email).digest('hex').slice(0, 6)}`;
	}

	/** First POST starts an operation; a re-POST completes it (clients that re-POST instead of polling). */
	startOnboarding(email: string): Operation {
		const existing = [...this.operations.values()].find((op) => op.email === email);
		if (existing !== undefined) {
			this.complete(existing);
			return existing;
		}
		const id = createHash('sha256').update(`op:${email}:${this.operations.size}`).digest('hex').slice(0, 16);
		const op: Operation = {id, email, polls: 0, done: false};
		this.operations.set(id, op);
		return op;
	}

	/** GET polls answer done:false `onboardPolls` times, then done. */
	pollOperation(id: string, email: string): Operation | undefined {
		const op = this.operations.get(id);
		if (op === undefined || op.email !== email) return undefined;
		if (!op.done) {
			op.polls++;
			if (op.polls > this.onboardPolls) this.complete(op);
		}
		return op;
	}

	private complete(op: Operation): void {
		op.done = true;
		const account = this.accounts.get(op.email);
		if (account !== undefined && account.project === undefined) account.project = this.onboardedProject(op.email);
	}

	/** Effective quota: a reset time in the past means the quota has refilled. */
	quota(email: string, model: string): {remainingFraction: number; resetTime: string | undefined} {
		const configured = this.accounts.get(email)?.quotas?.[model];
		if (configured === undefined) return {remainingFraction: 1, resetTime: undefined};
		const resetMs = configured.resetTime === undefined ? undefined : Date.parse(configured.resetTime);
		if (resetMs !== undefined && resetMs <= this.now()) return {remainingFraction: 1, resetTime: undefined};
		return {remainingFraction: configured.remainingFraction, resetTime: configured.resetTime};
	}
}
