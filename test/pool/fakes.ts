// In-memory fakes for the pool tests: an AccountStore, a TokenSource, a clock whose sleep advances time, and
// upstream errors parsed from the simulator's canned bodies (so they are shaped exactly like the real ones).
import type {UpstreamError} from '../../source/cloudcode/errors.js';
import {parseUpstreamError} from '../../source/cloudcode/errors.js';
import {type AccountRecord, type AccountStore, type TokenSource, InvalidGrantError} from '../../source/accounts/types.js';
import {cannedRpc} from '../../source/simulator/errors.js';
import type {CannedErrorName} from '../../source/simulator/types.js';

export const T0 = Date.parse('2026-05-01T12:00:00Z');

export function record(email: string, extra: Partial<AccountRecord> = {}): AccountRecord {
	return {
		email,
		refreshToken: `1//refresh-${email}`,
		projectId: `project-${email.split('@')[0] ?? email}`,
		tier: 'free-tier',
		enabled: true,
		addedAt: new Date(T0 - 86_400_000).toISOString(),
		...extra,
	};
}

export class MemoryStore implements AccountStore {
	readonly updates: Array<{email: string; patch: Partial<Omit<AccountRecord, 'email'>>}> = [];
	private readonly listeners = new Set<() => void>();
	constructor(public records: AccountRecord[]) {}

	async list(): Promise<AccountRecord[]> {
		return structuredClone(this.records);
	}

	async get(email: string): Promise<AccountRecord | undefined> {
		return structuredClone(this.records.find((r) => r.email.toLowerCase() === email.toLowerCase()));
	}

	async upsert(next: AccountRecord): Promise<void> {
		this.records = [...this.records.filter((r) => r.email.toLowerCase() !== next.email.toLowerCase()), structuredClone(next)];
	}

	async update(email: string, patch: Partial<Omit<AccountRecord, 'email'>>): Promise<AccountRecord | undefined> {
		this.updates.push({email, patch});
		const index = this.records.findIndex((r) => r.email.toLowerCase() === email.toLowerCase());
		const current = this.records[index];
		if (current === undefined) return undefined;
		const next = {...current, ...patch};
		this.records[index] = next;
		return structuredClone(next);
	}

	async remove(email: string): Promise<boolean> {
		const before = this.records.length;
		this.records = this.records.filter((r) => r.email.toLowerCase() !== email.toLowerCase());
		return this.records.length !== before;
	}

	watch(listener: () => void): () => void {
		this.listeners.add(listener);
		return () => this.listeners.delete(listener);
	}

	/** What another process changing the file looks like. */
	changed(): void {
		for (const listener of this.listeners) listener();
	}
}

/** Tokens `tok-<email>-<n>`; n goes up on every forced refresh. */
export class FakeTokens implements TokenSource {
	readonly calls: Array<{email: string; force: boolean}> = [];
	readonly forgotten: string[] = [];
	readonly invalid = new Set<string>();
	readonly broken = new Set<string>();
	private readonly versions = new Map<string, number>();

	async accessToken(email: string, options: {force?: boolean; signal?: AbortSignal} = {}): Promise<string> {
		this.calls.push({email, force: options.force === true});
		if (this.invalid.has(email)) throw new InvalidGrantError(email, 'Token has been expired or revoked.');
		if (this.broken.has(email)) throw new Error('connect ECONNREFUSED oauth2.googleapis.com');
		const version = (this.versions.get(email) ?? 1) + (options.force === true ? 1 : 0);
		this.versions.set(email, version);
		return `tok-${email}-${version}`;
	}

	forget(email: string): void {
		this.forgotten.push(email);
	}
}

/** A clock that only moves when told to, or when something sleeps on it. */
export class FakeClock {
	t = T0;
	readonly sleeps: number[] = [];
	now = (): number => this.t;
	sleep = async (ms: number, signal: AbortSignal): Promise<void> => {
		this.sleeps.push(ms);
		if (signal.aborted) return;
		this.t += ms;
		await Promise.resolve();
	};
	advance(ms: number): void {
		this.t += ms;
	}
}

/** An upstream error exactly as agproxy would parse it from the simulator's canned body. */
export function canned(
	name: Exclude<CannedErrorName, 'invalid_grant'>,
	now: number,
	extra: {retryDelaySec?: number; resetTime?: string; model?: string} = {},
): UpstreamError {
	const reply = cannedRpc(name, {now, ...extra});
	return parseUpstreamError(reply.status, JSON.stringify(reply.body, null, 2), {}, now);
}

export function serverError(status = 500): UpstreamError {
	return {status, kind: 'server_error', message: 'Internal error encountered.'};
}

/** Lets queued promise callbacks (p-queue's bookkeeping) run. */
export async function settle(rounds = 5): Promise<void> {
	for (let i = 0; i < rounds; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
