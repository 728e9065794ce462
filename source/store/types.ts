// Durable data in one sql.js file (`<data-dir>/proxy.db`): accounts, users with API keys, model groups, aggregated usage.
// The storage layer implements these; the actions layer (users/groups/accounts operations), the HTTP server and the CLI use them.
import type {AccountStore} from '../accounts/types.js';

export type UserRecord = {
	name: string;
	/** sha256 hex of the full key; the key itself is never stored. */
	keyHash: string;
	/** First characters of the key, for display (`sk-agp-AbCd`). */
	keyPrefix: string;
	admin: boolean;
	disabled: boolean;
	createdAt: string;
	lastUsedAt?: string;
};

export type GroupStrategy = 'priority' | 'random';

export type GroupMember = {model: string; order: number; /** random strategy: relative weight, default 1 */ weight: number};

export type GroupRecord = {
	alias: string;
	/** The user the group belongs to; undefined = global. A user's group shadows a global one with the same alias. */
	owner?: string;
	strategy: GroupStrategy;
	/** Sorted by order. */
	members: GroupMember[];
	createdAt: string;
};

/** Usage is aggregated per (user, model, day), never stored per request. `user` is '' for open (keyless) mode. */
export type UsageRow = {
	user: string;
	model: string;
	/** YYYY-MM-DD (UTC) */
	day: string;
	requests: number;
	inputTokens: number;
	outputTokens: number;
	cachedTokens: number;
	errors: number;
};

export type UsageDelta = Omit<UsageRow, 'day'> & {at: number};

export interface UserRepository {
	list(): UserRecord[];
	/** How many users exist: cheap, asked on every request (keys are required once any exists). */
	count(): number;
	get(name: string): UserRecord | undefined;
	byKeyHash(keyHash: string): UserRecord | undefined;
	/** Throws StoreConflictError when the name exists. */
	create(user: UserRecord): void;
	update(name: string, patch: Partial<Omit<UserRecord, 'name'>>): UserRecord | undefined;
	/** Also removes the user's groups and keeps their usage rows. */
	remove(name: string): boolean;
}

export interface GroupRepository {
	list(): GroupRecord[];
	/** owner undefined = the global group with that alias. */
	get(alias: string, owner?: string): GroupRecord | undefined;
	/** Throws StoreConflictError when (alias, owner) exists. */
	create(group: Omit<GroupRecord, 'members'>): void;
	update(alias: string, owner: string | undefined, patch: Partial<Pick<GroupRecord, 'strategy' | 'members'>>): GroupRecord | undefined;
	remove(alias: string, owner?: string): boolean;
}

export interface UsageRepository {
	record(delta: UsageDelta): void;
	/** Rows filtered by user and/or since a day (inclusive). */
	list(filter?: {user?: string; sinceDay?: string}): UsageRow[];
}

export class StoreConflictError extends Error {}

/** The whole data file. Mutations are in memory at once and saved soon (credentials: at once); `flush` saves now. */
export interface DataStore {
	readonly accounts: AccountStore;
	readonly users: UserRepository;
	readonly groups: GroupRepository;
	readonly usage: UsageRepository;
	/** Resolves once everything changed so far is durably on disk. */
	flush(): Promise<void>;
	/** Final synchronous save and release of resources (process exit paths). */
	close(): void;
}
