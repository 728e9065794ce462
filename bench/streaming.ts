// Streaming: time to first token and relay throughput through agproxy, beside the same streams read straight from the
// simulator (the floor) and through the bare Node proxy (bench/null-proxy.ts, which pipes the bytes untranslated).
// Unpaced `long` answers: the simulator writes every chunk as fast as the reader takes them. agproxy's resident memory is
// sampled while its streams run.
import type {Agent} from 'undici';
import {SIDES, type SideName, clientCpuMs, sidesOf} from './latency.js';
import {type StreamResult, closedLoop, streamExchange} from './lib/load.js';
import {type Stack, cpuMs, sampleRss} from './lib/procs.js';
import {percentile, sorted} from './lib/stats.js';
import {heldStream, longStream} from './lib/workloads.js';

export type StreamSide = {
	streams: number;
	ttftP50: number;
	ttftP99: number;
	/** whole-stream time */
	totalP50: number;
	eventsPerSecond: number;
	/** bytes on the wire to the client, per second */
	wireBytesPerSecond: number;
	/** answer text delivered, per second (the same for both sides: the comparable throughput) */
	textBytesPerSecond: number;
	streamsPerSecond: number;
	eventsPerStream: number;
	/** CPU ms per 1 000 streams: the proxy in the path (0 for direct), the simulator, this load generator */
	cpuPer1000: {proxy: number; sim: number; client: number};
	proxyBusy: number;
	/** largest RSS of the proxy in the path sampled during the run */
	proxyRssPeak: number;
};

/** `holdMs` set: held-open streams (first chunk, a pause of holdMs, the rest); unset: unpaced. */
export type StreamRow = {concurrency: number; chunks: number; chunkSize: number; holdMs?: number} & Record<SideName, StreamSide>;

export type StreamOptions = {concurrency: number; streams: number; chunks: number; chunkSize: number; rounds: number; holdMs?: number};

/**
 * Unpaced streams (the simulator writes every chunk at once) measure how fast agproxy relays; held-open streams (first
 * chunk, a pause, the rest; clients staggered over the pause) keep `concurrency` streams open at the same time without
 * saturating the CPU, which is what time to first token and memory under many streams are about.
 */
export async function benchStreaming(stack: Stack, dispatcher: Agent, options: StreamOptions): Promise<StreamRow> {
	const work = options.holdMs === undefined ? longStream(options.chunks, options.chunkSize) : heldStream(options.holdMs, options.chunks, options.chunkSize);
	const stagger = options.holdMs === undefined ? 0 : options.holdMs / options.concurrency;
	const sides = sidesOf(stack);
	const targets = {direct: work.direct(stack.token), bare: work.proxy, proxied: work.proxy};
	const dialect = (name: SideName): 'anthropic' | 'cloudcode' => (name === 'proxied' ? 'anthropic' : 'cloudcode');
	// Warm-up for unpaced runs (held-open runs follow the stack's warm-up; one of theirs would take a whole pause).
	if (options.holdMs === undefined) {
		for (const name of SIDES) await closedLoop(options.concurrency, Math.max(20, options.concurrency), () => streamExchange(sides[name].base, targets[name], dispatcher, dialect(name)));
	}
	const pooled: Record<SideName, StreamResult[]> = {direct: [], bare: [], proxied: []};
	const empty = (): {wall: number; proxy: number; sim: number; client: number; rss: number} => ({wall: 0, proxy: 0, sim: 0, client: 0, rss: 0});
	const totals = {direct: empty(), bare: empty(), proxied: empty()};
	for (let round = 0; round < options.rounds; round++) {
		for (const name of SIDES) {
			const {base, pid} = sides[name];
			const proxyCpu = (): number => (pid === undefined ? 0 : cpuMs(pid));
			const before = {proxy: proxyCpu(), sim: cpuMs(stack.sim.pid), client: clientCpuMs()};
			const rss = pid === undefined ? undefined : sampleRss(pid);
			const loop = await closedLoop(options.concurrency, options.streams, () => streamExchange(base, targets[name], dispatcher, dialect(name)), stagger);
			const t = totals[name];
			t.rss = Math.max(t.rss, rss?.stop() ?? 0);
			t.wall += loop.wallMs;
			t.proxy += proxyCpu() - before.proxy;
			t.sim += cpuMs(stack.sim.pid) - before.sim;
			t.client += clientCpuMs() - before.client;
			pooled[name].push(...loop.results);
		}
	}
	const side = (name: SideName): StreamSide => {
		const results = pooled[name];
		const t = totals[name];
		const seconds = t.wall / 1000;
		const ttft = sorted(results.map(r => r.ttftMs));
		const events = results.reduce((sum, r) => sum + r.events, 0);
		const bytes = results.reduce((sum, r) => sum + r.bytes, 0);
		const per1000 = (value: number): number => (value / results.length) * 1000;
		return {
			streams: results.length,
			ttftP50: percentile(ttft, 50),
			ttftP99: percentile(ttft, 99),
			totalP50: percentile(sorted(results.map(r => r.totalMs)), 50),
			eventsPerSecond: events / seconds,
			wireBytesPerSecond: bytes / seconds,
			textBytesPerSecond: (results.length * options.chunks * options.chunkSize) / seconds,
			streamsPerSecond: results.length / seconds,
			eventsPerStream: events / results.length,
			cpuPer1000: {proxy: per1000(t.proxy), sim: per1000(t.sim), client: per1000(t.client)},
			proxyBusy: t.proxy / t.wall,
			proxyRssPeak: t.rss,
		};
	};
	return {concurrency: options.concurrency, chunks: options.chunks, chunkSize: options.chunkSize, ...(options.holdMs === undefined ? {} : {holdMs: options.holdMs}), direct: side('direct'), bare: side('bare'), proxied: side('proxied')};
}
