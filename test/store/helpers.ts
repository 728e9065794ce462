// Shared by the store tests: temp data directories (removed after the file's tests), records, reading proxy.db
// straight from disk (what a restart would see), dead pids.
import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {createHash} from 'node:crypto';
import {existsSync, mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after} from 'node:test';
import type {SqlValue} from 'sql.js';
import type {AccountRecord} from '../../source/accounts/types.js';
import {loadSqlEngine} from '../../source/store/sqlite.js';
import type {UserRecord} from '../../source/store/types.js';

const dirs: string[] = [];
after(() => {
	for (const dir of dirs) rmSync(dir, {recursive: true, force: true});
});

/** A fresh data directory path (not created yet) inside a temp dir removed after the tests. */
export function tempDataDir(): string {
	const dir = mkdtempSync(join(tmpdir(), 'agproxy-sqlstore-'));
	dirs.push(dir);
	return join(dir, 'data');
}

export function account(email: string, extra: Partial<AccountRecord> = {}): AccountRecord {
	return {email, refreshToken: `1//rt-${email}`, enabled: true, addedAt: '2026-01-01T00:00:00.000Z', ...extra};
}

export function sha(text: string): string {
	return createHash('sha256').update(text).digest('hex');
}

export function user(name: string, extra: Partial<UserRecord> = {}): UserRecord {
	return {
		name,
		keyHash: sha(`key-${name}`),
		keyPrefix: `sk-agp-${name.slice(0, 4)}`,
		admin: false,
		disabled: false,
		createdAt: '2026-01-02T00:00:00.000Z',
		...extra,
	};
}

/** Runs a query against the file on disk (not the store's memory). Undefined when the file does not exist. */
export async function readDisk(path: string, sql: string): Promise<SqlValue[][] | undefined> {
	if (!existsSync(path)) return undefined;
	const SQL = await loadSqlEngine();
	const db = new SQL.Database(readFileSync(path));
	try {
		return db.exec(sql)[0]?.values ?? [];
	} finally {
		db.close();
	}
}

/** quick_check of a file on disk: 'ok' or the problem. */
export async function quickCheck(path: string): Promise<string> {
	const SQL = await loadSqlEngine();
	try {
		const db = new SQL.Database(readFileSync(path));
		try {
			return String(db.exec('PRAGMA quick_check')[0]?.values[0]?.[0]);
		} finally {
			db.close();
		}
	} catch (error) {
		return error instanceof Error ? error.message : String(error);
	}
}

export async function rejection(promise: Promise<unknown>): Promise<unknown> {
	return promise.then(
		() => assert.fail('expected a rejection'),
		(error: unknown) => error,
	);
}

/** Resolves after `ms`; an abort resolves it at once (so a pending timeout does not keep the process alive). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
	return new Promise((resolve) => {
		const timer = setTimeout(resolve, ms);
		signal?.addEventListener('abort', () => {
			clearTimeout(timer);
			resolve();
		});
	});
}

export async function until(condition: () => boolean | Promise<boolean>, ms = 3000): Promise<void> {
	const deadline = Date.now() + ms;
	while (!(await condition())) {
		if (Date.now() > deadline) assert.fail('condition not met in time');
		await sleep(5);
	}
}

/** The pid of a process that has exited. */
export async function deadPid(): Promise<number> {
	const child = spawn(process.execPath, ['-e', ''], {stdio: 'ignore'});
	await new Promise((resolve) => child.once('exit', resolve));
	assert.ok(child.pid !== undefined);
	return child.pid;
}

