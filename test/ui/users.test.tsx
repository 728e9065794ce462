// The Users panel: the list (drawn by ink-table: boxed cells), and the key flows against the fake's store: n (the key
// shown once, and it is the stored key), R (confirm, new key, old key dead), j/k move, e, d (confirm). A refused name
// stays in the dialog.
import assert from 'node:assert/strict';
import {afterEach, test} from 'node:test';
import {hashKey} from '../../source/actions/users.js';
import {createFakeSource} from './fake-source.js';
import {type Dash, KEYS, overlong, renderDashboard} from './harness.js';

let dash: Dash | undefined;
afterEach(() => {
	dash?.unmount();
	dash = undefined;
});

const KEY = /sk-agp-[A-Za-z0-9_-]{43}/;
const line = (frame: string, text: string): string => frame.split('\n').find(l => l.includes(text)) ?? '';
/** The cells of an ink-table row: between its │ borders, trimmed. */
const cells = (row: string): string[] => row.split('│').slice(1, -1).map(cell => cell.trim());

test('lists name, key prefix, admin, state and today\'s usage at 80x24', async () => {
	const source = await createFakeSource();
	await source.run('users.create', {name: 'alice'});
	await source.run('users.create', {name: 'bob-the-builder-with-a-long-name', admin: true});
	await source.run('users.setDisabled', {name: 'bob-the-builder-with-a-long-name', disabled: true});
	const now = Date.now();
	source.store.usage.record({user: 'alice', model: 'claude-sonnet-4-6', requests: 12, inputTokens: 3400, outputTokens: 1200, cachedTokens: 0, errors: 1, at: now});
	dash = await renderDashboard(source, {dashboard: {initialPanel: 'users'}});
	let frame = await dash.waitFor('alice');
	const prefix = source.store.users.get('alice')?.keyPrefix ?? '?';
	// ink-table's box: a top border, the headings, a separator before every row, a bottom border.
	assert.match(frame, /┌─+┬/);
	assert.deepEqual(cells(line(frame, 'NAME')), ['NAME', 'KEY', 'ADMIN', 'STATE', 'TODAY req in/out'], 'LAST USED is the first to go at 80 columns');
	assert.deepEqual(cells(line(frame, 'alice')), ['› alice', `${prefix}…`, 'no', 'active', '12 req 3.4k/1.2k 1 err']);
	assert.match(line(frame, 'bob-the'), /│ {3}bob-the-\S+… │ sk-agp-\S{4}… │ yes +│ disabled │ - +│/);
	assert.match(frame, /├─+┼/);
	assert.match(frame, /└─+┴/);
	assert.match(frame, / keyed /, 'users exist: keyed mode');
	assert.deepEqual(overlong(frame, 80), []);
	// Wider: the last column comes back, the names grow, everything still fits.
	await dash.resize(130, 24);
	frame = dash.frame();
	assert.deepEqual(cells(line(frame, 'alice')).at(-1), 'never');
	assert.deepEqual(cells(line(frame, 'bob-the')).at(0), 'bob-the-builder-with-a-long-name');
	assert.deepEqual(overlong(frame, 130), []);
	// Narrower: columns go (last use, key, admin, today's usage), name and state stay, nothing wraps.
	for (const [columns, headings] of [
		[60, ['NAME', 'ADMIN', 'STATE', 'TODAY req in/out']],
		[50, ['NAME', 'STATE', 'TODAY req in/out']],
		[40, ['NAME', 'STATE']],
	] as const) {
		await dash.resize(columns, 24);
		frame = dash.frame();
		assert.deepEqual(cells(line(frame, 'NAME')), headings, `at ${columns} columns`);
		assert.equal(cells(line(frame, 'alice')).length, headings.length, 'one line per row');
		assert.equal(frame.split('\n').filter(l => l.includes('│')).length, 3, 'headings and two rows, each on one line');
		assert.deepEqual(overlong(frame, columns), []);
	}
});

test('n creates a user: the key is shown once, it is the stored key, and closing the dialog forgets it', async () => {
	const source = await createFakeSource();
	dash = await renderDashboard(source, {dashboard: {initialPanel: 'users'}});
	await dash.waitFor('No users');
	assert.match(dash.frame(), / open /);
	await dash.press('n');
	assert.match(dash.frame(), /New user/);
	// A refused name: the error is in the dialog, the text stays to be corrected.
	await dash.type('Carol!');
	await dash.press(KEYS.enter);
	let frame = await dash.waitFor("invalid user name 'Carol!'");
	assert.deepEqual(overlong(frame, 80), []);
	for (let i = 0; i < 6; i++) await dash.press(KEYS.backspace);
	await dash.type('carol');
	await dash.press(KEYS.tab);
	assert.match(dash.frame(), /Admin: +no +\[yes\]/);
	await dash.press(KEYS.enter);
	frame = await dash.waitFor('API key for carol');
	const shown = KEY.exec(frame)?.[0];
	assert.ok(shown, 'the key is shown');
	assert.match(frame, /Shown only now/);
	assert.match(frame, /press c to copy/);
	assert.deepEqual(overlong(frame, 80), []);
	const stored = source.store.users.get('carol');
	assert.ok(stored);
	assert.equal(stored.keyHash, hashKey(shown), 'the shown key is the one that works');
	assert.equal(stored.admin, true);
	// c copies through OSC 52.
	await dash.press('c');
	assert.match(dash.frame(), /Copied/);
	await dash.press(KEYS.enter);
	frame = await dash.waitFor(f => /carol\s+│ sk-agp-/.test(f));
	assert.ok(!KEY.test(frame), 'the key is gone from the screen');
	assert.deepEqual(cells(line(frame, 'carol')).slice(2, 4), ['yes', 'active']);
	assert.equal(source.calls.filter(call => call.action === 'users.create').length, 2);
});

test('R rotates the selected user\'s key after y: the new key is shown once and the old one no longer matches; j/k only move', async () => {
	const source = await createFakeSource();
	const {key: oldKey} = await source.run('users.create', {name: 'alice'});
	await source.run('users.create', {name: 'bob'});
	dash = await renderDashboard(source, {dashboard: {initialPanel: 'users'}});
	await dash.waitFor('bob');
	await dash.press('j');
	assert.match(line(dash.frame(), 'bob'), /› bob/);
	await dash.press('R');
	let frame = dash.frame();
	assert.match(frame, /Give bob a new API key\?/);
	await dash.press('n');
	assert.equal(source.calls.filter(call => call.action === 'users.rotate').length, 0);
	await dash.press('k');
	frame = dash.frame();
	assert.ok(!frame.includes('new API key'), 'k moves, as on every panel; it never rotates');
	assert.match(line(frame, 'alice'), /› alice/);
	await dash.press(KEYS.down, KEYS.up, 'R');
	frame = dash.frame();
	assert.match(frame, /Give alice a new API key\?/);
	await dash.press('y');
	frame = await dash.waitFor('New API key for alice');
	const newKey = KEY.exec(frame)?.[0];
	assert.ok(newKey);
	assert.notEqual(newKey, oldKey);
	const stored = source.store.users.get('alice');
	assert.equal(stored?.keyHash, hashKey(newKey));
	assert.notEqual(stored?.keyHash, hashKey(oldKey));
	assert.match(frame, /old key no longer works/);
	await dash.press(KEYS.escape);
	frame = await dash.waitFor(f => !f.includes('New API key'));
	assert.match(line(frame, 'alice'), new RegExp(`${stored?.keyPrefix ?? '?'}…`));
});

test('e disables and enables; d deletes only after y', async () => {
	const source = await createFakeSource();
	await source.run('users.create', {name: 'alice'});
	await source.run('users.create', {name: 'bob'});
	dash = await renderDashboard(source, {dashboard: {initialPanel: 'users'}});
	await dash.waitFor('bob');
	await dash.press('j', 'e');
	await dash.waitFor(f => cells(line(f, 'bob'))[3] === 'disabled');
	assert.equal(source.store.users.get('bob')?.disabled, true);
	assert.match(dash.frame(), /Disabled bob/);
	await dash.press('e');
	await dash.waitFor(f => cells(line(f, 'bob'))[3] === 'active');
	assert.equal(source.store.users.get('bob')?.disabled, false);
	await dash.press('d');
	assert.match(dash.frame(), /Delete bob and their groups\?/);
	await dash.press(KEYS.escape);
	assert.ok(source.store.users.get('bob'));
	await dash.burst('d', 'y');
	await dash.waitFor('Deleted user bob.');
	await dash.burst('n', 'dora', KEYS.enter);
	await dash.waitFor('API key for dora');
	assert.ok(source.store.users.get('dora'), 'typed as fast as a paste');
	assert.equal(source.store.users.get('bob'), undefined);
	await dash.waitFor(f => !/bob\s+│ sk-agp/.test(f));
	assert.ok(source.store.users.get('alice'));
});

test('an action that throws (even synchronously) is reported in the status line; the UI keeps working', async () => {
	const source = await createFakeSource();
	await source.run('users.create', {name: 'alice'});
	dash = await renderDashboard(source, {dashboard: {initialPanel: 'users'}});
	await dash.waitFor('alice');
	const real = source.run;
	source.run = ((action: string, args: unknown) => {
		if (action === 'users.setDisabled' || action === 'users.create') throw new Error(`admin API unreachable: ${action}`);
		return real(action as never, args as never);
	}) as typeof source.run;
	await dash.press('e');
	await dash.waitFor('admin API unreachable: users.setDisabled');
	await dash.press('n');
	await dash.type('zed');
	await dash.press(KEYS.enter);
	await dash.waitFor('admin API unreachable: users.create');
	assert.match(dash.frame(), /New user/, 'the dialog stays open with the error');
	await dash.press(KEYS.escape, 'j');
	assert.equal(source.store.users.get('alice')?.disabled, false);
	assert.equal(dash.quits(), 0);
});
