// The shipped binary as a user runs it: `node dist/cli.js …` in a child process. Builds dist/ first when any source
// is newer than dist/cli.js (so `npm test` proves the artifact, not the sources), and tracks every child and temp
// directory so that a failing test still ends them.
import assert from 'node:assert/strict';
import {type ChildProcess, execFileSync, spawn} from 'node:child_process';
import {once} from 'node:events';
import {createHash} from 'node:crypto';
import {existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join, resolve} from 'node:path';
import {createInterface} from 'node:readline';
import {after, before} from 'node:test';
import {readServerInfo} from '../../source/store/lock.js';

export const ROOT = resolve(import.meta.dirname, '..', '..');
export const BIN = join(ROOT, 'dist', 'cli.js');

function newestSource(dir: string): number {
	let newest = 0;
	for (const entry of readdirSync(dir, {withFileTypes: true})) {
		const path = join(dir, entry.name);
		if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
		else newest = Math.max(newest, statSync(path).mtimeMs);
	}
	return newest;
}

function fresh(): boolean {
	const inputs = Math.max(newestSource(join(ROOT, 'source')), ...['cli.tsx', 'tsconfig.build.json', 'package.json'].map(f => statSync(join(ROOT, f)).mtimeMs));
	return existsSync(BIN) && statSync(BIN).mtimeMs >= inputs;
}

/**
 * `npm run build` unless dist/cli.js is newer than cli.tsx, source/ and the build config. The bin test files run in
 * parallel: one builds (under a lock directory) while the others wait for it.
 */
export async function ensureBuilt(): Promise<void> {
	const lock = join(tmpdir(), `agproxy-build-${createHash('sha256').update(ROOT).digest('hex').slice(0, 12)}.lock`);
	const deadline = Date.now() + 180_000;
	while (!fresh()) {
		try {
			mkdirSync(lock);
		} catch {
			// Another test file builds; a lock older than the longest build is left over from a killed run.
			if (Date.now() - (statSync(lock, {throwIfNoEntry: false})?.mtimeMs ?? Date.now()) > 150_000) rmSync(lock, {recursive: true, force: true});
			if (Date.now() > deadline) throw new Error(`dist/ is stale and ${lock} is held`);
			await new Promise(r => setTimeout(r, 250));
			continue;
		}
		try {
			if (!fresh()) execFileSync('npm', ['run', 'build', '--silent'], {cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'], timeout: 150_000});
		} finally {
			rmSync(lock, {recursive: true, force: true});
		}
		// tsc reports type errors with a non-zero exit but still emits; the bin tests judge what was emitted.
		break;
	}
}

export type Result = {code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string};

const children = new Set<ChildProcess>();
const temps = new Set<string>();

/** An environment without the developer's agproxy variables (a stray AGPROXY_DATA_DIR must not leak into a test). */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
	const env: NodeJS.ProcessEnv = {};
	for (const [key, value] of Object.entries(process.env)) {
		if (key.startsWith('AGPROXY_') || key === 'PORT' || key === 'HOST' || key === 'CI') continue;
		env[key] = value;
	}
	return {...env, ...extra};
}

/** Distinct command lines run (command, subcommand and flag names; values left out): the coverage count. */
export const covered = new Set<string>();

export function coverage(args: readonly string[]): void {
	covered.add(args.map(a => (a.startsWith('-') || /^[a-z]+$/.test(a) ? a : '…')).join(' '));
}

/** Runs `node dist/cli.js ...args` to its end (killed after `timeoutMs`). */
export async function run(args: readonly string[], options: {env?: Record<string, string>; timeoutMs?: number; cwd?: string} = {}): Promise<Result> {
	coverage(args);
	const child = spawn(process.execPath, [BIN, ...args], {cwd: options.cwd ?? ROOT, env: cleanEnv(options.env), stdio: ['ignore', 'pipe', 'pipe']});
	children.add(child);
	let stdout = '';
	let stderr = '';
	child.stdout.on('data', chunk => (stdout += String(chunk)));
	child.stderr.on('data', chunk => (stderr += String(chunk)));
	const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 40_000);
	try {
		const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
		// 'exit' may come before the pipes are drained.
		if (child.stdout.readable) await once(child.stdout, 'close').catch(() => {});
		if (child.stderr.readable) await once(child.stderr, 'close').catch(() => {});
		return {code, signal, stdout, stderr};
	} finally {
		clearTimeout(timer);
		children.delete(child);
	}
}

export function tempDir(prefix = 'agproxy-bin-'): string {
	const dir = mkdtempSync(join(tmpdir(), prefix));
	temps.add(dir);
	return dir;
}

export type Daemon = {
	url: string;
	port: number;
	child: ChildProcess;
	lines: string[];
	stderr: () => string;
	/** SIGTERM and the exit code. */
	stop: () => Promise<number | null>;
};

/**
 * `node dist/cli.js --daemon --port 0 …args`, resolved once it listens (the JSON line with its URL) and server.json
 * names it (the file other commands use to find it).
 */
export async function startDaemon(dataDir: string, args: readonly string[], env: Record<string, string> = {}): Promise<Daemon> {
	coverage(['--daemon', '--port', '0', '--data-dir', dataDir, ...args]);
	const child = spawn(process.execPath, [BIN, '--daemon', '--port', '0', '--data-dir', dataDir, ...args], {cwd: ROOT, env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe']});
	children.add(child);
	const lines: string[] = [];
	let stderr = '';
	child.stderr.on('data', chunk => (stderr += String(chunk)));
	const exited = once(child, 'exit');
	const url = await new Promise<string>((resolveUrl, reject) => {
		const timer = setTimeout(() => reject(new Error(`the daemon did not start in 60 s: ${stderr}`)), 60_000);
		createInterface({input: child.stdout}).on('line', line => {
			lines.push(line);
			const parsed = JSON.parse(line) as {url?: string};
			if (parsed.url !== undefined) {
				clearTimeout(timer);
				resolveUrl(parsed.url);
			}
		});
		child.once('exit', code => {
			clearTimeout(timer);
			reject(new Error(`the daemon exited (${String(code)}) before listening: ${stderr}`));
		});
	});
	const port = Number(new URL(url).port);
	const deadline = Date.now() + 5000;
	while (readServerInfo(dataDir)?.port !== port) {
		if (Date.now() > deadline) throw new Error('server.json does not name the daemon');
		await new Promise(r => setTimeout(r, 20));
	}
	return {
		url,
		port,
		child,
		lines,
		stderr: () => stderr,
		stop: async () => {
			if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
			child.kill('SIGTERM');
			const [code] = (await exited) as [number | null];
			children.delete(child);
			return code;
		},
	};
}

/** The before/after hooks of a bin test file: build, then end every child, remove every temp dir, report coverage. */
export function lifecycle(name: string): void {
	before(ensureBuilt, {timeout: 200_000});
	after(() => {
		cleanup();
		process.stdout.write(`# bin ${name}: ${covered.size} distinct command lines through dist/cli.js\n`);
	});
}

/** Ends every child still running and removes every temp directory (after hook). */
export function cleanup(): void {
	for (const child of children) child.kill('SIGKILL');
	children.clear();
	for (const dir of temps) rmSync(dir, {recursive: true, force: true});
	temps.clear();
}

/** One line on stderr, `agproxy: …`, and no stack frame. */
export function oneLine(result: Result): string {
	const lines = result.stderr.trimEnd().split('\n');
	if (lines.length !== 1 || !lines[0]?.startsWith('agproxy: ') || /\n\s+at /.test(result.stderr)) {
		throw new Error(`expected one 'agproxy: …' line on stderr, got:\n${result.stderr}`);
	}
	return lines[0];
}

/** POST /v1/messages with an optional key; the status and body. */
export async function message(url: string, key?: string, model = 'claude-sonnet-4-6'): Promise<{status: number; body: string}> {
	const response = await fetch(`${url}/v1/messages`, {
		method: 'POST',
		headers: {'content-type': 'application/json', ...(key === undefined ? {} : {'x-api-key': key})},
		body: JSON.stringify({model, max_tokens: 20, messages: [{role: 'user', content: 'hi'}]}),
	});
	return {status: response.status, body: await response.text()};
}

/** The key a `users create|rotate` printed. */
export function keyOf(stdout: string): string {
	const match = /sk-agp-[A-Za-z0-9_-]+/.exec(stdout);
	if (match === null) throw new Error(`no key in: ${stdout}`);
	return match[0];
}

export type SimulatorBin = {url: string; env: Record<string, string>; stop: () => Promise<number | null>};

/**
 * `node dist/cli.js simulator --port 0`: its URL (for --upstream) and its OAuth endpoints as the AGPROXY_* variables that
 * point agproxy's token refresh and userinfo at it, from the JSON line it prints.
 */
export async function startSimulatorBin(): Promise<SimulatorBin> {
	coverage(['simulator', '--port', '0']);
	const child = spawn(process.execPath, [BIN, 'simulator', '--port', '0'], {cwd: ROOT, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe']});
	children.add(child);
	const exited = once(child, 'exit');
	const [line] = (await once(createInterface({input: child.stdout}), 'line')) as [string];
	const info = JSON.parse(line) as {url: string; oauth: {authUrl: string; tokenUrl: string; userinfoUrl: string}};
	return {
		url: info.url,
		env: {AGPROXY_OAUTH_AUTH_URL: info.oauth.authUrl, AGPROXY_OAUTH_TOKEN_URL: info.oauth.tokenUrl, AGPROXY_USERINFO_URL: info.oauth.userinfoUrl},
		stop: async () => {
			child.kill('SIGTERM');
			const [code] = (await exited) as [number | null];
			children.delete(child);
			return code;
		},
	};
}

/**
 * The running server the server-* files test against: `--daemon --simulate` on `dataDir` with a strategy, a model map
 * and a host, checked to announce the data dir and serve while no user exists (also through the map); then the admin
 * user `ops` created through it, after which keys are required. Its key is `opsKey`.
 */
async function startSimulateServer(dataDir: string): Promise<{daemon: Daemon; opsKey: string}> {
	const daemon = await startDaemon(dataDir, ['--simulate', '--strategy', 'round-robin', '--model-map', 'my-model=gemini-3-flash', '--host', '127.0.0.1']);
	const banner = daemon.lines.map(line => JSON.parse(line) as {message?: string}).find(l => l.message?.startsWith('agproxy listening'));
	assert.match(banner?.message ?? '', new RegExp(`demo accounts in memory; users, groups and usage in ${dataDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
	assert.equal((await message(daemon.url)).status, 200, 'open while no user exists');
	assert.equal((await message(daemon.url, undefined, 'my-model')).status, 200, '--model-map applies');
	const ops = await run(['users', 'create', 'ops', '--admin', '--data-dir', dataDir]);
	assert.equal(ops.code, 0, ops.stderr);
	const opsKey = keyOf(ops.stdout);
	assert.equal((await message(daemon.url)).status, 401, 'a user exists: keys are required at once');
	return {daemon, opsKey};
}

export type SimulateServer = {daemon: Daemon; opsKey: string};

/**
 * `startSimulateServer` for the enclosing describe: started in its before hook, stopped in its after hook (whichever
 * daemon `daemon` names then: a test may restart it on the same data directory and store the new one there).
 */
export function simulateServerSuite(dataDir: string): SimulateServer {
	let started: SimulateServer | undefined;
	before(async () => {
		started = await startSimulateServer(dataDir);
	});
	after(async () => {
		await started?.daemon.stop();
	});
	const current = (): SimulateServer => {
		if (started === undefined) throw new Error('the server starts in the before hook');
		return started;
	};
	return {
		get daemon(): Daemon {
			return current().daemon;
		},
		set daemon(daemon: Daemon) {
			current().daemon = daemon;
		},
		get opsKey(): string {
			return current().opsKey;
		},
	};
}

export type SimulatorSuite = {
	/** The `agproxy simulator` child (started in the suite's before hook). */
	readonly sim: SimulatorBin;
	/** `agproxy accounts …args` on `dataDir`, its Google and Cloud Code the simulator. */
	accountsOn: (dataDir: string) => (...args: string[]) => Promise<Result>;
};

/** `agproxy simulator` for the enclosing describe: started before its tests, checked to end cleanly on SIGTERM after. */
export function simulatorSuite(): SimulatorSuite {
	let started: SimulatorBin | undefined;
	before(async () => {
		started = await startSimulatorBin();
	});
	after(async () => {
		if (started !== undefined) assert.equal(await started.stop(), 0, 'the simulator ends cleanly on SIGTERM');
	});
	const suite: SimulatorSuite = {
		get sim(): SimulatorBin {
			if (started === undefined) throw new Error('the simulator starts in the before hook');
			return started;
		},
		accountsOn: dataDir => (...args) => run(['accounts', ...args, '--upstream', suite.sim.url, '--data-dir', dataDir], {env: suite.sim.env}),
	};
	return suite;
}
