// The one-writer rule: proxy.db lives in one process's memory, so only one process may open it for writing
// (two writers lose each other's updates). That process holds <dataDir>/agproxy.lock for its whole life:
//   - created with 'wx' (exclusive) and holding {pid, role, host, startedAt, nonce[, procStart]};
//   - stale when its process is gone (dead pid on this host, or on Linux a pid now used by a different process, or our
//     own pid but not our lock: a restarted container), then taken over safely (moved aside, checked, removed);
//   - a live server: refused at once with an error saying so (a CLI should talk to the server's admin API instead);
//   - a live CLI: waited for, with backoff, up to `waitMs`;
//   - released by release(), and synchronously on process 'exit'. A kill -9 leaves a stale lock, taken over next time.
// The server also publishes how to reach it in <dataDir>/server.json (0600, atomic): {pid, port, token}.
import {randomBytes} from 'node:crypto';
import {closeSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync, linkSync} from 'node:fs';
import {hostname} from 'node:os';
import {join} from 'node:path';
import {setTimeout as sleep} from 'node:timers/promises';
import {ensureDataDir} from '../paths.js';
import {errno, message, pidAlive, removeStaleTemps, writeFileAtomicSync} from './files.js';
import {isObject} from './rows.js';

export const LOCK_FILE = 'agproxy.lock';
export const SERVER_FILE = 'server.json';

export type WriterRole = 'server' | 'cli';

export type LockHolder = {pid: number; role: WriterRole; host: string; startedAt: string};

export class WriterLockError extends Error {
	constructor(
		message: string,
		readonly path: string,
		/** who holds the lock, when known */
		readonly holder?: LockHolder,
	) {
		super(message);
		this.name = 'WriterLockError';
	}
}

export type WriterLock = {
	readonly path: string;
	readonly holder: LockHolder;
	/** Removes the lock file (if it is still ours). Synchronous; safe to call twice. */
	release(): void;
};

export type AcquireOptions = {
	role: WriterRole;
	/** how long to wait while another CLI holds the lock (default 10 s) */
	waitMs?: number;
	/** a lock file that cannot be parsed is taken over once this old (default 2 s: its writer died while creating it) */
	unreadableStaleMs?: number;
};

type LockFileContent = LockHolder & {nonce: string; procStart?: string};

/** Nonces of the locks this process holds, by path. */
const held = new Map<string, string>();

/** Linux: the start time (clock ticks after boot) of a process, to tell a reused pid from the original process. */
function processStart(pid: number): string | undefined {
	if (process.platform !== 'linux') return undefined;
	try {
		const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
		const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
		const start = fields[19];
		return start !== undefined && /^\d+$/.test(start) ? start : undefined;
	} catch {
		return undefined;
	}
}

function parseLock(text: string): LockFileContent | undefined {
	let json: unknown;
	try {
		json = JSON.parse(text);
	} catch {
		return undefined;
	}
	if (!isObject(json)) return undefined;
	const {pid, role, host, startedAt, nonce, procStart} = json;
	if (typeof pid !== 'number' || !Number.isSafeInteger(pid) || pid <= 0) return undefined;
	if (role !== 'server' && role !== 'cli') return undefined;
	if (typeof host !== 'string' || typeof startedAt !== 'string' || typeof nonce !== 'string') return undefined;
	if (procStart !== undefined && typeof procStart !== 'string') return undefined;
	return {pid, role, host, startedAt, nonce, ...(procStart === undefined ? {} : {procStart})};
}

function holderOf(content: LockFileContent): LockHolder {
	return {pid: content.pid, role: content.role, host: content.host, startedAt: content.startedAt};
}

/** True when the lock's process is certainly gone. A lock from another host is never judged stale. */
function isStale(content: LockFileContent, path: string): boolean {
	if (content.host !== hostname()) return false;
	if (content.pid === process.pid) return held.get(path) !== content.nonce;
	if (!pidAlive(content.pid)) return true;
	if (content.procStart === undefined) return false;
	const now = processStart(content.pid);
	return now !== undefined && now !== content.procStart;
}

function tryCreate(path: string, content: LockFileContent): boolean {
	let fd: number;
	try {
		fd = openSync(path, 'wx', 0o600);
	} catch (error) {
		if (errno(error) === 'EEXIST') return false;
		throw new WriterLockError(`cannot create the lock ${path}: ${message(error)}`, path);
	}
	try {
		writeSync(fd, JSON.stringify(content));
	} finally {
		closeSync(fd);
	}
	return true;
}

/** Moves a lock judged stale out of the way. False when it changed meanwhile (someone else took it over). */
function breakStale(path: string, judged: string): boolean {
	const aside = `${path}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
	try {
		renameSync(path, aside);
	} catch (error) {
		if (errno(error) === 'ENOENT') return true;
		throw new WriterLockError(`cannot remove the stale lock ${path}: ${message(error)}`, path);
	}
	let moved: string | undefined;
	try {
		moved = readFileSync(aside, 'utf8');
	} catch {
		moved = undefined;
	}
	if (moved !== undefined && moved !== judged) {
		// We moved a lock someone took after our check: put it back (unless yet another one exists now).
		try {
			linkSync(aside, path);
		} catch {
			// a newer lock exists: theirs wins
		}
		try {
			unlinkSync(aside);
		} catch {
			// gone
		}
		return false;
	}
	try {
		unlinkSync(aside);
	} catch {
		// gone
	}
	return true;
}

function since(startedAt: string): string {
	return Number.isNaN(Date.parse(startedAt)) ? '' : `, since ${startedAt}`;
}

/** Takes the writer lock of `dataDir` for this process's lifetime (see the top of this file). */
export async function acquireWriterLock(dataDir: string, options: AcquireOptions): Promise<WriterLock> {
	const {role} = options;
	if (role !== 'server' && role !== 'cli') throw new TypeError(`unknown role ${String(role)}`);
	ensureDataDir(dataDir);
	const path = join(dataDir, LOCK_FILE);
	const waitMs = options.waitMs ?? 10_000;
	const unreadableStaleMs = options.unreadableStaleMs ?? 2000;
	const deadline = Date.now() + waitMs;
	let delay = 10;
	for (;;) {
		const nonce = randomBytes(12).toString('hex');
		const procStart = processStart(process.pid);
		const holder: LockHolder = {pid: process.pid, role, host: hostname(), startedAt: new Date().toISOString()};
		if (tryCreate(path, {...holder, nonce, ...(procStart === undefined ? {} : {procStart})})) {
			held.set(path, nonce);
			return makeLock(path, holder, nonce);
		}
		let text: string;
		let ageMs: number;
		try {
			text = readFileSync(path, 'utf8');
			ageMs = Date.now() - statSync(path).mtimeMs;
		} catch (error) {
			if (errno(error) === 'ENOENT') continue; // released meanwhile
			throw new WriterLockError(`cannot read the lock ${path}: ${message(error)}`, path);
		}
		const content = parseLock(text);
		if (content === undefined ? ageMs > unreadableStaleMs : isStale(content, path)) {
			breakStale(path, text);
			continue;
		}
		if (content !== undefined) {
			const owner = holderOf(content);
			const where = content.host === hostname() ? `pid ${content.pid}` : `pid ${content.pid} on host ${content.host}`;
			if (content.pid === process.pid && content.host === hostname()) {
				throw new WriterLockError(`this process already holds the writer lock of ${dataDir}`, path, owner);
			}
			if (content.role === 'server') {
				throw new WriterLockError(
					`an agproxy server (${where}${since(content.startedAt)}) is running and owns ${dataDir}. ` +
						`Stop it first, or manage it through the running server. If no agproxy server is running, delete ${path}.`,
					path,
					owner,
				);
			}
			if (Date.now() >= deadline) {
				throw new WriterLockError(
					`another agproxy command (${where}${since(content.startedAt)}) is using ${dataDir}; waited ${Math.round(waitMs / 100) / 10} s. ` +
						`Try again when it has finished. If no agproxy command is running, delete ${path}.`,
					path,
					owner,
				);
			}
		} else if (Date.now() >= deadline) {
			throw new WriterLockError(`the lock ${path} is being created by another process; waited ${Math.round(waitMs / 100) / 10} s`, path);
		}
		await sleep(delay + Math.random() * delay);
		delay = Math.min(delay * 2, 250);
	}
}

function makeLock(path: string, holder: LockHolder, nonce: string): WriterLock {
	let released = false;
	const release = (): void => {
		if (released) return;
		released = true;
		process.off('exit', release);
		if (held.get(path) === nonce) held.delete(path);
		try {
			const content = parseLock(readFileSync(path, 'utf8'));
			// Only our own lock: if it was judged stale and taken over, it is someone else's now.
			if (content?.nonce === nonce) unlinkSync(path);
		} catch {
			// already gone
		}
	};
	process.on('exit', release);
	return {path, holder, release};
}

// ---- server.json -----------------------------------------------------------------------------------------------

export type ServerInfo = {pid: number; port: number; token: string};

export class ServerInfoError extends Error {
	constructor(
		message: string,
		readonly path: string,
	) {
		super(message);
		this.name = 'ServerInfoError';
	}
}

const TOKEN = /^[0-9a-f]{64}$/;

/** A random 32-byte secret, in hex, for the admin API. */
export function createServerToken(): string {
	return randomBytes(32).toString('hex');
}

function checkServerInfo(value: unknown): ServerInfo | string {
	if (!isObject(value)) return 'not an object';
	const {pid, port, token} = value;
	if (typeof pid !== 'number' || !Number.isSafeInteger(pid) || pid <= 0) return 'pid must be a positive integer';
	if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65_535) return 'port must be 1-65535';
	if (typeof token !== 'string' || !TOKEN.test(token)) return 'token must be 64 hex characters';
	return {pid, port, token};
}

/** Writes <dataDir>/server.json (mode 0600, atomically). */
export function writeServerInfo(dataDir: string, info: ServerInfo): void {
	const checked = checkServerInfo(info);
	if (typeof checked === 'string') throw new TypeError(`server info: ${checked}`);
	ensureDataDir(dataDir);
	removeStaleTemps(dataDir, [SERVER_FILE]);
	writeFileAtomicSync(join(dataDir, SERVER_FILE), `${JSON.stringify(checked)}\n`);
}

/** The running server's {pid, port, token}; undefined when there is no server.json or its process is gone. */
export function readServerInfo(dataDir: string): ServerInfo | undefined {
	const path = join(dataDir, SERVER_FILE);
	let text: string;
	try {
		text = readFileSync(path, 'utf8');
	} catch (error) {
		if (errno(error) === 'ENOENT') return undefined;
		throw new ServerInfoError(`cannot read ${path}: ${message(error)}`, path);
	}
	let json: unknown;
	try {
		json = JSON.parse(text);
	} catch {
		throw new ServerInfoError(`${path} is not valid JSON; delete it if no agproxy server is running`, path);
	}
	const checked = checkServerInfo(json);
	if (typeof checked === 'string') throw new ServerInfoError(`${path} is damaged (${checked}); delete it if no agproxy server is running`, path);
	return pidAlive(checked.pid) ? checked : undefined;
}

/** Removes server.json; with `pid`, only when it was written for that process. True when removed. */
export function removeServerInfo(dataDir: string, pid?: number): boolean {
	const path = join(dataDir, SERVER_FILE);
	if (pid !== undefined) {
		try {
			const json: unknown = JSON.parse(readFileSync(path, 'utf8'));
			if (!isObject(json) || json['pid'] !== pid) return false;
		} catch {
			return false;
		}
	}
	try {
		unlinkSync(path);
		return true;
	} catch {
		return false;
	}
}
