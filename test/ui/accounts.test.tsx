// The Accounts panel: every account state with live countdowns, quota bars per model, and the key flows (enable /
// disable, delete after y, refresh quotas, add an account through the sign-in dialog) checked against the fake's store.
import assert from 'node:assert/strict';
import {afterEach, test} from 'node:test';
import {LOGIN_URL, createFakeSource} from './fake-source.js';
import {poolFixture} from './fixtures.js';
import {type Dash, KEYS, overlong, renderDashboard, tick} from './harness.js';

let dash: Dash | undefined;
afterEach(() => {
	dash?.unmount();
	dash = undefined;
});

const line = (frame: string, text: string): string => frame.split('\n').find(l => l.includes(text)) ?? '';

test('states (rate-limited and exhausted with countdowns, invalid with reason, disabled), served counts and quota bars at 80x24', async () => {
	const source = await createFakeSource(poolFixture());
	dash = await renderDashboard(source, {dashboard: {initialPanel: 'accounts'}});
	const frame = await dash.waitFor('Quota alice@example.com');
	assert.match(line(frame, 'alice@'), /active\s+1234\s+10% standard-…/);
	assert.match(line(frame, 'bob.with'), /bob\.with\.a\.very\.long\.addr…\s+rate-limited 1m\d+s\s+56\s+60%/);
	assert.match(line(frame, 'carol@'), /exhausted, resets 2h1\dm\s+7\s+0%/);
	assert.match(line(frame, 'dave@'), /invalid: invalid_grant: tok…/);
	assert.match(line(frame, 'erin@'), /disabled/);
	assert.match(line(frame, '  claude-sonnet-4-6'), /█+░+\s+83% {2}resets (3h0m|2h59m)/);
	assert.match(line(frame, '  gemini-2.5-pro'), /█+░+\s+35% {2}resets 2h1\dm/);
	assert.match(line(frame, '  gemini-3-flash'), /█+░+\s+10% {2}resets (40m|39m\d*s?)/);
	// The bar's length follows the quota: 83% is longer than 35%, which is longer than 10%.
	const filled = (model: string): number => (line(frame, `  ${model}`).match(/█/g) ?? []).length;
	assert.ok(filled('claude-sonnet-4-6') > filled('gemini-2.5-pro') && filled('gemini-2.5-pro') > filled('gemini-3-flash'));
	assert.deepEqual(overlong(frame, 80), []);
	// Moving selects another account, whose quotas are shown.
	await dash.press('j', 'j');
	const carol = dash.frame();
	assert.match(carol, /Quota carol@example\.com/);
	assert.match(line(carol, '  claude-opus-4-6'), /0% {2}exhausted 2h1\dm/);
});

test('countdowns are live: they tick every second without any new data', async () => {
	const now = Date.now();
	const source = await createFakeSource({
		accounts: poolFixture(now).accounts.slice(0, 1),
		runtime: {'alice@example.com': {health: 'rate_limited', models: {'gemini-3-flash': {consecutiveFailures: 1, limit: {kind: 'rate_limited', until: now + 4_400, reason: '429'}}}}},
	});
	dash = await renderDashboard(source, {dashboard: {initialPanel: 'accounts'}});
	const before = await dash.waitFor(/rate-limited [345]s/.test.bind(/rate-limited [345]s/));
	const seconds = Number(/rate-limited (\d)s/.exec(before)?.[1]);
	await dash.waitFor(frame => {
		const match = /rate-limited (\d)s/.exec(frame);
		return match !== null && Number(match[1]) < seconds;
	}, 2500);
});

test('e disables and enables the selected account (stored), d deletes it only after y', async () => {
	const source = await createFakeSource(poolFixture());
	dash = await renderDashboard(source, {dashboard: {initialPanel: 'accounts'}});
	await dash.waitFor('Quota alice@example.com');
	await dash.press('e');
	await dash.waitFor(frame => /alice@example\.com\s+disabled/.test(frame));
	assert.equal((await source.store.accounts.get('alice@example.com'))?.enabled, false);
	assert.match(dash.frame(), /Disabled alice@example\.com\./);
	await dash.press('e');
	await dash.waitFor(frame => /alice@example\.com\s+active/.test(frame));
	assert.equal((await source.store.accounts.get('alice@example.com'))?.enabled, true);

	await dash.press('j', 'j', 'd');
	let frame = dash.frame();
	assert.match(frame, /Delete account/);
	assert.match(frame, /Delete carol@example\.com\?/);
	assert.deepEqual(overlong(frame, 80), []);
	await dash.press('x', KEYS.enter);
	assert.match(dash.frame(), /Delete carol@example\.com\?/, 'only y or n answer');
	await dash.press('n');
	assert.ok(!dash.frame().includes('Delete account'));
	assert.ok(await source.store.accounts.get('carol@example.com'), 'n keeps it');
	await dash.press('d', KEYS.escape);
	assert.ok(await source.store.accounts.get('carol@example.com'), 'esc keeps it');
	// Keys back to back (no time for React between them) still reach the dialog the first one opened.
	await dash.burst('d', 'y');
	frame = await dash.waitFor('Deleted carol@example.com.');
	assert.equal(await source.store.accounts.get('carol@example.com'), undefined);
	assert.ok(!frame.includes('carol@example.com  '), 'gone from the list');
	assert.equal(source.calls.filter(call => call.action === 'accounts.remove').length, 1);
});

test('r refreshes quotas; a failing action is shown in the status line and the UI keeps working', async () => {
	const source = await createFakeSource(poolFixture());
	dash = await renderDashboard(source, {dashboard: {initialPanel: 'accounts'}});
	await dash.waitFor('Quota alice@example.com');
	await dash.press('r');
	await dash.waitFor('Quotas refreshed.');
	assert.equal(source.quotaRefreshes, 1);
	source.refreshQuotas = async () => {
		throw new Error('fetchAvailableModels: 503 Service Unavailable\nretry later');
	};
	await dash.press('r');
	const frame = await dash.waitFor('fetchAvailableModels: 503 Service Unavailable retry later');
	assert.deepEqual(overlong(frame, 80), []);
	await dash.press('j');
	assert.match(dash.frame(), /Quota bob\.with/);
});

test('a: the sign-in dialog shows the URL, takes the pasted redirect URL, shows progress, and the account appears', async () => {
	const source = await createFakeSource(poolFixture());
	dash = await renderDashboard(source, {dashboard: {initialPanel: 'accounts'}});
	await dash.waitFor('Quota alice@example.com');
	await dash.press('a');
	let frame = await dash.waitFor('Open this URL');
	// The whole URL is there, wrapped over lines (no ellipsis: it must be copyable).
	const body = frame
		.split('\n')
		.map(l => l.replace(/^\s*│\s?/, '').replace(/\s*│\s*$/, ''))
		.join('');
	assert.ok(body.includes(LOGIN_URL), 'the full URL');
	assert.deepEqual(overlong(frame, 80), []);
	// A bad code: the error is shown; enter starts a new sign-in.
	await dash.press('http://localhost:51121/oauth-callback?code=bad&state=xyz');
	assert.match(dash.frame(), /Paste the redirect URL or the code: …/);
	await dash.press(KEYS.enter);
	frame = await dash.waitFor('Failed: invalid_grant');
	assert.deepEqual(source.logins[0]?.pasted, ['http://localhost:51121/oauth-callback?code=bad&state=xyz']);
	await dash.press(KEYS.enter);
	await dash.waitFor('Paste the redirect URL');
	assert.equal(source.logins.length, 2);
	await dash.press('4/0AbCdEf-good-code');
	await dash.press(KEYS.enter);
	frame = await dash.waitFor('Added Google account new.person@example.com.');
	assert.deepEqual(source.logins[1]?.pasted, ['4/0AbCdEf-good-code']);
	assert.ok(await source.store.accounts.get('new.person@example.com'), 'stored');
	await dash.waitFor('new.person@example.com  ');
	assert.ok(!dash.frame().includes('Open this URL'), 'the dialog closed');
	// esc cancels a sign-in in progress.
	await dash.press('a');
	await dash.waitFor('Open this URL');
	await dash.press(KEYS.escape);
	await tick();
	assert.equal(source.logins[2]?.cancelled, true);
	assert.ok(!dash.frame().includes('Open this URL'));
});

test('a view that throws while rendering shows the error in its place; the rest of the dashboard keeps working', async () => {
	const source = await createFakeSource(poolFixture());
	const real = source.accounts;
	source.accounts = () => real().map(account => ({...account, models: null as unknown as typeof account.models}));
	dash = await renderDashboard(source, {dashboard: {initialPanel: 'accounts'}});
	const frame = await dash.waitFor('This view failed:');
	assert.deepEqual(overlong(frame, 80), []);
	await dash.press('1');
	// The home screen reads the same accounts: its account block fails in its place, the request log under it works.
	const home = await dash.waitFor('No requests yet');
	assert.match(home, /This view failed:/);
	source.accounts = real;
	source.pool.changed();
	// The snapshot is re-read at most every 500 ms.
	await tick(700);
	await dash.press('2');
	await dash.waitFor('Quota alice@example.com');
	assert.equal(dash.quits(), 0);
});
