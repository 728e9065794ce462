// Load generators: a closed loop of N concurrent clients, streamed reads that note the first token, and a fixed-rate driver.
import {performance} from 'node:perf_hooks';
import {Agent, request} from 'undici';
import type {Target} from './workloads.js';

export function clientAgent(connections: number): Agent {
	return new Agent({connections, pipelining: 1, keepAliveTimeout: 30_000});
}

/** One non-streaming exchange; resolves when the whole body has arrived. */
export async function exchange(base: string, target: Target, dispatcher: Agent): Promise<void> {
	const response = await request(`${base}${target.path}`, {method: 'POST', headers: target.headers, body: target.body, dispatcher});
	const text = await response.body.text();
	if (response.statusCode !== 200) throw new Error(`${target.path}: status ${response.statusCode}: ${text.slice(0, 300)}`);
}

export type StreamResult = {ttftMs: number; totalMs: number; events: number; bytes: number};

/**
 * One streamed exchange. The first token is the first body chunk holding a text delta (`content_block_delta` from
 * agproxy, a `data:` chunk from Cloud Code); events are counted by their blank-line separators.
 */
export async function streamExchange(base: string, target: Target, dispatcher: Agent, dialect: 'anthropic' | 'cloudcode'): Promise<StreamResult> {
	const start = performance.now();
	const response = await request(`${base}${target.path}`, {method: 'POST', headers: target.headers, body: target.body, dispatcher});
	if (response.statusCode !== 200) throw new Error(`${target.path}: status ${response.statusCode}: ${(await response.body.text()).slice(0, 300)}`);
	const firstMark = dialect === 'anthropic' ? 'content_block_delta' : 'data: ';
	const separator = dialect === 'anthropic' ? '\n\n' : '\r\n\r\n';
	const endMark = dialect === 'anthropic' ? 'message_stop' : 'finishReason';
	let ttft = Number.NaN;
	let events = 0;
	let bytes = 0;
	// The last few hundred characters: a separator or mark split across two network chunks is found in tail + chunk start.
	let tail = '';
	for await (const chunk of response.body as AsyncIterable<Buffer>) {
		bytes += chunk.length;
		if (Number.isNaN(ttft) && (chunk.includes(firstMark) || (tail + chunk.toString('latin1', 0, firstMark.length)).includes(firstMark))) ttft = performance.now() - start;
		for (let at = chunk.indexOf(separator); at !== -1; at = chunk.indexOf(separator, at + separator.length)) events++;
		const joint = tail.slice(-(separator.length - 1)) + chunk.toString('latin1', 0, separator.length - 1);
		const across = joint.indexOf(separator);
		if (across !== -1) events++;
		tail = (tail + chunk.toString('latin1', Math.max(0, chunk.length - 400))).slice(-400);
	}
	if (!tail.includes(endMark)) throw new Error(`${target.path}: the stream did not end cleanly: …${tail.slice(-200)}`);
	return {ttftMs: ttft, totalMs: performance.now() - start, events, bytes};
}

export type LoopResult<T> = {results: T[]; wallMs: number};

/**
 * `concurrency` clients, each sending its next request as soon as the previous one finished, `total` requests in all.
 * With `staggerMs`, client i starts i × staggerMs after the first (no thundering herd of first requests).
 */
export async function closedLoop<T>(concurrency: number, total: number, send: () => Promise<T>, staggerMs = 0): Promise<LoopResult<T>> {
	const results: T[] = [];
	let started = 0;
	const start = performance.now();
	const client = async (_: unknown, index: number): Promise<void> => {
		if (staggerMs > 0 && index > 0) await new Promise(resolve => setTimeout(resolve, index * staggerMs));
		while (started < total) {
			started++;
			results.push(await send());
		}
	};
	await Promise.all(Array.from({length: Math.min(concurrency, total)}, client));
	return {results, wallMs: performance.now() - start};
}

/** Timed non-streaming exchanges in a closed loop: the sorted latencies in ms. */
export async function latencies(base: string, target: Target, dispatcher: Agent, concurrency: number, total: number): Promise<LoopResult<number>> {
	const loop = await closedLoop(concurrency, total, async () => {
		const start = performance.now();
		await exchange(base, target, dispatcher);
		return performance.now() - start;
	});
	loop.results.sort((a, b) => a - b);
	return loop;
}

/** `rate` requests a second for `durationMs`, each sent on schedule whether or not earlier ones finished (open loop). */
export async function fixedRate(rate: number, durationMs: number, send: () => Promise<void>): Promise<{sent: number; failed: number; wallMs: number}> {
	const interval = 1000 / rate;
	const total = Math.round((durationMs / 1000) * rate);
	const pending: Array<Promise<void>> = [];
	let failed = 0;
	const start = performance.now();
	for (let i = 0; i < total; i++) {
		const due = start + i * interval;
		const wait = due - performance.now();
		if (wait > 1) await new Promise(resolve => setTimeout(resolve, wait));
		pending.push(send().catch(() => void failed++));
	}
	await Promise.all(pending);
	return {sent: total, failed, wallMs: performance.now() - start};
}
