// The data file's notices reach the bus the log and the dashboard read: a restore from proxy.db.bak at start (handed
// to listeners that attach after startApp returns, as the log and the dashboard do), and failed background saves once
// per streak, then that saving works again.
import assert from 'node:assert/strict';
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, describe, it} from 'node:test';
import {create as createUser} from '../../source/actions/users.js';
import {startApp} from '../../source/app.js';
import {loadConfig} from '../../source/config.js';
import type {NoticeRecord} from '../../source/events.js';
import {openDataStore} from '../../source/store/index.js';
import {account} from '../store/helpers.js';

const roots: string[] = [];
after(() => {
	for (const root of roots) rmSync(root, {recursive: true, force: true});
});

function dataDir(): string {
	const root = mkdtempSync(join(tmpdir(), 'agproxy-store-notices-'));
	roots.push(root);
	return join(root, 'data');
}

async function until(condition: () => boolean, ms: number, what: string): Promise<void> {
	const deadline = Date.now() + ms;
	while (!condition()) {
		if (Date.now() > deadline) assert.fail(`not in ${ms} ms: ${what}`);
		await new Promise((resolve) => setTimeout(resolve, 20));
	}
}

const storeNotices = (notices: NoticeRecord[]): NoticeRecord[] => notices.filter((notice) => notice['source'] === 'store');

describe('store notices on the bus', () => {
	it('a restore at start reaches every notice listener that attaches after startApp (log, dashboard), once each', async () => {
		const dir = dataDir();
		const seed = await openDataStore(dir);
		await seed.accounts.upsert(account('a@example.com', {enabled: false}));
		await seed.accounts.upsert(account('b@example.com', {enabled: false}));
		seed.close();
		writeFileSync(join(dir, 'proxy.db'), Buffer.alloc(8192, 3));
		const app = await startApp(loadConfig({port: 0, dataDir: dir}, {}));
		try {
			const log: NoticeRecord[] = [];
			const dashboard: NoticeRecord[] = [];
			app.bus.on('notice', (notice) => log.push(notice));
			app.bus.on('notice', (notice) => dashboard.push(notice));
			await until(() => storeNotices(log).length > 0 && storeNotices(dashboard).length > 0, 2000, 'the restore notice');
			await new Promise((resolve) => setTimeout(resolve, 100));
			for (const notices of [log, dashboard]) {
				const restore = storeNotices(notices);
				assert.equal(restore.length, 1, JSON.stringify(restore));
				assert.equal(restore[0]?.level, 'error');
				assert.match(restore[0]?.message ?? '', /proxy\.db was damaged.*restored .*proxy\.db\.bak.*changes made after .* are lost.*kept as .*proxy\.db\.corrupt-/);
			}
		} finally {
			await app.stop();
		}
	});

	it('failing background saves: one error notice with the reason, not one per retry; then "works again"', {timeout: 60_000}, async () => {
		const dir = dataDir();
		const app = await startApp(loadConfig({port: 0, dataDir: dir}, {}));
		const notices: NoticeRecord[] = [];
		app.bus.on('notice', (notice) => notices.push(notice));
		try {
			await new Promise((resolve) => setTimeout(resolve, 100));
			// A non-empty directory where the backup goes: every save fails (as root too, unlike a chmod).
			rmSync(join(dir, 'proxy.db.bak'), {force: true});
			mkdirSync(join(dir, 'proxy.db.bak', 'blocker'), {recursive: true});
			createUser(app.actions, 'alice');
			await until(() => storeNotices(notices).length >= 1, 5000, 'the failure notice');
			// The server retries every 5 s: wait past two retries; still one notice.
			await new Promise((resolve) => setTimeout(resolve, 11_000));
			const failing = storeNotices(notices);
			assert.equal(failing.length, 1, JSON.stringify(failing));
			assert.equal(failing[0]?.level, 'error');
			assert.match(failing[0]?.message ?? '', /cannot save .*proxy\.db: .*retried every 5 s/);
			rmSync(join(dir, 'proxy.db.bak'), {recursive: true});
			await until(() => storeNotices(notices).length >= 2, 8000, 'the recovery notice');
			assert.equal(storeNotices(notices)[1]?.level, 'info');
			assert.match(storeNotices(notices)[1]?.message ?? '', /works again/);
		} finally {
			await app.stop();
		}
	});
});
