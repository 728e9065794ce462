// proxy.db itself: creation and modes, migrations from an empty file and from each earlier version, files from a newer
// agproxy, damaged files (restored from proxy.db.bak, or refused untouched), leftover temp files, and the save policy:
// debounce, max wait, coalescing, immediate saves for credentials, flush(), close(), failed saves.
import assert from 'node:assert/strict';
import {mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, existsSync} from 'node:fs';
import {join} from 'node:path';
import {describe, test} from 'node:test';
import {putAccount} from '../../source/store/accounts.js';
import type {AccountRecord} from '../../source/accounts/types.js';
import {openDataStore} from '../../source/store/data-store.js';
import {StoreClosedError, StoreOpenError, StoreSaveError} from '../../source/store/errors.js';
import {DatabaseFile, LATEST_VERSION, MIGRATIONS, type SaveInfo, type StoreNotice, loadSqlEngine} from '../../source/store/sqlite.js';
import {account, deadPid, quickCheck, readDisk, rejection, sleep, tempDataDir, until, user} from './helpers.js';

const DAY = Date.UTC(2026, 2, 1, 12);

function usage(requests = 1): {user: string; model: string; requests: number; inputTokens: number; outputTokens: number; cachedTokens: number; errors: number; at: number} {
	return {user: 'alice', model: 'claude-x', requests, inputTokens: 10, outputTokens: 5, cachedTokens: 1, errors: 0, at: DAY};
}

async function diskVersion(dir: string, name = 'proxy.db'): Promise<number | undefined> {
	const value = (await readDisk(join(dir, name), 'PRAGMA user_version'))?.[0]?.[0];
	return typeof value === 'number' ? value : undefined;
}

async function diskTables(dir: string, name = 'proxy.db'): Promise<string[]> {
	const rows = (await readDisk(join(dir, name), "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")) ?? [];
	return rows.map((row) => String(row[0]));
}

async function diskAccounts(dir: string, name = 'proxy.db'): Promise<string[]> {
	const rows = (await readDisk(join(dir, name), 'SELECT email FROM accounts ORDER BY id')) ?? [];
	return rows.map((row) => String(row[0]));
}

async function diskRequests(dir: string): Promise<number> {
	const value = (await readDisk(join(dir, 'proxy.db'), 'SELECT coalesce(sum(requests), 0) FROM usage'))?.[0]?.[0];
	return typeof value === 'number' ? value : -1;
}

function snapshot(dir: string): Record<string, string> {
	const files: Record<string, string> = {};
	for (const name of readdirSync(dir).sort()) files[name] = readFileSync(join(dir, name)).toString('base64');
	return files;
}

/** A store whose saves are counted; a long debounce unless given. */
async function counted(dir: string, options: {debounceMs?: number; maxWaitMs?: number; retryMs?: number} = {}) {
	const saves: SaveInfo[] = [];
	const notices: StoreNotice[] = [];
	const store = await openDataStore(dir, {
		debounceMs: 60_000,
		maxWaitMs: 120_000,
		...options,
		onSave: (info) => saves.push(info),
		onNotice: (notice) => notices.push(notice),
	});
	saves.length = 0; // the save made at creation does not count
	return {store, saves, notices};
}

describe('proxy.db: opening and migrations', () => {
	test('a new data directory gets a 0700 directory and a 0600 proxy.db at the latest schema, foreign keys on', async () => {
		const dir = tempDataDir();
		const file = await DatabaseFile.open(dir);
		assert.equal(file.report.created, true);
		assert.deepEqual(file.report.schema, {from: 0, to: LATEST_VERSION});
		assert.equal(statSync(dir).mode & 0o777, 0o700);
		assert.equal(statSync(join(dir, 'proxy.db')).mode & 0o777, 0o600);
		assert.equal(await diskVersion(dir), LATEST_VERSION, 'the new schema is on disk at once');
		assert.deepEqual(await diskTables(dir), ['accounts', 'group_members', 'model_groups', 'usage', 'users']);
		assert.throws(
			() => file.write('ordinary', () => file.run("INSERT INTO model_groups (alias, owner, strategy, created_at) VALUES ('a', 'ghost', 'random', 'now')")),
			/FOREIGN KEY/,
		);
		file.close();
		for (const name of readdirSync(dir)) assert.equal(statSync(join(dir, name)).mode & 0o777, 0o600, name);
	});

	test('every earlier version (0 = an empty database, 1 = accounts only, ...) migrates to the latest, keeping its data', async () => {
		for (let version = 0; version < LATEST_VERSION; version++) {
			const dir = tempDataDir();
			const old = await DatabaseFile.open(dir, {migrations: MIGRATIONS.slice(0, version)});
			assert.equal(old.schemaVersion(), version);
			if (version >= 1) old.write('credential', () => putOldAccount(old, account(`v${version}@example.com`, {projectId: 'p'})));
			old.close();
			assert.equal(await diskVersion(dir), version, `fixture at version ${version}`);
			const before = readFileSync(join(dir, 'proxy.db'));

			const store = await openDataStore(dir);
			assert.deepEqual(store.report.schema, {from: version, to: LATEST_VERSION});
			assert.equal(await diskVersion(dir), LATEST_VERSION, 'the migrated file was saved at once');
			assert.deepEqual(readFileSync(join(dir, 'proxy.db.bak')), before, 'the pre-migration file is the backup');
			if (version >= 1) assert.deepEqual(await store.accounts.get(`V${version}@example.com`), account(`v${version}@example.com`, {projectId: 'p'}));
			store.users.create(user('after-migration'));
			store.groups.create({alias: 'fast', owner: 'after-migration', strategy: 'priority', createdAt: 'now'});
			store.usage.record(usage());
			store.close();

			const reopened = await openDataStore(dir);
			assert.deepEqual(reopened.report.schema, {from: LATEST_VERSION, to: LATEST_VERSION});
			assert.equal(reopened.users.get('after-migration')?.name, 'after-migration');
			assert.equal(reopened.groups.get('fast', 'after-migration')?.strategy, 'priority');
			reopened.close();
		}
	});

	test('a file from a newer agproxy is refused and left as it was', async () => {
		const dir = tempDataDir();
		(await DatabaseFile.open(dir)).close();
		const SQL = await loadSqlEngine();
		const db = new SQL.Database(readFileSync(join(dir, 'proxy.db')));
		db.run(`PRAGMA user_version = ${LATEST_VERSION + 1}`);
		writeFileSync(join(dir, 'proxy.db'), db.export(), {mode: 0o600});
		db.close();
		const before = snapshot(dir);
		const error = await rejection(openDataStore(dir));
		assert.ok(error instanceof StoreOpenError);
		assert.match(error.message, /newer agproxy/);
		assert.match(error.message, /proxy\.db/);
		assert.deepEqual(snapshot(dir), before);
	});

	test('a failing migration is rolled back and the file is not changed', async () => {
		const dir = tempDataDir();
		const v1 = await DatabaseFile.open(dir, {migrations: MIGRATIONS.slice(0, 1)});
		v1.write('credential', () => putOldAccount(v1, account('keep@example.com')));
		v1.close();
		const before = snapshot(dir);
		const broken = [MIGRATIONS[0]!, {version: 2, description: 'broken', up: 'CREATE TABLE half (a INTEGER); INSERT INTO missing VALUES (1);'}];
		const error = await rejection(DatabaseFile.open(dir, {migrations: broken}));
		assert.ok(error instanceof StoreOpenError);
		assert.match(error.message, /migration 2 \(broken\) failed/);
		assert.deepEqual(snapshot(dir), before);
		assert.deepEqual(await diskTables(dir), ['accounts']);
	});
});

describe('proxy.db: damaged files', () => {
	/** A store saved three times: created (empty), then a@, then a@ + b@. The backup holds a@ only. */
	async function twoSaves(dir: string): Promise<void> {
		const store = await openDataStore(dir);
		await store.accounts.upsert(account('a@example.com'));
		await store.accounts.upsert(account('b@example.com'));
		store.close();
		assert.deepEqual(await diskAccounts(dir), ['a@example.com', 'b@example.com']);
		assert.deepEqual(await diskAccounts(dir, 'proxy.db.bak'), ['a@example.com']);
	}

	const damages: Record<string, (bytes: Buffer) => Buffer> = {
		'garbage over the pages': (bytes) => {
			const copy = Buffer.from(bytes);
			copy.fill(0xab, 4096, Math.min(copy.length, 4096 * 3));
			return copy;
		},
		truncated: (bytes) => bytes.subarray(0, Math.floor(bytes.length / 2)),
		'not a database': (bytes) => Buffer.alloc(bytes.length, 7),
		empty: () => Buffer.alloc(0),
	};

	for (const [kind, damage] of Object.entries(damages)) {
		test(`damaged (${kind}): proxy.db.bak is restored, the bad file kept as proxy.db.corrupt-<time>, and it is reported`, async () => {
			const dir = tempDataDir();
			await twoSaves(dir);
			const bad = damage(readFileSync(join(dir, 'proxy.db')));
			writeFileSync(join(dir, 'proxy.db'), bad);
			const notices: StoreNotice[] = [];
			const store = await openDataStore(dir, {onNotice: (notice) => notices.push(notice)});
			const restored = store.report.restored;
			assert.ok(restored !== undefined, 'the restore is reported');
			assert.match(restored.reason, /damaged/);
			assert.equal(restored.from, join(dir, 'proxy.db.bak'));
			assert.ok(restored.corruptCopy !== undefined && /proxy\.db\.corrupt-\d{4}-/.test(restored.corruptCopy));
			assert.deepEqual(readFileSync(restored.corruptCopy), bad, 'the damaged bytes are kept as they were');
			// Loud: an error that says what is lost since when, and where the damaged copy is.
			const restoreNotices = notices.filter((notice) => notice.level === 'error' && notice.message.includes('restored'));
			assert.equal(restoreNotices.length, 1);
			assert.match(restoreNotices[0]?.message ?? '', /changes made after \d{4}-\d\d-\d\dT[\d:.]+Z .*are lost/);
			assert.ok(restoreNotices[0]?.message.includes(restored.corruptCopy));
			assert.equal(statSync(restored.corruptCopy).mode & 0o777, 0o600);
			assert.deepEqual(
				(await store.accounts.list()).map((record) => record.email),
				['a@example.com'],
				'the state of the backup',
			);
			assert.equal(await quickCheck(join(dir, 'proxy.db')), 'ok');
			assert.equal(statSync(join(dir, 'proxy.db')).mode & 0o777, 0o600);
			store.close();
		});
	}

	test('damaged and no backup: StoreOpenError naming the file and what to do; nothing on disk changes', async () => {
		const dir = tempDataDir();
		mkdirSync(dir, {recursive: true, mode: 0o700});
		writeFileSync(join(dir, 'proxy.db'), Buffer.concat([Buffer.from('SQLite format 3\0'), Buffer.alloc(4096, 0x5a)]), {mode: 0o600});
		const before = snapshot(dir);
		const error = await rejection(openDataStore(dir));
		assert.ok(error instanceof StoreOpenError);
		assert.equal(error.path, join(dir, 'proxy.db'));
		assert.match(error.message, new RegExp(`${join(dir, 'proxy.db').replace(/[.]/g, '\\.')} is damaged`));
		assert.match(error.message, /no backup/);
		assert.match(error.message, /did not change anything/);
		assert.match(error.message, /move it away/);
		assert.deepEqual(snapshot(dir), before);
	});

	test('damaged with a damaged backup: refused, both kept', async () => {
		const dir = tempDataDir();
		await twoSaves(dir);
		writeFileSync(join(dir, 'proxy.db'), Buffer.alloc(8192, 1));
		writeFileSync(join(dir, 'proxy.db.bak'), Buffer.alloc(100, 2));
		const before = snapshot(dir);
		const error = await rejection(openDataStore(dir));
		assert.ok(error instanceof StoreOpenError);
		assert.match(error.message, /backup .*proxy\.db\.bak is damaged too/);
		assert.deepEqual(snapshot(dir), before);
	});

	test('proxy.db missing while proxy.db.bak exists: the backup is restored, not an empty database', async () => {
		const dir = tempDataDir();
		await twoSaves(dir);
		rmSync(join(dir, 'proxy.db'));
		const store = await openDataStore(dir);
		assert.match(store.report.restored?.reason ?? '', /missing/);
		assert.equal(store.report.created, false);
		assert.deepEqual((await store.accounts.list()).map((record) => record.email), ['a@example.com']);
		store.close();
	});

	test('temp files left by a killed save are removed at open (only those of dead processes)', async () => {
		const dir = tempDataDir();
		(await DatabaseFile.open(dir)).close();
		const dead = await deadPid();
		const stale = [`.proxy.db.${dead}.0123456789ab.tmp`, `.proxy.db.bak.${dead}.ba9876543210.tmp`];
		const live = `.proxy.db.${process.pid}.aaaaaaaaaaaa.tmp`;
		for (const name of [...stale, live]) writeFileSync(join(dir, name), 'partial');
		const file = await DatabaseFile.open(dir);
		assert.deepEqual(file.report.removedTemps.sort(), stale.sort());
		assert.ok(existsSync(join(dir, live)), "a live process's temp file is left alone");
		assert.ok(!existsSync(join(dir, stale[0]!)));
		file.close();
	});
});

describe('proxy.db: saving', () => {
	test('ordinary changes are debounced and coalesced: 300 changes -> one save, after the quiet period', async () => {
		const dir = tempDataDir();
		const {store, saves} = await counted(dir, {debounceMs: 150, maxWaitMs: 5000});
		for (let i = 0; i < 300; i++) store.usage.record(usage());
		await sleep(50);
		assert.equal(saves.length, 0, 'nothing saved during the quiet period');
		assert.equal(await diskRequests(dir), 0);
		await until(() => saves.length > 0, 3000);
		await sleep(200);
		assert.equal(saves.length, 1);
		assert.equal(await diskRequests(dir), 300);
		store.close();
	});

	test('a steady trickle of changes is still saved every maxWaitMs', async () => {
		const dir = tempDataDir();
		const {store, saves} = await counted(dir, {debounceMs: 200, maxWaitMs: 500});
		const started = Date.now();
		let savedDuringTrickle = -1;
		while (Date.now() - started < 1600) {
			store.usage.record(usage());
			await sleep(40);
			if (savedDuringTrickle < 0 && Date.now() - started > 900) savedDuringTrickle = await diskRequests(dir);
		}
		assert.ok(savedDuringTrickle > 0, `a save happened while changes kept coming (disk had ${savedDuringTrickle} requests)`);
		assert.ok(saves.length >= 2 && saves.length <= 5, `${saves.length} saves in 1.6 s with maxWait 0.5 s`);
		await store.flush();
		store.close();
	});

	test('credentials are saved at once; ordinary changes wait for the debounce', async () => {
		const dir = tempDataDir();
		const {store, saves} = await counted(dir);
		const keys = async (): Promise<string[]> => ((await readDisk(join(dir, 'proxy.db'), 'SELECT name FROM users ORDER BY id')) ?? []).map(String);

		store.users.create(user('alice'));
		await until(async () => (await keys()).includes('alice'), 2000);

		await store.accounts.upsert(account('a@example.com'));
		assert.deepEqual(await diskAccounts(dir), ['a@example.com'], 'upsert resolves once durable');
		await store.accounts.update('a@example.com', {refreshToken: '1//rotated'});
		assert.deepEqual(await readDisk(join(dir, 'proxy.db'), 'SELECT refresh_token FROM accounts'), [['1//rotated']], 'a new refresh token is durable when update resolves');

		const savesBefore = saves.length;
		await store.accounts.update('a@example.com', {enabled: false, invalid: {reason: 'test', at: 'now'}});
		store.users.update('alice', {lastUsedAt: '2026-03-01T00:00:00.000Z'});
		store.groups.create({alias: 'fast', strategy: 'priority', createdAt: 'now'});
		store.usage.record(usage());
		await sleep(150);
		assert.equal(saves.length, savesBefore, 'ordinary changes are not saved at once');
		assert.deepEqual(await readDisk(join(dir, 'proxy.db'), 'SELECT enabled FROM accounts'), [[1]]);

		store.users.update('alice', {disabled: true});
		await until(async () => ((await readDisk(join(dir, 'proxy.db'), 'SELECT disabled FROM users')) ?? [])[0]?.[0] === 1, 2000);
		store.users.create(user('bob'));
		store.users.remove('bob');
		await until(async () => (await keys()).join() === 'alice', 2000);
		await store.accounts.remove('a@example.com');
		assert.deepEqual(await diskAccounts(dir), [], 'remove resolves once durable');
		store.close();
	});

	test('one save at a time: credential changes made while a save is in flight coalesce into one pending save', async () => {
		const dir = tempDataDir();
		const {store, saves} = await counted(dir);
		const changes = 40;
		for (let i = 0; i < changes; i++) {
			store.users.create(user(`u${i}`));
			await new Promise((resolve) => setImmediate(resolve));
		}
		await store.flush();
		assert.ok(saves.length >= 1 && saves.length <= changes / 2, `${changes} immediate changes, ${saves.length} saves`);
		assert.equal(((await readDisk(join(dir, 'proxy.db'), 'SELECT count(*) FROM users')) ?? [])[0]?.[0], changes);
		const sameTick = saves.length;
		for (let i = 0; i < 10; i++) store.users.remove(`u${i}`);
		await store.flush();
		assert.equal(saves.length, sameTick + 1, 'changes made in one synchronous step go into one save');
		store.close();
	});

	test('flush() resolves when the state is durable; close() saves synchronously and keeps the previous file as .bak', async () => {
		const dir = tempDataDir();
		const {store, saves} = await counted(dir);
		store.groups.create({alias: 'one', strategy: 'priority', createdAt: 'now'});
		assert.deepEqual(await readDisk(join(dir, 'proxy.db'), 'SELECT alias FROM model_groups'), []);
		await store.flush();
		assert.deepEqual(await readDisk(join(dir, 'proxy.db'), 'SELECT alias FROM model_groups'), [['one']]);
		await store.flush();
		assert.equal(saves.length, 1, 'flush with nothing unsaved does not save');

		store.groups.create({alias: 'two', strategy: 'random', createdAt: 'now'});
		store.close();
		assert.equal(saves.at(-1)?.sync, true);
		assert.deepEqual(await readDisk(join(dir, 'proxy.db'), 'SELECT alias FROM model_groups ORDER BY id'), [['one'], ['two']]);
		assert.deepEqual(await readDisk(join(dir, 'proxy.db.bak'), 'SELECT alias FROM model_groups ORDER BY id'), [['one']]);
		assert.throws(() => store.users.list(), StoreClosedError);
		await assert.rejects(store.accounts.list(), StoreClosedError);
		await store.flush();
		store.close();
		assert.deepEqual(readdirSync(dir).sort(), ['proxy.db', 'proxy.db.bak'], 'no temp files left');
	});

	test('a failed save is reported, flush() rejects, the change stays in memory and is retried', async () => {
		const dir = tempDataDir();
		const {store, notices} = await counted(dir, {retryMs: 100});
		// A non-empty directory where the backup goes makes the save's rename fail.
		mkdirSync(join(dir, 'proxy.db.bak'), {recursive: true});
		writeFileSync(join(dir, 'proxy.db.bak', 'x'), 'x');
		store.groups.create({alias: 'pending', strategy: 'priority', createdAt: 'now'});
		const error = await rejection(store.flush());
		assert.ok(error instanceof StoreSaveError);
		assert.ok(notices.some((notice) => notice.level === 'error' && notice.message.includes('retried')));
		assert.equal(store.stats().pendingChanges, 1);
		assert.equal(store.groups.get('pending')?.alias, 'pending');
		assert.ok(!readdirSync(dir).some((name) => name.endsWith('.tmp')), 'the temp file was removed');
		rmSync(join(dir, 'proxy.db.bak'), {recursive: true});
		await until(() => store.stats().pendingChanges === 0, 3000);
		assert.deepEqual(await readDisk(join(dir, 'proxy.db'), 'SELECT alias FROM model_groups'), [['pending']]);
		store.close();
	});

	test('close() whose final save fails throws StoreSaveError, and flush() afterwards says so', async () => {
		const dir = tempDataDir();
		const {store} = await counted(dir, {retryMs: 60_000});
		mkdirSync(join(dir, 'proxy.db.bak', 'blocker'), {recursive: true});
		store.users.create(user('lost'));
		await assert.rejects(store.flush(), StoreSaveError);
		assert.throws(() => store.close(), StoreSaveError);
		await assert.rejects(store.flush(), StoreSaveError);
		assert.throws(() => store.users.list(), StoreClosedError);
		assert.deepEqual(await readDisk(join(dir, 'proxy.db'), 'SELECT name FROM users'), [], 'the file on disk is the last good state');
		assert.ok(!readdirSync(dir).some((name) => name.endsWith('.tmp')));
	});

	test('a write that throws is rolled back and saves nothing; nested writes join the outer transaction', async () => {
		const dir = tempDataDir();
		const saves: SaveInfo[] = [];
		const file = await DatabaseFile.open(dir, {onSave: (info) => saves.push(info)});
		const before = file.generation;
		assert.throws(() =>
			file.write('credential', () => {
				putAccount(file, account('x@example.com'), 'replace');
				throw new Error('stop');
			}),
		/stop/);
		assert.equal(file.generation, before);
		assert.deepEqual(file.all('SELECT email FROM accounts'), []);
		file.write('ordinary', () => {
			putAccount(file, account('y@example.com'), 'replace');
			file.write('credential', () => putAccount(file, account('z@example.com'), 'replace'));
		});
		assert.equal(file.generation, before + 1, 'one change for the whole transaction');
		await until(() => saves.length === 2, 2000); // the nested credential write made the whole change immediate
		assert.deepEqual(await diskAccounts(dir), ['y@example.com', 'z@example.com']);
		file.close();
	});
});

/** An account row in the columns of schema version 1 (putAccount writes the current schema's). */
function putOldAccount(file: DatabaseFile, record: AccountRecord): void {
	file.run('INSERT INTO accounts (email, email_key, refresh_token, project_id, enabled, added_at) VALUES (?, ?, ?, ?, ?, ?)', [
		record.email,
		record.email.toLowerCase(),
		record.refreshToken,
		record.projectId ?? null,
		record.enabled ? 1 : 0,
		record.addedAt,
	]);
}
