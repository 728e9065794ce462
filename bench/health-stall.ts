// How long /health waits while a real agproxy (`node dist/cli.js --daemon --simulate`) takes N large bodies at once.
//   node --import tsx bench/translate-big.ts --runs 1 --write-bodies /tmp/big-bodies
//   node --import tsx bench/health-stall.ts --bodies /tmp/big-bodies [--shape tool-loops-mixed] [--concurrent 4] [--rounds 2]
// /health is polled back to back (one request at a time) from just before the bodies are sent until all are answered;
// the worst poll is the longest the event loop was held by the request path (body parse, validation, translation) —
// and, with --simulate, by the in-process simulator, which parses and checks every upstream request in the same event
// loop; `--separate-simulator` runs it as its own process instead, so only agproxy's own work is measured.
import {type ChildProcess, spawn} from 'node:child_process';
import {mkdtempSync, readFileSync, readdirSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join, resolve} from 'node:path';
import {performance} from 'node:perf_hooks';
import {createInterface} from 'node:readline';
import {parseArgs} from 'node:util';
import {DEMO, type Server, accessToken, spawnNode} from './lib/procs.js';

const {values} = parseArgs({
	options: {
		bin: {type: 'string', default: resolve(import.meta.dirname, '..', 'dist', 'cli.js')},
		bodies: {type: 'string'},
		shape: {type: 'string'},
		concurrent: {type: 'string', default: '4'},
		rounds: {type: 'string', default: '2'},
		/** Profile the server: node --cpu-prof into this directory. */
		'cpu-prof-dir': {type: 'string'},
		/** The simulator in its own process (`--upstream`, single-token mode): only agproxy's own work holds /health. */
		'separate-simulator': {type: 'boolean', default: false},
	},
});
if (!values.bodies) throw new Error('--bodies DIR is required (write them with bench/translate-big.ts --write-bodies DIR)');
const bodiesDir = values.bodies;
const concurrent = Number(values.concurrent);
const rounds = Number(values.rounds);

async function startServer(): Promise<{url: string; child: ChildProcess; dataDir: string; sim?: Server}> {
	const dataDir = mkdtempSync(join(tmpdir(), 'agproxy-health-stall-'));
	const profile = values['cpu-prof-dir'] ? ['--cpu-prof', `--cpu-prof-dir=${values['cpu-prof-dir']}`] : [];
	let sim: Server | undefined;
	let upstream = ['--simulate'];
	let env: NodeJS.ProcessEnv = process.env;
	if (values['separate-simulator']) {
		sim = await spawnNode(['--no-warnings', values.bin, 'simulator', '--port', '0']);
		upstream = ['--upstream', sim.url];
		env = {...process.env, AGPROXY_ACCESS_TOKEN: await accessToken(sim.url), AGPROXY_PROJECT: DEMO.project};
	}
	const child = spawn(process.execPath, [...profile, values.bin, '--daemon', ...upstream, '--data-dir', dataDir, '--port', '0'], {stdio: ['ignore', 'pipe', 'inherit'], env});
	const lines = createInterface({input: child.stdout as NodeJS.ReadableStream});
	const url = await new Promise<string>((done, fail) => {
		const timer = setTimeout(() => fail(new Error('agproxy did not start within 20 s')), 20_000);
		lines.on('line', line => {
			const parsed = JSON.parse(line) as {url?: string};
			if (parsed.url) {
				clearTimeout(timer);
				done(parsed.url);
			}
		});
	});
	return sim ? {url, child, dataDir, sim} : {url, child, dataDir};
}

async function post(url: string, body: string): Promise<number> {
	const response = await fetch(`${url}/v1/messages`, {method: 'POST', headers: {'content-type': 'application/json', 'x-api-key': 'bench'}, body});
	await response.arrayBuffer();
	return response.status;
}

/** Back-to-back GET /health until `done`; returns the slowest. */
async function pollHealth(url: string, done: () => boolean): Promise<{worst: number; polls: number}> {
	let worst = 0;
	let polls = 0;
	while (!done()) {
		const start = performance.now();
		const response = await fetch(`${url}/health`);
		await response.arrayBuffer();
		worst = Math.max(worst, performance.now() - start);
		polls++;
	}
	return {worst, polls};
}

const server = await startServer();
try {
	const files = readdirSync(bodiesDir).filter(f => f.endsWith('.json') && (!values.shape || f === `${values.shape}.json`)).sort();
	await post(server.url, JSON.stringify({model: 'claude-sonnet-4-6', max_tokens: 16, messages: [{role: 'user', content: 'warm up'}]}));
	console.log(`shape                      MiB   round  statuses          all answered (ms)  worst /health (ms)  polls`);
	for (const file of files) {
		const body = readFileSync(join(bodiesDir, file), 'utf8');
		for (let round = 1; round <= rounds; round++) {
			let finished = false;
			const start = performance.now();
			const health = pollHealth(server.url, () => finished);
			const statuses = await Promise.all(Array.from({length: concurrent}, () => post(server.url, body)));
			const elapsed = performance.now() - start;
			finished = true;
			const {worst, polls} = await health;
			console.log(`${file.replace(/\.json$/, '').padEnd(25)} ${(Buffer.byteLength(body) / 2 ** 20).toFixed(2)}  ${round}      ${statuses.join(',').padEnd(16)}  ${elapsed.toFixed(0).padStart(17)}  ${worst.toFixed(0).padStart(18)}  ${String(polls).padStart(5)}`);
		}
	}
} finally {
	server.child.kill('SIGTERM');
	await new Promise(done => server.child.once('exit', done));
	await server.sim?.stop();
	rmSync(server.dataDir, {recursive: true, force: true});
}
