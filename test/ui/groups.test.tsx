// The Groups panel: groups with ordered members and their availability, and the key flows against the fake's store:
// n (alias + strategy, then the owner when there are users), + (pick a served model; a random group asks the weight),
// w (weight), J/K (reorder), d/- on a member (remove it), s (strategy), t (test), d on a group (delete after y).
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
	assert.match(at('gemini-3-flash'), /1\. gemini-3-flash\s+w1\s+available/);
	assert.match(at('gemini-2.5-pro'), /2\. gemini-2\.5-pro\s+w1\s+limited [123]?\ds/);
	assert.match(at('smart'), /smart\s+alice\s+random\s+2 members/);
	assert.match(at('claude-opus-4-6'), /1\. claude-opus-4-6\s+w3\s+available/);
	assert.match(at('claude-retired-1'), /2\. claude-retired-1\s+w1\s+not served/);
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
	assert.match(frame, /2\. claude-sonnet-4-6\s+w1\s+available\s+← answered the test/);
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

test('d on a member removes that member, never the group; d on the group row asks first, then deletes the group', async () => {
	const source = await createFakeSource(poolFixture());
	await source.run('groups.create', {alias: 'fast', strategy: 'priority'});
	await source.run('groups.addMember', {alias: 'fast', model: 'gemini-3-flash'});
	await source.run('groups.addMember', {alias: 'fast', model: 'claude-sonnet-4-6'});
	source.calls.length = 0;
	dash = await renderDashboard(source, {dashboard: {initialPanel: 'groups'}});
	await dash.waitFor('claude-sonnet-4-6');
	await dash.press('j', 'j');
	assert.match(selectedLine(dash.frame()), /2\. claude-sonnet-4-6/);
	await dash.press('d');
	await dash.waitFor('Removed claude-sonnet-4-6 from fast.');
	assert.ok(!dash.frame().includes('Delete group'), 'no group question for a member');
	assert.deepEqual(members(source, 'fast'), ['gemini-3-flash']);
	assert.ok(source.store.groups.get('fast'), 'the group is still there');
	assert.deepEqual(
		source.calls.filter(call => call.action.startsWith('groups.') && call.action !== 'groups.list').map(call => [call.action, call.args]),
		[['groups.removeMember', {alias: 'fast', model: 'claude-sonnet-4-6'}]],
	);
	// The cursor lands on the member above; d there removes it too.
	await dash.waitFor(f => /›\s+1\. gemini-3-flash/.test(f));
	await dash.press('d');
	await dash.waitFor('Removed gemini-3-flash from fast.');
	assert.deepEqual(members(source, 'fast'), []);
	await dash.waitFor(f => /›\s+fast\s+global\s+priority\s+no members/.test(f));
	await dash.press('d');
	assert.match(dash.frame(), /Delete group fast\?/);
	await dash.press('y');
	await dash.waitFor('Deleted group fast.');
	assert.equal(source.store.groups.get('fast'), undefined);
});

test('w sets a member\'s weight and + on a random group asks the weight: the same actions as the CLI, with the owner', async () => {
	const source = await createFakeSource(poolFixture());
	await source.run('users.create', {name: 'alice'});
	await source.run('groups.create', {alias: 'mix', strategy: 'random', owner: 'alice'});
	await source.run('groups.addMember', {alias: 'mix', model: 'gemini-3-flash', owner: 'alice'});
	source.calls.length = 0;
	dash = await renderDashboard(source, {dashboard: {initialPanel: 'groups'}});
	await dash.waitFor('gemini-3-flash');
	await dash.press('j', 'w');
	let frame = dash.frame();
	assert.match(frame, /Weight of gemini-3-flash in mix of user alice/);
	assert.match(frame, /Weight: 1/, 'starts from the current weight');
	assert.deepEqual(overlong(frame, 80), []);
	// A refusal stays in the dialog, to be corrected.
	await dash.press(KEYS.backspace);
	await dash.type('abc');
	await dash.press(KEYS.enter);
	await dash.waitFor("invalid weight 'abc'");
	for (let i = 0; i < 3; i++) await dash.press(KEYS.backspace);
	await dash.type('5000');
	await dash.press(KEYS.enter);
	await dash.waitFor('weight: expected at most 1000, got 5000');
	assert.equal(source.store.groups.get('mix', 'alice')?.members[0]?.weight, 1, 'nothing stored on a refusal');
	for (let i = 0; i < 4; i++) await dash.press(KEYS.backspace);
	await dash.type('4');
	await dash.press(KEYS.enter);
	await dash.waitFor('gemini-3-flash in mix now has weight 4.');
	assert.equal(source.store.groups.get('mix', 'alice')?.members[0]?.weight, 4);
	await dash.waitFor(f => /1\. gemini-3-flash\s+w4\s+available/.test(f));
	const weightCalls = source.calls.filter(call => call.action === 'groups.setWeight');
	assert.deepEqual(weightCalls.at(-1)?.args, {alias: 'mix', model: 'gemini-3-flash', weight: 4, owner: 'alice'});

	// + on a random group: pick the model, then its weight (groups add --weight W --user U).
	await dash.press('+');
	await dash.type('opus');
	await dash.press(KEYS.enter);
	frame = dash.frame();
	assert.match(frame, /Add claude-opus-4-6 to mix/);
	assert.match(frame, /Weight: 1/);
	await dash.press(KEYS.backspace);
	await dash.type('2.5');
	await dash.press(KEYS.enter);
	await dash.waitFor('Added claude-opus-4-6 to mix with weight 2.5.');
	assert.deepEqual(source.calls.filter(call => call.action === 'groups.addMember').at(-1)?.args, {alias: 'mix', model: 'claude-opus-4-6', weight: 2.5, owner: 'alice'});
	assert.deepEqual(
		source.store.groups.get('mix', 'alice')?.members.map(member => [member.model, member.weight]),
		[['gemini-3-flash', 4], ['claude-opus-4-6', 2.5]],
	);
	// w on a group row does nothing (weights belong to members).
	await dash.press('g', 'k', 'k', 'k', 'w');
	assert.ok(!dash.frame().includes('Weight of'));
});

test('n with users asks the owner: global or one user (groups create --user)', async () => {
	const source = await createFakeSource(poolFixture());
	await source.run('users.create', {name: 'alice'});
	await source.run('users.create', {name: 'bob'});
	dash = await renderDashboard(source, {dashboard: {initialPanel: 'groups'}});
	await dash.waitFor('No groups yet');
	await dash.press('n');
	await dash.type('fast');
	await dash.press(KEYS.tab, KEYS.enter);
	let frame = await dash.waitFor('Owner of fast');
	assert.match(frame, /global \(every user\)/);
	assert.match(frame, /alice/);
	assert.match(frame, /3 of 3/);
	await dash.type('bob');
	await dash.press(KEYS.enter);
	frame = await dash.waitFor('Created group fast of user bob (random).');
	assert.equal(source.store.groups.get('fast', 'bob')?.strategy, 'random');
	assert.equal(source.store.groups.get('fast'), undefined, 'not a global group');
	assert.deepEqual(source.calls.filter(call => call.action === 'groups.create').at(-1)?.args, {alias: 'fast', strategy: 'random', owner: 'bob'});
	await dash.waitFor(f => /fast\s+bob\s+random/.test(f));
	// The same alias again, global this time; esc on the owner goes back to the alias, which is kept.
	await dash.press('n');
	await dash.type('fast');
	await dash.press(KEYS.enter);
	await dash.waitFor('Owner of fast');
	await dash.press(KEYS.escape);
	assert.match(dash.frame(), /Alias: fast/);
	await dash.press(KEYS.enter);
	await dash.waitFor('Owner of fast');
	await dash.press(KEYS.enter);
	await dash.waitFor('Created group fast (priority).');
	assert.equal(source.store.groups.get('fast')?.strategy, 'priority');
	assert.deepEqual(source.calls.filter(call => call.action === 'groups.create').at(-1)?.args, {alias: 'fast', strategy: 'priority'});
});

test('the status line clears when the next action starts: no stale outcome while the next one runs', async () => {
	const source = await createFakeSource(poolFixture());
	await source.run('groups.create', {alias: 'fast', strategy: 'priority'});
	await source.run('groups.addMember', {alias: 'fast', model: 'gemini-3-flash'});
	dash = await renderDashboard(source, {dashboard: {initialPanel: 'groups'}});
	await dash.waitFor('fast');
	await dash.press('s');
	await dash.waitFor('fast now picks members by random.');
	// The next action is held in flight: the last outcome must be gone meanwhile, not read as this one's.
	const real = source.run;
	let release: () => void = () => {};
	const held = new Promise<void>(resolve => {
		release = resolve;
	});
	source.run = (async (action: string, args: unknown) => {
		if (action === 'groups.setStrategy') await held;
		return await real(action as never, args as never);
	}) as typeof source.run;
	await dash.press('s');
	await dash.waitFor(f => !f.includes('now picks members by'));
	release();
	await dash.waitFor('fast now picks members by priority.');
	// An action that fails clears the last outcome too, and shows its own error.
	await dash.press('j', 'd');
	await dash.waitFor('Removed gemini-3-flash from fast.');
	await dash.press('k', 't');
	await dash.waitFor("group 'fast' has no members");
	assert.ok(!dash.frame().includes('Removed gemini-3-flash'));
});
