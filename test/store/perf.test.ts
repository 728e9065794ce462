// Measurements (reported as diagnostics): opening and saving a store of realistic size — 50 accounts, 50 users,
// 50 groups of 3 members, 10,000 usage rows (50 users x 20 models x 10 days). The bounds asserted are loose (a slow
// CI machine must pass); the numbers printed are the point.
import assert from 'node:assert/strict';
import {statSync} from 'node:fs';
import {join} from 'node:path';
import {test} from 'node:test';
import {openDataStore} from '../../source/store/data-store.js';
import type {SaveInfo} from '../../source/store/sqlite.js';
import {account, tempDataDir, user} from './helpers.js';

const ms = (value: number): string => `${value.toFixed(1)} ms`;

test('open and save times with 50 accounts/users/groups and 10k usage rows', async (t) => {
	const dir = tempDataDir();
	const saves: SaveInfo[] = [];
	let started = performance.now();
	let store = await openDataStore(dir, {onSave: (info) => saves.push(info)});
	const coldOpen = performance.now() - started;

	started = performance.now();
	for (let i = 0; i < 50; i++) {
		await store.accounts.upsert(account(`account${i}@example.com`, {projectId: `project-${i}`, tier: 'free-tier'}));
		store.users.create(user(`user${i}`));
		store.groups.create({alias: `group${i}`, strategy: 'random', createdAt: '2026-01-01T00:00:00.000Z'});
		store.groups.update(`group${i}`, undefined, {
			members: [0, 1, 2].map((m) => ({model: `model-${(i + m) % 20}`, order: m, weight: m + 1})),
		});
	}
	const filled = performance.now() - started;
	started = performance.now();
	for (let day = 0; day < 10; day++) {
		for (let u = 0; u < 50; u++) {
			for (let m = 0; m < 20; m++) {
				store.usage.record({
					user: `user${u}`,
					model: `model-${m}`,
					requests: 3,
					inputTokens: 12_000,
					outputTokens: 800,
					cachedTokens: 4000,
					errors: 0,
					at: Date.UTC(2026, 2, 1 + day, 12),
				});
			}
		}
	}
	const recordOne = (performance.now() - started) / 10_000;

	saves.length = 0;
	await store.flush();
	const flushSave = saves.at(-1);
	assert.ok(flushSave !== undefined);

	// Saves of the full store: a few more timed flushes after one small change each.
	const timed: SaveInfo[] = [];
	for (let i = 0; i < 5; i++) {
		store.usage.record({user: 'user0', model: 'model-0', requests: 1, inputTokens: 1, outputTokens: 1, cachedTokens: 0, errors: 0, at: Date.UTC(2026, 2, 1, 12)});
		await store.flush();
		timed.push(saves.at(-1)!);
	}
	store.usage.record({user: 'user0', model: 'model-0', requests: 1, inputTokens: 1, outputTokens: 1, cachedTokens: 0, errors: 0, at: Date.UTC(2026, 2, 1, 12)});
	started = performance.now();
	store.close();
	const closeSync = performance.now() - started;
	const size = statSync(join(dir, 'proxy.db')).size;

	started = performance.now();
	store = await openDataStore(dir);
	const warmOpen = performance.now() - started;
	assert.equal((await store.accounts.list()).length, 50);
	assert.equal(store.users.list().length, 50);
	assert.equal(store.groups.list().length, 50);
	started = performance.now();
	const rows = store.usage.list();
	const listAll = performance.now() - started;
	assert.equal(rows.length, 10_000);
	assert.equal(rows.reduce((sum, row) => sum + row.requests, 0), 30_006);
	store.close();

	const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
	t.diagnostic(`file ${(size / 1024).toFixed(0)} KiB`);
	t.diagnostic(`open: first in this process (incl. sql.js init) ${ms(coldOpen)}; reopen ${ms(warmOpen)} (openMs ${ms(store.report.openMs)})`);
	t.diagnostic(`50 accounts (each upsert awaits its save), users, groups: ${ms(filled)}; usage.record ${(recordOne * 1000).toFixed(1)} us per call (10k new rows)`);
	t.diagnostic(`first save after filling: export ${ms(flushSave.exportMs)}, total ${ms(flushSave.totalMs)}`);
	t.diagnostic(
		`async saves (median of 5): export ${ms(median(timed.map((s) => s.exportMs)))} (blocks the event loop), total ${ms(median(timed.map((s) => s.totalMs)))}`,
	);
	t.diagnostic(`close() with a final synchronous save ${ms(closeSync)}; usage.list() of 10k rows ${ms(listAll)}`);
	assert.ok(warmOpen < 3000 && median(timed.map((s) => s.totalMs)) < 2000 && closeSync < 2000, 'within generous bounds');
});
