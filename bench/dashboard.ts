// What the dashboard costs: agproxy with its Ink dashboard in a real pseudo-terminal (util-linux `script`, 100x30) beside
// the same agproxy headless (`--daemon`), first idle (no request: the dashboard should draw nothing), then both serving the
// same fixed request rate; the difference in their CPU time and memory is the dashboard's.
import {type ChildProcess, execFileSync, spawn} from 'node:child_process';
import {once} from 'node:events';
import {mkdtempSync, readlinkSync, realpathSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {clientAgent, exchange, fixedRate} from './lib/load.js';
import {DEMO, type Placement, accessToken, cpuMs, memory, spawnServer, startSimulator} from './lib/procs.js';
import {shortRequest} from './lib/workloads.js';

export type DashboardSide = {cpuPercent: number; rss: number; failed: number; sent: number};
/** The same process before any request: what it costs to sit there (the dashboard should draw nothing). */
export type IdleSide = {cpuPercent: number; rss: number; terminalBytesPerSecond?: number};
export type DashboardResult = {
	rate: number;
	seconds: number;
	idleSeconds?: number;
	/** The average of the two headless runs (before and after the dashboard). */
	daemon: DashboardSide;
	/** CPU % of each headless run. */
	daemonRuns?: [number, number];
	dashboard: DashboardSide & {terminalBytesPerSecond: number; scriptCpuPercent: number};
	daemonIdle?: IdleSide;
	dashboardIdle?: IdleSide;
};

const plain = (text: string): string => text.replace(/\u001B\[[0-9;?]*[A-Za-z]/g, '');

async function measure(url: string, pid: number, rate: number, seconds: number): Promise<DashboardSide> {
	const dispatcher = clientAgent(64);
	const target = shortRequest().proxy;
	try {
		await fixedRate(rate, 1500, () => exchange(url, target, dispatcher));
		const before = cpuMs(pid);
		const run = await fixedRate(rate, seconds * 1000, () => exchange(url, target, dispatcher));
		const cpu = cpuMs(pid) - before;
		return {cpuPercent: (cpu / run.wallMs) * 100, rss: memory(pid).rss, failed: run.failed, sent: run.sent};
	} finally {
		await dispatcher.close();
	}
}

type Pty = {script: ChildProcess; node: number; url: string; output: () => number; close: () => Promise<void>};

/** agproxy with its dashboard in a 100x30 pseudo-terminal, single-token mode against the simulator. */
async function startInPty(simUrl: string, token: string, cpus: string | undefined, nodeArgs: readonly string[] = []): Promise<Pty> {
	const dataDir = mkdtempSync(join(tmpdir(), 'agproxy-bench-pty-'));
	const quote = (s: string): string => `'${s.replaceAll("'", "'\\''")}'`;
	const pin = cpus === undefined ? '' : `taskset -c ${cpus} `;
	// `exec`: the shell becomes agproxy, so agproxy is `script`'s own child and its CPU time is agproxy's alone.
	const command = `stty cols 100 rows 30; exec ${pin}${quote(process.execPath)} ${nodeArgs.map(quote).join(' ')} dist/cli.js --port 0 --upstream ${quote(simUrl)} --data-dir ${quote(dataDir)}`;
	const env: NodeJS.ProcessEnv = {
		PATH: process.env['PATH'] ?? '/usr/bin:/bin',
		HOME: process.env['HOME'] ?? '/tmp',
		TERM: 'xterm-256color',
		LANG: 'C.UTF-8',
		AGPROXY_ACCESS_TOKEN: token,
		AGPROXY_PROJECT: DEMO.project,
	};
	const script = spawn('script', ['-qfec', command, '/dev/null'], {stdio: ['pipe', 'pipe', 'pipe'], env});
	let screen = '';
	let bytes = 0;
	script.stdout?.on('data', (chunk: Buffer) => {
		bytes += chunk.length;
		if (screen.length < 200_000) screen += chunk.toString('utf8');
	});
	script.stderr?.resume();
	let node: number;
	let url: string | undefined;
	try {
		const deadline = Date.now() + 30_000;
		while (Date.now() < deadline && script.exitCode === null) {
			url = /http:\/\/127\.0\.0\.1:\d+/.exec(plain(screen))?.[0];
			if (url) break;
			await new Promise(resolve => setTimeout(resolve, 50));
		}
		if (!url || script.pid === undefined) throw new Error(`the dashboard did not start; screen so far:\n${plain(screen).slice(-1500)}`);
		node = Number(execFileSync('pgrep', ['-P', String(script.pid)]).toString().trim().split('\n')[0]);
		// agproxy sets its process title, so its command line no longer says dist/cli.js: check the executable instead.
		if (readlinkSync(`/proc/${node}/exe`) !== realpathSync(process.execPath)) throw new Error(`process ${node} under script is not node`);
	} catch (error) {
		// Closing the terminal hangs up on agproxy (SIGHUP), which stops it.
		script.kill('SIGKILL');
		rmSync(dataDir, {recursive: true, force: true});
		throw error;
	}
	return {
		script,
		node,
		url,
		output: () => bytes,
		close: async () => {
			const exited = once(script, 'exit');
			script.stdin?.write('q');
			const timer = setTimeout(() => script.kill('SIGKILL'), 15_000);
			await exited;
			clearTimeout(timer);
			rmSync(dataDir, {recursive: true, force: true});
		},
	};
}

/** CPU of `pid` over `seconds` with no request sent. */
async function idle(pid: number, seconds: number): Promise<IdleSide> {
	const before = cpuMs(pid);
	const started = Date.now();
	await new Promise(resolve => setTimeout(resolve, seconds * 1000));
	return {cpuPercent: ((cpuMs(pid) - before) / (Date.now() - started)) * 100, rss: memory(pid).rss};
}

export type DashboardBenchOptions = {
	rate: number;
	seconds: number;
	/** Idle measurement before the load (default 5 s; 0 skips it). */
	idleSeconds?: number;
	/** Extra node flags for the dashboard's agproxy (e.g. --cpu-prof). */
	nodeArgs?: readonly string[];
};

export async function benchDashboard(placement: Placement, options: DashboardBenchOptions): Promise<DashboardResult> {
	const idleSeconds = options.idleSeconds ?? 5;
	const sim = await startSimulator(placement);
	try {
		const token = await accessToken(sim.url);
		// The headless floor is measured before and after the dashboard and averaged: on a shared machine the load drifts,
		// and a floor taken only before would put the drift on the dashboard's account.
		const measureDaemon = async (): Promise<{side: DashboardSide; idle?: IdleSide}> => {
			const dataDir = mkdtempSync(join(tmpdir(), 'agproxy-bench-'));
			const daemon = await spawnServer(['--daemon', '--port', '0', '--upstream', sim.url, '--data-dir', dataDir], {
				cpus: placement.proxy,
				env: {AGPROXY_ACCESS_TOKEN: token, AGPROXY_PROJECT: DEMO.project},
			});
			try {
				// Settle after start-up before timing idle (the pool's first quota fetch, JIT).
				await new Promise(resolve => setTimeout(resolve, 1000));
				const quiet = idleSeconds > 0 ? await idle(daemon.pid, idleSeconds) : undefined;
				const side = await measure(daemon.url, daemon.pid, options.rate, options.seconds);
				return quiet === undefined ? {side} : {side, idle: quiet};
			} finally {
				await daemon.stop();
				rmSync(dataDir, {recursive: true, force: true});
			}
		};
		const before = await measureDaemon();
		const pty = await startInPty(sim.url, token, placement.proxy, options.nodeArgs);
		let closed = false;
		try {
			// Let the first frames settle before counting.
			await new Promise(resolve => setTimeout(resolve, 1000));
			let dashboardIdle: IdleSide | undefined;
			if (idleSeconds > 0) {
				const idleBytes = pty.output();
				const idleStarted = Date.now();
				dashboardIdle = await idle(pty.node, idleSeconds);
				dashboardIdle.terminalBytesPerSecond = ((pty.output() - idleBytes) / (Date.now() - idleStarted)) * 1000;
			}
			const scriptPid = pty.script.pid ?? 0;
			const scriptBefore = cpuMs(scriptPid);
			const bytesBefore = pty.output();
			const started = Date.now();
			const drawn = await measure(pty.url, pty.node, options.rate, options.seconds);
			const wall = Date.now() - started;
			const ptyBytes = pty.output() - bytesBefore;
			const scriptCpu = cpuMs(scriptPid) - scriptBefore;
			await pty.close();
			closed = true;
			const after = await measureDaemon();
			const average = (a: number, b: number): number => (a + b) / 2;
			const headless: DashboardSide = {
				cpuPercent: average(before.side.cpuPercent, after.side.cpuPercent),
				rss: average(before.side.rss, after.side.rss),
				failed: before.side.failed + after.side.failed,
				sent: before.side.sent + after.side.sent,
			};
			const daemonIdle = before.idle === undefined || after.idle === undefined ? undefined : {cpuPercent: average(before.idle.cpuPercent, after.idle.cpuPercent), rss: average(before.idle.rss, after.idle.rss)};
			return {
				rate: options.rate,
				seconds: options.seconds,
				...(idleSeconds > 0 ? {idleSeconds} : {}),
				daemon: headless,
				...(daemonIdle === undefined ? {} : {daemonIdle}),
				...(dashboardIdle === undefined ? {} : {dashboardIdle}),
				daemonRuns: [before.side.cpuPercent, after.side.cpuPercent],
				dashboard: {...drawn, terminalBytesPerSecond: (ptyBytes / wall) * 1000, scriptCpuPercent: (scriptCpu / wall) * 100},
			};
		} finally {
			if (!closed) await pty.close();
		}
	} finally {
		await sim.stop();
	}
}
