// Accounts in <dataDir>/accounts.json (0600, directory 0700), shared safely between processes (the server and an
// `agproxy accounts` command): every write is lock -> re-read -> mutate -> write a temp file in the same directory
// -> fsync -> rename -> fsync the directory -> unlock. Readers need no lock: a rename replaces the file atomically.
// A file that does not parse or has the wrong shape is refused with an error naming it, never replaced.
import {createHash, randomBytes} from 'node:crypto';
import {type FSWatcher, readFileSync, watch as fsWatch} from 'node:fs';
import {link, open, readFile, rename, stat, unlink} from 'node:fs/promises';
import {hostname} from 'node:os';
import {basename, dirname, join} from 'node:path';
import {setTimeout as sleep} from 'node:timers/promises';
import {ensureDataDir} from '../paths.js';
import type {AccountRecord, AccountStore} from './types.js';

export const ACCOUNTS_FILE = 'accounts.json';
const FILE_VERSION = 1;

export type FileStoreOptions = {
	/** give up waiting for the lock after this long (default 5 s) */
	lockTimeoutMs?: number;
	/** a lock older than this is taken over even if its holder seems alive (default 10 s) */
	lockStaleMs?: number;
	/** quiet time after a file-system event before listeners are told (default 50 ms) */
	watchDebounceMs?: number;
	/** safety-net re-check while watching, for file systems without change events (default 5 s; 0 = off) */
	watchPollMs?: number;
};

/** The accounts file cannot be read, parsed, locked or written. */
export class AccountFileError extends Error {
	constructor(
		message: string,
		readonly path: string,
	) {
		super(message);
		this.name = 'AccountFileError';
	}
}

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function sameEmail(a: string, b: string): boolean {
	return a.toLowerCase() === b.toLowerCase();
}

/** Checks one record; unknown fields (from a newer agproxy) are kept as they are. */
function parseRecord(value: unknown, where: string): AccountRecord {
	if (!isRecord(value)) throw new Error(`${where} is not an object`);
	const text = (name: string, optional: boolean): void => {
		const field = value[name];
		if (field === undefined && optional) return;
		if (typeof field !== 'string' || field === '') throw new Error(`${where}.${name} must be a non-empty string`);
	};
	text('email', false);
	text('refreshToken', false);
	text('projectId', true);
	text('tier', true);
	text('addedAt', false);
	if (typeof value['enabled'] !== 'boolean') throw new Error(`${where}.enabled must be true or false`);
	const flag = value['invalid'];
	if (flag !== undefined) {
		if (!isRecord(flag) || typeof flag['reason'] !== 'string' || typeof flag['at'] !== 'string') {
			throw new Error(`${where}.invalid must be {reason, at[, url]}`);
		}
		if (flag['url'] !== undefined && typeof flag['url'] !== 'string') throw new Error(`${where}.invalid.url must be a string`);
	}
	return value as AccountRecord;
}

/** Parses the file's text; throws an Error describing the first problem. */
export function parseAccountsFile(text: string): AccountRecord[] {
	let json: unknown;
	try {
		json = JSON.parse(text) as unknown;
	} catch (error) {
		throw new Error(`not valid JSON (${error instanceof Error ? error.message : String(error)})`);
	}
	if (!isRecord(json)) throw new Error('expected an object {"version": 1, "accounts": [...]}');
	const version = json['version'];
	if (typeof version !== 'number' || !Number.isInteger(version)) throw new Error('missing or invalid "version"');
	if (version > FILE_VERSION) throw new Error(`version ${version} was written by a newer agproxy (this one reads version ${FILE_VERSION})`);
	const accounts = json['accounts'];
	if (!Array.isArray(accounts)) throw new Error('"accounts" must be an array');
	const records = accounts.map((entry, i) => parseRecord(entry, `accounts[${i}]`));
	const seen = new Set<string>();
	for (const record of records) {
		const key = record.email.toLowerCase();
		if (seen.has(key)) throw new Error(`account ${record.email} appears twice`);
		seen.add(key);
	}
	return records;
}

export function serializeAccounts(records: readonly AccountRecord[]): string {
	return `${JSON.stringify({version: FILE_VERSION, accounts: records}, null, '\t')}\n`;
}

function validateNew(record: AccountRecord): AccountRecord {
	try {
		return parseRecord(structuredClone(record), 'account');
	} catch (error) {
		throw new TypeError(`invalid account record: ${error instanceof Error ? error.message : String(error)}`);
	}
}

function fingerprint(text: string | undefined): string {
	return text === undefined ? 'missing' : createHash('sha256').update(text).digest('hex');
}

function errno(error: unknown): string | undefined {
	return (error as NodeJS.ErrnoException | undefined)?.code;
}

function pidAlive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		return errno(error) === 'EPERM';
	}
}

type LockHolder = {pid?: number; host?: string; nonce?: string};

function parseHolder(text: string): LockHolder {
	try {
		const json: unknown = JSON.parse(text);
		if (!isRecord(json)) return {};
		return {
			...(typeof json['pid'] === 'number' ? {pid: json['pid']} : {}),
			...(typeof json['host'] === 'string' ? {host: json['host']} : {}),
			...(typeof json['nonce'] === 'string' ? {nonce: json['nonce']} : {}),
		};
	} catch {
		return {};
	}
}

export class FileAccountStore implements AccountStore {
	readonly path: string;
	readonly lockPath: string;
	private readonly dir: string;
	private readonly lockTimeoutMs: number;
	private readonly lockStaleMs: number;
	private readonly debounceMs: number;
	private readonly pollMs: number;
	/** one write at a time within this instance (other instances and processes are kept out by the lock file) */
	private queue: Promise<unknown> = Promise.resolve();
	private readonly listeners = new Set<() => void>();
	private watcher: FSWatcher | undefined;
	private poller: NodeJS.Timeout | undefined;
	private debounce: NodeJS.Timeout | undefined;
	/** what the file looked like when this instance last looked (while watching) */
	private seen: string | undefined;
	/** another writer's change was noticed while writing: tell listeners even though the file now holds our write */
	private pending = false;

	constructor(dataDir: string, options: FileStoreOptions = {}) {
		this.dir = dataDir;
		this.path = join(dataDir, ACCOUNTS_FILE);
		this.lockPath = `${this.path}.lock`;
		this.lockTimeoutMs = options.lockTimeoutMs ?? 5000;
		this.lockStaleMs = options.lockStaleMs ?? 10_000;
		this.debounceMs = options.watchDebounceMs ?? 50;
		this.pollMs = options.watchPollMs ?? 5000;
	}

	async list(): Promise<AccountRecord[]> {
		return this.parse(await this.readText());
	}

	async get(email: string): Promise<AccountRecord | undefined> {
		return (await this.list()).find((record) => sameEmail(record.email, email));
	}

	async upsert(record: AccountRecord): Promise<void> {
		const checked = validateNew(record);
		await this.mutate((records) => {
			const index = records.findIndex((entry) => sameEmail(entry.email, checked.email));
			if (index === -1) records.push(checked);
			else records[index] = checked;
			return {changed: true, result: undefined};
		});
	}

	/** A key present with the value `undefined` removes that field (e.g. `{invalid: undefined}` clears the flag). */
	async update(email: string, patch: Partial<Omit<AccountRecord, 'email'>>): Promise<AccountRecord | undefined> {
		return this.mutate((records) => {
			const index = records.findIndex((entry) => sameEmail(entry.email, email));
			const current = records[index];
			if (current === undefined) return {changed: false, result: undefined};
			const next: Record<string, unknown> = {...current};
			for (const [key, value] of Object.entries(patch)) {
				if (key === 'email') continue;
				if (value === undefined) delete next[key];
				else next[key] = value;
			}
			const checked = validateNew(next as AccountRecord);
			records[index] = checked;
			return {changed: true, result: structuredClone(checked)};
		});
	}

	async remove(email: string): Promise<boolean> {
		return this.mutate((records) => {
			const index = records.findIndex((entry) => sameEmail(entry.email, email));
			if (index === -1) return {changed: false, result: false};
			records.splice(index, 1);
			return {changed: true, result: true};
		});
	}

	/** Calls `listener` (debounced) when the file changes in a way this instance did not cause. */
	watch(listener: () => void): () => void {
		this.listeners.add(listener);
		if (this.listeners.size === 1) this.startWatching();
		return () => {
			this.listeners.delete(listener);
			if (this.listeners.size === 0) this.stopWatching();
		};
	}

	/** Stops watching (all listeners are dropped). */
	close(): void {
		this.listeners.clear();
		this.stopWatching();
	}

	// ---- reading -------------------------------------------------------------------------------------------

	private async readText(): Promise<string | undefined> {
		try {
			return await readFile(this.path, 'utf8');
		} catch (error) {
			if (errno(error) === 'ENOENT') return undefined;
			throw new AccountFileError(`cannot read ${this.path}: ${error instanceof Error ? error.message : String(error)}`, this.path);
		}
	}

	private parse(text: string | undefined): AccountRecord[] {
		if (text === undefined) return [];
		try {
			return parseAccountsFile(text);
		} catch (error) {
			throw new AccountFileError(
				`${this.path} is damaged: ${error instanceof Error ? error.message : String(error)}. agproxy will not overwrite it; fix or move it away.`,
				this.path,
			);
		}
	}

	// ---- writing -------------------------------------------------------------------------------------------

	private mutate<T>(change: (records: AccountRecord[]) => {changed: boolean; result: T}): Promise<T> {
		const run = this.queue.then(() => this.mutateLocked(change));
		this.queue = run.catch(() => undefined);
		return run;
	}

	private async mutateLocked<T>(change: (records: AccountRecord[]) => {changed: boolean; result: T}): Promise<T> {
		ensureDataDir(this.dir);
		const nonce = await this.acquireLock();
		try {
			const before = await this.readText();
			const records = this.parse(before);
			const {changed, result} = change(records);
			if (this.listeners.size > 0 && fingerprint(before) !== this.seen) {
				// Someone else wrote since we last looked: our write carries their change, so listeners must still hear of it.
				this.pending = true;
				this.schedule(0);
			}
			if (changed) {
				const text = serializeAccounts(records);
				if (this.listeners.size > 0) this.seen = fingerprint(text);
				await this.writeAtomically(text);
			}
			return result;
		} finally {
			await this.releaseLock(nonce);
		}
	}

	private async writeAtomically(text: string): Promise<void> {
		const temp = join(this.dir, `.${ACCOUNTS_FILE}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
		try {
			const handle = await open(temp, 'wx', 0o600);
			try {
				await handle.writeFile(text, 'utf8');
				await handle.sync();
			} finally {
				await handle.close();
			}
			await this.renameWithRetry(temp, this.path);
		} catch (error) {
			await unlink(temp).catch(() => undefined);
			throw new AccountFileError(`cannot write ${this.path}: ${error instanceof Error ? error.message : String(error)}`, this.path);
		}
		await this.syncDir();
	}

	/** Windows refuses to replace a file another process has open for a moment (EPERM/EBUSY); try a few times. */
	private async renameWithRetry(from: string, to: string): Promise<void> {
		for (let attempt = 0; ; attempt++) {
			try {
				await rename(from, to);
				return;
			} catch (error) {
				const code = errno(error);
				if (attempt >= 5 || (code !== 'EPERM' && code !== 'EBUSY' && code !== 'EACCES')) throw error;
				await sleep(10 * (attempt + 1));
			}
		}
	}

	/** Makes the rename durable. Directories cannot be fsynced on Windows; that is not an error there. */
	private async syncDir(): Promise<void> {
		let handle;
		try {
			handle = await open(this.dir, 'r');
			await handle.sync();
		} catch {
			// best effort (EISDIR/EPERM/EINVAL on platforms without directory fsync)
		} finally {
			await handle?.close().catch(() => undefined);
		}
	}

	// ---- the lock file -------------------------------------------------------------------------------------

	private async acquireLock(): Promise<string> {
		const deadline = Date.now() + this.lockTimeoutMs;
		let delay = 2;
		for (;;) {
			const nonce = randomBytes(8).toString('hex');
			try {
				const handle = await open(this.lockPath, 'wx', 0o600);
				try {
					await handle.writeFile(JSON.stringify({pid: process.pid, host: hostname(), nonce, at: new Date().toISOString()}), 'utf8');
				} finally {
					await handle.close();
				}
				return nonce;
			} catch (error) {
				if (errno(error) !== 'EEXIST') {
					throw new AccountFileError(`cannot create the lock ${this.lockPath}: ${error instanceof Error ? error.message : String(error)}`, this.path);
				}
			}
			if (await this.breakStaleLock()) continue;
			if (Date.now() >= deadline) {
				const holder = parseHolder(await readFile(this.lockPath, 'utf8').catch(() => ''));
				throw new AccountFileError(
					`timed out after ${this.lockTimeoutMs} ms waiting for the lock ${this.lockPath}` +
						`${holder.pid === undefined ? '' : ` (held by pid ${holder.pid})`}; if no agproxy process is running, delete that file`,
					this.path,
				);
			}
			await sleep(delay + Math.random() * delay);
			delay = Math.min(delay * 2, 50);
		}
	}

	/** True when the lock is gone or was stale and has been removed (try again at once). */
	private async breakStaleLock(): Promise<boolean> {
		let text: string;
		let age: number;
		try {
			text = await readFile(this.lockPath, 'utf8');
			age = Date.now() - (await stat(this.lockPath)).mtimeMs;
		} catch (error) {
			if (errno(error) === 'ENOENT') return true;
			throw new AccountFileError(`cannot read the lock ${this.lockPath}: ${error instanceof Error ? error.message : String(error)}`, this.path);
		}
		const holder = parseHolder(text);
		const deadHolder = holder.pid !== undefined && holder.host === hostname() && holder.pid !== process.pid && !pidAlive(holder.pid);
		if (!deadHolder && age <= this.lockStaleMs) return false;
		// Move it aside atomically, then make sure what we moved is the lock we judged (not a fresh one taken meanwhile).
		const aside = `${this.lockPath}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
		try {
			await rename(this.lockPath, aside);
		} catch (error) {
			if (errno(error) === 'ENOENT') return true;
			throw new AccountFileError(`cannot remove the stale lock ${this.lockPath}: ${error instanceof Error ? error.message : String(error)}`, this.path);
		}
		const moved = await readFile(aside, 'utf8').catch(() => undefined);
		if (moved !== undefined && moved !== text) {
			// We took a lock someone acquired after our check: put it back unless yet another one exists now.
			await link(aside, this.lockPath).catch(() => undefined);
			await unlink(aside).catch(() => undefined);
			return false;
		}
		await unlink(aside).catch(() => undefined);
		return true;
	}

	private async releaseLock(nonce: string): Promise<void> {
		const holder = parseHolder(await readFile(this.lockPath, 'utf8').catch(() => ''));
		// Only remove our own lock (if it was judged stale and taken over, it is someone else's now).
		if (holder.nonce === nonce) await unlink(this.lockPath).catch(() => undefined);
	}

	// ---- watching ------------------------------------------------------------------------------------------

	private readSync(): string | undefined {
		try {
			return readFileSync(this.path, 'utf8');
		} catch {
			return undefined;
		}
	}

	private startWatching(): void {
		this.seen = fingerprint(this.readSync());
		const name = basename(this.path);
		try {
			ensureDataDir(dirname(this.path));
			this.watcher = fsWatch(this.dir, {persistent: false}, (_event, file) => {
				if (file === null || file === name) this.schedule(this.debounceMs);
			});
			this.watcher.on('error', () => {
				// The directory went away or the watch broke: the poller below still notices changes.
				this.watcher?.close();
				this.watcher = undefined;
			});
		} catch {
			this.watcher = undefined;
		}
		const pollMs = this.watcher === undefined && this.pollMs === 0 ? 1000 : this.pollMs;
		if (pollMs > 0) {
			this.poller = setInterval(() => this.schedule(0), pollMs);
			this.poller.unref();
		}
	}

	private stopWatching(): void {
		this.watcher?.close();
		this.watcher = undefined;
		if (this.poller !== undefined) clearInterval(this.poller);
		this.poller = undefined;
		if (this.debounce !== undefined) clearTimeout(this.debounce);
		this.debounce = undefined;
		this.pending = false;
	}

	private schedule(ms: number): void {
		if (this.listeners.size === 0) return;
		if (this.debounce !== undefined) clearTimeout(this.debounce);
		this.debounce = setTimeout(() => {
			this.debounce = undefined;
			void this.check();
		}, ms);
		this.debounce.unref();
	}

	private async check(): Promise<void> {
		const current = fingerprint(await readFile(this.path, 'utf8').catch(() => undefined));
		if (current === this.seen && !this.pending) return;
		this.seen = current;
		this.pending = false;
		for (const listener of [...this.listeners]) {
			try {
				listener();
			} catch {
				// a failing listener must not stop the others
			}
		}
	}
}
