// The Groups panel: groups with ordered members and their availability, and the key flows against the fake's store:
// n (alias + strategy), + (pick a served model), J/K (reorder), - (remove), s (strategy), t (test), d (delete after y).
import assert from 'node:assert/strict';
import {afterEach, test} from 'node:test';
import {createFakeSource} from './fake-source.js';
import {poolFixture} from './fixtures.js';
import {type Dash, KEYS, overlong, renderDashboard} from './harness.js';

let dash: Dash | undefined;
afterEach(() => {
	dash?.unmount();
	dash = undefined;
});

const members = (source: Awaited<ReturnType<typeof createFakeSource>>, alias: string, owner?: string): string[] =>
	(source.store.groups.get(alias, owner)?.members ?? [])
		.slice()
		.sort((a, b) => a.order - b.order)
		.map(member => member.model);
const selectedLine = (frame: string): string => frame.split('\n').find(line => line.startsWith('›')) ?? '';

test('groups with owner, strategy and ordered members; availability from the pool (not served / limited / available)', async () => {
	const now = Date.now();
	const fixture = poolFixture(now);
	// Every usable account limited on gemini-2.5-pro; alice exhausted on it until +2h13m, bob rate-limited +65 s.
	fixture.runtime['alice@example.com'] = {models: {'gemini-2.5-pro': {consecutiveFailures: 1, limit: {kind: 'exhausted', until: now + 8_000_000, reason: 'quota'}}}};
	fixture.runtime['carol@example.com'] = {models: {'gemini-2.5-pro': {consecutiveFailures: 1, limit: {kind: 'rate_limited', until: now + 30_000, reason: '429'}}}};
	fixture.runtime['bob.with.a.very.long.address.for.truncation@example-corporation.com'] = {cooldown: {until: now + 65_000, reason: '401'}};
	const source = await createFakeSource(fixture);
	await source.run('users.create', {name: 'alice'});
	await source.run('groups.create', {alias: 'fast', strategy: 'priority'});
	await source.run('groups.addMember', {alias: 'fast', model: 'gemini-3-flash'});
	await source.run('groups.addMember', {alias: 'fast', model: 'gemini-2.5-pro'});
	await source.run('groups.create', {alias: 'smart', strategy: 'random', owner: 'alice'});
	await source.run('groups.addMember', {alias: 'smart', model: 'claude-opus-4-6', owner: 'alice', weight: 3});
	// A member the server no longer serves.
	const smart = source.store.groups.get('smart', 'alice');
	source.store.groups.update('smart', 'alice', {members: [...(smart?.members ?? []), {model: 'claude-retired-1', order: 2, weight: 1}]});
	dash = await renderDashboard(source, {dashboard: {initialPanel: 'groups'}});
	const frame = await dash.waitFor('smart');
	const lines = frame.split('\n');
	const at = (text: string): string => lines.find(l => l.includes(text)) ?? '';
	assert.match(at('fast'), /fast\s+global\s+priority\s+2 members/);
	assert.match(at('gemini-3-flash'), /1\. gemini-3-flash\s+available/);
	assert.match(at('gemini-2.5-pro'), /2\. gemini-2\.5-pro\s+limited [123]?\ds/);
	assert.match(at('smart'), /smart\s+alice\s+random\s+2 members/);
	assert.match(at('claude-opus-4-6'), /1\. claude-opus-4-6\s+w3 available/);
	assert.match(at('claude-retired-1'), /2\. claude-retired-1\s+w1 not served/);
	assert.ok(lines.findIndex(l => l.includes('gemini-3-flash')) < lines.findIndex(l => l.includes('gemini-2.5-pro')), 'in order');
	assert.deepEqual(overlong(frame, 80), []);
});

test('n creates a group (alias + strategy), + adds members from the served models, J/K reorder, - removes, s switches strategy', async () => {
	const source = await createFakeSource(poolFixture());
	dash = await renderDashboard(source, {dashboard: {initialPanel: 'groups'}});
	await dash.waitFor('No groups yet');
	await dash.press('n');
	await dash.type('fast');
	await dash.press(KEYS.tab);
	assert.match(dash.frame(), /Strategy: +priority +\[random\]/);
	await dash.press(KEYS.tab);
	assert.match(dash.frame(), /Strategy: \[priority\]/);
	await dash.press(KEYS.enter);
	await dash.waitFor(f => /fast\s+global\s+priority\s+no members/.test(f));
	assert.equal(source.store.groups.get('fast')?.strategy, 'priority');

	// + opens the picker over the served models; typing narrows it.
	await dash.press('+');
	let frame = dash.frame();
	assert.match(frame, /Add a member to fast/);
	assert.match(frame, /claude-opus-4-6/);
	assert.match(frame, /4 of 4/);
	assert.deepEqual(overlong(frame, 80), []);
	await dash.type('gemini');
	frame = dash.frame();
	assert.ok(!frame.includes('claude-opus-4-6') && frame.includes('gemini-2.5-pro'));
	await dash.press(KEYS.down, KEYS.enter);
	await dash.waitFor('Added gemini-3-flash to fast.');
	assert.deepEqual(members(source, 'fast'), ['gemini-3-flash']);
	await dash.press('+');
	assert.match(dash.frame(), /3 of 3/, 'members already in the group are not offered');
	await dash.press(KEYS.enter);
	await dash.waitFor('Added claude-opus-4-6 to fast.');
	await dash.press('+');
	await dash.type('sonnet');
	await dash.press(KEYS.enter);
	await dash.waitFor('Added claude-sonnet-4-6 to fast.');
	assert.deepEqual(members(source, 'fast'), ['gemini-3-flash', 'claude-opus-4-6', 'claude-sonnet-4-6']);
	assert.match(selectedLine(dash.frame()), /3\. claude-sonnet-4-6/, 'the new member is selected');

	// K moves the selected member up, J down.
	await dash.press('K');
	await dash.waitFor(f => /›\s+2\. claude-sonnet-4-6/.test(f));
	assert.deepEqual(members(source, 'fast'), ['gemini-3-flash', 'claude-sonnet-4-6', 'claude-opus-4-6']);
	await dash.press('K');
	await dash.waitFor(f => /›\s+1\. claude-sonnet-4-6/.test(f));
	assert.deepEqual(members(source, 'fast'), ['claude-sonnet-4-6', 'gemini-3-flash', 'claude-opus-4-6']);
	await dash.press('K');
	assert.deepEqual(members(source, 'fast'), ['claude-sonnet-4-6', 'gemini-3-flash', 'claude-opus-4-6'], 'already first');
	await dash.press('J');
	await dash.waitFor(f => /›\s+2\. claude-sonnet-4-6/.test(f));
	assert.deepEqual(members(source, 'fast'), ['gemini-3-flash', 'claude-sonnet-4-6', 'claude-opus-4-6']);
	frame = dash.frame();
	const lines = frame.split('\n');
	assert.ok(lines.findIndex(l => l.includes('1. gemini-3-flash')) < lines.findIndex(l => l.includes('2. claude-sonnet-4-6')));

	// - removes the selected member.
	await dash.press('-');
	await dash.waitFor('Removed claude-sonnet-4-6 from fast.');
	assert.deepEqual(members(source, 'fast'), ['gemini-3-flash', 'claude-opus-4-6']);
	await dash.waitFor(f => /2\. claude-opus-4-6/.test(f) && !f.includes('claude-sonnet-4-6  '));

	// s switches the strategy of the group under the cursor (or of the member under it).
	await dash.press('s');
	await dash.waitFor('fast now picks members by random.');
	assert.equal(source.store.groups.get('fast')?.strategy, 'random');
	await dash.waitFor(f => /fast\s+global\s+random/.test(f));
	await dash.press('s');
	await dash.waitFor(f => /fast\s+global\s+priority/.test(f));
	assert.equal(source.store.groups.get('fast')?.strategy, 'priority');
	// A refused alias stays in the dialog.
	await dash.press('n');
	await dash.type('claude-opus-4-6');
	await dash.press(KEYS.enter);
	await dash.waitFor("'claude-opus-4-6' is a model agproxy serves");
	await dash.press(KEYS.escape);
	assert.equal(source.store.groups.list().length, 1);
});

test('t tests the group and shows which member answered; d deletes it after y', async () => {
	const source = await createFakeSource(poolFixture());
	await source.run('groups.create', {alias: 'fast', strategy: 'priority'});
	await source.run('groups.addMember', {alias: 'fast', model: 'gemini-3-flash'});
	await source.run('groups.addMember', {alias: 'fast', model: 'claude-sonnet-4-6'});
	await source.run('groups.create', {alias: 'empty', strategy: 'priority'});
	source.testAnswer = () => ({model: 'claude-sonnet-4-6', text: 'pong'});
	dash = await renderDashboard(source, {dashboard: {initialPanel: 'groups'}});
	await dash.waitFor('fast');
	// Groups are sorted: empty first.
	await dash.press('j');
	assert.match(selectedLine(dash.frame()), /fast/);
	await dash.press('t');
	let frame = await dash.waitFor('answered by claude-sonnet-4-6');
	assert.match(frame, /fast\s+global\s+priority\s+2 members\s+test ok \d+ms: claude-so/);
	assert.match(frame, /2\. claude-sonnet-4-6\s+available\s+← answered the test/);
	assert.deepEqual(overlong(frame, 80), []);
	assert.equal(source.calls.filter(call => call.action === 'groups.test').length, 1);
	// A group without members: the action's error is shown, nothing crashes.
	await dash.press('k', 't');
	frame = await dash.waitFor("group 'empty' has no members");
	await dash.press('d');
	assert.match(dash.frame(), /Delete group empty\?/);
	await dash.press('n');
	assert.ok(source.store.groups.get('empty'));
	await dash.press('d', 'y');
	await dash.waitFor('Deleted group empty.');
	assert.equal(source.store.groups.get('empty'), undefined);
	frame = await dash.waitFor(f => !/empty\s+global/.test(f));
	assert.match(selectedLine(frame), /fast/);
});
