// `agproxy dashboard` through the built binary: a headless daemon (`node dist/cli.js --daemon`, accounts in proxy.db,
// the simulator as its upstream) and two dashboards attached to it in real pseudo-terminals. A request to the daemon
// shows in both; a user created in one dashboard is created in the daemon; quitting one leaves the daemon serving;
// a daemon restarted on the same data dir is found again. And the refusals: no server, a stale server.json, no terminal.
import assert from 'node:assert/strict';
import {type ChildProcessWithoutNullStreams, execFile, spawn} from 'node:child_process';
import {once} from 'node:events';
import {existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {promisify} from 'node:util';
import {after, before, describe, it} from 'node:test';
import {type SimAccount, type Simulator, startSimulator} from '../../source/simulator/index.js';
import {openDataStore} from '../../source/store/index.js';
import {type Pty, assertExitedRestored, startPty} from '../helpers/pty.js';

const run = promisify(execFile);
const CLI = join(process.cwd(), 'dist', 'cli.js');
const ACCOUNT: SimAccount = {email: 'attach@pty.test', refreshToken: '1//refresh-attach', project: 'project-attach', tier: 'free-tier'};

type Daemon = {child: ChildProcessWithoutNullStreams; url: string; port: number; token: string; pid: number; log: () => string; stop: () => Promise<void>};

let sim: Simulator;
let dataDir: string;
const cleanups: Array<() => unknown> = [];

before(async () => {
	if (!existsSync(CLI)) throw new Error('dist/cli.js is missing: run `npm run build` first');
	sim = await startSimulator({port: 0, accounts: [ACCOUNT]});
	dataDir = mkdtempSync(join(tmpdir(), 'agproxy-attach-'));
	const seed = await openDataStore(dataDir);
	await seed.accounts.upsert({email: ACCOUNT.email, refreshToken: ACCOUNT.refreshToken, projectId: ACCOUNT.project ?? '', tier: 'free-tier', enabled: true, addedAt: new Date().toISOString()});
	seed.close();
});
after(async () => {
	for (const cleanup of cleanups.reverse()) await cleanup();
	await sim.close();
	rmSync(dataDir, {recursive: true, force: true});
});

function readServerJson(dir: string): {pid: number; port: number; token: string} | undefined {
	try {
		return JSON.parse(readFileSync(join(dir, 'server.json'), 'utf8')) as {pid: number; port: number; token: string};
	} catch {
		return undefined;
	}
}

/** `agproxy --daemon` on the data dir, its Google (token URL) and Cloud Code both the simulator. */
async function startDaemon(): Promise<Daemon> {
	const env = {
		PATH: process.env['PATH'] ?? '/usr/bin:/bin',
		HOME: process.env['HOME'] ?? '/tmp',
		AGPROXY_OAUTH_TOKEN_URL: sim.oauth.tokenUrl,
		AGPROXY_USERINFO_URL: sim.oauth.userinfoUrl,
		AGPROXY_OAUTH_AUTH_URL: sim.oauth.authUrl,
	};
	const child = spawn(process.execPath, [CLI, '--daemon', '--data-dir', dataDir, '--port', '0', '--upstream', sim.url], {env, stdio: ['pipe', 'pipe', 'pipe']});
	let log = '';
	child.stdout.on('data', chunk => (log += String(chunk)));
	child.stderr.on('data', chunk => (log += String(chunk)));
	const exited = once(child, 'exit');
	const deadline = Date.now() + 20_000;
	for (;;) {
		const info = readServerJson(dataDir);
		if (info !== undefined && info.pid === child.pid) {
			const url = `http://127.0.0.1:${info.port}`;
			const stop = async (): Promise<void> => {
				if (child.exitCode !== null || child.signalCode !== null) return;
				child.kill('SIGTERM');
				await exited;
			};
			cleanups.push(stop);
			return {child, url, port: info.port, token: info.token, pid: info.pid, log: () => log, stop};
		}
		if (child.exitCode !== null || Date.now() > deadline) throw new Error(`the daemon did not start: ${log}`);
		await new Promise(resolve => setTimeout(resolve, 50));
	}
}

function attach(): Pty {
	const pty = startPty(`node '${CLI}' dashboard --data-dir '${dataDir}'`);
	cleanups.push(() => pty.kill());
	return pty;
}

describe('agproxy dashboard attached to a running daemon', () => {
	it('shows the daemon live in two dashboards, edits reach it, quitting leaves it running, a restart is followed', {timeout: 150_000}, async () => {
		const daemon = await startDaemon();
		const one = attach();
		const two = attach();
		await one.waitFor(new RegExp(`http://127\\.0\\.0\\.1:${daemon.port}`), 'the daemon address in the first header');
		await two.waitFor(new RegExp(`http://127\\.0\\.0\\.1:${daemon.port}`), 'the daemon address in the second header');
		await one.waitFor(/attach@pty\.test/, 'the daemon account in the first dashboard');

		// A request to the daemon shows in both logs (a model name nothing else on screen shows).
		const [fromOne, fromTwo] = [one.screen().length, two.screen().length];
		const response = await fetch(`${daemon.url}/v1/messages`, {
			method: 'POST',
			headers: {'content-type': 'application/json'},
			body: JSON.stringify({model: 'claude-opus-4-6', max_tokens: 50, messages: [{role: 'user', content: 'hi from the attach test'}]}),
		});
		assert.equal(response.status, 200, await response.clone().text());
		await response.text();
		await one.waitFor(/claude-opus-4-6/, 'the request in the first dashboard', fromOne);
		await two.waitFor(/claude-opus-4-6/, 'the request in the second dashboard', fromTwo);

		// An edit in the first dashboard: a new user, created in the daemon.
		const onRequests = one.screen().length;
		one.type('3');
		await one.waitFor(/rotate key/, 'the users panel', onRequests);
		const beforeDialog = one.screen().length;
		one.type('n');
		await one.waitFor(/New user/, 'the new-user dialog', beforeDialog);
		one.type('attached-user');
		await new Promise(resolve => setTimeout(resolve, 200));
		one.type('\r');
		const key = (await one.waitFor(/sk-agp-[A-Za-z0-9_-]{20,}/, 'the new key', beforeDialog))[0];
		const listed = await run(process.execPath, [CLI, 'users', 'list', '--json', '--data-dir', dataDir]);
		const users = JSON.parse(listed.stdout) as Array<{name: string}>;
		assert.deepEqual(
			users.map(user => user.name),
			['attached-user'],
			'the daemon has the user (users list goes through its admin API)',
		);
		assert.equal((await fetch(`${daemon.url}/v1/models`, {headers: {'x-api-key': key}})).status, 200, 'the key shown works on the daemon');
		assert.equal((await fetch(`${daemon.url}/v1/models`)).status, 401, 'the daemon now requires keys');
		await two.waitFor(/keyed/, 'keyed mode in the second dashboard header');

		// Quitting the first dashboard detaches it only.
		one.type('\u001B');
		await new Promise(resolve => setTimeout(resolve, 300));
		one.type('q');
		await assertExitedRestored(one, 0, 'the dashboard');
		const health = await fetch(`${daemon.url}/health`);
		assert.equal(health.status, 200, 'the daemon still serves');
		assert.equal(daemon.child.exitCode, null);

		// The daemon goes away: the second dashboard says so and retries; a new daemon on the data dir is found again.
		const beforeStop = two.screen().length;
		await daemon.stop();
		await two.waitFor(/disconnected — retrying/, 'the disconnected notice', beforeStop);
		const restarted = await startDaemon();
		assert.notEqual(restarted.port, daemon.port);
		await two.waitFor(/reconnected to agproxy/, 'the reconnected notice', beforeStop);
		await two.waitFor(new RegExp(`http://127\\.0\\.0\\.1:${restarted.port}`), 'the new address in the header', beforeStop);
		two.type('q');
		await assertExitedRestored(two, 0, 'the dashboard');
		assert.equal((await fetch(`${restarted.url}/health`)).status, 200);
		await restarted.stop();
	});

	it('refuses clearly: no server on the data dir, a stale server.json, no terminal', {timeout: 60_000}, async () => {
		const empty = mkdtempSync(join(tmpdir(), 'agproxy-attach-none-'));
		cleanups.push(() => rmSync(empty, {recursive: true, force: true}));
		const refused = async (dir: string): Promise<{code: number; stderr: string}> => {
			const pty = startPty(`node '${CLI}' dashboard --data-dir '${dir}' 2>&1`);
			cleanups.push(() => pty.kill());
			const found = await pty.waitFor(/EXIT=(\d+)/, 'the refusal');
			const text = pty.screen().slice(0, pty.screen().indexOf('EXIT='));
			return {code: Number(found[1]), stderr: text.trim()};
		};
		const none = await refused(empty);
		assert.notEqual(none.code, 0);
		assert.match(none.stderr, /^agproxy: no agproxy is running on .*agproxy-attach-none-/);
		assert.equal(none.stderr.split('\n').length, 1, 'one line');

		// server.json of a process that is gone (pid far beyond pid_max).
		writeFileSync(join(empty, 'server.json'), JSON.stringify({pid: 4_000_000, port: 9, token: 'a'.repeat(64)}), {mode: 0o600});
		const stale = await refused(empty);
		assert.notEqual(stale.code, 0);
		assert.match(stale.stderr, /names a process that is gone/);

		// Not a terminal: refused before anything else.
		const piped = await run(process.execPath, [CLI, 'dashboard', '--data-dir', empty]).then(
			() => ({code: 0, stderr: ''}),
			(error: {code: number; stderr: string}) => ({code: error.code, stderr: error.stderr}),
		);
		assert.notEqual(piped.code, 0);
		assert.match(piped.stderr, /^agproxy: agproxy dashboard needs a terminal/);
	});
});
