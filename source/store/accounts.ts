// Google accounts in proxy.db, behind the AccountStore contract. The refresh token is a credential: any write that
// adds, replaces or removes one is saved at once, and the method resolves only when it is durably on disk.
// Emails are matched case-insensitively (email_key = email.toLowerCase()); list() keeps the order accounts were added.
import type {AccountRecord, AccountStore} from '../accounts/types.js';
import {StoreDataError} from './errors.js';
import {InputReader, RowReader, applyPatch, isObject, nullable} from './rows.js';
import type {ChangeKind, DatabaseFile, Row} from './sqlite.js';

const COLUMNS = 'email, refresh_token, project_id, tier, enabled, invalid_reason, invalid_at, invalid_url, added_at, client_version';

function emailKey(email: string): string {
	return email.toLowerCase();
}

export function parseAccountRow(row: Row, index: number): AccountRecord {
	const read = new RowReader(row, `accounts row ${index + 1}`);
	const email = read.text('email');
	const where = new RowReader(row, `account ${email}`);
	const projectId = where.optionalText('project_id');
	const tier = where.optionalText('tier');
	const reason = where.optionalText('invalid_reason');
	const at = where.optionalText('invalid_at');
	const url = where.optionalText('invalid_url');
	const clientVersion = where.optionalText('client_version');
	if ((reason === undefined) !== (at === undefined)) {
		throw new StoreDataError(`proxy.db: account ${email}: columns invalid_reason and invalid_at must both be set or both NULL`);
	}
	return {
		email,
		refreshToken: where.text('refresh_token'),
		...(projectId === undefined ? {} : {projectId}),
		...(tier === undefined ? {} : {tier}),
		enabled: where.flag('enabled'),
		...(reason === undefined || at === undefined ? {} : {invalid: {reason, at, ...(url === undefined ? {} : {url})}}),
		addedAt: where.text('added_at'),
		...(clientVersion === undefined ? {} : {clientVersion}),
	};
}

/** A clean copy of a caller's record with only the known fields; TypeError when it is not a valid record. */
export function checkAccount(value: unknown): AccountRecord {
	const read = InputReader.of(value, 'account');
	const email = read.text('email');
	const refreshToken = read.text('refreshToken');
	const projectId = read.optionalText('projectId');
	const tier = read.optionalText('tier');
	const enabled = read.flag('enabled');
	const addedAt = read.text('addedAt');
	const clientVersion = read.optionalText('clientVersion');
	const flag = read.get('invalid');
	let invalid: AccountRecord['invalid'];
	if (flag !== undefined) {
		if (!isObject(flag)) throw new TypeError(`account ${email}: invalid must be {reason, at[, url]}`);
		const mark = new InputReader(flag, `account ${email}: invalid`);
		const url = mark.optionalText('url');
		invalid = {reason: mark.anyText('reason'), at: mark.anyText('at'), ...(url === undefined ? {} : {url})};
	}
	return {
		email,
		refreshToken,
		...(projectId === undefined ? {} : {projectId}),
		...(tier === undefined ? {} : {tier}),
		enabled,
		...(invalid === undefined ? {} : {invalid}),
		addedAt,
		...(clientVersion === undefined ? {} : {clientVersion}),
	};
}

function values(record: AccountRecord): (string | number | null)[] {
	return [
		record.email,
		emailKey(record.email),
		record.refreshToken,
		nullable(record.projectId),
		nullable(record.tier),
		record.enabled ? 1 : 0,
		nullable(record.invalid?.reason),
		nullable(record.invalid?.at),
		nullable(record.invalid?.url),
		record.addedAt,
		nullable(record.clientVersion),
	];
}

const INSERT = `INSERT INTO accounts (email, email_key, refresh_token, project_id, tier, enabled, invalid_reason, invalid_at, invalid_url, added_at, client_version)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

/** Inserts or replaces (keeping the account's position); `ignore` keeps an existing account as it is. Inside a write. */
export function putAccount(file: DatabaseFile, record: AccountRecord, onConflict: 'replace' | 'ignore'): void {
	file.run(
		onConflict === 'ignore'
			? `${INSERT} ON CONFLICT (email_key) DO NOTHING`
			: `${INSERT} ON CONFLICT (email_key) DO UPDATE SET email = excluded.email, refresh_token = excluded.refresh_token,
				project_id = excluded.project_id, tier = excluded.tier, enabled = excluded.enabled, invalid_reason = excluded.invalid_reason,
				invalid_at = excluded.invalid_at, invalid_url = excluded.invalid_url, added_at = excluded.added_at, client_version = excluded.client_version`,
		values(record),
	);
}

export class SqlAccountStore implements AccountStore {
	private readonly listeners = new Set<() => void>();
	private notifying: NodeJS.Immediate | undefined;

	constructor(private readonly file: DatabaseFile) {}

	async list(): Promise<AccountRecord[]> {
		return this.listSync();
	}

	listSync(): AccountRecord[] {
		return this.file.all(`SELECT ${COLUMNS} FROM accounts ORDER BY id`).map(parseAccountRow);
	}

	async get(email: string): Promise<AccountRecord | undefined> {
		return this.getSync(email);
	}

	getSync(email: string): AccountRecord | undefined {
		const row = this.file.get(`SELECT ${COLUMNS} FROM accounts WHERE email_key = ?`, [emailKey(email)]);
		return row === undefined ? undefined : parseAccountRow(row, 0);
	}

	/** Inserts or replaces by email (case-insensitive); resolves once durable. */
	async upsert(record: AccountRecord): Promise<void> {
		const checked = checkAccount(record);
		this.write('credential', () => putAccount(this.file, checked, 'replace'));
		await this.file.flush();
	}

	/**
	 * A key present with the value `undefined` removes that field (`{invalid: undefined}` clears the flag).
	 * A new refresh token is saved at once (resolves when durable); other changes are saved with the debounce.
	 */
	async update(email: string, patch: Partial<Omit<AccountRecord, 'email'>>): Promise<AccountRecord | undefined> {
		const current = this.getSync(email);
		if (current === undefined) return undefined;
		const next = checkAccount(applyPatch(current, patch, ['email']));
		const credential = next.refreshToken !== current.refreshToken;
		this.write(credential ? 'credential' : 'ordinary', () => putAccount(this.file, next, 'replace'));
		if (credential) await this.file.flush();
		return next;
	}

	/** Resolves once durable. */
	async remove(email: string): Promise<boolean> {
		const removed = this.write('credential', () => this.file.run('DELETE FROM accounts WHERE email_key = ?', [emailKey(email)]));
		if (removed) await this.file.flush();
		return removed;
	}

	/** Only this process writes the file (the writer lock), so listeners hear of changes made through this store. */
	watch(listener: () => void): () => void {
		this.listeners.add(listener);
		return () => {
			this.listeners.delete(listener);
		};
	}

	/** True when the write changed something. */
	private write(kind: ChangeKind, fn: () => void): boolean {
		const before = this.file.generation;
		this.file.write(kind, fn);
		const changed = this.file.generation !== before;
		if (changed) this.notify();
		return changed;
	}

	/** Listeners are told once per turn of the event loop, never from inside a write. */
	private notify(): void {
		if (this.listeners.size === 0 || this.notifying !== undefined) return;
		this.notifying = setImmediate(() => {
			this.notifying = undefined;
			for (const listener of [...this.listeners]) {
				try {
					listener();
				} catch {
					// a failing listener must not stop the others
				}
			}
		});
	}

	/** Drops listeners (the data store's close). */
	close(): void {
		this.listeners.clear();
		if (this.notifying !== undefined) clearImmediate(this.notifying);
		this.notifying = undefined;
	}
}
