// The sign-in dialog's URL: rows of exactly the dialog's width with nothing added (no border, padding, '…' or
// wrapping), so the rows put together are the URL; an OSC 8 link to the whole URL on every row where the terminal
// supports them, plain under NO_COLOR; ctrl+y writes it to the clipboard (OSC 52) and the dialog says so.
import assert from 'node:assert/strict';
import {afterEach, test} from 'node:test';
import {chunkRows, hyperlink, supportsHyperlinks} from '../../source/ui/components/hyperlink.js';
import {LOGIN_URL, createFakeSource} from './fake-source.js';
import {type Dash, overlong, renderDashboard} from './harness.js';

let dash: Dash | undefined;
afterEach(() => {
	dash?.unmount();
	dash = undefined;
	delete process.env['FORCE_HYPERLINK'];
});

const CTRL_Y = '\u0019';

/** The URL's rows: from the one that starts it to the blank line after it. */
function urlRows(frame: string): string[] {
	const lines = frame.split('\n');
	const start = lines.findIndex(line => line.startsWith('https://'));
	const rows: string[] = [];
	for (let index = start; index >= 0 && index < lines.length && (lines[index] ?? '').trim() !== ''; index++) rows.push(lines[index] ?? '');
	return rows;
}

/** Records what the dashboard writes to its terminal (escape sequences Ink does not draw, like OSC 52). */
function recordWrites(target: Dash): string[] {
	const stdout = target.stdout as unknown as {write: (data: string) => boolean};
	const writes: string[] = [];
	const write = stdout.write.bind(stdout);
	stdout.write = (data: string) => {
		writes.push(data);
		return write(data);
	};
	return writes;
}

for (const columns of [80, 57]) {
	test(`at ${columns} columns the URL is cut into rows of exactly ${columns} characters that put together are the URL`, async () => {
		const source = await createFakeSource();
		dash = await renderDashboard(source, {columns, rows: 30, dashboard: {initialPanel: 'accounts'}});
		await dash.press('a');
		const frame = await dash.waitFor('Open this URL');
		const rows = urlRows(frame);
		assert.ok(rows.length >= 2, `the URL spans rows: ${frame}`);
		assert.equal(rows.join(''), LOGIN_URL, 'nothing added, nothing lost');
		for (const row of rows.slice(0, -1)) assert.equal([...row].length, columns, 'every row but the last fills the width');
		assert.deepEqual(overlong(frame, columns), []);
		assert.match(frame, /ctrl\+y copy URL/);
	});
}

test('ctrl+y copies the whole URL with OSC 52 and the dialog confirms it', async () => {
	const source = await createFakeSource();
	dash = await renderDashboard(source, {rows: 30, dashboard: {initialPanel: 'accounts'}});
	const writes = recordWrites(dash);
	await dash.press('a');
	await dash.waitFor('Open this URL');
	assert.doesNotMatch(dash.frame(), /Copied the whole URL/);
	await dash.press(CTRL_Y);
	const frame = await dash.waitFor('Copied the whole URL');
	assert.match(frame, new RegExp(`Copied the whole URL \\(${LOGIN_URL.length} characters\\) to the clipboard\\.`));
	assert.match(frame, /esc cancel {3}copied/);
	const osc52 = writes.find(data => data.startsWith('\u001B]52;c;'));
	assert.ok(osc52, 'an OSC 52 sequence was written');
	assert.equal(Buffer.from(osc52.slice('\u001B]52;c;'.length, -1), 'base64').toString('utf8'), LOGIN_URL);
	// The paste field still takes text after the copy.
	await dash.type('abc');
	assert.match(dash.frame(), /Paste the redirect URL or the code: ?abc/);
});

test('every row is an OSC 8 link to the whole URL where the terminal supports them; plain under NO_COLOR', async () => {
	process.env['FORCE_HYPERLINK'] = '1';
	const source = await createFakeSource();
	dash = await renderDashboard(source, {rows: 30, dashboard: {initialPanel: 'accounts', noColor: false}});
	await dash.press('a');
	await dash.waitFor('Open this URL');
	const raw = dash.raw();
	const rows = urlRows(dash.frame());
	const links = raw.split(`\u001B]8;;${LOGIN_URL}\u0007`).length - 1;
	assert.ok(links >= rows.length, `${links} links for ${rows.length} rows`);
	dash.unmount();
	dash = await renderDashboard(source, {rows: 30, dashboard: {initialPanel: 'accounts', noColor: true}});
	await dash.press('a');
	await dash.waitFor('Open this URL');
	assert.ok(!dash.raw().includes('\u001B]8;;'), 'NO_COLOR: plain text');
	assert.equal(urlRows(dash.frame()).join(''), LOGIN_URL);
});

test('hyperlink support: forced on/off, known terminals, never inside tmux/screen; rows are cut by characters', () => {
	assert.equal(supportsHyperlinks({FORCE_HYPERLINK: '1'}), true);
	assert.equal(supportsHyperlinks({FORCE_HYPERLINK: '0', TERM_PROGRAM: 'iTerm.app'}), false);
	assert.equal(supportsHyperlinks({TERM_PROGRAM: 'iTerm.app'}), true);
	assert.equal(supportsHyperlinks({WT_SESSION: 'x'}), true);
	assert.equal(supportsHyperlinks({VTE_VERSION: '7600'}), true);
	assert.equal(supportsHyperlinks({VTE_VERSION: '4800'}), false);
	assert.equal(supportsHyperlinks({TERM: 'xterm-kitty'}), true);
	assert.equal(supportsHyperlinks({TERM: 'xterm-256color'}), false);
	assert.equal(supportsHyperlinks({TERM: 'screen-256color', TERM_PROGRAM: 'iTerm.app'}), false);
	assert.equal(supportsHyperlinks({TMUX: '/tmp/tmux', WT_SESSION: 'x'}), false);
	assert.equal(hyperlink('https://x.test/a', 'a'), '\u001B]8;;https://x.test/a\u0007a\u001B]8;;\u0007');
	assert.deepEqual(chunkRows('abcdefg', 3), ['abc', 'def', 'g']);
	assert.deepEqual(chunkRows('', 3), []);
	assert.deepEqual(chunkRows('abc', 0), []);
});
