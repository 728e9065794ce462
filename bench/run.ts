// `npm run bench [-- --quick] [-- --only latency,streaming] [-- --no-pin] [-- --profile] [-- --json out.json]`
// Speed figures against the simulator on loopback, each beside the floor (the same load sent straight to the simulator).
// Not part of `npm test`: numbers vary by machine; BENCHMARKS.md records them with the command.
import {existsSync, writeFileSync} from 'node:fs';
import {availableParallelism, cpus} from 'node:os';
import {parseArgs} from 'node:util';
import {benchDashboard} from './dashboard.js';
import {benchLatency} from './latency.js';
import {clientAgent, closedLoop, streamExchange} from './lib/load.js';
import {type Stack, choosePlacement, describePlacement, memory, pinSelf, startStack} from './lib/procs.js';
import {summarizeProfiles} from './lib/profile.js';
import {type Report, printReport} from './report.js';
import {benchStreaming} from './streaming.js';
import {benchTranslation} from './translation.js';
import {longStream} from './lib/workloads.js';

const SECTIONS = ['translation', 'latency', 'streaming', 'dashboard'] as const;
type Section = (typeof SECTIONS)[number];

const {values} = parseArgs({
	options: {
		quick: {type: 'boolean', default: process.env['BENCH_QUICK'] === '1'},
		only: {type: 'string'},
		'no-pin': {type: 'boolean', default: false},
		profile: {type: 'boolean', default: false},
		json: {type: 'string'},
	},
});
const quick = values.quick === true;
const only = new Set((values.only?.split(',') ?? SECTIONS).map(s => s.trim()));
for (const name of only) if (!(SECTIONS as readonly string[]).includes(name)) throw new Error(`unknown section '${name}': expected ${SECTIONS.join(', ')}`);
const wants = (section: Section): boolean => only.has(section);

const placement = choosePlacement(values['no-pin'] !== true);
const report: Report = {
	when: new Date().toISOString(),
	machine: `${availableParallelism()} CPUs (${cpus()[0]?.model.trim() ?? 'unknown'}), Node ${process.version}`,
	placement: describePlacement(placement),
	quick,
};
const log = (line: string): void => void process.stderr.write(`${line}\n`);
log(`bench: ${report.machine}; ${report.placement}${quick ? '; quick run' : ''}`);

if (wants('translation')) {
	log('translation of a 1 MB request…');
	report.translation = benchTranslation(quick ? 30 : 200);
}

// From here on this process is the load generator: it shares its CPU with the simulator, away from agproxy.
pinSelf(placement.rest);

const profileDir = values.profile ? `/tmp/agproxy-bench-profile-${process.pid}` : undefined;
const profileArgs = profileDir ? {proxyNodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profileDir}`]} : {};

/** A fresh simulator + agproxy + bare proxy for one section, closed afterwards. */
async function withStack(run: (stack: Stack, dispatcher: ReturnType<typeof clientAgent>) => Promise<void>): Promise<void> {
	const stack = await startStack(placement, profileArgs);
	const dispatcher = clientAgent(2048);
	try {
		await run(stack, dispatcher);
	} finally {
		await dispatcher.close();
		await stack.close();
	}
}

async function warmUp(stack: Stack, dispatcher: ReturnType<typeof clientAgent>): Promise<void> {
	const work = longStream(100, 64);
	for (const [base, target, dialect] of [[stack.proxy.url, work.proxy, 'anthropic'], [stack.bare.url, work.proxy, 'cloudcode'], [stack.sim.url, work.direct(stack.token), 'cloudcode']] as const) {
		await closedLoop(16, quick ? 100 : 400, () => streamExchange(base, target, dispatcher, dialect));
	}
}

if (wants('latency')) {
	report.latency = [];
	await withStack(async (stack, dispatcher) => {
		for (const concurrency of [1, 64]) {
			log(`non-streaming, concurrency ${concurrency}…`);
			const total = quick ? (concurrency === 1 ? 300 : 2000) : concurrency === 1 ? 1000 : 3000;
			report.latency?.push(await benchLatency(stack, dispatcher, {concurrency, total, rounds: quick ? 1 : 3}));
		}
	});
}

if (wants('streaming')) {
	const streaming: NonNullable<Report['streaming']> = [];
	report.streaming = streaming;
	await withStack(async (stack, dispatcher) => {
		// Memory first, on a fresh process: V8 keeps the heap it grew, so a later run would report earlier runs' peaks.
		await new Promise(resolve => setTimeout(resolve, 1000));
		report.rssIdle = memory(stack.proxy.pid).rss;
		report.bareRssIdle = memory(stack.bare.pid).rss;
		// A server that has served a little: optimised code, warm connections (a cold process would time its JIT).
		log('streaming warm-up…');
		await warmUp(stack, dispatcher);
		report.rssWarm = memory(stack.proxy.pid).rss;
		// Held open: `concurrency` streams open at once, new ones starting about 100 (512) and 64 (64) times a second.
		for (const [concurrency, holdMs, perClient] of [[512, 5000, 1], [64, 1000, quick ? 2 : 6]] as const) {
			log(`streaming, ${concurrency} held-open streams…`);
			streaming.push(await benchStreaming(stack, dispatcher, {concurrency, streams: concurrency * perClient, chunks: 20, chunkSize: 64, rounds: 1, holdMs}));
		}
		for (const concurrency of [1, 64, 512]) {
			log(`streaming, ${concurrency} unpaced stream${concurrency === 1 ? '' : 's'}…`);
			const streams = quick ? Math.max(50, concurrency) : Math.max(300, concurrency * (concurrency === 512 ? 3 : 8));
			streaming.push(await benchStreaming(stack, dispatcher, {concurrency, streams, chunks: 100, chunkSize: 64, rounds: quick || concurrency === 512 ? 1 : 2}));
		}
		await new Promise(resolve => setTimeout(resolve, 2000));
		report.rssAfter = memory(stack.proxy.pid).rss;
	});
}
if (profileDir && existsSync(profileDir)) report.profile = summarizeProfiles(profileDir);

if (wants('dashboard')) {
	log('dashboard CPU at 100 requests/s…');
	report.dashboard = await benchDashboard(placement, {rate: 100, seconds: quick ? 4 : 10});
}

printReport(report);
if (values.json) writeFileSync(values.json, `${JSON.stringify(report, null, 2)}\n`);
