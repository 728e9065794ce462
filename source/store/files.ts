// Small file-system helpers for the store: durable temp files, atomic replacement, directory fsync, pid checks.
// Every file written here is created 0600 with 'wx' (never follows or reuses an existing file) in the target's own
// directory, so the final rename is atomic.
import {randomBytes} from 'node:crypto';
import {closeSync, fsyncSync, openSync, readdirSync, renameSync, unlinkSync, writeSync} from 'node:fs';
import {open} from 'node:fs/promises';
import {basename, dirname, join} from 'node:path';

export function errno(error: unknown): string | undefined {
	const code = (error as NodeJS.ErrnoException | undefined)?.code;
	return typeof code === 'string' ? code : undefined;
}

export function message(error: unknown): string {
	return error instanceof Error ? error.message : String(error);
}

/** True when a process with this pid exists (EPERM: it exists but belongs to someone else). */
export function pidAlive(pid: number): boolean {
	if (!Number.isSafeInteger(pid) || pid <= 0) return false;
	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		return errno(error) === 'EPERM';
	}
}

const TEMP_PATTERN = /^\.(.+)\.(\d+)\.[0-9a-f]{12}\.tmp$/;

/** `.<name>.<pid>.<random>.tmp` next to `target`. */
export function tempPathFor(target: string): string {
	return join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
}

/** Removes temp files left by dead processes (a save killed half-way) for the given target names. */
export function removeStaleTemps(dir: string, names: readonly string[]): string[] {
	const removed: string[] = [];
	let entries: string[];
	try {
		entries = readdirSync(dir);
	} catch {
		return removed;
	}
	for (const entry of entries) {
		const match = TEMP_PATTERN.exec(entry);
		if (match === null || !names.includes(match[1] ?? '')) continue;
		const pid = Number(match[2]);
		if (pid === process.pid || pidAlive(pid)) continue;
		try {
			unlinkSync(join(dir, entry));
			removed.push(entry);
		} catch {
			// gone already, or not ours to remove: harmless
		}
	}
	return removed;
}

/** Writes `data` to a new file (mode 0600, fails if it exists) and fsyncs it. */
export function writeDurableSync(path: string, data: Uint8Array | string): void {
	const fd = openSync(path, 'wx', 0o600);
	try {
		const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
		let offset = 0;
		while (offset < bytes.byteLength) offset += writeSync(fd, bytes, offset, bytes.byteLength - offset);
		fsyncSync(fd);
	} finally {
		closeSync(fd);
	}
}

/** The same, off the main thread. */
export async function writeDurable(path: string, data: Uint8Array): Promise<void> {
	const handle = await open(path, 'wx', 0o600);
	try {
		await handle.writeFile(data);
		await handle.sync();
	} finally {
		await handle.close();
	}
}

/** Makes renames in `dir` durable. Directories cannot be fsynced on some platforms (Windows): best effort there. */
export function fsyncDirSync(dir: string): void {
	let fd: number | undefined;
	try {
		fd = openSync(dir, 'r');
		fsyncSync(fd);
	} catch {
		// EISDIR/EPERM/EINVAL where directory fsync is not supported
	} finally {
		if (fd !== undefined) closeSync(fd);
	}
}

export async function fsyncDir(dir: string): Promise<void> {
	let handle;
	try {
		handle = await open(dir, 'r');
		await handle.sync();
	} catch {
		// as above
	} finally {
		await handle?.close().catch(() => undefined);
	}
}

/** temp + fsync + rename + directory fsync, all synchronous (small files: server.json, restores). */
export function writeFileAtomicSync(target: string, data: Uint8Array | string): void {
	const temp = tempPathFor(target);
	try {
		writeDurableSync(temp, data);
		renameSync(temp, target);
	} catch (error) {
		try {
			unlinkSync(temp);
		} catch {
			// never created, or already renamed
		}
		throw error;
	}
	fsyncDirSync(dirname(target));
}

/** A timestamp usable in a file name: 2026-01-02T03-04-05-678Z */
export function fileStamp(date = new Date()): string {
	return date.toISOString().replace(/[:.]/g, '-');
}
