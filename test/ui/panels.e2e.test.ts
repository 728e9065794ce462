// The panels through the shipped artifact in a real pseudo-terminal: `node dist/cli.js --simulate` (run
// `npm run build` first): a call without a model shown by its path in the request log; then a group created, a member added with a weight and its weight changed with the dashboard's
// keys, then read back with `node dist/cli.js groups list --json` — while the server runs (through its admin API)
// and after it quit (from the data file): the edits are stored, not just drawn.
import assert from 'node:assert/strict';
import {execFile} from 'node:child_process';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {promisify} from 'node:util';
import {describe, it} from 'node:test';
import type {GroupView} from '../../source/actions/groups.js';
import {startPty} from '../helpers/pty.js';

const run = promisify(execFile);
const CLI = join(process.cwd(), 'dist', 'cli.js');
const pause = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms));

async function groupsList(dataDir: string): Promise<GroupView[]> {
	const env = {PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: process.env['HOME'] ?? '/tmp'};
	const {stdout} = await run(process.execPath, [CLI, 'groups', 'list', '--json', '--data-dir', dataDir], {env, timeout: 30_000});
	return JSON.parse(stdout) as GroupView[];
}

describe('panels in a pseudo-terminal (dist/cli.js)', () => {
	it('GET /v1/models shown by its path; a group made with the keys, a member added with weight 7 and set to 3 with w: stored, read back by the CLI', {timeout: 120_000}, async () => {
		const dataDir = mkdtempSync(join(tmpdir(), 'agproxy-panels-'));
		const pty = startPty(`node '${CLI}' --simulate --port 0 --data-dir '${dataDir}'`, {cols: 100, rows: 30});
		const {waitFor} = pty;
		/** Types keys one by one (each is handled after the previous one's frame), then waits for `pattern`. */
		const keys = async (text: string, pattern: RegExp, what: string): Promise<void> => {
			const from = pty.screen().length;
			for (const key of text) {
				pty.type(key);
				await pause(120);
			}
			await waitFor(pattern, what, from);
		};
		try {
			const url = (await waitFor(/http:\/\/127\.0\.0\.1:\d+/, 'the dashboard'))[0];
			// A call without a model is shown by its path in the request log, not as a blank model.
			const models = await fetch(`${url}/v1/models`);
			assert.equal(models.status, 200);
			await models.text();
			await waitFor(/\d\d:\d\d:\d\d\s+-\s+GET \/v1\/models\s+-?\s*200/, 'GET /v1/models in the request log');
			await keys('4', /No groups yet/, 'the groups panel');
			await keys('n', /New group/, 'the new-group dialog');
			await keys('mix', /Alias: mix/, 'the alias typed');
			// tab: random; enter: no users, so a global group at once.
			await keys('\t', /\[random\]/, 'the strategy switched');
			await keys('\r', /Created group mix \(random\)/, 'the group created');
			await keys('+', /Add a member to mix/, 'the model picker');
			await keys('gemini-3-flash', /› gemini-3-flash\s/, 'the picker narrowed, the model first');
			await keys('\r', /Add gemini-3-flash to mix/, 'the weight prompt of a random group');
			await keys('\u007F7\r', /Added gemini-3-flash to mix with weight 7\./, 'the member added');

			let groups = await groupsList(dataDir);
			assert.deepEqual(groups.map(group => [group.alias, group.owner, group.strategy, group.members.map(member => [member.model, member.weight])]), [['mix', undefined, 'random', [['gemini-3-flash', 7]]]], 'read through the running server');

			await keys('w', /Weight of gemini-3-flash in mix/, 'the weight dialog on the selected member');
			await keys('\u007F3\r', /gemini-3-flash in mix now has weight 3\./, 'the weight changed');
			await waitFor(/1\. gemini-3-flash\s+w3/, 'the new weight in the list');
			await pause(200);
			pty.type('q');
			await waitFor(/EXIT=0/, 'agproxy to quit');
			await pty.exited;

			groups = await groupsList(dataDir);
			assert.equal(groups[0]?.members[0]?.weight, 3, 'stored in the data file');
			assert.equal(groups[0]?.members[0]?.model, 'gemini-3-flash');
		} finally {
			pty.kill();
			rmSync(dataDir, {recursive: true, force: true});
		}
	});
});
