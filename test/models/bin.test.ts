// Through the shipped artifact (`node dist/cli.js`, built first): the catalogue ships inside dist/ and /v1/models reports
// limits and account counts; a retired id and an oversized request get Anthropic's errors; `accounts set-client` and
// the clientVersion setting work as a user types them, and a bad version is refused with one line.
import assert from 'node:assert/strict';
import {existsSync} from 'node:fs';
import {join} from 'node:path';
import {describe, it} from 'node:test';
import {ROOT, lifecycle, oneLine, run, startDaemon, tempDir} from '../bin/run.js';

lifecycle('models');

type Listed = {data: Array<{id: string; type: string; max_input_tokens: number | null; max_tokens: number | null; agproxy?: {accounts: number}}>};

async function post(url: string, body: unknown): Promise<{status: number; json: {type: string; error: {type: string; message: string}}}> {
	const response = await fetch(`${url}/v1/messages`, {method: 'POST', headers: {'content-type': 'application/json'}, body: JSON.stringify(body)});
	return {status: response.status, json: (await response.json()) as {type: string; error: {type: string; message: string}}};
}

describe('models and client version through dist/cli.js', () => {
	it('ships the catalogue and serves limits, counts, retired ids and limit errors', {timeout: 90_000}, async () => {
		assert.ok(existsSync(join(ROOT, 'dist', 'source', 'models', 'catalogue.json')), 'the build copies the catalogue into dist/');
		const dir = tempDir();
		const daemon = await startDaemon(dir, ['--simulate']);
		try {
			let listed: Listed = {data: []};
			const deadline = Date.now() + 20_000;
			// The account counts arrive with the first quota refresh of the two demo accounts.
			while (Date.now() < deadline) {
				listed = (await (await fetch(`${daemon.url}/v1/models?limit=100`)).json()) as Listed;
				if (listed.data.find(m => m.id === 'claude-sonnet-4-6')?.agproxy?.accounts === 2) break;
				await new Promise(resolve => setTimeout(resolve, 50));
			}
			const sonnet = listed.data.find(m => m.id === 'claude-sonnet-4-6');
			assert.deepEqual({input: sonnet?.max_input_tokens, output: sonnet?.max_tokens, accounts: sonnet?.agproxy?.accounts}, {input: 200_000, output: 64_000, accounts: 2});
			assert.equal(listed.data.find(m => m.id === 'gemini-3-flash')?.max_input_tokens, 1_048_576);

			const retired = await post(daemon.url, {model: 'claude-opus-4-5-thinking', max_tokens: 10, messages: [{role: 'user', content: 'hi'}]});
			assert.equal(retired.status, 404);
			assert.equal(retired.json.error.type, 'not_found_error');
			assert.match(retired.json.error.message, /use claude-opus-4-6-thinking instead/);

			const tooMuch = await post(daemon.url, {model: 'claude-sonnet-4-6', max_tokens: 100_000, messages: [{role: 'user', content: 'hi'}]});
			assert.equal(tooMuch.status, 400);
			assert.equal(tooMuch.json.error.type, 'invalid_request_error');
			assert.match(tooMuch.json.error.message, /^max_tokens: 100000 > 64000/);

			const ok = await post(daemon.url, {model: 'claude-opus-4-8', max_tokens: 64_000, messages: [{role: 'user', content: 'hi'}]});
			assert.equal(ok.status, 200, JSON.stringify(ok.json));

			// accounts set-client goes through the running daemon's admin API.
			const set = await run(['accounts', 'set-client', 'demo@agproxy.local', '3.0.0', '--data-dir', dir]);
			assert.equal(set.code, 0, set.stderr);
			assert.equal(set.stdout, 'demo@agproxy.local now presents client version 3.0.0.\n');
			const listedAccounts = await run(['accounts', 'list', '--json', '--data-dir', dir]);
			const accounts = JSON.parse(listedAccounts.stdout) as Array<{email: string; clientVersion?: string}>;
			assert.equal(accounts.find(a => a.email === 'demo@agproxy.local')?.clientVersion, '3.0.0');
			const bad = await run(['accounts', 'set-client', 'demo@agproxy.local', 'newest', '--data-dir', dir]);
			assert.equal(bad.code, 2);
			assert.match(oneLine(bad), /invalid client version 'newest'/);
			const back = await run(['accounts', 'set-client', 'demo@agproxy.local', 'default', '--data-dir', dir]);
			assert.equal(back.stdout, 'demo@agproxy.local now presents the clientVersion setting.\n');
		} finally {
			await daemon.stop();
		}
	});

	it('the clientVersion setting is validated, and a bad AGPROXY_CLIENT_VERSION stops the start with one line', {timeout: 60_000}, async () => {
		const dir = tempDir();
		const set = await run(['settings', 'set', 'clientVersion', '3.1.0', '--data-dir', dir]);
		assert.equal(set.code, 0, set.stderr);
		const got = await run(['settings', 'get', 'clientVersion', '--data-dir', dir]);
		assert.match(got.stdout, /3\.1\.0/);
		const wrong = await run(['settings', 'set', 'clientVersion', 'latest', '--data-dir', dir]);
		assert.notEqual(wrong.code, 0);
		assert.match(oneLine(wrong), /clientVersion/);
		const start = await run(['--daemon', '--simulate', '--port', '0', '--data-dir', dir], {env: {AGPROXY_CLIENT_VERSION: 'v-next'}});
		assert.notEqual(start.code, 0);
		assert.match(oneLine(start), /invalid AGPROXY_CLIENT_VERSION 'v-next'/);
	});
});
