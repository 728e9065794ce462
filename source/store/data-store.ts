// The data store: proxy.db with its repositories, the one-time import of accounts.json, and (optionally) the writer lock.
import {readFileSync, renameSync, existsSync, chmodSync} from 'node:fs';
import {join} from 'node:path';
import {ACCOUNTS_FILE, parseAccountsFile} from '../accounts/file-store.js';
import {SqlAccountStore, checkAccount, putAccount} from './accounts.js';
import {StoreOpenError} from './errors.js';
import {errno, fileStamp, fsyncDirSync, message} from './files.js';
import {SqlGroupRepository} from './groups.js';
import {type WriterLock, type WriterRole, acquireWriterLock} from './lock.js';
import {DatabaseFile, type DatabaseFileOptions, type OpenReport, type SaveInfo} from './sqlite.js';
import type {DataStore} from './types.js';
import {SqlUsageRepository} from './usage.js';
import {SqlUserRepository} from './users.js';

export const IMPORTED_SUFFIX = '.imported';

export type DataStoreOptions = DatabaseFileOptions & {
	/** import <dataDir>/accounts.json if it exists, then rename it to accounts.json.imported (default true) */
	importAccountsFile?: boolean;
	/** take the writer lock for the store's lifetime (released by close()); default: the caller holds it */
	lock?: WriterRole;
	/** with `lock`: how long to wait for another CLI (default 10 s) */
	lockWaitMs?: number;
};

export type ImportReport = {from: string; renamedTo: string; imported: number; alreadyPresent: number};

export type DataStoreReport = OpenReport & {imported?: ImportReport};

export class SqlDataStore implements DataStore {
	readonly accounts: SqlAccountStore;
	readonly users: SqlUserRepository;
	readonly groups: SqlGroupRepository;
	readonly usage: SqlUsageRepository;

	constructor(
		private readonly file: DatabaseFile,
		readonly report: DataStoreReport,
		private readonly lock: WriterLock | undefined,
	) {
		this.accounts = new SqlAccountStore(file);
		this.users = new SqlUserRepository(file);
		this.groups = new SqlGroupRepository(file);
		this.usage = new SqlUsageRepository(file);
	}

	get path(): string {
		return this.file.path;
	}

	flush(): Promise<void> {
		this.usage.flush();
		return this.file.flush();
	}

	/** Final synchronous save, then the database and the writer lock (if the store took it) are released. */
	close(): void {
		this.accounts.close();
		try {
			// Usage still batched in memory goes into the final save.
			if (!this.file.isClosed) this.usage.flush();
		} finally {
			this.closeFile();
		}
	}

	private closeFile(): void {
		try {
			this.file.close();
		} finally {
			this.lock?.release();
		}
	}

	stats(): {saves: number; pendingChanges: number; lastSave?: SaveInfo; lastError?: string} {
		return this.file.stats();
	}
}

/**
 * Opens <dataDir>/proxy.db (creating it, restoring it from proxy.db.bak, migrating it as needed) and, the first time,
 * imports accounts.json. Throws StoreOpenError (nothing changed on disk) when that cannot be done safely, and
 * WriterLockError when `lock` is asked for and another process holds it.
 */
export async function openDataStore(dataDir: string, options: DataStoreOptions = {}): Promise<SqlDataStore> {
	const lock = options.lock === undefined ? undefined : await acquireWriterLock(dataDir, {role: options.lock, ...(options.lockWaitMs === undefined ? {} : {waitMs: options.lockWaitMs})});
	try {
		const file = await DatabaseFile.open(dataDir, options);
		let imported: ImportReport | undefined;
		try {
			imported = options.importAccountsFile === false ? undefined : importAccountsFile(file, dataDir);
		} catch (error) {
			try {
				file.close();
			} catch {
				// the import's own error is the one to report
			}
			throw error;
		}
		if (imported !== undefined) {
			try {
				options.onNotice?.({
					level: 'info',
					message:
						`imported ${imported.imported} account(s) from ${imported.from}` +
						(imported.alreadyPresent > 0 ? ` (${imported.alreadyPresent} already present, kept as stored)` : '') +
						`; the file was renamed to ${imported.renamedTo}`,
				});
			} catch {
				// a failing listener must not fail the open
			}
		}
		return new SqlDataStore(file, {...file.report, ...(imported === undefined ? {} : {imported})}, lock);
	} catch (error) {
		lock?.release();
		throw error;
	}
}

/**
 * accounts.json -> accounts rows (an account already in the database wins), saved durably, and only then the file is
 * renamed to accounts.json.imported (a crash in between imports it again, harmlessly). A damaged file is refused.
 */
function importAccountsFile(file: DatabaseFile, dataDir: string): ImportReport | undefined {
	const from = join(dataDir, ACCOUNTS_FILE);
	let text: string;
	try {
		text = readFileSync(from, 'utf8');
	} catch (error) {
		if (errno(error) === 'ENOENT') return undefined;
		throw new StoreOpenError(`cannot read ${from} to import it: ${message(error)}`, from);
	}
	let records;
	try {
		records = parseAccountsFile(text).map(checkAccount);
	} catch (error) {
		throw new StoreOpenError(`${from} is damaged: ${message(error)}. agproxy did not import or change it; fix it or move it away.`, from);
	}
	let imported = 0;
	let alreadyPresent = 0;
	try {
		file.write('credential', () => {
			for (const record of records) {
				if (file.get('SELECT 1 AS found FROM accounts WHERE email_key = ?', [record.email.toLowerCase()]) !== undefined) {
					alreadyPresent++;
					continue;
				}
				putAccount(file, record, 'ignore');
				imported++;
			}
		});
		file.checkpoint();
	} catch (error) {
		throw new StoreOpenError(`cannot import ${from}: ${message(error)}. It was left in place.`, from);
	}
	let renamedTo = `${from}${IMPORTED_SUFFIX}`;
	if (existsSync(renamedTo)) renamedTo = `${renamedTo}-${fileStamp()}`;
	try {
		renameSync(from, renamedTo);
		chmodSync(renamedTo, 0o600);
		fsyncDirSync(dataDir);
	} catch (error) {
		throw new StoreOpenError(`imported ${from} but cannot rename it to ${renamedTo}: ${message(error)}`, from);
	}
	return {from, renamedTo, imported, alreadyPresent};
}
