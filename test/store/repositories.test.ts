// The repositories over proxy.db: round trips of accounts (incl. invalid/url), users, groups (members' order and
// weights), usage (aggregation over two days, filters); input checks; rows that fail validation; watch(); and the
// one-time import of accounts.json.
import assert from 'node:assert/strict';
import {existsSync, mkdirSync, readFileSync, statSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, test} from 'node:test';
import {serializeAccounts} from '../../source/accounts/file-store.js';
import {openDataStore, type SqlDataStore} from '../../source/store/data-store.js';
import {StoreDataError, StoreOpenError, StoreReferenceError} from '../../source/store/errors.js';
import {DatabaseFile, type StoreNotice, loadSqlEngine} from '../../source/store/sqlite.js';
import {StoreConflictError, type UsageDelta} from '../../source/store/types.js';
import {account, rejection, sha, sleep, tempDataDir, user} from './helpers.js';

async function reopen(store: SqlDataStore, dir: string): Promise<SqlDataStore> {
	store.close();
	return openDataStore(dir);
}

function delta(extra: Partial<UsageDelta> = {}): UsageDelta {
	return {user: 'alice', model: 'claude-sonnet', requests: 1, inputTokens: 100, outputTokens: 20, cachedTokens: 5, errors: 0, at: Date.UTC(2026, 4, 1, 10), ...extra};
}

describe('accounts', () => {
	test('round trip: upsert (all fields, invalid with url), get case-insensitive, update, remove, order kept across reopen', async () => {
		const dir = tempDataDir();
		let store = await openDataStore(dir);
		const a = account('Ann@Example.com', {projectId: 'proj-a', tier: 'free-tier'});
		const b = account('b@example.com', {enabled: false, invalid: {reason: 'verification required', at: '2026-02-01T00:00:00.000Z', url: 'https://accounts.google.com/verify'}});
		const c = account('c@example.com', {invalid: {reason: 'invalid_grant', at: '2026-02-02T00:00:00.000Z'}});
		await store.accounts.upsert(a);
		await store.accounts.upsert(b);
		await store.accounts.upsert(c);
		assert.deepEqual(await store.accounts.get('ann@example.COM'), a);
		assert.equal(await store.accounts.get('nobody@example.com'), undefined);

		store = await reopen(store, dir);
		assert.deepEqual(await store.accounts.list(), [a, b, c]);

		// Replacing by email in another case keeps the account's place and takes the new spelling.
		const a2 = account('ann@example.com', {refreshToken: '1//new', tier: 'standard-tier'});
		await store.accounts.upsert(a2);
		assert.deepEqual((await store.accounts.list()).map((record) => record.email), ['ann@example.com', 'b@example.com', 'c@example.com']);
		assert.deepEqual(await store.accounts.get('ANN@example.com'), a2);

		const cleared = await store.accounts.update('B@example.com', {invalid: undefined, enabled: true, projectId: 'proj-b'});
		assert.deepEqual(cleared, {email: 'b@example.com', refreshToken: b.refreshToken, projectId: 'proj-b', enabled: true, addedAt: b.addedAt});
		const patched = await store.accounts.update('c@example.com', {email: 'ignored@example.com'} as Partial<typeof c>);
		assert.equal(patched?.email, 'c@example.com', 'the email is not changed by update');
		assert.equal(await store.accounts.update('nobody@example.com', {enabled: false}), undefined);

		assert.equal(await store.accounts.remove('C@EXAMPLE.COM'), true);
		assert.equal(await store.accounts.remove('c@example.com'), false);
		store = await reopen(store, dir);
		assert.deepEqual(await store.accounts.list(), [a2, cleared]);
		store.close();
	});

	test('bad input is refused with a TypeError and nothing is stored', async () => {
		const dir = tempDataDir();
		const store = await openDataStore(dir);
		await assert.rejects(store.accounts.upsert({...account('x@example.com'), refreshToken: ''}), TypeError);
		await assert.rejects(store.accounts.upsert({...account('x@example.com'), enabled: 'yes'} as never), TypeError);
		await assert.rejects(store.accounts.upsert({...account('x@example.com'), invalid: {reason: 'r'}} as never), /invalid/);
		await store.accounts.upsert(account('x@example.com'));
		await assert.rejects(store.accounts.update('x@example.com', {refreshToken: undefined}), /refreshToken/);
		await assert.rejects(store.accounts.update('x@example.com', {invalid: {reason: 'r', at: 'now', url: 7}} as never), /url/);
		assert.deepEqual(await store.accounts.list(), [account('x@example.com')]);
		store.close();
	});

	test('watch(): listeners hear of changes once per turn of the event loop, and stop after unsubscribing', async () => {
		const dir = tempDataDir();
		const store = await openDataStore(dir);
		let calls = 0;
		const stop = store.accounts.watch(() => calls++);
		await store.accounts.upsert(account('a@example.com'));
		await sleep(10);
		assert.equal(calls, 1);
		const one = store.accounts.update('a@example.com', {enabled: false});
		const two = store.accounts.update('a@example.com', {tier: 'x'});
		await Promise.all([one, two]);
		await sleep(10);
		assert.equal(calls, 2, 'two changes in one turn: one notification');
		await store.accounts.update('missing@example.com', {enabled: false});
		store.users.create(user('not-an-account'));
		await sleep(10);
		assert.equal(calls, 2, 'no notification without an account change');
		stop();
		await store.accounts.remove('a@example.com');
		await sleep(10);
		assert.equal(calls, 2);
		store.close();
	});
});

describe('users', () => {
	test('round trip: create, get, byKeyHash, rotate the key, lastUsedAt set and cleared, remove', async () => {
		const dir = tempDataDir();
		let store = await openDataStore(dir);
		const alice = user('alice', {admin: true, lastUsedAt: '2026-03-01T00:00:00.000Z'});
		const bob = user('bob');
		store.users.create(alice);
		store.users.create(bob);
		store = await reopen(store, dir);
		assert.deepEqual(store.users.list(), [alice, bob]);
		assert.equal(store.users.count(), 2);
		assert.deepEqual(store.users.get('bob'), bob);
		assert.equal(store.users.get('Bob'), undefined, 'names are exact');
		assert.deepEqual(store.users.byKeyHash(sha('key-alice')), alice);
		assert.equal(store.users.byKeyHash(sha('nope')), undefined);

		const rotated = store.users.update('bob', {keyHash: sha('new-key'), keyPrefix: 'sk-agp-NeW'});
		assert.deepEqual(rotated, {...bob, keyHash: sha('new-key'), keyPrefix: 'sk-agp-NeW'});
		assert.equal(store.users.byKeyHash(sha('key-bob')), undefined, 'the old key no longer works');
		assert.deepEqual(store.users.update('alice', {lastUsedAt: undefined}), user('alice', {admin: true}), 'lastUsedAt cleared');
		assert.equal(store.users.update('carol', {disabled: true}), undefined);

		store = await reopen(store, dir);
		assert.deepEqual(store.users.list(), [user('alice', {admin: true}), rotated]);
		assert.equal(store.users.remove('alice'), true);
		assert.equal(store.users.remove('alice'), false);
		store = await reopen(store, dir);
		assert.deepEqual(store.users.list(), [rotated]);
		assert.equal(store.users.count(), 1);
		store.close();
	});

	test('conflicts and bad input', async () => {
		const dir = tempDataDir();
		const store = await openDataStore(dir);
		store.users.create(user('alice'));
		assert.throws(() => store.users.create(user('alice', {keyHash: sha('other')})), StoreConflictError);
		assert.throws(() => store.users.create(user('eve', {keyHash: sha('key-alice')})), StoreConflictError, 'a key hash belongs to one user');
		store.users.create(user('bob'));
		assert.throws(() => store.users.update('bob', {keyHash: sha('key-alice')}), StoreConflictError);
		assert.throws(() => store.users.create(user('x', {keyHash: 'not-a-hash'})), /keyHash/);
		assert.throws(() => store.users.create(user('')), TypeError);
		assert.throws(() => store.users.create({...user('y'), admin: 1} as never), /admin/);
		assert.deepEqual(
			store.users.list().map((record) => record.name),
			['alice', 'bob'],
		);
		store.close();
	});

	test("removing a user removes their groups (not the global one with the same alias) and keeps their usage", async () => {
		const dir = tempDataDir();
		let store = await openDataStore(dir);
		store.users.create(user('alice'));
		store.users.create(user('bob'));
		store.groups.create({alias: 'fast', strategy: 'priority', createdAt: 'now'});
		store.groups.create({alias: 'fast', owner: 'alice', strategy: 'random', createdAt: 'now'});
		store.groups.create({alias: 'other', owner: 'alice', strategy: 'random', createdAt: 'now'});
		store.groups.create({alias: 'fast', owner: 'bob', strategy: 'random', createdAt: 'now'});
		store.groups.update('fast', 'alice', {members: [{model: 'm', order: 1, weight: 1}]});
		store.usage.record(delta({user: 'alice'}));
		store.users.remove('alice');
		store = await reopen(store, dir);
		assert.deepEqual(
			store.groups.list().map((group) => [group.alias, group.owner]),
			[
				['fast', undefined],
				['fast', 'bob'],
			],
		);
		assert.equal(store.usage.list({user: 'alice'}).length, 1);
		const SQL = await loadSqlEngine();
		const db = new SQL.Database(readFileSync(join(dir, 'proxy.db')));
		assert.deepEqual(db.exec('SELECT count(*) FROM group_members')[0]?.values, [[0]], 'their members went too');
		db.close();
		store.close();
	});
});

describe('groups', () => {
	test('round trip: global and per-user groups, members sorted by order (ties keep their given order), weights, strategy', async () => {
		const dir = tempDataDir();
		let store = await openDataStore(dir);
		store.users.create(user('alice'));
		store.groups.create({alias: 'smart', strategy: 'priority', createdAt: '2026-01-01T00:00:00.000Z'});
		store.groups.create({alias: 'smart', owner: 'alice', strategy: 'random', createdAt: '2026-01-02T00:00:00.000Z'});
		store.groups.create({alias: 'alpha', strategy: 'random', createdAt: '2026-01-03T00:00:00.000Z'});
		assert.deepEqual(store.groups.get('smart'), {alias: 'smart', strategy: 'priority', members: [], createdAt: '2026-01-01T00:00:00.000Z'});

		const members = [
			{model: 'claude-opus', order: 3, weight: 1},
			{model: 'gemini-pro', order: 1, weight: 2.5},
			{model: 'claude-sonnet', order: 2, weight: 1},
			{model: 'gemini-flash', order: 1, weight: 7},
		];
		const updated = store.groups.update('smart', 'alice', {members});
		const sorted = [members[1], members[3], members[2], members[0]];
		assert.deepEqual(updated?.members, sorted);
		store.groups.update('smart', undefined, {strategy: 'random', members: [{model: 'only', order: 0} as never]});
		assert.equal(store.groups.update('nope', undefined, {strategy: 'random'}), undefined);

		store = await reopen(store, dir);
		assert.deepEqual(store.groups.list(), [
			{alias: 'alpha', strategy: 'random', members: [], createdAt: '2026-01-03T00:00:00.000Z'},
			{alias: 'smart', strategy: 'random', members: [{model: 'only', order: 0, weight: 1}], createdAt: '2026-01-01T00:00:00.000Z'},
			{alias: 'smart', owner: 'alice', strategy: 'random', members: sorted, createdAt: '2026-01-02T00:00:00.000Z'},
		]);
		assert.deepEqual(store.groups.get('smart', 'alice')?.members, sorted);

		assert.equal(store.groups.remove('smart'), true);
		assert.equal(store.groups.remove('smart'), false);
		assert.equal(store.groups.get('smart'), undefined);
		assert.equal(store.groups.get('smart', 'alice')?.owner, 'alice', "the user's group is a different one");
		store.close();
	});

	test('conflicts, unknown owners and bad input', async () => {
		const dir = tempDataDir();
		const store = await openDataStore(dir);
		store.groups.create({alias: 'g', strategy: 'priority', createdAt: 'now'});
		assert.throws(() => store.groups.create({alias: 'g', strategy: 'random', createdAt: 'now'}), StoreConflictError);
		assert.throws(() => store.groups.create({alias: 'g', owner: 'ghost', strategy: 'random', createdAt: 'now'}), StoreReferenceError);
		assert.throws(() => store.groups.create({alias: 'h', owner: '', strategy: 'random', createdAt: 'now'}), /owner/);
		assert.throws(() => store.groups.create({alias: 'h', strategy: 'fastest' as never, createdAt: 'now'}), /strategy/);
		assert.throws(() => store.groups.update('g', undefined, {members: [{model: 'm', order: 1.5, weight: 1}]}), /order/);
		assert.throws(() => store.groups.update('g', undefined, {members: [{model: 'm', order: 1, weight: 0}]}), /weight/);
		assert.throws(() => store.groups.update('g', undefined, {members: [{model: '', order: 1, weight: 1}]}), /model/);
		assert.deepEqual(store.groups.list(), [{alias: 'g', strategy: 'priority', members: [], createdAt: 'now'}]);
		store.close();
	});
});

describe('usage', () => {
	test('record() adds into one row per (user, model, UTC day); list() filters by user and since a day', async () => {
		const dir = tempDataDir();
		let store = await openDataStore(dir);
		const day1 = Date.UTC(2026, 4, 1, 0, 0, 0);
		const day1Late = Date.UTC(2026, 4, 1, 23, 59, 59, 999);
		const day2 = Date.UTC(2026, 4, 2, 0, 0, 0);
		store.usage.record(delta({at: day1}));
		store.usage.record(delta({at: day1Late, inputTokens: 50, errors: 1}));
		store.usage.record(delta({at: day2, outputTokens: 7}));
		store.usage.record(delta({at: day2, model: 'gemini'}));
		store.usage.record(delta({at: day2, user: ''}));
		store = await reopen(store, dir);
		const all = store.usage.list();
		assert.deepEqual(all, [
			{user: 'alice', model: 'claude-sonnet', day: '2026-05-01', requests: 2, inputTokens: 150, outputTokens: 40, cachedTokens: 10, errors: 1},
			{user: '', model: 'claude-sonnet', day: '2026-05-02', requests: 1, inputTokens: 100, outputTokens: 20, cachedTokens: 5, errors: 0},
			{user: 'alice', model: 'claude-sonnet', day: '2026-05-02', requests: 1, inputTokens: 100, outputTokens: 7, cachedTokens: 5, errors: 0},
			{user: 'alice', model: 'gemini', day: '2026-05-02', requests: 1, inputTokens: 100, outputTokens: 20, cachedTokens: 5, errors: 0},
		]);
		assert.deepEqual(store.usage.list({sinceDay: '2026-05-02'}), all.slice(1));
		assert.deepEqual(store.usage.list({user: ''}), [all[1]]);
		assert.deepEqual(store.usage.list({user: 'alice', sinceDay: '2026-05-02'}), all.slice(2));
		assert.deepEqual(store.usage.list({user: 'nobody'}), []);
		store.close();
	});

	test('record() batches in memory: 100 requests become one transaction, written by a timer or at once by a read', async () => {
		const dir = tempDataDir();
		const store = await openDataStore(dir);
		const start = store.stats().pendingChanges;
		for (let i = 0; i < 100; i++) store.usage.record(delta({at: Date.UTC(2026, 4, 1)}));
		assert.equal(store.stats().pendingChanges, start, 'nothing reached SQLite yet');
		assert.equal(store.usage.list()[0]?.requests, 100, 'a read sees everything recorded');
		assert.equal(store.stats().pendingChanges, start + 1, 'one transaction for 100 requests');
		for (let i = 0; i < 10; i++) store.usage.record(delta({at: Date.UTC(2026, 4, 1)}));
		const deadline = Date.now() + 5000;
		while (store.stats().pendingChanges === start + 1 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
		assert.ok(store.stats().pendingChanges === start + 2 || store.stats().saves > 0, 'the batch timer wrote it without a read');
		store.close();
		const reopened = await openDataStore(dir);
		assert.equal(reopened.usage.list()[0]?.requests, 110);
		reopened.close();
	});

	test('bad deltas are refused', async () => {
		const dir = tempDataDir();
		const store = await openDataStore(dir);
		assert.throws(() => store.usage.record(delta({requests: -1})), /requests/);
		assert.throws(() => store.usage.record(delta({inputTokens: 1.5})), /inputTokens/);
		assert.throws(() => store.usage.record(delta({at: Number.NaN})), /at/);
		assert.throws(() => store.usage.record(delta({model: ''})), /model/);
		assert.throws(() => store.usage.list({sinceDay: 'yesterday'}), /sinceDay/);
		assert.deepEqual(store.usage.list(), []);
		store.close();
	});
});

describe('rows that fail validation', () => {
	/** A current-schema file changed by hand: `sql` runs on it as it is on disk (foreign keys off). */
	async function edited(sql: string): Promise<string> {
		const dir = tempDataDir();
		(await DatabaseFile.open(dir)).close();
		const SQL = await loadSqlEngine();
		const db = new SQL.Database(readFileSync(join(dir, 'proxy.db')));
		db.exec(sql);
		writeFileSync(join(dir, 'proxy.db'), db.export());
		db.close();
		return dir;
	}

	test('rows breaking a CHECK constraint fail quick_check: the file counts as damaged and is not opened', async () => {
		const dir = await edited(
			"PRAGMA ignore_check_constraints = ON; INSERT INTO accounts (email, email_key, refresh_token, enabled, added_at) VALUES ('a@x', 'a@x', 'rt', 2, 'now');",
		);
		const error = await rejection(openDataStore(dir));
		assert.ok(error instanceof StoreOpenError);
		assert.match(error.message, /CHECK constraint failed in accounts/);
	});

	test('rows that pass SQLite but not agproxy (edited schema or values): StoreDataError naming table, row and column, never the secret', async () => {
		const loose = (table: string, columns: string): string =>
			`DROP TABLE ${table}; CREATE TABLE ${table} (${columns});`;
		const cases: [string, (store: SqlDataStore) => Promise<unknown> | unknown, RegExp][] = [
			[
				loose('accounts', 'id INTEGER PRIMARY KEY, email, email_key, refresh_token, project_id, tier, enabled, invalid_reason, invalid_at, invalid_url, added_at, client_version') +
					"INSERT INTO accounts (email, email_key, refresh_token, enabled, added_at) VALUES ('a@x', 'a@x', '1//SECRET', 'yes', 'now')",
				(store) => store.accounts.list(),
				/account a@x: column enabled must be 0 or 1/,
			],
			[
				loose('accounts', 'id INTEGER PRIMARY KEY, email, email_key, refresh_token, project_id, tier, enabled, invalid_reason, invalid_at, invalid_url, added_at, client_version') +
					"INSERT INTO accounts (email, email_key, refresh_token, enabled, added_at, invalid_reason) VALUES ('a@x', 'a@x', '1//SECRET', 1, 'now', 'r')",
				(store) => store.accounts.get('a@x'),
				/invalid_reason and invalid_at/,
			],
			[
				loose('accounts', 'id INTEGER PRIMARY KEY, email, email_key, refresh_token, project_id, tier, enabled, invalid_reason, invalid_at, invalid_url, added_at, client_version') +
					"INSERT INTO accounts (email, email_key, refresh_token, enabled, added_at) VALUES ('a@x', 'a@x', NULL, 1, 'now')",
				(store) => store.accounts.list(),
				/account a@x: column refresh_token must be a non-empty text/,
			],
			[
				"INSERT INTO users (name, key_hash, key_prefix, admin, disabled, created_at) VALUES ('u', 'SECRET', 'p', 0, 0, 'now')",
				(store) => store.users.list(),
				/user u: column key_hash must be a sha256/,
			],
			[
				loose('model_groups', 'id INTEGER PRIMARY KEY, alias, owner, strategy, created_at') +
					"INSERT INTO model_groups (alias, strategy, created_at) VALUES ('g', 'fastest', 'now')",
				(store) => store.groups.list(),
				/global group g: column strategy must be one of priority, random/,
			],
			[
				loose('usage', 'user_name, model, day, requests, input_tokens, output_tokens, cached_tokens, errors') +
					"INSERT INTO usage VALUES ('u', 'm', '2026-01-01', -3, 0, 0, 0, 0)",
				(store) => store.usage.list(),
				/usage row 1: column requests must not be negative/,
			],
			[
				loose('usage', 'user_name, model, day, requests, input_tokens, output_tokens, cached_tokens, errors') +
					"INSERT INTO usage VALUES ('u', 'm', 'today', 1, 0, 0, 0, 0)",
				(store) => store.usage.list(),
				/usage row 1: column day must be YYYY-MM-DD/,
			],
		];
		for (const [sql, read, expected] of cases) {
			const store = await openDataStore(await edited(sql));
			const error = await Promise.resolve()
				.then(() => read(store))
				.then(
					() => assert.fail(`no error for ${sql}`),
					(caught: unknown) => caught,
				);
			assert.ok(error instanceof StoreDataError, String(error));
			assert.match(error.message, expected);
			assert.doesNotMatch(error.message, /SECRET/);
			store.close();
		}
	});
});

describe('accounts.json import', () => {
	test('imported once at first open, then renamed to accounts.json.imported (0600); later files only add missing accounts', async () => {
		const dir = tempDataDir();
		mkdirSync(dir, {recursive: true, mode: 0o700});
		const a = account('a@example.com', {projectId: 'p-a', invalid: {reason: 'r', at: 't', url: 'https://u'}});
		const b = account('b@example.com', {enabled: false});
		writeFileSync(join(dir, 'accounts.json'), serializeAccounts([a, {...b, futureField: 1} as typeof b]), {mode: 0o644});
		const notices: StoreNotice[] = [];
		let store = await openDataStore(dir, {onNotice: (notice) => notices.push(notice)});
		assert.deepEqual(await store.accounts.list(), [a, b]);
		assert.deepEqual(store.report.imported, {from: join(dir, 'accounts.json'), renamedTo: join(dir, 'accounts.json.imported'), imported: 2, alreadyPresent: 0});
		assert.ok(notices.some((notice) => notice.level === 'info' && /imported 2 account/.test(notice.message)));
		assert.ok(!existsSync(join(dir, 'accounts.json')));
		assert.equal(statSync(join(dir, 'accounts.json.imported')).mode & 0o777, 0o600);

		store = await reopen(store, dir);
		assert.equal(store.report.imported, undefined, 'not imported twice');
		await store.accounts.update('a@example.com', {refreshToken: '1//newer'});
		store.close();

		// An accounts.json that shows up again: accounts already stored win, new ones are added.
		writeFileSync(join(dir, 'accounts.json'), serializeAccounts([account('a@example.com'), account('c@example.com')]));
		store = await openDataStore(dir);
		assert.equal(store.report.imported?.imported, 1);
		assert.equal(store.report.imported?.alreadyPresent, 1);
		assert.match(store.report.imported?.renamedTo ?? '', /accounts\.json\.imported-\d{4}-/);
		assert.equal((await store.accounts.get('a@example.com'))?.refreshToken, '1//newer');
		assert.deepEqual((await store.accounts.list()).map((record) => record.email), ['a@example.com', 'b@example.com', 'c@example.com']);
		store.close();
	});

	test('a damaged accounts.json is refused with StoreOpenError and left in place', async () => {
		const dir = tempDataDir();
		mkdirSync(dir, {recursive: true, mode: 0o700});
		writeFileSync(join(dir, 'accounts.json'), '{"version": 1, "accounts": [{"email": "a@x"}]}');
		const error = await rejection(openDataStore(dir));
		assert.ok(error instanceof StoreOpenError);
		assert.match(error.message, /accounts\.json is damaged/);
		assert.match(error.message, /refreshToken/);
		assert.equal(readFileSync(join(dir, 'accounts.json'), 'utf8'), '{"version": 1, "accounts": [{"email": "a@x"}]}');
		assert.ok(!existsSync(join(dir, 'accounts.json.imported')));
		const store = await openDataStore(dir, {importAccountsFile: false});
		assert.deepEqual(await store.accounts.list(), []);
		store.close();
	});
});
