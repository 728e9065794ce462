// `agproxy --daemon`: the same server with no dashboard; stdout is one JSON object per line, and SIGTERM ends it cleanly.
import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {once} from 'node:events';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {createInterface} from 'node:readline';
import {describe, it} from 'node:test';

describe('agproxy --daemon', () => {
	it('logs JSON lines for notices and requests, then shuts down on SIGTERM', {timeout: 60_000}, async () => {
		const dataDir = mkdtempSync(join(tmpdir(), 'agproxy-daemon-'));
		const child = spawn(process.execPath, ['--import', 'tsx', 'cli.tsx', '--simulate', '--daemon', '--port', '0', '--data-dir', dataDir], {stdio: ['ignore', 'pipe', 'pipe']});
		const lines: string[] = [];
		let stderr = '';
		child.stderr.on('data', chunk => (stderr += String(chunk)));
		try {
			const reader = createInterface({input: child.stdout});
			const url = await new Promise<string>((resolve, reject) => {
				reader.on('line', line => {
					lines.push(line);
					const parsed = JSON.parse(line) as {url?: string};
					if (parsed.url) resolve(parsed.url);
				});
				child.once('exit', () => reject(new Error(`exited early: ${stderr}`)));
			});
			const response = await fetch(`${url}/v1/messages`, {method: 'POST', headers: {'content-type': 'application/json'}, body: JSON.stringify({model: 'claude-sonnet-4-6', max_tokens: 20, messages: [{role: 'user', content: 'hi'}]})});
			assert.equal(response.status, 200);
			await response.text();
			const deadline = Date.now() + 5000;
			while (!lines.some(l => l.includes('"event":"request"')) && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 20));
			child.kill('SIGTERM');
			const [code] = (await once(child, 'exit')) as [number | null];
			assert.equal(code, 143, stderr);
			const records = lines.map(line => JSON.parse(line) as Record<string, unknown>);
			const request = records.find(r => r['event'] === 'request');
			assert.ok(request, lines.join('\n'));
			for (const field of ['time', 'level', 'id', 'status', 'latency_ms', 'model', 'served', 'account']) assert.ok(field in request, `request line has ${field}`);
			assert.equal(request['status'], 200);
			assert.ok(records.some(r => r['event'] === 'notice' && String(r['message']).includes('shutting down')));
			assert.doesNotMatch(lines.join('\n'), /\u001B\[/, 'no terminal escape codes in daemon output');
		} finally {
			child.kill('SIGKILL');
			rmSync(dataDir, {recursive: true, force: true});
		}
	});
});
