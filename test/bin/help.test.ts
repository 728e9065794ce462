// `--help`, `-h` and `--version` through the shipped binary, for every command and subcommand, before and after it:
// exit 0, that command's own text, and no side effect (no data directory created, no port bound, no sign-in started).
import assert from 'node:assert/strict';
import {once} from 'node:events';
import {existsSync, mkdirSync, readFileSync} from 'node:fs';
import {type Server, createServer} from 'node:net';
import {join} from 'node:path';
import {describe, it} from 'node:test';
import {ROOT, lifecycle, run, tempDir} from './run.js';

const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {version: string}).version;

lifecycle('help');

/** A TCP port held by this test: a command that tried to bind it would fail with EADDRINUSE. */
async function holdPort(): Promise<{port: number; server: Server}> {
	const server = createServer();
	server.listen(0, '127.0.0.1');
	await once(server, 'listening');
	return {port: (server.address() as {port: number}).port, server};
}

describe('--help, -h and --version: every command and subcommand, no side effects', {concurrency: 8}, () => {
	const targets: string[][] = [
		[],
		['start'],
		['accounts'],
		...['add', 'list', 'verify', 'remove', 'enable', 'disable', 'set-client'].map(sub => ['accounts', sub]),
		['users'],
		...['create', 'list', 'rotate', 'delete', 'disable', 'enable'].map(sub => ['users', sub]),
		['groups'],
		...['create', 'add', 'remove', 'move', 'weight', 'list', 'delete', 'strategy', 'test'].map(sub => ['groups', sub]),
		['settings'],
		...['list', 'get', 'set', 'unset'].map(sub => ['settings', sub]),
		['dashboard'],
		['simulator'],
	];
	for (const target of targets) {
		it(`agproxy ${target.join(' ') || '(no command)'} --help, -h before it`, async () => {
			const root = tempDir();
			const never = join(root, 'never');
			const home = join(root, 'home');
			mkdirSync(home);
			// --help after the command (with a data directory that must not appear), -h before it.
			for (const args of [
				[...target, '--help', '--data-dir', never],
				['-h', ...target],
			]) {
				const result = await run(args, {env: {XDG_DATA_HOME: home}});
				assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}`);
				assert.equal(result.stderr, '');
				assert.match(result.stdout, /Usage/);
				const [command, sub] = target;
				if (command !== undefined && command !== 'start') assert.match(result.stdout, new RegExp(`agproxy ${command}`), 'help of that command');
				// A subcommand's own text names it (settings has one text for all).
				if (sub !== undefined && command !== 'settings') assert.match(result.stdout, new RegExp(`agproxy ${command} ${sub}`), 'help of that subcommand');
			}
			assert.equal(existsSync(never), false, 'help creates no data directory');
			assert.equal(existsSync(join(home, 'agproxy')), false, 'nor the default one');
		});
	}

	it('agproxy --attach --help is the dashboard help', async () => {
		const result = await run(['--attach', '--help']);
		assert.equal(result.code, 0);
		assert.match(result.stdout, /agproxy dashboard/);
	});

	it('`npm start -- --help` (the flags npm start passes come first) prints help and starts nothing', async () => {
		const root = tempDir();
		const result = await run(['--data-dir', './data', '--help'], {cwd: root});
		assert.equal(result.code, 0, result.stderr);
		assert.match(result.stdout, /Usage/);
		assert.equal(existsSync(join(root, 'data')), false);
	});

	it('simulator --help and start --help bind no port (the port given is held here)', async () => {
		const held = await holdPort();
		try {
			for (const args of [
				['simulator', '--port', String(held.port), '--help'],
				['--port', String(held.port), '--simulate', '--daemon', '--help'],
				['start', '-p', String(held.port), '-h'],
			]) {
				const result = await run(args);
				assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}`);
				assert.match(result.stdout, /Usage/);
			}
		} finally {
			held.server.close();
		}
	});

	it('accounts add --help starts no sign-in (which would wait for minutes)', async () => {
		const result = await run(['accounts', 'add', '--no-browser', '--help']);
		assert.equal(result.code, 0);
		assert.doesNotMatch(result.stdout, /accounts\.google\.com|o\/oauth2/);
		assert.match(result.stdout, /--refresh-token/);
	});

	it('--version anywhere prints the version', async () => {
		for (const args of [['--version'], ['users', 'list', '--version'], ['--version', 'groups'], ['simulator', '--version']]) {
			const result = await run(args);
			assert.equal(result.code, 0, result.stderr);
			assert.equal(result.stdout, `${VERSION}\n`);
		}
	});
});
