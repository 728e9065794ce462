// What the dashboard costs: agproxy with its Ink dashboard in a real pseudo-terminal (util-linux `script`, 100x30) beside
// the same agproxy headless (`--daemon`), both serving the same fixed request rate; the difference in their CPU time is the
// dashboard's.
import {type ChildProcess, execFileSync, spawn} from 'node:child_process';
import {once} from 'node:events';
import {mkdtempSync, readlinkSync, realpathSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {clientAgent, exchange, fixedRate} from './lib/load.js';
import {DEMO, type Placement, accessToken, cpuMs, memory, spawnServer, startSimulator} from './lib/procs.js';
import {shortRequest} from './lib/workloads.js';

export type DashboardSide = {cpuPercent: number; rss: number; failed: number; sent: number};
export type DashboardResult = {rate: number; seconds: number; daemon: DashboardSide; dashboard: DashboardSide & {terminalBytesPerSecond: number; scriptCpuPercent: number}};

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
async function startInPty(simUrl: string, token: string, cpus: string | undefined): Promise<Pty> {
	const dataDir = mkdtempSync(join(tmpdir(), 'agproxy-bench-pty-'));
	const quote = (s: string): string => `'${s.replaceAll("'", "'\\''")}'`;
	const pin = cpus === undefined ? '' : `taskset -c ${cpus} `;
	// `exec`: the shell becomes agproxy, so agproxy is `script`'s own child and its CPU time is agproxy's alone.
	const command = `stty cols 100 rows 30; exec ${pin}${quote(process.execPath)} dist/cli.js --port 0 --upstream ${quote(simUrl)} --data-dir ${quote(dataDir)}`;
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

export async function benchDashboard(placement: Placement, options: {rate: number; seconds: number}): Promise<DashboardResult> {
	const sim = await startSimulator(placement);
	try {
		const token = await accessToken(sim.url);
		const dataDir = mkdtempSync(join(tmpdir(), 'agproxy-bench-'));
		const daemon = await spawnServer(['--daemon', '--port', '0', '--upstream', sim.url, '--data-dir', dataDir], {
			cpus: placement.proxy,
			env: {AGPROXY_ACCESS_TOKEN: token, AGPROXY_PROJECT: DEMO.project},
		});
		let headless: DashboardSide;
		try {
			headless = await measure(daemon.url, daemon.pid, options.rate, options.seconds);
		} finally {
			await daemon.stop();
			rmSync(dataDir, {recursive: true, force: true});
		}
		const pty = await startInPty(sim.url, token, placement.proxy);
		try {
			// Let the first frames settle before counting.
			await new Promise(resolve => setTimeout(resolve, 1000));
			const scriptPid = pty.script.pid ?? 0;
			const scriptBefore = cpuMs(scriptPid);
			const bytesBefore = pty.output();
			const started = Date.now();
			const drawn = await measure(pty.url, pty.node, options.rate, options.seconds);
			const wall = Date.now() - started;
			return {
				rate: options.rate,
				seconds: options.seconds,
				daemon: headless,
				dashboard: {...drawn, terminalBytesPerSecond: ((pty.output() - bytesBefore) / wall) * 1000, scriptCpuPercent: ((cpuMs(scriptPid) - scriptBefore) / wall) * 100},
			};
		} finally {
			await pty.close();
		}
	} finally {
		await sim.stop();
	}
}
