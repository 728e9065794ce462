// The processes a benchmark runs: the simulator and agproxy from `dist/cli.js`, optionally pinned to CPUs with taskset,
// and what the kernel says about them (CPU time from /proc/<pid>/stat, resident memory from /proc/<pid>/status).
import {type ChildProcess, execFileSync, spawn} from 'node:child_process';
import {once} from 'node:events';
import {mkdtempSync, readFileSync, readdirSync, rmSync} from 'node:fs';
import {availableParallelism, tmpdir} from 'node:os';
import {join} from 'node:path';
import {createInterface} from 'node:readline';
import {request} from 'undici';
import {DEFAULT_ACCOUNTS} from '../../source/simulator/index.js';

export type Placement = {
	/** CPU list for agproxy (taskset syntax), or undefined when nothing is pinned. */
	proxy?: string;
	/** CPU list for the simulator and the load generator (this process). */
	rest?: string;
};

function hasTaskset(): boolean {
	try {
		execFileSync('taskset', ['--version'], {stdio: 'ignore'});
		return true;
	} catch {
		return false;
	}
}

/**
 * agproxy alone on CPU 0; the simulator and the load generator share CPU 1. Then the floor (load generator -> simulator)
 * runs on the same CPU in both cases and agproxy's own work cannot be hidden by, or blamed on, the others.
 */
export function choosePlacement(pin: boolean): Placement {
	if (!pin || process.platform !== 'linux' || availableParallelism() < 2 || !hasTaskset()) return {};
	return {proxy: '0', rest: '1'};
}

export function describePlacement(placement: Placement): string {
	return placement.proxy === undefined
		? 'not pinned: load generator, simulator and agproxy share every CPU'
		: `pinned with taskset: agproxy on CPU ${placement.proxy}; simulator and load generator on CPU ${placement.rest}`;
}

/** Moves this process (all its threads) to the given CPUs. */
export function pinSelf(cpus: string | undefined): void {
	if (cpus !== undefined) execFileSync('taskset', ['-a', '-p', '-c', cpus, String(process.pid)], {stdio: 'ignore'});
}

const CLOCK_TICKS = (() => {
	try {
		return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
	} catch {
		return 100;
	}
})();

/**
 * CPU time a process (all its threads) has used so far, in ms: the scheduler's nanosecond run time from
 * /proc/<pid>/task/<tid>/schedstat, or utime + stime from /proc/<pid>/stat (one clock tick, usually 10 ms, resolution).
 */
export function cpuMs(pid: number): number {
	try {
		let ns = 0;
		for (const tid of readdirSync(`/proc/${pid}/task`)) ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
		if (Number.isFinite(ns) && ns > 0) return ns / 1e6;
	} catch {
		// no schedstat (or a thread ended while reading): fall back to the tick counts
	}
	const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
	// Fields after the command name (which may hold spaces) start at field 3; utime and stime are fields 14 and 15.
	const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
	return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
}

/** Resident set size and its peak (VmHWM) in bytes. */
export function memory(pid: number): {rss: number; peak: number} {
	const status = readFileSync(`/proc/${pid}/status`, 'utf8');
	const kb = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+)\\s+kB`, 'm').exec(status)?.[1] ?? Number.NaN) * 1024;
	return {rss: kb('VmRSS'), peak: kb('VmHWM')};
}

/** Samples a process's RSS every `everyMs` until stopped; resolves with the largest value seen. */
export function sampleRss(pid: number, everyMs = 50): {stop: () => number} {
	let max = 0;
	const take = (): void => {
		try {
			max = Math.max(max, memory(pid).rss);
		} catch {
			// the process is gone
		}
	};
	take();
	const timer = setInterval(take, everyMs);
	return {
		stop: () => {
			clearInterval(timer);
			take();
			return max;
		},
	};
}

export type Server = {child: ChildProcess; pid: number; url: string; stop: () => Promise<void>};

/** Starts `node [nodeArgs] dist/cli.js args` (under taskset when `cpus` is set) and resolves with the URL it logs. */
export async function spawnServer(args: string[], options: {env?: NodeJS.ProcessEnv; cpus?: string | undefined; nodeArgs?: string[]} = {}): Promise<Server> {
	return spawnNode([...(options.nodeArgs ?? []), 'dist/cli.js', ...args], options);
}

/** Starts `node argv` (under taskset when `cpus` is set) and resolves once it logs a JSON line with its `url`. */
export async function spawnNode(argv: string[], options: {env?: NodeJS.ProcessEnv; cpus?: string | undefined} = {}): Promise<Server> {
	const [command, args] = options.cpus === undefined ? [process.execPath, argv] : ['taskset', ['-c', options.cpus, process.execPath, ...argv]];
	const child = spawn(command, args, {env: {...process.env, ...options.env}, stdio: ['ignore', 'pipe', 'inherit']});
	const lines = createInterface({input: child.stdout as NodeJS.ReadableStream});
	let url: string | undefined;
	for await (const line of lines) {
		try {
			url = (JSON.parse(line) as {url?: string}).url;
		} catch {
			// not a log line
		}
		if (url) break;
	}
	// The log keeps coming (one line per request with --daemon): drain it so agproxy never blocks on a full pipe.
	child.stdout?.resume();
	if (!url || child.pid === undefined) throw new Error(`node ${argv.join(' ')} exited before listening`);
	return {child, pid: child.pid, url, stop: () => stopChild(child)};
}

export async function stopChild(child: ChildProcess): Promise<void> {
	if (child.exitCode !== null || child.signalCode !== null) return;
	const exited = once(child, 'exit');
	child.kill('SIGTERM');
	const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
	await exited;
	clearTimeout(timer);
}

export const DEMO = (() => {
	const account = DEFAULT_ACCOUNTS[0];
	if (!account?.project) throw new Error('the simulator has no demo account with a project');
	return {email: account.email, refreshToken: account.refreshToken, project: account.project};
})();

/** An access token for the demo account, through the simulator's OAuth token endpoint. */
export async function accessToken(simUrl: string): Promise<string> {
	const answer = await request(`${simUrl}/token`, {
		method: 'POST',
		headers: {'content-type': 'application/x-www-form-urlencoded'},
		body: new URLSearchParams({grant_type: 'refresh_token', refresh_token: DEMO.refreshToken}).toString(),
	});
	return ((await answer.body.json()) as {access_token: string}).access_token;
}

/**
 * `node dist/cli.js simulator`. Without warnings: every held-open stream's pause adds a listener to the simulator's
 * shutdown signal, and Node warns about more than ten.
 */
export function startSimulator(placement: Placement): Promise<Server> {
	return spawnServer(['simulator', '--port', '0'], {cpus: placement.rest, nodeArgs: ['--no-warnings']});
}

export type Stack = {
	sim: Server;
	proxy: Server;
	/** bench/null-proxy.ts on agproxy's CPU: the cost of an HTTP hop in Node without agproxy's own work */
	bare: Server;
	token: string;
	dataDir: string;
	close: () => Promise<void>;
};

/**
 * The simulator plus agproxy in single-token mode (`--daemon --upstream <sim>` with AGPROXY_ACCESS_TOKEN): no account pool,
 * so no per-account concurrency limit sits between the load and the code being measured.
 */
export async function startStack(placement: Placement, options: {proxyNodeArgs?: string[]; proxyEnv?: NodeJS.ProcessEnv} = {}): Promise<Stack> {
	const sim = await startSimulator(placement);
	const token = await accessToken(sim.url);
	const dataDir = mkdtempSync(join(tmpdir(), 'agproxy-bench-'));
	const proxy = await spawnServer(['--daemon', '--port', '0', '--upstream', sim.url, '--data-dir', dataDir], {
		cpus: placement.proxy,
		env: {AGPROXY_ACCESS_TOKEN: token, AGPROXY_PROJECT: DEMO.project, ...options.proxyEnv},
		...(options.proxyNodeArgs ? {nodeArgs: options.proxyNodeArgs} : {}),
	});
	const bare = await spawnNode(['--import', 'tsx', 'bench/null-proxy.ts', sim.url, token, DEMO.project], {cpus: placement.proxy});
	return {
		sim,
		proxy,
		bare,
		token,
		dataDir,
		close: async () => {
			await proxy.stop();
			await bare.stop();
			await sim.stop();
			rmSync(dataDir, {recursive: true, force: true});
		},
	};
}
