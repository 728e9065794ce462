// The accounts file: round trip, permissions, corrupt files refused (never replaced), no lost updates between
// store instances and between processes, the lock (stale by dead pid or age, bounded wait), and watch().
import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {mkdtempSync, readFileSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync} from 'node:fs';
import {hostname, tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, describe, test} from 'node:test';
import {pathToFileURL} from 'node:url';
import {AccountFileError, FileAccountStore} from '../../source/accounts/file-store.js';
import type {AccountRecord} from '../../source/accounts/types.js';

const dirs: string[] = [];
after(() => {
	for (const dir of dirs) rmSync(dir, {recursive: true, force: true});
});

function tempDir(): string {
	const dir = mkdtempSync(join(tmpdir(), 'agproxy-store-'));
	dirs.push(dir);
	return join(dir, 'data');
}

function account(email: string, extra: Partial<AccountRecord> = {}): AccountRecord {
	return {email, refreshToken: `1//rt-${email}`, enabled: true, addedAt: '2026-01-01T00:00:00.000Z', ...extra};
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
	return promise.then(
		() => assert.fail('expected a rejection'),
		(error: unknown) => error,
	);
}

async function until(condition: () => boolean, ms = 3000): Promise<void> {
	const deadline = Date.now() + ms;
	while (!condition()) {
		if (Date.now() > deadline) assert.fail('condition not met in time');
		await new Promise((resolve) => setTimeout(resolve, 10));
	}
}

/** The pid of a process that has exited. */
async function deadPid(): Promise<number> {
	const child = spawn(process.execPath, ['-e', ''], {stdio: 'ignore'});
	await new Promise((resolve) => child.once('exit', resolve));
	assert.ok(child.pid !== undefined);
	return child.pid;
}

describe('FileAccountStore', () => {
	test('round trip: upsert, list, get (case-insensitive), update, remove; nothing left behind', async () => {
		const dir = tempDir();
		const store = new FileAccountStore(dir);
		assert.deepEqual(await store.list(), [], 'a missing file is an empty store');
		await store.upsert(account('a@example.com', {projectId: 'p-a', tier: 'free-tier'}));
		await store.upsert(account('b@example.com'));
		assert.deepEqual(
			(await store.list()).map((r) => r.email),
			['a@example.com', 'b@example.com'],
		);
		assert.equal((await store.get('A@Example.com'))?.projectId, 'p-a');

		await store.upsert(account('A@example.com', {projectId: 'p-new'}));
		assert.equal((await store.list()).length, 2, 'upsert replaces by email, case-insensitively');

		const updated = await store.update('a@example.com', {invalid: {reason: 'revoked', at: '2026-01-02T00:00:00Z'}, enabled: false});
		assert.equal(updated?.enabled, false);
		assert.equal(updated?.invalid?.reason, 'revoked');
		const cleared = await store.update('a@example.com', {invalid: undefined});
		assert.equal(cleared?.invalid, undefined);
		assert.equal('invalid' in (cleared ?? {}), false, 'an undefined value removes the field');
		assert.equal(await store.update('nobody@example.com', {enabled: false}), undefined);

		assert.equal(await store.remove('B@EXAMPLE.COM'), true);
		assert.equal(await store.remove('b@example.com'), false);
		assert.deepEqual(
			(await new FileAccountStore(dir).list()).map((r) => r.email),
			['A@example.com'],
		);
		const onDisk = JSON.parse(readFileSync(join(dir, 'accounts.json'), 'utf8')) as {version: number; accounts: unknown[]};
		assert.equal(onDisk.version, 1);
		assert.equal(onDisk.accounts.length, 1);
		assert.deepEqual(readdirSync(dir), ['accounts.json'], 'no temp or lock files left');
	});

	test('file 0600, directory 0700', {skip: process.platform === 'win32'}, async () => {
		const dir = tempDir();
		const store = new FileAccountStore(dir);
		await store.upsert(account('a@example.com'));
		assert.equal(statSync(join(dir, 'accounts.json')).mode & 0o777, 0o600);
		assert.equal(statSync(dir).mode & 0o777, 0o700);
	});

	test('invalid records are refused before anything is written', async () => {
		const dir = tempDir();
		const store = new FileAccountStore(dir);
		await assert.rejects(store.upsert({...account('a@example.com'), refreshToken: ''}), TypeError);
		await assert.rejects(store.upsert({...account('a@example.com'), enabled: 'yes' as unknown as boolean}), TypeError);
		assert.deepEqual(await store.list(), []);
	});

	test('a corrupt or wrongly shaped file is refused with its name and never replaced', async () => {
		const dir = tempDir();
		const store = new FileAccountStore(dir);
		await store.upsert(account('a@example.com'));
		const file = join(dir, 'accounts.json');
		for (const content of [
			'{"version":1,"accounts":[',
			'',
			'[]',
			'{"version":1,"accounts":{}}',
			'{"version":1,"accounts":[{"email":"a@example.com","enabled":true,"addedAt":"x"}]}',
			'{"version":1,"accounts":[{"email":"a@x","refreshToken":"r","enabled":true,"addedAt":"t"},{"email":"A@x","refreshToken":"r","enabled":true,"addedAt":"t"}]}',
			'{"version":99,"accounts":[]}',
		]) {
			writeFileSync(file, content);
			const error = await rejection(store.list());
			assert.ok(error instanceof AccountFileError, `${content}: ${String(error)}`);
			assert.ok(error.message.includes(file), error.message);
			await assert.rejects(store.upsert(account('b@example.com')), AccountFileError);
			await assert.rejects(store.update('a@example.com', {enabled: false}), AccountFileError);
			assert.equal(readFileSync(file, 'utf8'), content, 'left as it was');
		}
	});

	test('unknown fields from a newer agproxy survive a rewrite', async () => {
		const dir = tempDir();
		const store = new FileAccountStore(dir);
		await store.upsert(account('a@example.com'));
		const file = join(dir, 'accounts.json');
		const parsed = JSON.parse(readFileSync(file, 'utf8')) as {accounts: Array<Record<string, unknown>>};
		parsed.accounts[0] = {...parsed.accounts[0], futureField: {x: 1}};
		writeFileSync(file, JSON.stringify(parsed));
		await store.update('a@example.com', {tier: 'free-tier'});
		const after = JSON.parse(readFileSync(file, 'utf8')) as {accounts: Array<Record<string, unknown>>};
		assert.deepEqual(after.accounts[0]?.['futureField'], {x: 1});
	});

	test('two store instances on one file writing at once lose nothing', async () => {
		const dir = tempDir();
		const a = new FileAccountStore(dir);
		const b = new FileAccountStore(dir);
		await a.upsert(account('shared@example.com'));
		const writes: Array<Promise<unknown>> = [];
		for (let i = 0; i < 20; i++) {
			writes.push(a.upsert(account(`a${i}@example.com`)));
			writes.push(b.upsert(account(`b${i}@example.com`)));
		}
		// Different fields of one record from both sides: each update re-reads, so both survive.
		writes.push(a.update('shared@example.com', {projectId: 'from-a'}));
		writes.push(b.update('shared@example.com', {tier: 'from-b'}));
		await Promise.all(writes);
		const records = await a.list();
		assert.equal(records.length, 41);
		const shared = records.find((r) => r.email === 'shared@example.com');
		assert.equal(shared?.projectId, 'from-a');
		assert.equal(shared?.tier, 'from-b');
		assert.deepEqual(readdirSync(dir), ['accounts.json']);
	});

	test('a second process writing at the same time loses nothing', async () => {
		const dir = tempDir();
		const store = new FileAccountStore(dir);
		await store.upsert(account('start@example.com'));
		const module = pathToFileURL(join(import.meta.dirname, '../../source/accounts/file-store.ts')).href;
		const script = `
			const {FileAccountStore} = await import(${JSON.stringify(module)});
			const store = new FileAccountStore(${JSON.stringify(dir)});
			process.stdout.write('ready\\n');
			for (let i = 0; i < 15; i++) {
				await store.upsert({email: 'child' + i + '@example.com', refreshToken: 'r', enabled: true, addedAt: 't'});
			}
		`;
		const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {stdio: ['ignore', 'pipe', 'inherit']});
		const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
		await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
		for (let i = 0; i < 15; i++) await store.upsert(account(`parent${i}@example.com`));
		assert.equal(await exited, 0);
		const emails = new Set((await store.list()).map((r) => r.email));
		assert.equal(emails.size, 31);
		for (let i = 0; i < 15; i++) {
			assert.ok(emails.has(`child${i}@example.com`) && emails.has(`parent${i}@example.com`), String(i));
		}
	});

	test('the lock: a dead holder or an old lock is taken over; a live holder makes writers wait, boundedly', async () => {
		const dir = tempDir();
		const store = new FileAccountStore(dir, {lockTimeoutMs: 150, lockStaleMs: 10_000});
		await store.upsert(account('a@example.com'));
		const lock = join(dir, 'accounts.json.lock');

		writeFileSync(lock, JSON.stringify({pid: await deadPid(), host: hostname(), nonce: 'x'}));
		await store.update('a@example.com', {tier: 'after-dead-holder'});
		assert.equal((await store.get('a@example.com'))?.tier, 'after-dead-holder');

		writeFileSync(lock, JSON.stringify({pid: process.pid, host: hostname(), nonce: 'someone-else'}));
		const started = Date.now();
		const error = await rejection(store.update('a@example.com', {tier: 'blocked'}));
		assert.ok(error instanceof AccountFileError, String(error));
		assert.match(error.message, new RegExp(`held by pid ${process.pid}`));
		assert.ok(Date.now() - started < 2000);
		assert.ok(readFileSync(lock, 'utf8').includes('someone-else'), 'a live lock is left alone');

		const old = new Date(Date.now() - 60_000);
		utimesSync(lock, old, old);
		await store.update('a@example.com', {tier: 'after-old-lock'});
		assert.equal((await store.get('a@example.com'))?.tier, 'after-old-lock');
		assert.deepEqual(readdirSync(dir), ['accounts.json']);
	});

	test("watch() fires for another writer's changes, not for its own", async () => {
		const dir = tempDir();
		const watched = new FileAccountStore(dir, {watchDebounceMs: 20});
		const other = new FileAccountStore(dir);
		await watched.upsert(account('a@example.com'));
		let fired = 0;
		const stop = watched.watch(() => fired++);
		try {
			await other.upsert(account('b@example.com'));
			await until(() => fired === 1);

			await watched.upsert(account('c@example.com'));
			await new Promise((resolve) => setTimeout(resolve, 200));
			assert.equal(fired, 1, 'own writes are not reported');

			// Another change, then ours right after (before the debounce): listeners still hear of theirs.
			await other.update('a@example.com', {tier: 'x'});
			await watched.update('a@example.com', {projectId: 'y'});
			await until(() => fired === 2);
		} finally {
			stop();
		}
		await other.upsert(account('d@example.com'));
		await new Promise((resolve) => setTimeout(resolve, 150));
		assert.equal(fired, 2, 'nothing after unsubscribing');
	});
});
