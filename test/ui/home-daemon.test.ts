// `agproxy --daemon` with no Google account (and no single token) says at start, as a JSON warn line, that requests
// will fail; with a single token (AGPROXY_ACCESS_TOKEN) it does not. Through the real CLI, nothing else reached
// (the upstream is a closed local port: Google is never called).
import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {once} from 'node:events';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {createInterface} from 'node:readline';
import {describe, it} from 'node:test';

/** The daemon's JSON lines up to and a little after its start banner (the line with `url`). */
async function startLines(env: NodeJS.ProcessEnv): Promise<Array<Record<string, unknown>>> {
	const dataDir = mkdtempSync(join(tmpdir(), 'agproxy-home-daemon-'));
	const child = spawn(process.execPath, ['--import', 'tsx', 'cli.tsx', '--daemon', '--port', '0', '--upstream', 'http://127.0.0.1:9', '--data-dir', dataDir], {
		stdio: ['ignore', 'pipe', 'pipe'],
		env: {PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: dataDir, ...env},
	});
	let stderr = '';
	child.stderr.on('data', chunk => (stderr += String(chunk)));
	const records: Array<Record<string, unknown>> = [];
	try {
		const reader = createInterface({input: child.stdout});
		await new Promise<void>((resolve, reject) => {
			const timer = setTimeout(() => reject(new Error(`no start banner: ${stderr}`)), 30_000);
			reader.on('line', line => {
				const record = JSON.parse(line) as Record<string, unknown>;
				records.push(record);
				if (record['url'] !== undefined) {
					clearTimeout(timer);
					// Whatever is logged at start follows the banner at once.
					setTimeout(resolve, 300);
				}
			});
			child.once('exit', () => reject(new Error(`exited early: ${stderr}`)));
		});
		child.kill('SIGTERM');
		await once(child, 'exit');
		return records;
	} finally {
		child.kill('SIGKILL');
		rmSync(dataDir, {recursive: true, force: true});
	}
}

describe('daemon start with no account', () => {
	it('logs a warn line: no Google account, requests will fail', {timeout: 60_000}, async () => {
		const records = await startLines({});
		const warning = records.find(r => r['event'] === 'notice' && r['level'] === 'warn' && /no Google account/.test(String(r['message'])));
		assert.ok(warning, JSON.stringify(records));
		assert.match(String(warning['message']), /requests will fail with 503/);
		assert.equal(warning['accounts'], 0);
	});

	it('says nothing of the kind in single-token mode', {timeout: 60_000}, async () => {
		const records = await startLines({AGPROXY_ACCESS_TOKEN: 'ya29.test-token', AGPROXY_PROJECT: 'test-project'});
		assert.ok(records.some(r => r['url'] !== undefined), 'started');
		assert.ok(!records.some(r => /no Google account/.test(String(r['message']))), JSON.stringify(records));
	});
});
