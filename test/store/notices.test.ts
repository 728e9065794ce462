// What the data file tells the operator: a restore from proxy.db.bak (what is lost since when, where the damaged copy
// is) and failed background saves (once per streak of failures, not per retry, then that saving works again).
import assert from 'node:assert/strict';
import {mkdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, test} from 'node:test';
import {openDataStore} from '../../source/store/index.js';
import {type StoreNotice, restoreMessage} from '../../source/store/sqlite.js';
import {account, tempDataDir, until} from './helpers.js';

describe('store notices', () => {
	test('restoreMessage names the backup time, the damaged file time, and the kept copy', () => {
		const text = restoreMessage({
			reason: 'proxy.db was damaged: not an SQLite database',
			from: '/d/proxy.db.bak',
			corruptCopy: '/d/proxy.db.corrupt-x',
			backupSavedAt: '2026-01-02T03:04:05.000Z',
			damagedSavedAt: '2026-01-02T04:00:00.000Z',
		});
		assert.match(text, /^proxy\.db was damaged: not an SQLite database; restored \/d\/proxy\.db\.bak/);
		assert.match(text, /changes made after 2026-01-02T03:04:05\.000Z \(the damaged file was last saved at 2026-01-02T04:00:00\.000Z\) are lost/);
		assert.match(text, /key rotations/);
		assert.match(text, /the damaged file was kept as \/d\/proxy\.db\.corrupt-x$/);
		assert.match(restoreMessage({reason: 'proxy.db was missing', from: '/d/proxy.db.bak'}), /changes saved after the backup are lost/);
	});

	test('a restore reports the mtimes of the backup and of the damaged file', async () => {
		const dir = tempDataDir();
		const first = await openDataStore(dir);
		await first.accounts.upsert(account('a@example.com'));
		await first.accounts.upsert(account('b@example.com'));
		first.close();
		const backupAt = new Date('2026-03-01T10:00:00.000Z');
		const damagedAt = new Date('2026-03-01T11:30:00.000Z');
		utimesSync(join(dir, 'proxy.db.bak'), backupAt, backupAt);
		writeFileSync(join(dir, 'proxy.db'), Buffer.alloc(8192, 7));
		utimesSync(join(dir, 'proxy.db'), damagedAt, damagedAt);
		const notices: StoreNotice[] = [];
		const store = await openDataStore(dir, {onNotice: (notice) => notices.push(notice)});
		try {
			assert.equal(store.report.restored?.backupSavedAt, backupAt.toISOString());
			assert.equal(store.report.restored?.damagedSavedAt, damagedAt.toISOString());
			assert.deepEqual(notices.map((n) => n.level), ['error']);
			assert.match(notices[0]?.message ?? '', /changes made after 2026-03-01T10:00:00\.000Z \(the damaged file was last saved at 2026-03-01T11:30:00\.000Z\) are lost/);
			const copy = store.report.restored?.corruptCopy ?? '';
			assert.deepEqual(readFileSync(copy), Buffer.alloc(8192, 7));
			assert.equal(statSync(copy).mode & 0o777, 0o600);
			assert.deepEqual((await store.accounts.list()).map((r) => r.email), ['a@example.com'], 'the backup\'s state: the last save is lost');
		} finally {
			store.close();
		}
	});

	test('failed background saves: one error notice per streak with the reason, then one "works again"', async () => {
		const dir = tempDataDir();
		const notices: StoreNotice[] = [];
		const store = await openDataStore(dir, {debounceMs: 10, maxWaitMs: 50, retryMs: 30, onNotice: (notice) => notices.push(notice)});
		try {
			// A non-empty directory where the backup goes makes every save's rename fail (works as root too).
			mkdirSync(join(dir, 'proxy.db.bak', 'blocker'), {recursive: true});
			store.groups.create({alias: 'one', strategy: 'priority', createdAt: 'now'});
			await until(() => notices.length >= 1, 3000);
			// Several retries run meanwhile (every 30 ms), and more changes arrive: still one notice.
			const failedBefore = store.stats().saves;
			await new Promise((resolve) => setTimeout(resolve, 400));
			store.groups.create({alias: 'two', strategy: 'priority', createdAt: 'now'});
			await new Promise((resolve) => setTimeout(resolve, 200));
			assert.equal(store.stats().saves, failedBefore, 'no save succeeded meanwhile');
			assert.ok(store.stats().lastError !== undefined);
			assert.equal(notices.length, 1, JSON.stringify(notices));
			assert.equal(notices[0]?.level, 'error');
			assert.match(notices[0]?.message ?? '', /cannot save .*proxy\.db: .*(EISDIR|ENOTEMPTY|EEXIST|directory)/i);
			assert.match(notices[0]?.message ?? '', /retried every 1 s/);
			rmSync(join(dir, 'proxy.db.bak'), {recursive: true});
			await until(() => store.stats().pendingChanges === 0, 3000);
			assert.equal(notices.length, 2);
			assert.equal(notices[1]?.level, 'info');
			assert.match(notices[1]?.message ?? '', /saving .*proxy\.db works again/);
			// A second streak is reported again.
			rmSync(join(dir, 'proxy.db.bak'));
			mkdirSync(join(dir, 'proxy.db.bak', 'blocker'), {recursive: true});
			store.groups.create({alias: 'three', strategy: 'priority', createdAt: 'now'});
			await until(() => notices.length >= 3, 3000);
			assert.equal(notices[2]?.level, 'error');
			rmSync(join(dir, 'proxy.db.bak'), {recursive: true});
			await until(() => notices.length >= 4, 3000);
		} finally {
			store.close();
		}
	});
});
