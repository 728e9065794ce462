// A damaged proxy.db through the shipped binary: `agproxy --daemon` restores proxy.db.bak and says so loudly on stdout
// (a JSON error line naming what is lost since when), keeps the damaged file (0600), and the restored state is what
// serves: a key rotated away in the lost save works again, the newer key does not.
import assert from 'node:assert/strict';
import {readdirSync, readFileSync, statSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {after, before, describe, it} from 'node:test';
import {cleanup, ensureBuilt, keyOf, run, startDaemon, tempDir} from '../bin/run.js';

before(() => ensureBuilt());
after(() => cleanup());

async function models(url: string, key: string): Promise<number> {
	const response = await fetch(`${url}/v1/models`, {headers: {'x-api-key': key}});
	await response.arrayBuffer();
	return response.status;
}

describe('agproxy --daemon with a damaged proxy.db', () => {
	it('restores proxy.db.bak with an error line that says what is lost, and keeps the damaged copy', {timeout: 90_000}, async () => {
		const dataDir = join(tempDir('agproxy-restore-'), 'data');
		const created = await run(['users', 'create', 'alice', '--data-dir', dataDir]);
		assert.equal(created.code, 0, created.stderr);
		const oldKey = keyOf(created.stdout);
		const rotated = await run(['users', 'rotate', 'alice', '--data-dir', dataDir]);
		assert.equal(rotated.code, 0, rotated.stderr);
		const newKey = keyOf(rotated.stdout);
		// proxy.db holds the rotation, proxy.db.bak the state before it. Damage proxy.db.
		const backupAt = statSync(join(dataDir, 'proxy.db.bak')).mtime.toISOString();
		const garbage = Buffer.alloc(16_384, 0x5a);
		writeFileSync(join(dataDir, 'proxy.db'), garbage);

		const daemon = await startDaemon(dataDir, []);
		try {
			const deadline = Date.now() + 5000;
			const restoreLine = (): Record<string, unknown> | undefined =>
				daemon.lines.map(line => JSON.parse(line) as Record<string, unknown>).find(record => record['event'] === 'notice' && String(record['message']).includes('restored'));
			while (restoreLine() === undefined && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 20));
			const line = restoreLine();
			assert.ok(line, `a restore line on stdout:\n${daemon.lines.join('\n')}`);
			assert.equal(line['level'], 'error');
			assert.equal(line['source'], 'store');
			const text = String(line['message']);
			assert.match(text, /proxy\.db was damaged/);
			assert.ok(text.includes(`changes made after ${backupAt}`), text);
			assert.match(text, /are lost/);

			const kept = readdirSync(dataDir).filter(name => name.startsWith('proxy.db.corrupt-'));
			assert.equal(kept.length, 1, readdirSync(dataDir).join(', '));
			const keptPath = join(dataDir, kept[0] ?? '');
			assert.ok(text.includes(keptPath), text);
			assert.deepEqual(readFileSync(keptPath), garbage, 'the damaged bytes are kept as they were');
			assert.equal(statSync(keptPath).mode & 0o777, 0o600);

			// The restored state serves: the rotation was in the lost save.
			assert.equal(await models(daemon.url, oldKey), 200);
			assert.equal(await models(daemon.url, newKey), 401);
		} finally {
			assert.equal(await daemon.stop(), 143, daemon.stderr());
		}
	});
});
