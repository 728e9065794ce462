// Accounts held only in memory: `--simulate` (demo accounts) and tests. Same contract as the file store.
import type {AccountRecord, AccountStore} from './types.js';

export class MemoryAccountStore implements AccountStore {
	private readonly records = new Map<string, AccountRecord>();
	private readonly listeners = new Set<() => void>();

	constructor(initial: readonly AccountRecord[] = []) {
		for (const record of initial) this.records.set(record.email.toLowerCase(), structuredClone(record));
	}

	async list(): Promise<AccountRecord[]> {
		return [...this.records.values()].map(r => structuredClone(r));
	}

	async get(email: string): Promise<AccountRecord | undefined> {
		const record = this.records.get(email.toLowerCase());
		return record && structuredClone(record);
	}

	async upsert(record: AccountRecord): Promise<void> {
		this.records.set(record.email.toLowerCase(), structuredClone(record));
		this.changed();
	}

	async update(email: string, patch: Partial<Omit<AccountRecord, 'email'>>): Promise<AccountRecord | undefined> {
		const current = this.records.get(email.toLowerCase());
		if (!current) return undefined;
		const next = {...current, ...patch};
		this.records.set(email.toLowerCase(), next);
		this.changed();
		return structuredClone(next);
	}

	async remove(email: string): Promise<boolean> {
		const removed = this.records.delete(email.toLowerCase());
		if (removed) this.changed();
		return removed;
	}

	watch(listener: () => void): () => void {
		this.listeners.add(listener);
		return () => this.listeners.delete(listener);
	}

	private changed(): void {
		for (const listener of this.listeners) listener();
	}
}
