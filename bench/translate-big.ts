// Hostile-but-valid bodies just under the element caps (issue 10): how long one of them holds the event loop in the
// request path after the body is read — validate, the context-window bound/estimate, tool-name maps and translation.
//   node --import tsx bench/translate-big.ts [--runs N] [--shape name] [--write-bodies DIR]
// `--write-bodies DIR` writes each shape as DIR/<shape>.json for bench/health-stall.ts, asking for gemini-3-flash: with
// its 1M-token window these bodies pass the context-window check and are translated (a 200k Claude window refuses them).
import {mkdirSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {performance} from 'node:perf_hooks';
import {parseArgs} from 'node:util';
import {JsonValueCounter} from '../source/http/body.js';
import type {MessagesRequest} from '../source/anthropic/types.js';
import {validateMessagesRequest} from '../source/anthropic/validate.js';
import {limitsFor, mayExceedWindow} from '../source/models/limits.js';
import {estimateRequestTokens} from '../source/tokens/estimate.js';
import {placeholderStripper, toCloudCodeRequest, toolNameMap} from '../source/translate/request.js';

type Body = Record<string, unknown>;
const MESSAGES = 20_000;
const BLOCKS = 100_000;
const LOOPS = 8_000;

/** 20 000 alternating text messages. */
function textMessages(): Body {
	const messages = Array.from({length: MESSAGES}, (_, i) => ({role: i % 2 === 0 ? 'user' : 'assistant', content: `message ${i}: ${'lorem ipsum dolor sit amet '.repeat(6)}`}));
	return {model: 'claude-sonnet-4-6', max_tokens: 1024, messages};
}

/** 20 000 messages of 5 small text blocks each (100 000 blocks). */
function smallBlocks(): Body {
	const messages = Array.from({length: MESSAGES}, (_, i) => ({
		role: i % 2 === 0 ? 'user' : 'assistant',
		content: Array.from({length: BLOCKS / MESSAGES}, (_, j) => ({type: 'text', text: `b${i}.${j} some words here`})),
	}));
	return {model: 'claude-sonnet-4-6', max_tokens: 1024, messages};
}

/** 8 000 tool loops (under 500 000 JSON values): assistant text + 4 tool_use (half of them with a name to sanitize), user 4 tool_result + text. */
function toolLoops(): Body {
	const messages: unknown[] = [{role: 'user', content: 'start'}];
	let id = 0;
	for (let i = 0; i < LOOPS; i++) {
		const ids = Array.from({length: 4}, () => `toolu_${String(id++).padStart(8, '0')}`);
		messages.push({role: 'assistant', content: [{type: 'text', text: 'checking'}, ...ids.map((tid, k) => ({type: 'tool_use', id: tid, name: k % 2 ? 'Read' : 'bad.name', input: {n: k}}))]});
		messages.push({role: 'user', content: [...ids.map(tid => ({type: 'tool_result', tool_use_id: tid, content: 'ok'})), {type: 'text', text: 'go on'}]});
	}
	return {model: 'claude-sonnet-4-6', max_tokens: 1024, tools: [{name: 'Read', input_schema: {type: 'object', properties: {path: {type: 'string'}}}}], messages};
}

/** One user message of 99 990 text blocks (the whole block budget in one turn). */
function oneHugeMessage(): Body {
	return {model: 'claude-sonnet-4-6', max_tokens: 1024, messages: [{role: 'user', content: Array.from({length: BLOCKS - 10}, (_, j) => ({type: 'text', text: `block ${j} text`}))}]};
}

/** 20 000 user messages in a row, 5 blocks each: every one merges into a single turn. */
function sameRole(): Body {
	const messages = Array.from({length: MESSAGES}, (_, i) => ({role: 'user', content: Array.from({length: BLOCKS / MESSAGES}, (_, j) => ({type: 'text', text: `u${i}.${j} words`}))}));
	return {model: 'claude-sonnet-4-6', max_tokens: 1024, messages};
}

/** Assistant thinking + tool_use turns answered by tool results, translated for a thinking Claude model. */
function thinkingLoops(): Body {
	const body = toolLoops();
	const messages = body['messages'] as Array<{role: string; content: unknown[] | string}>;
	for (const m of messages) if (m.role === 'assistant' && Array.isArray(m.content)) m.content[0] = {type: 'thinking', thinking: 'hmm, let me see', signature: 'agp1.claude.c2lnbmF0dXJl'};
	return {...body, model: 'claude-opus-4-6-thinking', thinking: {type: 'enabled', budget_tokens: 2048}, max_tokens: 8192};
}

const SHAPES: Record<string, {build: () => Body; served: string}> = {
	'text-20k-messages': {build: textMessages, served: 'claude-sonnet-4-6'},
	'blocks-100k': {build: smallBlocks, served: 'claude-sonnet-4-6'},
	'tool-loops-mixed': {build: toolLoops, served: 'claude-sonnet-4-6'},
	'tool-loops-gemini': {build: toolLoops, served: 'gemini-3-pro-high'},
	'thinking-loops': {build: thinkingLoops, served: 'claude-opus-4-6-thinking'},
	'one-message-100k-blocks': {build: oneHugeMessage, served: 'claude-sonnet-4-6'},
	'same-role-20k': {build: sameRole, served: 'claude-sonnet-4-6'},
};

const {values} = parseArgs({options: {runs: {type: 'string', default: '5'}, shape: {type: 'string'}, 'write-bodies': {type: 'string'}}});
const runs = Number(values.runs);
const ctx = (servedModel: string) => ({servedModel, project: 'p', sessionId: '-1', requestId: 'agent-x', toolCallSignature: () => undefined});

function median(xs: number[]): number {
	const s = [...xs].sort((a, b) => a - b);
	return s[Math.floor(s.length / 2)] ?? 0;
}

function time<T>(work: () => T): [T, number] {
	const start = performance.now();
	const out = work();
	return [out, performance.now() - start];
}

if (values['write-bodies']) mkdirSync(values['write-bodies'], {recursive: true});
console.log(`shape                      MiB  values validate bound estimate names  translate  stringify  path-total (median of ${runs}, ms)`);
for (const [name, shape] of Object.entries(SHAPES)) {
	if (values.shape && values.shape !== name) continue;
	const text = JSON.stringify(shape.build());
	const bytes = Buffer.from(text);
	const jsonValues = new JsonValueCounter().feed(bytes);
	if (values['write-bodies']) writeFileSync(join(values['write-bodies'], `${name}.json`), JSON.stringify({...shape.build(), model: 'gemini-3-flash'}));
	const window = limitsFor(shape.served)?.contextWindow ?? 200_000;
	const cols: Record<string, number[]> = {validate: [], bound: [], estimate: [], names: [], translate: [], stringify: [], total: []};
	for (let r = 0; r < runs + 1; r++) {
		const parsed = JSON.parse(text) as unknown;
		const [request, v] = time(() => validateMessagesRequest(parsed) as MessagesRequest);
		// The service's order: the cheap bound, then the estimate only when the bound says the window might be exceeded.
		const [bound, b] = time(() => mayExceedWindow(request, window));
		const [, e] = time(() => (bound ? estimateRequestTokens(request) : 0));
		const [, n] = time(() => [toolNameMap(request), placeholderStripper(request)]);
		const [envelope, t] = time(() => toCloudCodeRequest(request, ctx(shape.served)));
		const [, s] = time(() => JSON.stringify(envelope));
		if (r === 0) continue; // warm-up
		cols['validate']?.push(v);
		cols['bound']?.push(b);
		cols['estimate']?.push(e);
		cols['names']?.push(n);
		cols['translate']?.push(t);
		cols['stringify']?.push(s);
		cols['total']?.push(v + b + e + n + t + s);
	}
	const m = (k: string) => median(cols[k] ?? []).toFixed(0).padStart(9);
	console.log(`${name.padEnd(25)} ${(bytes.length / 2 ** 20).toFixed(2)} ${String(jsonValues).padStart(7)}  ${m('validate').slice(1)} ${m('bound').slice(4)} ${m('estimate').slice(1)} ${m('names').slice(4)}  ${m('translate')}  ${m('stringify')}  ${m('total')}`);
}
