// The request log and the dashboard's own keys: rows newest first, columns by width, calls without a model by their
// path, the legend, the filter on the text on screen, the detail view, moving, switching panels, help, quitting.
import assert from 'node:assert/strict';
import {afterEach, test} from 'node:test';
import {layoutColumns} from '../../source/ui/components/Table.js';
import {REQUEST_COLUMNS, matchesFilter, modelOrCall, statusText, statusTone} from '../../source/ui/panels/RequestsPanel.js';
import {createFakeSource, requestRecord} from './fake-source.js';
import {type Dash, KEYS, overlong, renderDashboard} from './harness.js';

let dash: Dash | undefined;
afterEach(() => {
	dash?.unmount();
	dash = undefined;
});

const selectedLine = (frame: string): string => frame.split('\n').find(line => line.startsWith('›')) ?? '';

const lineWith = (frame: string, text: string): string => frame.split('\n').find(line => line.includes(text)) ?? '';

test('rows newest first with model asked→served, account, status, latency, ttft, tokens, stream; nothing over 80 columns', async () => {
	const source = await createFakeSource();
	dash = await renderDashboard(source, {rows: 30});
	source.emitRequest({user: 'first', stream: false});
	source.emitRequest({user: 'second', modelAsked: 'fast', modelServed: 'gemini-3-flash', account: 'carol@example.com', status: 529, error: 'overloaded', latencyMs: 15_400, ttftMs: undefined});
	const frame = await dash.waitFor('second');
	const lines = frame.split('\n');
	const second = lines.findIndex(line => line.includes('second'));
	const first = lines.findIndex(line => line.includes('first'));
	assert.ok(second > 0 && first > second, 'newest first');
	assert.match(lineWith(frame, 'TIME'), /TIME\s+USER\s+MODEL asked→served\/CALL\s+ACCOUNT\s+ST\s+LAT\s+IN\/OUT\s+S$/);
	assert.match(lines[second] ?? '', /second\s+fast→gemini-3-flash\s+carol\s+529\s+15s\s+1\.2k\/340 ~$/);
	assert.match(lines[first] ?? '', /first\s+claude-sonnet-4-6\s+alice\s+200\s+1\.2s\s+1\.2k\/340$/);
	assert.ok(!frame.includes('REQUEST ID') && !frame.includes('CACHED') && !frame.includes('TTFT'), 'the id, cached tokens and ttft need a wider terminal');
	assert.deepEqual(overlong(frame, 80), []);
	assert.equal(lines.length, 29, 'root height is rows - 1');
});

test('wide terminals get more columns (cached tokens, request id); a long account address never makes a wide column', async () => {
	const source = await createFakeSource();
	dash = await renderDashboard(source, {columns: 180, rows: 30});
	const record = source.emitRequest({user: 'wide', account: `${'a-very-long-local-part'.repeat(5)}@example-corporation.com`, cachedTokens: 52_000});
	let frame = await dash.waitFor('wide');
	assert.match(lineWith(frame, 'TIME'), /ACCOUNT\s+ST\s+LAT\s+TTFT\s+IN\/OUT CACHED S REQUEST ID/);
	const row = lineWith(frame, 'wide');
	assert.match(row, new RegExp(`1\\.2k/340\\s+52k ~ ${record.id}$`));
	const account = /a-very-long\S*/.exec(row)?.[0] ?? '';
	assert.ok(account.length <= 20 && account.endsWith('…'), `account cell cut to at most 20 cells: ${account}`);
	assert.deepEqual(overlong(frame, 180), []);
	// Narrow: the optional columns go, highest first (id, cached, ttft, account), nothing wraps.
	for (const [columns, gone] of [[110, ['REQUEST ID']], [85, ['REQUEST ID', 'CACHED']], [70, ['REQUEST ID', 'CACHED', 'TTFT', 'ACCOUNT']]] as const) {
		await dash.resize(columns, 30);
		frame = dash.frame();
		for (const header of gone) assert.ok(!lineWith(frame, 'TIME').includes(header), `${header} dropped at ${columns}`);
		assert.match(lineWith(frame, 'TIME'), /TIME\s+USER\s+MODEL/);
		assert.deepEqual(overlong(frame, columns), []);
	}
});

test('a call without a model shows METHOD /path in the model column instead of a blank', async () => {
	const source = await createFakeSource();
	dash = await renderDashboard(source, {rows: 30});
	source.emitRequest({user: 'lister', method: 'GET', path: '/v1/models', modelAsked: undefined, modelServed: undefined, stream: false, inputTokens: undefined, outputTokens: undefined, cachedTokens: undefined, ttftMs: undefined, latencyMs: 3});
	source.emitRequest({user: '-', method: 'POST', path: '/refresh-token', modelAsked: undefined, modelServed: undefined, status: 401, stream: false});
	source.emitRequest({user: 'counter', path: '/v1/messages/count_tokens', modelAsked: 'claude-opus-4-6', modelServed: undefined, stream: false});
	const frame = await dash.waitFor('counter');
	assert.match(lineWith(frame, 'lister'), /lister\s+GET \/v1\/models\s+alice\s+200\s+3ms\s+-$/);
	assert.match(lineWith(frame, 'refresh-token'), /POST \/refresh-token\s+alice\s+401/);
	assert.match(lineWith(frame, 'counter'), /counter\s+claude-opus-4-6\s+alice/, 'a call that names a model shows the model');
});

test('the legend line explains the marks when the log has room; ? lists every column', async () => {
	const source = await createFakeSource();
	dash = await renderDashboard(source, {rows: 30});
	source.emitRequest({user: 'one'});
	let frame = await dash.waitFor('one');
	assert.match(frame, / ~ stream {2}a→b asked→served {2}4xx refused {2}5xx\/ERR failed {2}\? more/);
	await dash.press('?');
	for (let i = 0; i < 60; i++) await dash.press(KEYS.down);
	frame = dash.frame();
	assert.match(frame, /Request log columns/);
	assert.match(frame, /S\s+~ = a streamed \(SSE\) answer/);
	assert.match(frame, /REQUEST ID\s+the request-id header/);
	assert.match(frame, /\/ filter\s+matches the text of the columns on screen/);
	await dash.press(KEYS.escape);
	// A short log has no room for it: the rows come first.
	await dash.resize(80, 12);
	assert.doesNotMatch(dash.frame(), /a→b asked→served/);
});

test('/ filters on the text on screen as you type (user, model, call, account, status, id when shown; never a hidden field); enter keeps it, esc clears it; q typed into the filter does not quit', async () => {
	const source = await createFakeSource();
	dash = await renderDashboard(source, {rows: 30});
	source.emitRequest({user: 'quinn', modelAsked: 'claude-opus-4-6', modelServed: 'claude-opus-4-6'});
	source.emitRequest({user: 'zed', modelAsked: 'gemini-2.5-pro', modelServed: 'gemini-2.5-pro', account: 'dora@example.com'});
	const yan = source.emitRequest({user: 'yan', status: 500, error: 'upstream exploded'});
	source.emitRequest({user: 'lister', method: 'GET', path: '/v1/models', modelAsked: undefined, modelServed: undefined, status: 401});
	await dash.waitFor('lister');
	const shown = (frame: string): string[] => ['quinn', 'zed', 'yan', 'lister'].filter(user => frame.includes(user));
	await dash.press('/');
	await dash.type('quinn');
	assert.equal(dash.quits(), 0, 'q went into the filter');
	let frame = dash.frame();
	assert.match(frame, / \/ quinn/);
	assert.deepEqual(shown(frame), ['quinn']);
	const clear = async (): Promise<void> => {
		for (let i = 0; i < 40; i++) await dash?.press(KEYS.backspace);
	};
	for (const [text, expected] of [
		['opus', ['quinn']],
		['/v1/models', ['lister']],
		['GET', ['lister']],
		['401', ['lister']],
		['500', ['yan']],
		['dora', ['zed']],
		['→', []],
		// Not on screen: the error text, the account's domain, the request id (at 80 columns).
		['exploded', []],
		['example.com', []],
		[yan.id, []],
	] as const) {
		await clear();
		await dash.type(text);
		assert.deepEqual(shown(dash.frame()), expected, `filter '${text}'`);
	}
	await clear();
	await dash.type('z');
	await dash.press(KEYS.enter);
	frame = dash.frame();
	assert.match(frame, /filter: z {2}1 of 4/);
	// Once kept, keys move the selection again and new matching requests come in under the filter.
	source.emitRequest({user: 'zoe'});
	frame = await dash.waitFor('zoe');
	assert.match(frame, /filter: z {2}2 of 5/);
	await dash.press(KEYS.escape);
	frame = dash.frame();
	assert.ok(!frame.includes('filter:'));
	assert.deepEqual(shown(frame), ['quinn', 'zed', 'yan', 'lister']);
	// esc while typing clears too.
	await dash.press('/');
	await dash.type('zzz');
	assert.match(dash.frame(), /No request matches 'zzz'/);
	await dash.press(KEYS.escape);
	assert.ok(dash.frame().includes('quinn'));
	// Where the id is on screen (wide), it matches.
	await dash.resize(180, 30);
	await dash.press('/');
	await dash.type(yan.id);
	assert.deepEqual(shown(dash.frame()), ['yan']);
	await dash.press(KEYS.escape);
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

test('cells: model or call, status text and tone by class; the filter sees only the columns laid out', () => {
	assert.equal(modelOrCall(requestRecord({modelAsked: 'fast', modelServed: 'gemini-3-flash'})), 'fast→gemini-3-flash');
	assert.equal(modelOrCall(requestRecord({modelAsked: 'x', modelServed: 'x'})), 'x');
	assert.equal(modelOrCall(requestRecord({modelAsked: 'x', modelServed: undefined})), 'x');
	assert.equal(modelOrCall(requestRecord({method: 'GET', path: '/v1/models', modelAsked: undefined, modelServed: undefined})), 'GET /v1/models');
	assert.equal(statusText(requestRecord({status: 0})), 'ERR');
	assert.deepEqual(
		[200, 299, 400, 429, 499, 500, 529, 0].map(status => statusTone(requestRecord({status}))),
		[undefined, undefined, 'warn', 'warn', 'warn', 'error', 'error', 'error'],
	);
	assert.equal(statusTone(requestRecord({status: 200, error: 'client went away mid-stream'})), 'error', 'broken after the answer began');
	const record = requestRecord({user: 'ann', account: 'zed@corp.example', error: 'boom'});
	const narrow = layoutColumns(REQUEST_COLUMNS, 60).map(laid => laid.column);
	const wide = layoutColumns(REQUEST_COLUMNS, 200).map(laid => laid.column);
	assert.equal(matchesFilter(record, 'ANN', narrow), true, 'case-insensitive');
	assert.equal(matchesFilter(record, 'zed', narrow), false, 'the account column is not on screen at 60 columns');
	assert.equal(matchesFilter(record, 'zed', wide), true);
	assert.equal(matchesFilter(record, 'corp.example', wide), false, 'only the local part is shown');
	assert.equal(matchesFilter(record, 'boom', wide), false, 'the error is never in a cell');
	assert.equal(matchesFilter(record, record.id, narrow), false);
	assert.equal(matchesFilter(record, record.id, wide), true);
	assert.equal(matchesFilter(record, '~', wide), false, 'the stream mark is not text to search');
	assert.equal(matchesFilter(record, '', narrow), true);
});
