// Every panel, the help and the dialogs fit the terminal: at 80x24 no line is longer than 80 columns and the frame is
// rows - 1 lines; after a resize the layout follows (wider columns, fewer or more rows); a tiny terminal gets a notice.
import assert from 'node:assert/strict';
import {afterEach, test} from 'node:test';
import {createFakeSource, type FakeSource} from './fake-source.js';
import {poolFixture} from './fixtures.js';
import {type Dash, KEYS, overlong, renderDashboard} from './harness.js';

let dash: Dash | undefined;
afterEach(() => {
	dash?.unmount();
	dash = undefined;
});

async function populated(): Promise<FakeSource> {
	const source = await createFakeSource(poolFixture());
	await source.run('users.create', {name: 'alice'});
	await source.run('users.create', {name: 'a-user-with-a-name-of-32-chars-x', admin: true});
	await source.run('groups.create', {alias: 'fast', strategy: 'priority'});
	await source.run('groups.addMember', {alias: 'fast', model: 'gemini-3-flash'});
	await source.run('groups.create', {alias: 'a-very-long-group-alias-that-goes-on-and-on-and-on', strategy: 'random', owner: 'a-user-with-a-name-of-32-chars-x'});
	await source.run('groups.addMember', {alias: 'a-very-long-group-alias-that-goes-on-and-on-and-on', model: 'claude-opus-4-6', owner: 'a-user-with-a-name-of-32-chars-x'});
	return source;
}

function emitVariety(source: FakeSource): void {
	for (let i = 0; i < 40; i++) {
		source.emitRequest({
			user: i % 3 === 0 ? 'a-user-with-a-name-of-32-chars-x' : 'alice',
			modelAsked: i % 2 === 0 ? 'a-very-long-group-alias-that-goes-on-and-on-and-on' : 'claude-sonnet-4-6',
			modelServed: i % 2 === 0 ? 'claude-opus-4-6-thinking-with-a-suffix' : 'claude-sonnet-4-6',
			account: 'bob.with.a.very.long.address.for.truncation@example-corporation.com',
			status: i % 5 === 0 ? 529 : 200,
			latencyMs: i * 997,
			inputTokens: i * 123_456,
			outputTokens: i * 7890,
			cachedTokens: i * 1_000_000,
			...(i % 5 === 0 ? {error: `Upstream said:\n\t${'overloaded '.repeat(30)}\u001b[31mred\u001b[0m`} : {}),
		});
	}
}

const SCREENS: Array<{name: string; keys: string[]}> = [
	{name: 'home', keys: ['1']},
	{name: 'request detail', keys: ['1', KEYS.enter]},
	{name: 'requests filter', keys: ['1', KEYS.escape, '/', 'o', 'v', 'e', 'r']},
	{name: 'accounts', keys: [KEYS.escape, KEYS.escape, '2']},
	{name: 'accounts delete dialog', keys: ['2', 'j', 'd']},
	{name: 'users', keys: [KEYS.escape, '3']},
	{name: 'users new dialog', keys: ['3', 'n', 'x']},
	{name: 'groups', keys: [KEYS.escape, '4']},
	{name: 'groups picker', keys: ['4', '+']},
	{name: 'help', keys: [KEYS.escape, '?']},
];

for (const size of [
	{columns: 80, rows: 24},
	{columns: 120, rows: 40},
	{columns: 60, rows: 16},
]) {
	test(`${size.columns}x${size.rows}: every panel, view and dialog fits (no line over ${size.columns} columns, ${size.rows - 1} lines)`, async () => {
		const source = await populated();
		dash = await renderDashboard(source, size);
		emitVariety(source);
		await dash.waitFor('529');
		for (const screen of SCREENS) {
			await dash.press(...screen.keys);
			await dash.waitFor(frame => !frame.includes('Loading…'));
			const frame = dash.frame();
			assert.deepEqual(overlong(frame, size.columns), [], `${screen.name}:\n${frame}`);
			assert.equal(frame.split('\n').length, size.rows - 1, `${screen.name}: ${size.rows - 1} lines`);
			assert.ok(!frame.includes('\u001b'), 'no escape sequences from the data reach the screen');
		}
	});
}

test('resizing re-lays out: columns appear when wider and the table gets more rows', async () => {
	const source = await populated();
	dash = await renderDashboard(source, {columns: 60, rows: 16});
	emitVariety(source);
	await dash.waitFor('529');
	let frame = dash.frame();
	assert.ok(!frame.includes('CACHED'), 'the cached-tokens column is dropped at 60 columns');
	assert.doesNotMatch(frame, /ACCOUNT\s+ST\s/, 'and the log\'s account column');
	const narrowRows = frame.split('\n').filter(line => / 529 | 200 /.test(line)).length;
	await dash.resize(120, 40);
	frame = dash.frame();
	assert.ok(frame.includes('CACHED'));
	assert.match(frame, /ACCOUNT\s+ST\s/, `the log's account column is back:\n${frame}`);
	assert.equal(frame.split('\n').length, 39);
	const wideRows = frame.split('\n').filter(line => / 529 | 200 /.test(line)).length;
	assert.ok(wideRows > narrowRows, `${wideRows} > ${narrowRows}`);
	await dash.resize(30, 8);
	assert.match(dash.frame(), /Terminal too small: 30x8/);
	await dash.press('q');
	assert.equal(dash.quits(), 1, 'keys still work');
	await dash.resize(80, 24);
	assert.ok(dash.frame().includes('TIME'));
});
