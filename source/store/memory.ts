// A DataStore held only in memory: tests and anything that needs the contract without a file. Same behaviour as the
// sql.js store: unique user names and key hashes, groups unique per (alias, owner), usage aggregated per
// (user, model, UTC day), records copied in and out so callers never share state with the store.
import {MemoryAccountStore} from '../accounts/memory-store.js';
import type {AccountRecord} from '../accounts/types.js';
import {StoreReferenceError} from './errors.js';
import {
	type DataStore,
	type GroupRecord,
	type GroupRepository,
	type UsageDelta,
	type UsageRepository,
	type UsageRow,
	type UserRecord,
	type UserRepository,
	StoreConflictError,
} from './types.js';

/** YYYY-MM-DD in UTC. */
export function utcDay(at: number): string {
	return new Date(at).toISOString().slice(0, 10);
}

class MemoryUsers implements UserRepository {
	private readonly users = new Map<string, UserRecord>();

	constructor(private readonly groups: MemoryGroups) {}

	list(): UserRecord[] {
		// In creation order, as the sql.js store (ORDER BY id).
		return [...this.users.values()].map(u => structuredClone(u));
	}

	count(): number {
		return this.users.size;
	}

	get(name: string): UserRecord | undefined {
		const user = this.users.get(name);
		return user && structuredClone(user);
	}

	byKeyHash(keyHash: string): UserRecord | undefined {
		for (const user of this.users.values()) if (user.keyHash === keyHash) return structuredClone(user);
		return undefined;
	}

	create(user: UserRecord): void {
		if (this.users.has(user.name)) throw new StoreConflictError(`user '${user.name}' exists`);
		if (this.byKeyHash(user.keyHash) !== undefined) throw new StoreConflictError('key hash exists');
		this.users.set(user.name, structuredClone(user));
	}

	update(name: string, patch: Partial<Omit<UserRecord, 'name'>>): UserRecord | undefined {
		const current = this.users.get(name);
		if (current === undefined) return undefined;
		if (patch.keyHash !== undefined && patch.keyHash !== current.keyHash && this.byKeyHash(patch.keyHash) !== undefined) {
			throw new StoreConflictError('key hash exists');
		}
		const next: UserRecord = {...current};
		for (const [field, value] of Object.entries(patch) as Array<[keyof typeof patch, unknown]>) {
			// An explicit undefined clears the optional field and leaves required ones alone.
			if (value === undefined) {
				if (field === 'lastUsedAt') delete next.lastUsedAt;
				continue;
			}
			(next as Record<string, unknown>)[field] = value;
		}
		this.users.set(name, next);
		return structuredClone(next);
	}

	remove(name: string): boolean {
		if (!this.users.delete(name)) return false;
		this.groups.removeOwnedBy(name);
		return true;
	}
}

const groupKey = (alias: string, owner: string | undefined): string => `${owner ?? ''}\u0000${alias}`;

class MemoryGroups implements GroupRepository {
	private readonly groups = new Map<string, GroupRecord>();
	/** Set once the users exist (the two refer to each other, like the tables). */
	userExists: (name: string) => boolean = () => false;

	list(): GroupRecord[] {
		return [...this.groups.values()]
			.sort((a, b) => (a.owner ?? '').localeCompare(b.owner ?? '') || a.alias.localeCompare(b.alias))
			.map(g => structuredClone(g));
	}

	get(alias: string, owner?: string): GroupRecord | undefined {
		const group = this.groups.get(groupKey(alias, owner));
		return group && structuredClone(group);
	}

	create(group: Omit<GroupRecord, 'members'>): void {
		const id = groupKey(group.alias, group.owner);
		if (this.groups.has(id)) throw new StoreConflictError(`group '${group.alias}' exists`);
		if (group.owner !== undefined && !this.userExists(group.owner)) throw new StoreReferenceError(`no user '${group.owner}' to own group '${group.alias}'`);
		const record: GroupRecord = {alias: group.alias, strategy: group.strategy, members: [], createdAt: group.createdAt};
		if (group.owner !== undefined) record.owner = group.owner;
		this.groups.set(id, record);
	}

	update(alias: string, owner: string | undefined, patch: Partial<Pick<GroupRecord, 'strategy' | 'members'>>): GroupRecord | undefined {
		const id = groupKey(alias, owner);
		const current = this.groups.get(id);
		if (current === undefined) return undefined;
		const next: GroupRecord = {...current};
		if (patch.strategy !== undefined) next.strategy = patch.strategy;
		if (patch.members !== undefined) next.members = structuredClone(patch.members).sort((a, b) => a.order - b.order);
		this.groups.set(id, next);
		return structuredClone(next);
	}

	remove(alias: string, owner?: string): boolean {
		return this.groups.delete(groupKey(alias, owner));
	}

	removeOwnedBy(owner: string): void {
		for (const [id, group] of this.groups) if (group.owner === owner) this.groups.delete(id);
	}
}

class MemoryUsage implements UsageRepository {
	private readonly rows = new Map<string, UsageRow>();

	record(delta: UsageDelta): void {
		const day = utcDay(delta.at);
		const id = `${delta.user}\u0000${delta.model}\u0000${day}`;
		const row = this.rows.get(id) ?? {user: delta.user, model: delta.model, day, requests: 0, inputTokens: 0, outputTokens: 0, cachedTokens: 0, errors: 0};
		row.requests += delta.requests;
		row.inputTokens += delta.inputTokens;
		row.outputTokens += delta.outputTokens;
		row.cachedTokens += delta.cachedTokens;
		row.errors += delta.errors;
		this.rows.set(id, row);
	}

	list(filter: {user?: string; sinceDay?: string} = {}): UsageRow[] {
		return [...this.rows.values()]
			.filter(row => (filter.user === undefined || row.user === filter.user) && (filter.sinceDay === undefined || row.day >= filter.sinceDay))
			.sort((a, b) => a.day.localeCompare(b.day) || a.user.localeCompare(b.user) || a.model.localeCompare(b.model))
			.map(row => ({...row}));
	}
}

export class MemoryDataStore implements DataStore {
	readonly accounts: MemoryAccountStore;
	readonly users: UserRepository;
	readonly groups: GroupRepository;
	readonly usage: UsageRepository;
	/** How many times flush() was called (tests check that writers flush). */
	flushes = 0;
	closed = false;

	constructor(initial: {accounts?: readonly AccountRecord[]} = {}) {
		const groups = new MemoryGroups();
		this.accounts = new MemoryAccountStore(initial.accounts ?? []);
		const users = new MemoryUsers(groups);
		groups.userExists = name => users.get(name) !== undefined;
		this.groups = groups;
		this.users = users;
		this.usage = new MemoryUsage();
	}

	async flush(): Promise<void> {
		this.flushes++;
	}

	close(): void {
		this.closed = true;
	}
}
