// Startup failures through the shipped binary: a damaged proxy.db (StoreOpenError), a taken port, and --allow-open on a
// non-loopback address: one `agproxy: …` line and a non-zero exit, never a stack trace.
import assert from 'node:assert/strict';
import {once} from 'node:events';
import {writeFileSync} from 'node:fs';
import {type Server, createServer} from 'node:net';
import {join} from 'node:path';
import {describe, it} from 'node:test';
import {lifecycle, message, oneLine, run, startDaemon, tempDir} from './run.js';

lifecycle('startup');

/** A TCP port held by this test: a command that tried to bind it would fail with EADDRINUSE. */
async function holdPort(): Promise<{port: number; server: Server}> {
	const server = createServer();
	server.listen(0, '127.0.0.1');
	await once(server, 'listening');
	return {port: (server.address() as {port: number}).port, server};
}

describe('startup failures are one line', {concurrency: 2}, () => {
	it('a damaged proxy.db (StoreOpenError): commands and the server say so in one line and exit 1', async () => {
		const dataDir = tempDir();
		writeFileSync(join(dataDir, 'proxy.db'), 'not a database');
		for (const args of [
			['users', 'list', '--data-dir', dataDir],
			['--daemon', '--simulate', '--port', '0', '--data-dir', dataDir],
		]) {
			const result = await run(args);
			assert.equal(result.code, 1, result.stderr);
			assert.match(oneLine(result), /proxy\.db is damaged/);
		}
	});

	it('a port already in use: one line, exit 1', async () => {
		const held = await holdPort();
		try {
			const result = await run(['--daemon', '--simulate', '--port', String(held.port), '--data-dir', tempDir()]);
			assert.equal(result.code, 1, result.stderr);
			assert.match(oneLine(result), /EADDRINUSE/);
			const simulator = await run(['simulator', '--port', String(held.port)]);
			assert.equal(simulator.code, 1, simulator.stderr);
			assert.match(oneLine(simulator), /EADDRINUSE/);
		} finally {
			held.server.close();
		}
	});

	it('--host 0.0.0.0 --allow-open serves without users (the refusal without it is above)', async () => {
		const daemon = await startDaemon(tempDir(), ['--simulate', '--host', '0.0.0.0', '--allow-open']);
		try {
			assert.equal((await message(`http://127.0.0.1:${daemon.port}`)).status, 200);
		} finally {
			await daemon.stop();
		}
	});
});
