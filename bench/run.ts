// `npm run bench`: speed figures against the simulator on loopback, each beside the floor (the same load sent directly).
// Not part of `npm test`: numbers vary by machine; BENCHMARKS.md records them with the command.
import {type ChildProcess, spawn} from 'node:child_process';
import {once} from 'node:events';
import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {createInterface} from 'node:readline';
import {performance} from 'node:perf_hooks';
import {Agent, request} from 'undici';
import type {MessagesRequest} from '../source/anthropic/types.js';
import {validateMessagesRequest} from '../source/anthropic/validate.js';
import {DEFAULT_ACCOUNTS} from '../source/simulator/index.js';
import {toCloudCodeRequest} from '../source/translate/request.js';

const fixture = JSON.parse(readFileSync(new URL('../test/fixtures/claude-code/request.json', import.meta.url), 'utf8')) as Record<string, unknown>;

function percentile(sorted: number[], p: number): number {
	return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

/** A Claude Code-sized conversation padded to about `bytes` with realistic tool-loop turns. */
function paddedRequest(bytes: number): MessagesRequest {
	const messages = [...(fixture['messages'] as unknown[])];
	let i = 0;
	while (JSON.stringify({...fixture, messages}).length < bytes) {
		const id = `toolu_${String(i++).padStart(6, '0')}`;
		messages.push({role: 'assistant', content: [{type: 'text', text: 'Let me look at that file.'}, {type: 'tool_use', id, name: 'Read', input: {file_path: `/repo/src/file${i}.ts`}}]});
		messages.push({role: 'user', content: [{type: 'tool_result', tool_use_id: id, content: 'export const value = 42;\n'.repeat(80)}]});
	}
	messages.push({role: 'user', content: 'continue'});
	return validateMessagesRequest({...fixture, messages, stream: false});
}

function benchTranslation(): void {
	const req = paddedRequest(1_000_000);
	const size = JSON.stringify(req).length;
	const ctx = {servedModel: 'claude-opus-4-6-thinking', project: 'p', sessionId: '-1', requestId: 'agent-x', toolCallSignature: () => undefined};
	for (let i = 0; i < 20; i++) toCloudCodeRequest(req, ctx);
	const times: number[] = [];
	for (let i = 0; i < 100; i++) {
		const start = performance.now();
		JSON.stringify(toCloudCodeRequest(req, ctx));
		times.push(performance.now() - start);
	}
	times.sort((a, b) => a - b);
	console.log(`translation of a ${(size / 1e6).toFixed(2)} MB Claude Code request (+ JSON.stringify): p50 ${percentile(times, 50).toFixed(2)} ms, p99 ${percentile(times, 99).toFixed(2)} ms`);
}

async function latency(url: string, headers: Record<string, string>, body: string, concurrency: number, total: number, dispatcher: Agent): Promise<number[]> {
	const times: number[] = [];
	let next = 0;
	const worker = async (): Promise<void> => {
		while (next < total) {
			next++;
			const start = performance.now();
			const response = await request(url, {method: 'POST', headers, body, dispatcher});
			await response.body.text();
			if (response.statusCode !== 200) throw new Error(`status ${response.statusCode}`);
			times.push(performance.now() - start);
		}
	};
	await Promise.all(Array.from({length: concurrency}, worker));
	return times.sort((a, b) => a - b);
}

/** Starts compiled agproxy (`dist/cli.js`) in its own process and resolves with the URL it prints. */
async function spawnServer(args: string[], env: NodeJS.ProcessEnv): Promise<{child: ChildProcess; url: string}> {
	const child = spawn(process.execPath, ['dist/cli.js', ...args], {env: {...process.env, ...env}, stdio: ['ignore', 'pipe', 'inherit']});
	const lines = createInterface({input: child.stdout as NodeJS.ReadableStream});
	for await (const line of lines) {
		const url = (JSON.parse(line) as {url?: string}).url;
		if (url) {
			child.stdout?.resume();
			return {child, url};
		}
	}
	throw new Error(`agproxy ${args.join(' ')} exited before listening`);
}

async function benchAddedLatency(): Promise<void> {
	const account = DEFAULT_ACCOUNTS[0];
	if (!account?.project) throw new Error('no demo account');
	const sim = await spawnServer(['simulator', '--port', '0'], {});
	const tokenAnswer = await request(`${sim.url}/token`, {method: 'POST', headers: {'content-type': 'application/x-www-form-urlencoded'}, body: new URLSearchParams({grant_type: 'refresh_token', refresh_token: account.refreshToken}).toString()});
	const token = ((await tokenAnswer.body.json()) as {access_token: string}).access_token;
	const dataDir = mkdtempSync(join(tmpdir(), 'agproxy-bench-'));
	const proxy = await spawnServer(['--daemon', '--port', '0', '--upstream', sim.url, '--data-dir', dataDir], {AGPROXY_ACCESS_TOKEN: token, AGPROXY_PROJECT: account.project});
	const dispatcher = new Agent({connections: 128});
	const anthropicBody = JSON.stringify({model: 'claude-sonnet-4-6', max_tokens: 100, messages: [{role: 'user', content: 'hello'}]});
	const direct = JSON.stringify({
		project: account.project,
		model: 'claude-sonnet-4-6',
		userAgent: 'antigravity',
		requestType: 'agent',
		requestId: 'agent-bench',
		request: {contents: [{role: 'user', parts: [{text: 'hello'}]}], generationConfig: {maxOutputTokens: 100}, sessionId: '-1'},
	});
	try {
		for (const concurrency of [1, 64]) {
			const total = concurrency === 1 ? 400 : 3000;
			await latency(`${proxy.url}/v1/messages`, {'content-type': 'application/json'}, anthropicBody, concurrency, 200, dispatcher);
			const floor = await latency(`${sim.url}/v1internal:streamGenerateContent?alt=sse`, {'content-type': 'application/json', authorization: `Bearer ${token}`}, direct, concurrency, total, dispatcher);
			const proxied = await latency(`${proxy.url}/v1/messages`, {'content-type': 'application/json'}, anthropicBody, concurrency, total, dispatcher);
			const row = (p: number): string => `p${p} ${percentile(proxied, p).toFixed(2)} ms vs direct ${percentile(floor, p).toFixed(2)} ms (added ${(percentile(proxied, p) - percentile(floor, p)).toFixed(2)} ms)`;
			console.log(`non-streaming, concurrency ${concurrency}, ${total} requests: ${row(50)}; ${row(99)}`);
		}
	} finally {
		await dispatcher.close();
		for (const child of [proxy.child, sim.child]) {
			child.kill('SIGTERM');
			await once(child, 'exit');
		}
		rmSync(dataDir, {recursive: true, force: true});
	}
}

benchTranslation();
await benchAddedLatency();
