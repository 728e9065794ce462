// Added latency of a non-streaming request: the same short question straight to the simulator (the floor), through a bare
// Node proxy (bench/null-proxy.ts: the cost of the hop itself) and through agproxy, in a closed loop at a given concurrency,
// with the CPU time each process spent on it.
import type {Agent} from 'undici';
import {closedLoop, exchange, latencies} from './lib/load.js';
import {type Stack, cpuMs} from './lib/procs.js';
import {percentile} from './lib/stats.js';
import {shortRequest} from './lib/workloads.js';

export const SIDES = ['direct', 'bare', 'proxied'] as const;
export type SideName = (typeof SIDES)[number];

export type Side = {
	requests: number;
	p50: number;
	p99: number;
	perSecond: number;
	/** CPU ms per 1 000 requests: the proxy in the path (agproxy or the bare proxy; 0 for direct), the simulator, this load generator */
	cpuPer1000: {proxy: number; sim: number; client: number};
	/** the proxy's CPU time over the wall time: 1 = one core fully busy */
	proxyBusy: number;
};
export type LatencyRow = {concurrency: number} & Record<SideName, Side>;

export function clientCpuMs(): number {
	const usage = process.cpuUsage();
	return (usage.user + usage.system) / 1000;
}

/** The base URL and the process in the path for each side. */
export function sidesOf(stack: Stack): Record<SideName, {base: string; pid: number | undefined}> {
	return {direct: {base: stack.sim.url, pid: undefined}, bare: {base: stack.bare.url, pid: stack.bare.pid}, proxied: {base: stack.proxy.url, pid: stack.proxy.pid}};
}

/** Runs `total` requests `rounds` times for each side, taking turns, and pools the latencies of each side. */
export async function benchLatency(stack: Stack, dispatcher: Agent, options: {concurrency: number; total: number; rounds: number}): Promise<LatencyRow> {
	const work = shortRequest();
	const targets = {direct: work.direct(stack.token), bare: work.proxy, proxied: work.proxy};
	const sides = sidesOf(stack);
	// Warm-up: JIT, keep-alive connections on both hops.
	for (const name of SIDES) await closedLoop(options.concurrency, Math.max(200, options.concurrency * 4), () => exchange(sides[name].base, targets[name], dispatcher));
	const pooled: Record<SideName, number[]> = {direct: [], bare: [], proxied: []};
	const totals: Record<SideName, {wall: number; proxy: number; sim: number; client: number}> = {
		direct: {wall: 0, proxy: 0, sim: 0, client: 0},
		bare: {wall: 0, proxy: 0, sim: 0, client: 0},
		proxied: {wall: 0, proxy: 0, sim: 0, client: 0},
	};
	for (let round = 0; round < options.rounds; round++) {
		for (const name of SIDES) {
			const {base, pid} = sides[name];
			const proxyCpu = (): number => (pid === undefined ? 0 : cpuMs(pid));
			const before = {proxy: proxyCpu(), sim: cpuMs(stack.sim.pid), client: clientCpuMs()};
			const loop = await latencies(base, targets[name], dispatcher, options.concurrency, options.total);
			const t = totals[name];
			t.wall += loop.wallMs;
			t.proxy += proxyCpu() - before.proxy;
			t.sim += cpuMs(stack.sim.pid) - before.sim;
			t.client += clientCpuMs() - before.client;
			pooled[name].push(...loop.results);
		}
	}
	const side = (name: SideName): Side => {
		const times = pooled[name].sort((a, b) => a - b);
		const t = totals[name];
		const per1000 = (value: number): number => (value / times.length) * 1000;
		return {
			requests: times.length,
			p50: percentile(times, 50),
			p99: percentile(times, 99),
			perSecond: times.length / (t.wall / 1000),
			cpuPer1000: {proxy: per1000(t.proxy), sim: per1000(t.sim), client: per1000(t.client)},
			proxyBusy: t.proxy / t.wall,
		};
	};
	return {concurrency: options.concurrency, direct: side('direct'), bare: side('bare'), proxied: side('proxied')};
}
