// proxy.db: one sql.js database, held in memory and saved whole to <dataDir>/proxy.db (directory 0700, file 0600).
//
// Opening never replaces data with an empty database. The file must pass `PRAGMA quick_check`; if it does not (or is
// missing while proxy.db.bak exists), proxy.db.bak is checked and restored, the bad file is kept as
// proxy.db.corrupt-<time> (0600), and the restore is reported as an error notice naming what is lost (changes made
// after the backup's save time). Failed background saves are reported once per streak, and when saving works again. With no usable backup, StoreOpenError names the file and
// nothing on disk is touched. Then the migrations bring the schema to the current version (PRAGMA user_version).
//
// Saving: export() (only between transactions: sql.js 1.16 refuses inside a write transaction) -> a new temp file in
// the same directory, fsync -> hard-link the current proxy.db to proxy.db.bak (via a temp name + rename, so the
// backup is replaced atomically too) -> rename the temp over proxy.db -> fsync the directory. Every rename is atomic,
// so a kill at any moment leaves proxy.db holding either the previous or the new state.
// Ordinary changes are saved after a quiet period (debounce, default 1 s) but at most `maxWaitMs` (5 s) after the
// first unsaved change; credential changes start a save at once (next turn of the event loop, so changes made in the
// same synchronous step go together). One save runs at a time and at most one more is pending.
// The final rename of an asynchronous save happens synchronously after checking that no newer state was written
// meanwhile (close() saves synchronously), so an older state can never be renamed over a newer one.
import {chmodSync, copyFileSync, closeSync, existsSync, fsyncSync, linkSync, openSync, readFileSync, renameSync, statSync, unlinkSync, utimesSync} from 'node:fs';
import {unlink} from 'node:fs/promises';
import {createRequire} from 'node:module';
import {join} from 'node:path';
import initSqlJs from 'sql.js';
import type {Database, SqlJsStatic, SqlValue, Statement} from 'sql.js';
import {ensureDataDir} from '../paths.js';
import {StoreClosedError, StoreOpenError, StoreSaveError} from './errors.js';
import {
	errno,
	fileStamp,
	fsyncDir,
	fsyncDirSync,
	message,
	removeStaleTemps,
	tempPathFor,
	writeDurable,
	writeDurableSync,
	writeFileAtomicSync,
} from './files.js';
import {LATEST_VERSION, MIGRATIONS, type Migration, NewerSchemaError, migrate, schemaVersion} from './migrations.js';

export const DB_FILE = 'proxy.db';
export const BACKUP_SUFFIX = '.bak';

export type Row = Record<string, SqlValue>;

/** ordinary: saved after the debounce; credential (refresh tokens, key hashes): saved at once. */
export type ChangeKind = 'ordinary' | 'credential';

export type StoreNotice = {level: 'info' | 'warn' | 'error'; message: string};

export type SaveInfo = {bytes: number; exportMs: number; totalMs: number; sync: boolean};

export type DatabaseFileOptions = {
	/** The schema; tests pass a prefix of MIGRATIONS to build files of an earlier version. */
	migrations?: readonly Migration[];
	/** quiet time after an ordinary change before saving (default 1000 ms) */
	debounceMs?: number;
	/** an ordinary change is saved at most this long after it was made, even under a steady trickle (default 5000 ms) */
	maxWaitMs?: number;
	/** after a failed save, try again this much later (default 5000 ms) */
	retryMs?: number;
	/** restores, imports, failed background saves */
	onNotice?: (notice: StoreNotice) => void;
	/** every completed save (for tests and measurements) */
	onSave?: (info: SaveInfo) => void;
};

export type OpenReport = {
	/** there was no proxy.db (and no backup): a new empty database was created */
	created: boolean;
	/** schema versions before and after opening */
	schema: {from: number; to: number};
	/**
	 * proxy.db was damaged or missing and proxy.db.bak was restored. `backupSavedAt` is when the restored state was saved
	 * (the backup's mtime): changes after it are lost. `damagedSavedAt`: the damaged file's mtime (its last save).
	 */
	restored?: {reason: string; from: string; corruptCopy?: string; backupSavedAt?: string; damagedSavedAt?: string};
	/** temp files of saves killed half-way, removed */
	removedTemps: string[];
	openMs: number;
};

let engine: Promise<SqlJsStatic> | undefined;

/** sql.js, initialised once per process (~20-40 ms). The wasm file is found next to the package's JS. */
export function loadSqlEngine(): Promise<SqlJsStatic> {
	if (engine === undefined) {
		const wasm = createRequire(import.meta.url).resolve('sql.js/dist/sql-wasm.wasm');
		engine = initSqlJs({locateFile: () => wasm})
			.then(async (SQL) => {
				// Measured: running SQL in the same turn as the init's resolution stalls the event loop ~150 ms
				// afterwards (Node 20, sql.js 1.16: the main thread idles until V8's background wasm work is done);
				// one turn of the event loop first avoids it.
				await new Promise((resolve) => setImmediate(resolve));
				return SQL;
			})
			.catch((error: unknown) => {
				engine = undefined;
				throw error;
			});
	}
	return engine;
}

const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');

type Loaded = {state: 'ok'; db: Database} | {state: 'missing'} | {state: 'damaged'; reason: string};

/** Reads and checks one database file. Read errors other than "missing" are thrown: an unreadable file is not a damaged one. */
function loadVerified(SQL: SqlJsStatic, path: string): Loaded {
	let bytes: Buffer;
	try {
		bytes = readFileSync(path);
	} catch (error) {
		if (errno(error) === 'ENOENT') return {state: 'missing'};
		throw new StoreOpenError(
			`cannot read ${path}: ${message(error)}. agproxy did not change it; fix its permissions (agproxy needs to read and write it) and start again.`,
			path,
		);
	}
	if (bytes.length === 0) return {state: 'damaged', reason: 'the file is empty'};
	if (bytes.length < 512 || !bytes.subarray(0, SQLITE_HEADER.length).equals(SQLITE_HEADER)) {
		return {state: 'damaged', reason: 'not an SQLite database'};
	}
	let db: Database | undefined;
	try {
		db = new SQL.Database(bytes);
		const result = db.exec('PRAGMA quick_check');
		const lines = result[0]?.values.map((row) => String(row[0])) ?? [];
		if (lines.length === 1 && lines[0] === 'ok') return {state: 'ok', db};
		db.close();
		return {state: 'damaged', reason: `quick_check failed: ${lines.join('; ').slice(0, 300) || 'no result'}`};
	} catch (error) {
		db?.close();
		return {state: 'damaged', reason: message(error)};
	}
}

type Waiter = {generation: number; resolve: () => void; reject: (error: Error) => void};

function mtimeOf(path: string): string | undefined {
	try {
		return statSync(path).mtime.toISOString();
	} catch {
		return undefined;
	}
}

/** The restore, loudly: what was restored, from when, what is lost, where the damaged file is. */
export function restoreMessage(restored: NonNullable<OpenReport['restored']>): string {
	const lost =
		restored.backupSavedAt === undefined
			? 'changes saved after the backup are lost'
			: `changes made after ${restored.backupSavedAt}` +
				(restored.damagedSavedAt === undefined ? '' : ` (the damaged file was last saved at ${restored.damagedSavedAt})`) +
				' are lost: edits, new keys, key rotations and account changes since then must be made again';
	return (
		`${restored.reason}; restored ${restored.from} (the state before the latest save); ${lost}` +
		(restored.corruptCopy === undefined ? '' : `; the damaged file was kept as ${restored.corruptCopy}`)
	);
}

export class DatabaseFile {
	readonly dir: string;
	readonly path: string;
	readonly backupPath: string;
	readonly report: OpenReport;
	private readonly db: Database;
	private readonly statements = new Map<string, Statement>();
	private readonly debounceMs: number;
	private readonly maxWaitMs: number;
	private readonly retryMs: number;
	private readonly onNotice: ((notice: StoreNotice) => void) | undefined;
	private readonly onSave: ((info: SaveInfo) => void) | undefined;
	private depth = 0;
	private depthKind: ChangeKind = 'ordinary';
	/** rows changed by run() in the current transaction */
	private modified = 0;
	/** counts committed changes */
	private changes = 0;
	/** the change count whose state proxy.db holds (renamed into place) */
	private onDisk = 0;
	/** ... and whose rename was made durable (directory fsynced) */
	private durable = 0;
	private firstDirtyAt: number | undefined;
	private lastChangeAt = 0;
	private timer: NodeJS.Timeout | undefined;
	private immediate: NodeJS.Immediate | undefined;
	private inFlight: Promise<void> | undefined;
	private pending = false;
	/** the timer is a retry after a failed save (not the debounce) */
	private retrying = false;
	private waiters: Waiter[] = [];
	private closed = false;
	private saveCount = 0;
	private lastSave: SaveInfo | undefined;
	private lastError: Error | undefined;
	/** background saves are failing (reported once per streak; a success afterwards says saving works again) */
	private failing = false;
	/** close()'s final save failed: what was unsaved is lost, and flush() says so */
	private closeFailure: StoreSaveError | undefined;

	private constructor(dir: string, db: Database, report: OpenReport, options: DatabaseFileOptions) {
		this.dir = dir;
		this.path = join(dir, DB_FILE);
		this.backupPath = `${this.path}${BACKUP_SUFFIX}`;
		this.db = db;
		this.report = report;
		this.debounceMs = options.debounceMs ?? 1000;
		this.maxWaitMs = options.maxWaitMs ?? 5000;
		this.retryMs = options.retryMs ?? 5000;
		this.onNotice = options.onNotice;
		this.onSave = options.onSave;
	}

	/** Opens (or creates) <dataDir>/proxy.db; see the top of this file. Throws StoreOpenError when it cannot do so safely. */
	static async open(dataDir: string, options: DatabaseFileOptions = {}): Promise<DatabaseFile> {
		const started = performance.now();
		const migrations = options.migrations ?? MIGRATIONS;
		ensureDataDir(dataDir);
		const path = join(dataDir, DB_FILE);
		const backupPath = `${path}${BACKUP_SUFFIX}`;
		const removedTemps = removeStaleTemps(dataDir, [DB_FILE, `${DB_FILE}${BACKUP_SUFFIX}`]);
		const SQL = await loadSqlEngine();

		let db: Database;
		let created = false;
		let restored: OpenReport['restored'];
		const main = loadVerified(SQL, path);
		if (main.state === 'ok') {
			db = main.db;
		} else {
			const backup = loadVerified(SQL, backupPath);
			if (main.state === 'missing' && backup.state === 'missing') {
				db = new SQL.Database();
				created = true;
			} else if (backup.state !== 'ok') {
				const problem = main.state === 'missing' ? 'is missing' : `is damaged (${main.reason})`;
				const backupProblem = backup.state === 'missing' ? 'there is no backup' : `the backup ${backupPath} is damaged too (${backup.reason})`;
				throw new StoreOpenError(
					`${path} ${problem} and ${backupProblem}. agproxy did not change anything. ` +
						(main.state === 'missing'
							? `Move ${backupPath} away to start with an empty store, or restore a copy of ${path}.`
							: `Restore a copy of ${path}, or move it away to start with an empty store (accounts and users would have to be added again).`),
					path,
				);
			} else {
				db = backup.db;
				const reason = main.state === 'missing' ? `${DB_FILE} was missing` : `${DB_FILE} was damaged: ${main.reason}`;
				// What the restore loses: everything saved after the backup's state (its mtime), up to the damaged file's.
				const backupSavedAt = mtimeOf(backupPath);
				const damagedSavedAt = main.state === 'damaged' ? mtimeOf(path) : undefined;
				let corruptCopy: string | undefined;
				try {
					if (main.state === 'damaged') {
						corruptCopy = `${path}.corrupt-${fileStamp()}`;
						renameSync(path, corruptCopy);
						// Kept for recovery by hand; it may hold credentials like any proxy.db.
						chmodSync(corruptCopy, 0o600);
					}
					writeFileAtomicSync(path, db.export());
				} catch (error) {
					db.close();
					throw new StoreOpenError(`${path} ${main.state === 'missing' ? 'is missing' : 'is damaged'} and restoring ${backupPath} failed: ${message(error)}`, path);
				}
				restored = {
					reason,
					from: backupPath,
					...(corruptCopy === undefined ? {} : {corruptCopy}),
					...(backupSavedAt === undefined ? {} : {backupSavedAt}),
					...(damagedSavedAt === undefined ? {} : {damagedSavedAt}),
				};
			}
		}

		let schema: {from: number; to: number};
		try {
			db.run('PRAGMA foreign_keys = ON');
			// The database lives in sql.js's in-memory file system and durability comes from saving whole exports, so
			// a journal file, syncs and lock/hot-journal checks in that file system only cost time. Measured on a small
			// upsert: 44 us with the defaults, 16 us with the journal in memory, 4 us with the exclusive lock too.
			db.run('PRAGMA journal_mode = MEMORY');
			db.run('PRAGMA synchronous = OFF');
			db.run('PRAGMA locking_mode = EXCLUSIVE');
			schema = migrate(db, migrations);
		} catch (error) {
			db.close();
			if (error instanceof NewerSchemaError) {
				throw new StoreOpenError(`${path}: ${error.message}. agproxy did not change it; upgrade agproxy to use this data directory.`, path);
			}
			throw new StoreOpenError(`${path} cannot be brought to the current schema: ${message(error)}. agproxy did not change it.`, path);
		}

		const report: OpenReport = {created, schema, ...(restored === undefined ? {} : {restored}), removedTemps, openMs: 0};
		const file = new DatabaseFile(dataDir, db, report, options);
		if (restored !== undefined) file.notice('error', restoreMessage(restored));
		if (created || schema.to !== schema.from) {
			// Make the file exist / carry the new schema now; the previous file becomes proxy.db.bak.
			file.changes++;
			try {
				file.saveSync();
			} catch (error) {
				file.closeDatabase();
				throw new StoreOpenError(`cannot write ${path}: ${message(error)}`, path);
			}
		}
		report.openMs = performance.now() - started;
		return file;
	}

	/** The number of committed changes so far (repositories compare it to see whether a write changed anything). */
	get generation(): number {
		return this.changes;
	}

	get isClosed(): boolean {
		return this.closed;
	}

	stats(): {saves: number; pendingChanges: number; lastSave?: SaveInfo; lastError?: string} {
		return {
			saves: this.saveCount,
			pendingChanges: this.changes - this.durable,
			...(this.lastSave === undefined ? {} : {lastSave: {...this.lastSave}}),
			...(this.lastError === undefined ? {} : {lastError: this.lastError.message}),
		};
	}

	// ---- queries -------------------------------------------------------------------------------------------

	private statement(sql: string): Statement {
		this.ensureOpen();
		let statement = this.statements.get(sql);
		if (statement === undefined) {
			statement = this.db.prepare(sql);
			this.statements.set(sql, statement);
		}
		return statement;
	}

	all(sql: string, params: SqlValue[] = []): Row[] {
		const statement = this.statement(sql);
		try {
			statement.bind(params);
			const rows: Row[] = [];
			let columns: string[] | undefined;
			while (statement.step()) {
				columns ??= statement.getColumnNames();
				const values = statement.get();
				const row: Row = {};
				columns.forEach((column, index) => {
					row[column] = values[index] ?? null;
				});
				rows.push(row);
			}
			return rows;
		} finally {
			statement.reset();
		}
	}

	get(sql: string, params: SqlValue[] = []): Row | undefined {
		return this.all(sql, params)[0];
	}

	/** A write statement; only inside write(). */
	run(sql: string, params: SqlValue[] = []): void {
		if (this.depth === 0) throw new Error('DatabaseFile.run() outside write()');
		const statement = this.statement(sql);
		try {
			statement.run(params);
		} finally {
			statement.reset();
		}
		this.modified += this.db.getRowsModified();
	}

	/** Runs `fn` in one transaction (nested calls join the outer one) and schedules the save if anything changed. */
	write<T>(kind: ChangeKind, fn: () => T): T {
		this.ensureOpen();
		if (this.depth > 0) {
			if (kind === 'credential') this.depthKind = 'credential';
			return fn();
		}
		this.control('BEGIN');
		this.depth = 1;
		this.depthKind = kind;
		this.modified = 0;
		let result: T;
		try {
			result = fn();
			this.control('COMMIT');
		} catch (error) {
			try {
				this.control('ROLLBACK');
			} catch {
				// already rolled back by SQLite
			}
			throw error;
		} finally {
			this.depth = 0;
		}
		if (this.modified > 0) this.changed(this.depthKind);
		return result;
	}

	/** BEGIN / COMMIT / ROLLBACK through cached statements (preparing them each time costs more than the write). */
	private control(sql: 'BEGIN' | 'COMMIT' | 'ROLLBACK'): void {
		const statement = this.statement(sql);
		try {
			statement.run();
		} finally {
			statement.reset();
		}
	}

	// ---- saving --------------------------------------------------------------------------------------------

	private changed(kind: ChangeKind): void {
		this.changes++;
		const now = Date.now();
		this.lastChangeAt = now;
		if (kind === 'credential') {
			this.kick();
			return;
		}
		this.firstDirtyAt ??= now;
		if (this.timer === undefined) this.arm(this.debounceMs);
	}

	private arm(ms: number): void {
		if (this.timer !== undefined) clearTimeout(this.timer);
		this.timer = setTimeout(() => this.onTimer(), Math.max(0, ms));
		this.timer.unref();
	}

	private onTimer(): void {
		this.timer = undefined;
		if (this.closed || this.changes <= this.onDisk) return;
		if (this.retrying) {
			this.retrying = false;
			this.kick();
			return;
		}
		const now = Date.now();
		const due = Math.min(this.lastChangeAt + this.debounceMs, (this.firstDirtyAt ?? this.lastChangeAt) + this.maxWaitMs);
		if (now < due) this.arm(due - now);
		else this.kick();
	}

	/** Starts a save on the next turn of the event loop, or marks one pending behind the save in flight. */
	private kick(): void {
		if (this.closed) return;
		if (this.inFlight !== undefined) {
			this.pending = true;
			return;
		}
		if (this.immediate !== undefined) return;
		this.immediate = setImmediate(() => {
			this.immediate = undefined;
			this.start();
		});
	}

	private start(): void {
		if (this.closed || this.inFlight !== undefined) return;
		if (this.changes <= this.onDisk) {
			this.settle();
			return;
		}
		this.inFlight = this.saveAsync().finally(() => {
			this.inFlight = undefined;
			if (this.pending) {
				this.pending = false;
				this.kick();
			}
		});
	}

	private exportBytes(): Uint8Array {
		if (this.depth > 0) throw new Error('cannot save inside a transaction');
		return this.db.export();
	}

	private afterExport(): void {
		this.firstDirtyAt = undefined;
		this.retrying = false;
		if (this.timer !== undefined) clearTimeout(this.timer);
		this.timer = undefined;
	}

	private async saveAsync(): Promise<void> {
		const generation = this.changes;
		const started = performance.now();
		let bytes: Uint8Array;
		try {
			bytes = this.exportBytes();
		} catch (error) {
			this.failed(error);
			return;
		}
		const exportMs = performance.now() - started;
		this.afterExport();
		const temp = tempPathFor(this.path);
		try {
			await writeDurable(temp, bytes);
			if (this.closed || this.onDisk >= generation) {
				// close() (or another save) wrote a newer state meanwhile: never rename an older one over it
				await unlink(temp).catch(() => undefined);
				return;
			}
			this.replace(temp);
			this.onDisk = generation;
			await fsyncDir(this.dir);
		} catch (error) {
			await unlink(temp).catch(() => undefined);
			this.failed(error);
			return;
		}
		this.durable = Math.max(this.durable, generation);
		this.saved({bytes: bytes.byteLength, exportMs, totalMs: performance.now() - started, sync: false});
	}

	/** The whole save on the calling thread (open, close, exit paths). Throws StoreSaveError. */
	private saveSync(): void {
		const generation = this.changes;
		const started = performance.now();
		const bytes = this.exportBytes();
		const exportMs = performance.now() - started;
		this.afterExport();
		const temp = tempPathFor(this.path);
		try {
			writeDurableSync(temp, bytes);
			this.replace(temp);
		} catch (error) {
			try {
				unlinkSync(temp);
			} catch {
				// not created or already renamed
			}
			throw new StoreSaveError(`cannot save ${this.path}: ${message(error)}`, this.path);
		}
		this.onDisk = Math.max(this.onDisk, generation);
		fsyncDirSync(this.dir);
		this.durable = Math.max(this.durable, generation);
		this.saved({bytes: bytes.byteLength, exportMs, totalMs: performance.now() - started, sync: true});
	}

	/** proxy.db -> proxy.db.bak (hard link, atomically replacing the old backup), then temp -> proxy.db. */
	private replace(temp: string): void {
		if (existsSync(this.path)) {
			const backupTemp = tempPathFor(this.backupPath);
			try {
				linkSync(this.path, backupTemp);
			} catch (error) {
				if (errno(error) === 'ENOENT') {
					renameSync(temp, this.path);
					return;
				}
				// no hard links on this file system: copy instead, keeping the time that state was saved (a restore names it)
				copyFileSync(this.path, backupTemp);
				const saved = statSync(this.path);
				utimesSync(backupTemp, saved.atime, saved.mtime);
				const fd = openSync(backupTemp, 'r+');
				try {
					fsyncSync(fd);
				} finally {
					closeSync(fd);
				}
			}
			try {
				renameSync(backupTemp, this.backupPath);
			} catch (error) {
				try {
					unlinkSync(backupTemp);
				} catch {
					// not created
				}
				throw error;
			}
		}
		renameSync(temp, this.path);
	}

	private saved(info: SaveInfo): void {
		this.saveCount++;
		this.lastSave = info;
		this.lastError = undefined;
		if (this.failing) {
			this.failing = false;
			this.notice('info', `saving ${this.path} works again: every change is on disk`);
		}
		this.onSave?.(info);
		this.settle();
	}

	private failed(error: unknown): void {
		const failure = error instanceof StoreSaveError ? error : new StoreSaveError(`cannot save ${this.path}: ${message(error)}`, this.path);
		this.lastError = failure;
		const waiting = this.waiters;
		this.waiters = [];
		for (const waiter of waiting) waiter.reject(failure);
		// Once per streak of failures, not per retry: the retries every few seconds would flood the log.
		if (!this.failing) {
			this.failing = true;
			this.notice(
				'error',
				`${failure.message}; the changes are kept in memory and saving is retried every ${Math.max(1, Math.round(this.retryMs / 1000))} s ` +
					'(a crash or kill now loses them); a notice follows when saving works again',
			);
		}
		if (!this.closed) {
			this.retrying = true;
			this.arm(this.retryMs);
		}
	}

	private settle(): void {
		if (this.waiters.length === 0) return;
		const still: Waiter[] = [];
		for (const waiter of this.waiters) {
			if (waiter.generation <= this.durable) waiter.resolve();
			else still.push(waiter);
		}
		this.waiters = still;
	}

	private notice(level: StoreNotice['level'], text: string): void {
		try {
			this.onNotice?.({level, message: text});
		} catch {
			// a failing listener must not break saving
		}
	}

	/** Resolves once every change made before the call is durably on disk; rejects (StoreSaveError) if a save fails. */
	flush(): Promise<void> {
		if (this.closed) return this.closeFailure === undefined ? Promise.resolve() : Promise.reject(this.closeFailure);
		const generation = this.changes;
		if (generation <= this.durable) return Promise.resolve();
		return new Promise<void>((resolve, reject) => {
			this.waiters.push({generation, resolve, reject});
			this.kick();
		});
	}

	/** Saves now, synchronously, if anything is unsaved (e.g. before renaming an imported file). Throws StoreSaveError. */
	checkpoint(): void {
		this.ensureOpen();
		if (this.changes > this.durable) this.saveSync();
	}

	/** Saves what is unsaved (synchronously) and closes the database. Safe to call twice. Throws StoreSaveError if the save fails. */
	close(): void {
		if (this.closed) return;
		if (this.depth > 0) throw new Error('DatabaseFile.close() inside write()');
		if (this.timer !== undefined) clearTimeout(this.timer);
		this.timer = undefined;
		if (this.immediate !== undefined) clearImmediate(this.immediate);
		this.immediate = undefined;
		let failure: StoreSaveError | undefined;
		if (this.changes > this.durable) {
			try {
				this.saveSync();
			} catch (error) {
				failure = error instanceof StoreSaveError ? error : new StoreSaveError(message(error), this.path);
			}
		}
		this.closed = true;
		this.closeFailure = failure;
		const waiting = this.waiters;
		this.waiters = [];
		for (const waiter of waiting) {
			if (failure === undefined) waiter.resolve();
			else waiter.reject(failure);
		}
		this.closeDatabase();
		if (failure !== undefined) throw failure;
	}

	private closeDatabase(): void {
		this.closed = true;
		for (const statement of this.statements.values()) {
			try {
				statement.free();
			} catch {
				// freed already
			}
		}
		this.statements.clear();
		this.db.close();
	}

	private ensureOpen(): void {
		if (this.closed) throw new StoreClosedError();
	}

	/** The schema version of the open database. */
	schemaVersion(): number {
		this.ensureOpen();
		return schemaVersion(this.db);
	}
}

export {LATEST_VERSION, MIGRATIONS};
export type {Migration};
