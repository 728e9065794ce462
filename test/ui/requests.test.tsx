// The Requests panel and the dashboard's own keys: rows newest first, the filter line, the detail view, moving,
// switching panels, help, quitting.
import assert from 'node:assert/strict';
import {afterEach, test} from 'node:test';
import {createFakeSource} from './fake-source.js';
import {type Dash, KEYS, overlong, renderDashboard} from './harness.js';

let dash: Dash | undefined;
afterEach(() => {
	dash?.unmount();
	dash = undefined;
});

const selectedLine = (frame: string): string => frame.split('\n').find(line => line.startsWith('›')) ?? '';

test('rows newest first with model asked→served, account, status, latency/ttft, tokens, stream; nothing over 80 columns', async () => {
	const source = await createFakeSource();
	dash = await renderDashboard(source);
	source.emitRequest({user: 'first', stream: false});
	source.emitRequest({user: 'second', modelAsked: 'fast', modelServed: 'gemini-3-flash', account: 'carol@example.com', status: 529, error: 'overloaded', latencyMs: 15_400, ttftMs: undefined});
	const frame = await dash.waitFor('second');
	const lines = frame.split('\n');
	const second = lines.findIndex(line => line.includes('second'));
	const first = lines.findIndex(line => line.includes('first'));
	assert.ok(second > 0 && first > second, 'newest first');
	assert.match(lines[second] ?? '', /fast→gemini-3-flash\s+carol\s+529\s+15s/);
	assert.match(lines[first] ?? '', /claude-sonnet-4-6\s+alice\s+200\s+1\.2s\/321ms\s+1\.2k\/340\/1\.0k\s*$/);
	assert.match(lines[second] ?? '', /~\s*$/, 'stream marker');
	assert.match(frame, /2 req\/min {2}0 in flight {2}1 err\/min \(1 of 2 since start\)/);
	assert.deepEqual(overlong(frame, 80), []);
	assert.equal(lines.length, 23, 'root height is rows - 1');
});

test('/ filters by any field as you type; enter keeps the filter, esc clears it; q typed into the filter does not quit', async () => {
	const source = await createFakeSource();
	dash = await renderDashboard(source);
	source.emitRequest({user: 'quinn', modelAsked: 'claude-opus-4-6', modelServed: 'claude-opus-4-6'});
	source.emitRequest({user: 'zed', modelAsked: 'gemini-2.5-pro', modelServed: 'gemini-2.5-pro'});
	source.emitRequest({user: 'yan', status: 500, error: 'upstream exploded'});
	await dash.waitFor('yan');
	await dash.press('/');
	await dash.type('quinn');
	assert.equal(dash.quits(), 0, 'q went into the filter');
	let frame = dash.frame();
	assert.match(frame, / \/ quinn/);
	assert.ok(frame.includes('claude-opus-4-6') && !frame.includes('zed') && !frame.includes('yan'));
	for (let i = 0; i < 5; i++) await dash.press(KEYS.backspace);
	await dash.type('exploded');
	frame = dash.frame();
	assert.ok(frame.includes('yan') && !frame.includes('quinn') && !frame.includes('zed'), 'matches the error text');
	await dash.press(KEYS.enter);
	frame = dash.frame();
	assert.match(frame, /filter: exploded {2}1 of 3/);
	// Once kept, keys move the selection again and new matching requests come in under the filter.
	source.emitRequest({user: 'zoe', status: 502, error: 'exploded again'});
	frame = await dash.waitFor('zoe');
	assert.match(frame, /filter: exploded {2}2 of 4/);
	await dash.press(KEYS.escape);
	frame = dash.frame();
	assert.ok(!frame.includes('filter:'));
	assert.ok(frame.includes('quinn') && frame.includes('zed') && frame.includes('yan') && frame.includes('zoe'));
	// esc while typing clears too.
	await dash.press('/');
	await dash.type('zzz');
	assert.match(dash.frame(), /No request matches 'zzz'/);
	await dash.press(KEYS.escape);
	assert.ok(dash.frame().includes('quinn'));
	assert.equal(dash.quits(), 0);
});

test('arrows and j/k move; the selection stays on its request as new ones arrive; enter opens the detail, esc goes back', async () => {
	const source = await createFakeSource();
	dash = await renderDashboard(source);
	source.emitRequest({user: 'u1'});
	source.emitRequest({
		user: 'u2',
		modelAsked: 'fast',
		modelServed: 'claude-sonnet-4-6',
		status: 429,
		error: 'All accounts are rate-limited for claude-sonnet-4-6; retry after 42s. '.repeat(3),
		attempts: [
			{accountId: 'alice@example.com', endpoint: 'daily', status: 429, error: 'RESOURCE_EXHAUSTED'},
			{accountId: 'bob@example.com', endpoint: 'prod', status: 503, error: 'no capacity'},
		],
	});
	source.emitRequest({user: 'u3'});
	await dash.waitFor('u3');
	assert.match(selectedLine(dash.frame()), /u3/, 'the newest is selected');
	await dash.press('j');
	assert.match(selectedLine(dash.frame()), /u2/);
	await dash.press(KEYS.down, KEYS.up);
	assert.match(selectedLine(dash.frame()), /u2/);
	source.emitRequest({user: 'u4'});
	await dash.waitFor('u4');
	assert.match(selectedLine(dash.frame()), /u2/, 'stays on its request');
	await dash.press('k', 'k');
	assert.match(selectedLine(dash.frame()), /u4/);
	await dash.press('G');
	assert.match(selectedLine(dash.frame()), /u1/);
	await dash.press('k', 'k');
	assert.match(selectedLine(dash.frame()), /u3/);
	await dash.press('j');
	assert.match(selectedLine(dash.frame()), /u2/);

	await dash.press(KEYS.enter);
	const detail = dash.frame();
	assert.match(detail, /Request req_\d+ {2}esc back/);
	assert.match(detail, /user\s+u2/);
	assert.match(detail, /model\s+fast → claude-sonnet-4-6/);
	assert.match(detail, /status\s+429/);
	assert.match(detail, /Upstream attempts \(2\)/);
	assert.match(detail, /1 alice@example\.com\s+daily\s+429 RESOURCE_EXHAUSTED/);
	assert.match(detail, /2 bob@example\.com\s+prod\s+503 no capacity/);
	assert.match(detail, /Error\n\s+All accounts are rate-limited/);
	assert.deepEqual(overlong(detail, 80), []);
	await dash.press(KEYS.escape);
	assert.match(selectedLine(dash.frame()), /u2/);
	assert.ok(!dash.frame().includes('Upstream attempts'));
});

test('tab, shift+tab and 1-4 switch panels; ? opens the help over everything; q and ctrl+c call onQuit', async () => {
	const source = await createFakeSource();
	dash = await renderDashboard(source);
	const title = (): string => dash?.frame().split('\n').find(line => line.includes('ACCOUNT') || line.includes('NAME') || line.includes('GROUP') || line.includes('TIME')) ?? '';
	assert.match(title(), /TIME/);
	await dash.press(KEYS.tab);
	assert.match(title(), /ACCOUNT/);
	await dash.press(KEYS.tab);
	assert.match(title(), /NAME/);
	await dash.press(KEYS.shiftTab, KEYS.shiftTab, KEYS.shiftTab);
	assert.match(title(), /GROUP/);
	await dash.press('3');
	assert.match(title(), /NAME/);
	await dash.press('1');
	assert.match(title(), /TIME/);

	await dash.press('?');
	let frame = dash.frame();
	assert.match(frame, /Keys {2}esc or \? closes/);
	assert.match(frame, /tab \/ shift\+tab\s+next \/ previous panel/);
	assert.deepEqual(overlong(frame, 80), []);
	await dash.press('j', 'j', 'j', '2');
	assert.match(dash.frame(), /Keys {2}esc or \? closes/, 'the help takes the keys');
	await dash.press(KEYS.escape);
	frame = dash.frame();
	assert.ok(!frame.includes('esc or ? closes'));
	assert.match(frame, /TIME/, 'back on the same panel');
	await dash.press('?', 'q');
	assert.equal(dash.quits(), 1, 'q quits from the help too');
	await dash.press(KEYS.ctrlC);
	assert.equal(dash.quits(), 2);
	// ctrl+c quits even from inside a dialog or the filter line.
	await dash.press('/', 'a', KEYS.ctrlC);
	assert.equal(dash.quits(), 3);
});

test('the help covers the panel without resetting it: the filter and the open detail view are still there after esc', async () => {
	const source = await createFakeSource();
	dash = await renderDashboard(source);
	source.emitRequest({user: 'keep-me'});
	source.emitRequest({user: 'other'});
	await dash.waitFor('other');
	await dash.press('/', 'k', 'e', 'e', 'p', KEYS.enter, '?');
	assert.match(dash.frame(), /Keys {2}esc or \? closes/);
	await dash.press('?');
	assert.match(dash.frame(), /filter: keep {2}1 of 2/);
	await dash.press(KEYS.enter, '?', KEYS.escape);
	assert.match(dash.frame(), /user\s+keep-me/);
});

test('a sign-in that cannot start says so in its dialog; keys keep working', async () => {
	const source = await createFakeSource();
	dash = await renderDashboard(source, {dashboard: {initialPanel: 'users'}});
	await dash.waitFor('No users');
	source.startLogin = () => {
		throw new Error('sign-in unavailable here');
	};
	await dash.press('2', 'a');
	await dash.waitFor('Failed: sign-in unavailable here');
	await dash.press(KEYS.escape, '1');
	assert.match(dash.frame(), /TIME/);
	assert.equal(dash.quits(), 0);
});
