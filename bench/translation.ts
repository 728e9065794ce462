// Translation cost: a 1 MB Claude Code-sized request, Anthropic -> Cloud Code plus the JSON.stringify agproxy sends, in-process.
import {readFileSync} from 'node:fs';
import {performance} from 'node:perf_hooks';
import type {MessagesRequest} from '../source/anthropic/types.js';
import {validateMessagesRequest} from '../source/anthropic/validate.js';
import {toCloudCodeRequest} from '../source/translate/request.js';
import {percentile, sorted} from './lib/stats.js';

export type TranslationResult = {bytes: number; runs: number; p50: number; p99: number; validateP50: number};

const fixture = JSON.parse(readFileSync(new URL('../test/fixtures/claude-code/request.json', import.meta.url), 'utf8')) as Record<string, unknown>;

/** A Claude Code conversation (real system prompt and tools) padded to about `bytes` with realistic tool-loop turns. */
function paddedRequest(bytes: number): Record<string, unknown> {
	const messages = [...(fixture['messages'] as unknown[])];
	let i = 0;
	while (JSON.stringify({...fixture, messages}).length < bytes) {
		const id = `toolu_${String(i++).padStart(6, '0')}`;
		messages.push({role: 'assistant', content: [{type: 'text', text: 'Let me look at that file.'}, {type: 'tool_use', id, name: 'Read', input: {file_path: `/repo/src/file${i}.ts`}}]});
		messages.push({role: 'user', content: [{type: 'tool_result', tool_use_id: id, content: 'export const value = 42;\n'.repeat(80)}]});
	}
	messages.push({role: 'user', content: 'continue'});
	return {...fixture, messages, stream: false};
}

export function benchTranslation(runs: number): TranslationResult {
	const raw = paddedRequest(1_000_000);
	const text = JSON.stringify(raw);
	const request: MessagesRequest = validateMessagesRequest(raw);
	const ctx = {servedModel: 'claude-opus-4-6-thinking', project: 'p', sessionId: '-1', requestId: 'agent-x', toolCallSignature: () => undefined};
	for (let i = 0; i < 20; i++) JSON.stringify(toCloudCodeRequest(request, ctx));
	const times: number[] = [];
	for (let i = 0; i < runs; i++) {
		const start = performance.now();
		JSON.stringify(toCloudCodeRequest(request, ctx));
		times.push(performance.now() - start);
	}
	// For context: what agproxy does before translating (parse the body, validate it at the edge).
	const validate: number[] = [];
	for (let i = 0; i < 10; i++) validateMessagesRequest(JSON.parse(text));
	for (let i = 0; i < Math.max(10, runs / 4); i++) {
		const start = performance.now();
		validateMessagesRequest(JSON.parse(text));
		validate.push(performance.now() - start);
	}
	const t = sorted(times);
	return {bytes: text.length, runs, p50: percentile(t, 50), p99: percentile(t, 99), validateP50: percentile(sorted(validate), 50)};
}
