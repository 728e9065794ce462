// The writer lock (one process owns proxy.db) and server.json. Real processes hold the lock where it matters: a
// live server refuses a second one, a kill -9 leaves a stale lock that is taken over, a CLI waits for another CLI,
// and a normal exit releases the lock.
import assert from 'node:assert/strict';
import {type ChildProcess, spawn} from 'node:child_process';
import {existsSync, mkdirSync, readFileSync, statSync, utimesSync, writeFileSync} from 'node:fs';
import {hostname} from 'node:os';
import {dirname, join} from 'node:path';
import {describe, test} from 'node:test';
import {fileURLToPath} from 'node:url';
import {
	LOCK_FILE,
	ServerInfoError,
	WriterLockError,
	acquireWriterLock,
	createServerToken,
	readServerInfo,
	removeServerInfo,
	writeServerInfo,
} from '../../source/store/lock.js';
import {deadPid, rejection, tempDataDir} from './helpers.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');

type Holder = {child: ChildProcess; pid: number; exited: Promise<void>};

/** Starts lock-holder.ts and resolves once it holds the lock. */
async function holder(dir: string, role: 'server' | 'cli', hold: number | 'forever'): Promise<Holder> {
	const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'lock-holder.ts'), dir, role, String(hold)], {
		cwd: root,
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
	let stderr = '';
	child.stderr?.on('data', (chunk: Buffer) => {
		stderr += chunk.toString();
	});
	const pid = await new Promise<number>((resolve, reject) => {
		let out = '';
		child.stdout?.on('data', (chunk: Buffer) => {
			out += chunk.toString();
			const match = /locked (\d+)/.exec(out);
			if (match) resolve(Number(match[1]));
		});
		void exited.then(() => reject(new Error(`lock holder exited early: ${stderr}`)));
		setTimeout(() => reject(new Error('lock holder did not start in 15 s')), 15_000).unref();
	});
	return {child, pid, exited};
}

async function kill(held: Holder): Promise<void> {
	held.child.kill('SIGKILL');
	await held.exited;
}

function lockContent(dir: string): Record<string, unknown> {
	return JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')) as Record<string, unknown>;
}

function writeLock(dir: string, content: Record<string, unknown> | string): void {
	mkdirSync(dir, {recursive: true, mode: 0o700});
	writeFileSync(join(dir, LOCK_FILE), typeof content === 'string' ? content : JSON.stringify(content), {mode: 0o600});
}

describe('writer lock between processes', () => {
	test('a second server (or a CLI) is refused at once while a server lives; after kill -9 its stale lock is taken over', async () => {
		const dir = tempDataDir();
		const server = await holder(dir, 'server', 'forever');
		try {
			for (const role of ['server', 'cli'] as const) {
				const started = Date.now();
				const error = await rejection(acquireWriterLock(dir, {role}));
				assert.ok(error instanceof WriterLockError);
				assert.ok(Date.now() - started < 2000, 'no waiting for a server');
				assert.equal(error.holder?.pid, server.pid);
				assert.equal(error.holder?.role, 'server');
				assert.match(error.message, new RegExp(`agproxy server \\(pid ${server.pid}, since .*\\) is running`));
				assert.ok(error.message.includes(join(dir, LOCK_FILE)), 'the message names the lock file');
			}
		} finally {
			await kill(server);
		}
		assert.equal(lockContent(dir)['pid'], server.pid, 'kill -9 leaves the lock behind');
		const lock = await acquireWriterLock(dir, {role: 'server'});
		assert.equal(lockContent(dir)['pid'], process.pid);
		lock.release();
		assert.ok(!existsSync(join(dir, LOCK_FILE)));
	});

	test('a CLI waits for another CLI (bounded, with backoff) and a normal exit releases the lock', async () => {
		const dir = tempDataDir();
		const other = await holder(dir, 'cli', 700);
		const started = Date.now();
		const lock = await acquireWriterLock(dir, {role: 'cli', waitMs: 10_000});
		const waited = Date.now() - started;
		await other.exited;
		assert.ok(waited >= 200, `waited ${waited} ms for the other CLI`);
		assert.equal(lockContent(dir)['pid'], process.pid);
		lock.release();

		const busy = await holder(dir, 'cli', 'forever');
		try {
			const before = Date.now();
			const error = await rejection(acquireWriterLock(dir, {role: 'cli', waitMs: 300}));
			const elapsed = Date.now() - before;
			assert.ok(error instanceof WriterLockError);
			assert.match(error.message, /another agproxy command \(pid \d+.*\) is using .*; waited 0\.3 s/);
			assert.ok(elapsed >= 290 && elapsed < 3000, `gave up after ${elapsed} ms`);
		} finally {
			await kill(busy);
		}

		const quick = await holder(dir, 'cli', 50);
		await quick.exited;
		assert.ok(!existsSync(join(dir, LOCK_FILE)), "released by the holder's exit handler");
	});
});

describe('writer lock file', () => {
	test('created 0600 with pid, role, host and start time; the same process cannot take it twice; release is idempotent', async () => {
		const dir = tempDataDir();
		const lock = await acquireWriterLock(dir, {role: 'server'});
		assert.equal(statSync(join(dir, LOCK_FILE)).mode & 0o777, 0o600);
		const content = lockContent(dir);
		assert.equal(content['pid'], process.pid);
		assert.equal(content['role'], 'server');
		assert.equal(content['host'], hostname());
		assert.ok(!Number.isNaN(Date.parse(String(content['startedAt']))));
		assert.deepEqual(lock.holder, {pid: process.pid, role: 'server', host: hostname(), startedAt: content['startedAt']});
		const error = await rejection(acquireWriterLock(dir, {role: 'cli', waitMs: 0}));
		assert.ok(error instanceof WriterLockError);
		assert.match(error.message, /this process already holds/);
		lock.release();
		lock.release();
		assert.ok(!existsSync(join(dir, LOCK_FILE)));
	});

	test('stale locks are taken over: dead pid, and our own pid without our nonce (a restarted container)', async () => {
		for (const pid of [await deadPid(), process.pid]) {
			const dir = tempDataDir();
			writeLock(dir, {pid, role: 'server', host: hostname(), startedAt: '2026-01-01T00:00:00.000Z', nonce: 'old'});
			const lock = await acquireWriterLock(dir, {role: 'server', waitMs: 0});
			assert.notEqual(lockContent(dir)['nonce'], 'old');
			lock.release();
		}
	});

	test('Linux: a live pid started at another time is a reused pid (stale); the same start time is the holder', {skip: process.platform !== 'linux'}, async () => {
		const dir = tempDataDir();
		const stat = readFileSync(`/proc/${process.ppid}/stat`, 'utf8');
		const procStart = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
		writeLock(dir, {pid: process.ppid, role: 'server', host: hostname(), startedAt: 'x', nonce: 'n', procStart});
		assert.ok((await rejection(acquireWriterLock(dir, {role: 'server', waitMs: 0}))) instanceof WriterLockError);
		writeLock(dir, {pid: process.ppid, role: 'server', host: hostname(), startedAt: 'x', nonce: 'n', procStart: '1'});
		const lock = await acquireWriterLock(dir, {role: 'server', waitMs: 0});
		lock.release();
	});

	test('a lock from another host is never judged stale', async () => {
		const dir = tempDataDir();
		writeLock(dir, {pid: await deadPid(), role: 'server', host: `not-${hostname()}`, startedAt: 'x', nonce: 'n'});
		const error = await rejection(acquireWriterLock(dir, {role: 'server', waitMs: 0}));
		assert.ok(error instanceof WriterLockError);
		assert.match(error.message, /on host not-/);
	});

	test('an unreadable lock is waited for while young (its creator may be writing it) and taken over when old', async () => {
		const dir = tempDataDir();
		writeLock(dir, '{"pid": 12');
		const error = await rejection(acquireWriterLock(dir, {role: 'cli', waitMs: 150}));
		assert.ok(error instanceof WriterLockError);
		assert.match(error.message, /being created/);
		const old = new Date(Date.now() - 10_000);
		utimesSync(join(dir, LOCK_FILE), old, old);
		const lock = await acquireWriterLock(dir, {role: 'cli', waitMs: 0});
		assert.equal(lockContent(dir)['pid'], process.pid);
		lock.release();
	});

	test("release() leaves alone a lock that is no longer ours", async () => {
		const dir = tempDataDir();
		const lock = await acquireWriterLock(dir, {role: 'cli'});
		writeLock(dir, {pid: 1, role: 'server', host: hostname(), startedAt: 'x', nonce: 'someone-else'});
		lock.release();
		assert.equal(lockContent(dir)['nonce'], 'someone-else');
	});
});

describe('server.json', () => {
	test('written 0600 (atomically) and read back; absent or a dead pid reads as undefined; removal only of our own', async () => {
		const dir = tempDataDir();
		assert.equal(readServerInfo(dir), undefined);
		const token = createServerToken();
		assert.match(token, /^[0-9a-f]{64}$/);
		assert.notEqual(token, createServerToken());
		writeServerInfo(dir, {pid: process.pid, port: 8787, token});
		assert.equal(statSync(join(dir, 'server.json')).mode & 0o777, 0o600);
		assert.equal(statSync(dir).mode & 0o777, 0o700);
		assert.deepEqual(readServerInfo(dir), {pid: process.pid, port: 8787, token});

		assert.equal(removeServerInfo(dir, process.pid + 1), false);
		assert.ok(existsSync(join(dir, 'server.json')));
		assert.equal(removeServerInfo(dir, process.pid), true);
		assert.equal(readServerInfo(dir), undefined);

		writeServerInfo(dir, {pid: await deadPid(), port: 8787, token});
		assert.equal(readServerInfo(dir), undefined, 'the server is gone');
		assert.equal(removeServerInfo(dir), true);
	});

	test('bad input is refused; a damaged file throws without showing the token', async () => {
		const dir = tempDataDir();
		const token = createServerToken();
		assert.throws(() => writeServerInfo(dir, {pid: process.pid, port: 0, token}), /port/);
		assert.throws(() => writeServerInfo(dir, {pid: process.pid, port: 80, token: 'short'}), /token/);
		assert.throws(() => writeServerInfo(dir, {pid: -1, port: 80, token}), /pid/);
		assert.ok(!existsSync(join(dir, 'server.json')));
		mkdirSync(dir, {recursive: true, mode: 0o700});
		writeFileSync(join(dir, 'server.json'), JSON.stringify({pid: process.pid, port: 'x', token}));
		const error = (() => {
			try {
				readServerInfo(dir);
			} catch (caught) {
				return caught;
			}
			return undefined;
		})();
		assert.ok(error instanceof ServerInfoError);
		assert.match(error.message, /port/);
		assert.ok(!error.message.includes(token));
		writeFileSync(join(dir, 'server.json'), '{not json');
		assert.throws(() => readServerInfo(dir), ServerInfoError);
	});
});
