// Where CLI commands go: a live server that answers /admin/ping with its token gets them; a dead, foreign or damaged
// server.json means the data directory under the writer lock; a server that holds the lock but does not answer is a
// clear error (or is found when it comes up); local runs save and let go of the lock even when the command fails.
import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {writeFileSync} from 'node:fs';
import {createServer} from 'node:http';
import type {AddressInfo} from 'node:net';
import {join} from 'node:path';
import {after, describe, test} from 'node:test';
import {NotFoundError} from '../../source/actions/errors.js';
import {TargetError, type TargetOptions, findServer, openTarget, withTarget} from '../../source/cli/target.js';
import {acquireWriterLock, createServerToken, readServerInfo, writeServerInfo} from '../../source/store/lock.js';
import {MemoryDataStore} from '../../source/store/memory.js';
import {SERVED, context, startAdminStub} from '../admin/helpers.js';
import {tempDataDir} from './harness.js';

const cleanup: Array<() => unknown> = [];
after(async () => {
	for (const step of cleanup.reverse()) await step();
});

function dir(): string {
	const {dataDir, remove} = tempDataDir();
	cleanup.push(remove);
	return dataDir;
}

/** A server's lock held by another process (this one cannot take its own lock twice). Ended by the test's cleanup. */
async function holdServerLock(dataDir: string): Promise<void> {
	const lockModule = new URL('../../source/store/lock.ts', import.meta.url).href;
	const code = `const {acquireWriterLock} = await import(${JSON.stringify(lockModule)}); await acquireWriterLock(${JSON.stringify(dataDir)}, {role: 'server'}); process.stdout.write('locked\\n'); setInterval(() => {}, 1000);`;
	const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {stdio: ['ignore', 'pipe', 'inherit']});
	cleanup.push(
		() =>
			new Promise<void>(resolve => {
				if (child.exitCode !== null) return resolve();
				child.once('exit', () => resolve());
				child.kill('SIGTERM');
			}),
	);
	await new Promise<void>((resolve, reject) => {
		const timer = setTimeout(() => reject(new Error('the lock holder did not start')), 20_000);
		child.stdout.on('data', (chunk: Buffer) => {
			if (chunk.toString().includes('locked')) {
				clearTimeout(timer);
				resolve();
			}
		});
		child.once('exit', code => reject(new Error(`the lock holder exited (${String(code)})`)));
	});
}

function localOptions(store: MemoryDataStore, log: string[] = []): TargetOptions {
	return {
		servedModels: () => SERVED,
		deps: {
			readServerInfo,
			acquireWriterLock: async (dataDir, options) => {
				const lock = await acquireWriterLock(dataDir, {...options, waitMs: 500});
				log.push('lock');
				return {release: () => (log.push('release'), lock.release())};
			},
			openDataStore: async () => (log.push('open'), store),
		},
	};
}

describe('CLI target', () => {
	test('no server.json: local, under the lock; saved, closed and released at the end', async () => {
		const dataDir = dir();
		const store = new MemoryDataStore();
		const log: string[] = [];
		const target = await openTarget(dataDir, localOptions(store, log));
		assert.equal(target.kind, 'local');
		assert.equal(target.where, dataDir);
		await target.call('users.create', {name: 'alice'});
		assert.deepEqual(log, ['lock', 'open']);
		await target.close();
		assert.deepEqual(log, ['lock', 'open', 'release']);
		assert.equal(store.flushes, 1);
		assert.equal(store.closed, true);
		await target.close();
		assert.deepEqual(log, ['lock', 'open', 'release'], 'close twice is harmless');
	});

	test('a failing command still releases the lock; its error is the one reported', async () => {
		const dataDir = dir();
		const store = new MemoryDataStore();
		const log: string[] = [];
		await assert.rejects(
			withTarget(dataDir, localOptions(store, log), target => target.call('users.rotate', {name: 'ghost'})),
			NotFoundError,
		);
		assert.deepEqual(log, ['lock', 'open', 'release']);
		// A failed save after a successful command is reported, and the lock is released all the same.
		const failing = new MemoryDataStore();
		failing.flush = async () => {
			throw new Error('ENOSPC');
		};
		const log2: string[] = [];
		await assert.rejects(
			withTarget(dataDir, localOptions(failing, log2), target => target.call('users.create', {name: 'a'})),
			/ENOSPC/,
		);
		assert.deepEqual(log2, ['lock', 'open', 'release']);
	});

	test('a live server with the right token gets the command; nothing is opened locally', async () => {
		const dataDir = dir();
		const {ctx, store} = context();
		const stub = await startAdminStub(ctx);
		cleanup.push(() => stub.close());
		writeServerInfo(dataDir, {pid: process.pid, port: stub.port, token: stub.token});
		const log: string[] = [];
		const target = await openTarget(dataDir, localOptions(new MemoryDataStore(), log));
		assert.equal(target.kind, 'server');
		assert.equal(target.where, `the running agproxy (pid ${process.pid}, port ${stub.port})`);
		await target.call('users.create', {name: 'alice'});
		await target.close();
		assert.deepEqual(log, []);
		assert.equal(store.users.get('alice')?.name, 'alice');
		// The default dependencies (store/lock.ts) find it too.
		const found = await findServer(dataDir);
		assert.equal(found?.info.port, stub.port);
		await found?.client.close();
	});

	test('a server bound to ::1 only is found on the IPv6 loopback', async t => {
		const dataDir = dir();
		const {ctx, store} = context();
		let stub: Awaited<ReturnType<typeof startAdminStub>>;
		try {
			stub = await startAdminStub(ctx, {}, '::1');
		} catch {
			t.skip('no IPv6 loopback on this machine');
			return;
		}
		cleanup.push(() => stub.close());
		writeServerInfo(dataDir, {pid: process.pid, port: stub.port, token: stub.token});
		const target = await openTarget(dataDir, localOptions(new MemoryDataStore()));
		assert.equal(target.kind, 'server');
		await target.call('users.create', {name: 'six'});
		await target.close();
		assert.ok(store.users.get('six'));
	});

	test('server.json naming nothing that answers, a foreign server, or a damaged file: local', async () => {
		const store = new MemoryDataStore();
		// A port nobody listens on.
		const closed = createServer();
		await new Promise<void>(resolve => closed.listen(0, '127.0.0.1', resolve));
		const deadPort = (closed.address() as AddressInfo).port;
		await new Promise<void>(resolve => closed.close(() => resolve()));
		const dead = dir();
		writeServerInfo(dead, {pid: process.pid, port: deadPort, token: createServerToken()});
		// Another agproxy (a different token) on the port.
		const other = await startAdminStub(context().ctx);
		cleanup.push(() => other.close());
		const foreign = dir();
		writeServerInfo(foreign, {pid: process.pid, port: other.port, token: createServerToken()});
		// A damaged file.
		const damaged = dir();
		writeServerInfo(damaged, {pid: process.pid, port: other.port, token: createServerToken()});
		writeFileSync(join(damaged, 'server.json'), '{"pid":');
		for (const dataDir of [dead, foreign, damaged]) {
			const log: string[] = [];
			const target = await openTarget(dataDir, {...localOptions(store, log), admin: {pingTimeoutMs: 1000}});
			assert.equal(target.kind, 'local', dataDir);
			await target.close();
			assert.deepEqual(log, ['lock', 'open', 'release']);
		}
	});

	test('the server holds the lock but does not answer: a clear error; found once it answers', async () => {
		const dataDir = dir();
		await holdServerLock(dataDir);
		const store = new MemoryDataStore();
		const started = Date.now();
		await assert.rejects(openTarget(dataDir, {...localOptions(store), serverStartWaitMs: 300}), (error: unknown) => {
			assert.ok(error instanceof TargetError);
			assert.match(error.message, /agproxy server .* is running and owns .*Its admin API did not answer/);
			return true;
		});
		assert.ok(Date.now() - started < 5000);

		// The server comes up while the CLI waits for it.
		const {ctx, store: serverStore} = context();
		const stub = await startAdminStub(ctx);
		cleanup.push(() => stub.close());
		setTimeout(() => writeServerInfo(dataDir, {pid: process.pid, port: stub.port, token: stub.token}), 100);
		const target = await openTarget(dataDir, {...localOptions(store), serverStartWaitMs: 3000});
		assert.equal(target.kind, 'server');
		await target.call('users.create', {name: 'late'});
		await target.close();
		assert.ok(serverStore.users.get('late'));
		assert.equal(store.users.list().length, 0);
	});

	test('local commands of one process queue on the lock and lose nothing', async () => {
		const dataDir = dir();
		const store = new MemoryDataStore();
		// One process cannot take its own lock twice, so an in-process mutex stands in for the lock file here.
		let tail: Promise<void> = Promise.resolve();
		let holders = 0;
		let most = 0;
		const options: TargetOptions = {
			servedModels: () => SERVED,
			deps: {
				readServerInfo: () => undefined,
				acquireWriterLock: async () => {
					let release: () => void = () => undefined;
					const previous = tail;
					tail = new Promise<void>(resolve => (release = resolve));
					await previous;
					holders++;
					most = Math.max(most, holders);
					return {release: () => (holders--, release())};
				},
				openDataStore: async () => store,
			},
		};
		await Promise.all(Array.from({length: 20}, (_, i) => withTarget(dataDir, options, target => target.call('users.create', {name: `u${i}`}))));
		assert.equal(store.users.list().length, 20);
		assert.equal(most, 1);
		assert.equal(store.flushes, 20);
	});
});
