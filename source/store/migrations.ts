// The schema of proxy.db, as numbered migrations. `PRAGMA user_version` holds the number of the last one applied.
// Rules: never edit or reorder a released migration, only append; each runs in its own transaction together with the
// user_version bump, so a file is always at exactly one version. Tables are STRICT (types enforced by SQLite).
import type {Database} from 'sql.js';

export type Migration = {
	version: number;
	description: string;
	/** SQL run inside the migration's transaction. */
	up: string;
	/** For table rebuilds: foreign keys are switched off around the transaction (and checked before commit). */
	disableForeignKeys?: boolean;
};

export const MIGRATIONS: readonly Migration[] = [
	{
		version: 1,
		description: 'accounts (replaces accounts.json)',
		up: `
			CREATE TABLE accounts (
				id INTEGER PRIMARY KEY,
				email TEXT NOT NULL CHECK (email <> ''),
				-- email lower-cased by agproxy: one account per address whatever its case
				email_key TEXT NOT NULL UNIQUE,
				refresh_token TEXT NOT NULL CHECK (refresh_token <> ''),
				project_id TEXT,
				tier TEXT,
				enabled INTEGER NOT NULL CHECK (enabled IN (0, 1)),
				invalid_reason TEXT,
				invalid_at TEXT,
				invalid_url TEXT,
				added_at TEXT NOT NULL,
				CHECK ((invalid_reason IS NULL) = (invalid_at IS NULL)),
				CHECK (invalid_url IS NULL OR invalid_reason IS NOT NULL)
			) STRICT;
		`,
	},
	{
		version: 2,
		description: 'users with API keys, model groups and their members, usage per (user, model, day)',
		up: `
			CREATE TABLE users (
				id INTEGER PRIMARY KEY,
				name TEXT NOT NULL UNIQUE CHECK (name <> ''),
				key_hash TEXT NOT NULL UNIQUE,
				key_prefix TEXT NOT NULL,
				admin INTEGER NOT NULL CHECK (admin IN (0, 1)),
				disabled INTEGER NOT NULL CHECK (disabled IN (0, 1)),
				created_at TEXT NOT NULL,
				last_used_at TEXT
			) STRICT;

			-- owner NULL = a global group; a user's groups go with the user
			CREATE TABLE model_groups (
				id INTEGER PRIMARY KEY,
				alias TEXT NOT NULL CHECK (alias <> ''),
				owner TEXT REFERENCES users(name) ON DELETE CASCADE,
				strategy TEXT NOT NULL CHECK (strategy IN ('priority', 'random')),
				created_at TEXT NOT NULL
			) STRICT;
			CREATE UNIQUE INDEX model_groups_alias_owner ON model_groups(alias, coalesce(owner, ''));
			CREATE INDEX model_groups_owner ON model_groups(owner);

			-- seq keeps the members in the order they were given; ord is the member's own 'order'
			CREATE TABLE group_members (
				group_id INTEGER NOT NULL REFERENCES model_groups(id) ON DELETE CASCADE,
				seq INTEGER NOT NULL,
				model TEXT NOT NULL CHECK (model <> ''),
				ord INTEGER NOT NULL,
				weight REAL NOT NULL CHECK (weight > 0),
				PRIMARY KEY (group_id, seq)
			) STRICT, WITHOUT ROWID;

			-- no foreign key on purpose: usage stays when a user is removed; '' = open (keyless) mode
			CREATE TABLE usage (
				user_name TEXT NOT NULL,
				model TEXT NOT NULL,
				day TEXT NOT NULL CHECK (day GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),
				requests INTEGER NOT NULL DEFAULT 0 CHECK (requests >= 0),
				input_tokens INTEGER NOT NULL DEFAULT 0 CHECK (input_tokens >= 0),
				output_tokens INTEGER NOT NULL DEFAULT 0 CHECK (output_tokens >= 0),
				cached_tokens INTEGER NOT NULL DEFAULT 0 CHECK (cached_tokens >= 0),
				errors INTEGER NOT NULL DEFAULT 0 CHECK (errors >= 0),
				PRIMARY KEY (user_name, model, day)
			) STRICT, WITHOUT ROWID;
			CREATE INDEX usage_day ON usage(day);
		`,
	},
	{
		version: 3,
		description: "accounts.client_version: the account's own Antigravity client version (NULL = the clientVersion setting)",
		up: `ALTER TABLE accounts ADD COLUMN client_version TEXT CHECK (client_version IS NULL OR client_version <> '');`,
	},
];

export const LATEST_VERSION = MIGRATIONS.length;

export function schemaVersion(db: Database): number {
	const value = db.exec('PRAGMA user_version')[0]?.values[0]?.[0];
	if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw new Error(`unexpected user_version ${String(value)}`);
	return value;
}

function checkList(migrations: readonly Migration[]): void {
	migrations.forEach((migration, index) => {
		if (migration.version !== index + 1) throw new Error(`migration #${index + 1} has version ${migration.version}: versions must be 1, 2, 3, ...`);
	});
}

export class NewerSchemaError extends Error {
	constructor(
		readonly found: number,
		readonly known: number,
	) {
		super(`schema version ${found} was written by a newer agproxy (this one knows up to version ${known})`);
		this.name = 'NewerSchemaError';
	}
}

/**
 * Brings the database to the last of `migrations`. Each migration and its user_version bump commit together;
 * a failing migration is rolled back and thrown (earlier ones stay applied in memory; the caller decides whether to save).
 */
export function migrate(db: Database, migrations: readonly Migration[] = MIGRATIONS): {from: number; to: number} {
	checkList(migrations);
	const from = schemaVersion(db);
	if (from > migrations.length) throw new NewerSchemaError(from, migrations.length);
	for (const migration of migrations.slice(from)) {
		if (migration.disableForeignKeys === true) db.run('PRAGMA foreign_keys = OFF');
		try {
			db.run('BEGIN');
			try {
				db.exec(migration.up);
				const violations = db.exec('PRAGMA foreign_key_check');
				if (violations.length > 0 && (violations[0]?.values.length ?? 0) > 0) {
					throw new Error(`foreign key violations after migration ${migration.version}`);
				}
				db.run(`PRAGMA user_version = ${migration.version}`);
				db.run('COMMIT');
			} catch (error) {
				try {
					db.run('ROLLBACK');
				} catch {
					// SQLite already rolled back
				}
				throw new Error(`migration ${migration.version} (${migration.description}) failed: ${error instanceof Error ? error.message : String(error)}`);
			}
		} finally {
			if (migration.disableForeignKeys === true) db.run('PRAGMA foreign_keys = ON');
		}
	}
	return {from, to: Math.max(from, migrations.length)};
}
