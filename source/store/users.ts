// Users and their API keys (only the sha256 of a key is stored). Creating, re-keying, changing rights of and deleting
// a user are credential changes, saved at once; `lastUsedAt` alone is an ordinary change (debounced).
import {StoreConflictError, type UserRecord, type UserRepository} from './types.js';
import {UntilChange} from './memo.js';
import {InputReader, RowReader, applyPatch, nullable} from './rows.js';
import type {DatabaseFile, Row} from './sqlite.js';

const COLUMNS = 'name, key_hash, key_prefix, admin, disabled, created_at, last_used_at';
const KEY_HASH = /^[0-9a-f]{64}$/;

export function parseUserRow(row: Row, index: number): UserRecord {
	const name = new RowReader(row, `users row ${index + 1}`).text('name');
	const read = new RowReader(row, `user ${name}`);
	const keyHash = read.text('key_hash');
	if (!KEY_HASH.test(keyHash)) read.fail('key_hash', 'must be a sha256 in lower-case hex');
	const lastUsedAt = read.optionalText('last_used_at');
	return {
		name,
		keyHash,
		keyPrefix: read.anyText('key_prefix'),
		admin: read.flag('admin'),
		disabled: read.flag('disabled'),
		createdAt: read.text('created_at'),
		...(lastUsedAt === undefined ? {} : {lastUsedAt}),
	};
}

export function checkUser(value: unknown): UserRecord {
	const read = InputReader.of(value, 'user');
	const name = read.text('name');
	const keyHash = read.text('keyHash');
	if (!KEY_HASH.test(keyHash)) throw new TypeError(`user ${name}: keyHash must be a sha256 in lower-case hex (64 characters)`);
	const lastUsedAt = read.optionalText('lastUsedAt');
	return {
		name,
		keyHash,
		keyPrefix: read.anyText('keyPrefix'),
		admin: read.flag('admin'),
		disabled: read.flag('disabled'),
		createdAt: read.text('createdAt'),
		...(lastUsedAt === undefined ? {} : {lastUsedAt}),
	};
}

function values(user: UserRecord): (string | number | null)[] {
	return [user.keyHash, user.keyPrefix, user.admin ? 1 : 0, user.disabled ? 1 : 0, user.createdAt, nullable(user.lastUsedAt), user.name];
}

export class SqlUserRepository implements UserRepository {
	/** count() is asked on every request (open or keyed mode). */
	private readonly counted: UntilChange<number>;

	constructor(private readonly file: DatabaseFile) {
		this.counted = new UntilChange(file);
	}

	list(): UserRecord[] {
		return this.file.all(`SELECT ${COLUMNS} FROM users ORDER BY id`).map(parseUserRow);
	}

	count(): number {
		return this.counted.get('', () => {
			const row = this.file.get('SELECT COUNT(*) AS n FROM users');
			return typeof row?.['n'] === 'number' ? row['n'] : 0;
		});
	}

	get(name: string): UserRecord | undefined {
		const row = this.file.get(`SELECT ${COLUMNS} FROM users WHERE name = ?`, [name]);
		return row === undefined ? undefined : parseUserRow(row, 0);
	}

	byKeyHash(keyHash: string): UserRecord | undefined {
		const row = this.file.get(`SELECT ${COLUMNS} FROM users WHERE key_hash = ?`, [keyHash]);
		return row === undefined ? undefined : parseUserRow(row, 0);
	}

	/** Saved at once (await the data store's flush() to know it is durable). */
	create(user: UserRecord): void {
		const checked = checkUser(user);
		if (this.get(checked.name) !== undefined) throw new StoreConflictError(`a user named ${checked.name} exists`);
		if (this.byKeyHash(checked.keyHash) !== undefined) throw new StoreConflictError('that key belongs to another user');
		this.file.write('credential', () =>
			this.file.run(
				`INSERT INTO users (key_hash, key_prefix, admin, disabled, created_at, last_used_at, name) VALUES (?, ?, ?, ?, ?, ?, ?)`,
				values(checked),
			),
		);
	}

	/** A key present with the value undefined removes that field (only lastUsedAt is optional). */
	update(name: string, patch: Partial<Omit<UserRecord, 'name'>>): UserRecord | undefined {
		const current = this.get(name);
		if (current === undefined) return undefined;
		const next = checkUser(applyPatch(current, patch, ['name']));
		if (next.keyHash !== current.keyHash && this.byKeyHash(next.keyHash) !== undefined) {
			throw new StoreConflictError('that key belongs to another user');
		}
		const onlyUsage =
			next.keyHash === current.keyHash &&
			next.keyPrefix === current.keyPrefix &&
			next.admin === current.admin &&
			next.disabled === current.disabled &&
			next.createdAt === current.createdAt;
		if (onlyUsage && next.lastUsedAt === current.lastUsedAt) return next;
		this.file.write(onlyUsage ? 'ordinary' : 'credential', () =>
			this.file.run(
				`UPDATE users SET key_hash = ?, key_prefix = ?, admin = ?, disabled = ?, created_at = ?, last_used_at = ? WHERE name = ?`,
				values(next),
			),
		);
		return next;
	}

	/** Removes the user and the groups they own (foreign key cascade); their usage rows stay. Saved at once. */
	remove(name: string): boolean {
		if (this.get(name) === undefined) return false;
		this.file.write('credential', () => this.file.run('DELETE FROM users WHERE name = ?', [name]));
		return true;
	}
}
