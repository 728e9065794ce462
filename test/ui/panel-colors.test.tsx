// Colours of the request log's statuses (4xx yellow, 5xx and no answer red with the whole row, success plain) and of
// the Users table drawn by ink-table (state green / yellow); none of it under NO_COLOR. FORCE_COLOR=1 is set before
// Ink and chalk load (dynamic imports below), or chalk would write no colour to a test's fake stdout.
import assert from 'node:assert/strict';
import {test} from 'node:test';

process.env['FORCE_COLOR'] = '1';

const COLOUR = /\u001B\[(?:3[0-8]|9[0-7])m/;
const YELLOW = '\u001B[33m';
const RED = '\u001B[31m';

async function load(): Promise<{harness: typeof import('./harness.js'); fake: typeof import('./fake-source.js')}> {
	return {harness: await import('./harness.js'), fake: await import('./fake-source.js')};
}

const rowOf = (raw: string, text: string): string => raw.split('\n').find(line => line.includes(text)) ?? '';

test('statuses by class: 4xx yellow (the status only), 5xx / ERR red with the row, 200 uncoloured; NO_COLOR none', async () => {
	const {harness, fake} = await load();
	const source = await fake.createFakeSource();
	for (const noColor of [false, true]) {
		const dash = await harness.renderDashboard(source, {rows: 30, dashboard: {noColor}});
		try {
			source.emitRequest({user: 'okay'});
			source.emitRequest({user: 'limited', status: 429, error: 'rate limited'});
			source.emitRequest({user: 'broken', status: 503, error: 'no capacity'});
			source.emitRequest({user: 'gone', status: 0, error: 'socket hang up'});
			await dash.waitFor('gone');
			await dash.press('G');
			const raw = dash.raw();
			if (noColor) {
				assert.doesNotMatch(raw, COLOUR);
				continue;
			}
			const limited = rowOf(raw, 'limited');
			assert.ok(limited.includes(`${YELLOW}429`), `429 in yellow: ${JSON.stringify(limited)}`);
			assert.ok(!limited.includes(RED), 'a refusal does not turn the row red');
			assert.ok(rowOf(raw, 'broken').includes(RED) && /\u001B\[31m[^\u001B]*broken/.test(rowOf(raw, 'broken')), 'a 5xx row is red');
			assert.ok(/\u001B\[31m[^\u001B]*ERR/.test(rowOf(raw, 'gone')), 'no answer: ERR in red');
			const okay = rowOf(raw, 'okay');
			assert.ok(!okay.includes(RED) && !okay.includes(YELLOW), `a success is not coloured: ${JSON.stringify(okay)}`);
			// The legend colours its marks like the table.
			assert.match(rowOf(raw, 'refused'), /\u001B\[33m(?:\u001B\[[0-9;]*m)*4xx/, JSON.stringify(rowOf(raw, 'refused')));
		} finally {
			dash.unmount();
		}
	}
});

test('the Users table (ink-table) colours the state cell; NO_COLOR writes no colour', async () => {
	const {harness, fake} = await load();
	const source = await fake.createFakeSource();
	await source.run('users.create', {name: 'alice'});
	await source.run('users.create', {name: 'bob'});
	await source.run('users.setDisabled', {name: 'bob', disabled: true});
	let dash = await harness.renderDashboard(source, {dashboard: {initialPanel: 'users', noColor: false}});
	try {
		await dash.waitFor('bob');
		assert.match(rowOf(dash.raw(), "bob"), /\u001B\[33m disabled/);
		assert.match(rowOf(dash.raw(), "alice"), /\u001B\[32m active/);
	} finally {
		dash.unmount();
	}
	dash = await harness.renderDashboard(source, {dashboard: {initialPanel: 'users', noColor: true}});
	try {
		await dash.waitFor('bob');
		assert.doesNotMatch(dash.raw(), COLOUR);
	} finally {
		dash.unmount();
	}
});
