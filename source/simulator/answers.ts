// Turns an answer script into planned chunks: which parts each SSE event carries, where signatures go, and how
// many output/thought tokens each adds. Everything is derived from the request, so the same request plans the same.
import {createHash} from 'node:crypto';
import type {GroundingMetadata, Part} from '../cloudcode/types.js';
import {defaultSources, groundedChunks, hasGoogleSearch} from './grounding.js';
import type {Signer} from './signatures.js';
import {stripMarkers} from './scripts.js';
import type {AnswerScript, SimModel, SimToolCall} from './types.js';
import {estimateTokens} from './usage.js';
import {type WContent, type WEnvelope, type WRequest, functionCalls, functionResponses, partKind, userText} from './wire.js';

export type PlannedChunk = {
	/** undefined: the candidate has no content at all */
	parts?: Part[];
	finishReason?: string;
	finishMessage?: string;
	safetyRatings?: Array<Record<string, unknown>>;
	outTokens: number;
	thoughtTokens: number;
	groundingMetadata?: GroundingMetadata;
};

export type Plan = {chunks: PlannedChunk[]; cachedTokens?: number};

export type AnswerContext = {
	model: SimModel;
	envelope: WEnvelope;
	request: WRequest;
	streaming: boolean;
	/** emit thought parts on ordinary answers (Claude thinking on; Gemini thinking with includeThoughts) */
	emitThoughts: boolean;
	/** Gemini thinking models sign the first functionCall / text part of each answer */
	geminiSignatures: boolean;
	signer: Signer;
	/** stable per request content: seeds ids and signatures */
	nonce: string;
	/** the user text the script came from (marker included) and its content index */
	userText: string;
	scriptIndex: number;
	promptTokens: number;
};

/** A 1x1 transparent PNG. */
export const PNG_1X1 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';

const LOREM =
	'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris. ';

/** Splits into n near-equal pieces on code point boundaries (no piece is empty unless the text is). */
export function splitText(text: string, n: number): string[] {
	const chars = Array.from(text);
	const count = Math.max(1, Math.min(n, chars.length));
	const size = Math.ceil(chars.length / count);
	const pieces: string[] = [];
	for (let i = 0; i < chars.length; i += size) pieces.push(chars.slice(i, i + size).join(''));
	return pieces.length === 0 ? [''] : pieces;
}

function toolId(nonce: string, step: number, index: number): string {
	const alphabet = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
	const bytes = createHash('sha256').update(`${nonce}:${step}:${index}`).digest();
	let id = '';
	for (let i = 0; i < 22; i++) id += alphabet[(bytes[i] ?? 0) % alphabet.length];
	return `toolu_vrtx_01${id}`;
}

/** What the user said, without markers or the `<system-reminder>` blocks Claude Code adds to its prompts. */
function spoken(ctx: AnswerContext, limit: number): string {
	const text = stripMarkers(ctx.userText).replace(/<system-reminder>[\s\S]*?<\/system-reminder>/g, ' ').replace(/\s+/g, ' ').trim();
	return Array.from(text).slice(0, limit).join('');
}

export function defaultText(ctx: AnswerContext): string {
	const said = spoken(ctx, 80);
	return said === '' ? `Hello from ${ctx.model.id}.` : `Hello from ${ctx.model.id}. You said: ${said}`;
}

function thoughtChunks(ctx: AnswerContext, thinking: string, pieces: number, cumulative: boolean, separateSignature: boolean): PlannedChunk[] {
	const split = splitText(thinking, pieces);
	let sofar = '';
	const chunks: PlannedChunk[] = split.map((piece) => {
		sofar += piece;
		return {parts: [{thought: true, text: cumulative && ctx.streaming ? sofar : piece}], outTokens: 0, thoughtTokens: estimateTokens(piece)};
	});
	if (ctx.model.family === 'claude') {
		const signature = ctx.signer.claude(thinking, ctx.nonce);
		const last = chunks.at(-1)?.parts?.[0];
		if (separateSignature || last === undefined) chunks.push({parts: [{thought: true, text: '', thoughtSignature: signature}], outTokens: 0, thoughtTokens: 0});
		else last.thoughtSignature = signature;
	}
	return chunks;
}

function textChunks(ctx: AnswerContext, text: string, pieces: number, signFirst: boolean): PlannedChunk[] {
	return splitText(text, pieces).map((piece, i) => {
		const part: Part = {text: piece};
		if (i === 0 && signFirst) part.thoughtSignature = ctx.signer.gemini(`${ctx.nonce}:text`);
		return {parts: [part], outTokens: estimateTokens(piece), thoughtTokens: 0};
	});
}

function callChunks(ctx: AnswerContext, calls: SimToolCall[], step: number): PlannedChunk[] {
	return calls.map((call, i) => {
		const functionCall: Part['functionCall'] = {name: call.name, args: call.args ?? {}};
		if (ctx.model.family === 'claude') functionCall.id = toolId(ctx.nonce, step, i);
		const part: Part = {functionCall};
		if (i === 0 && ctx.geminiSignatures) part.thoughtSignature = ctx.signer.gemini(`${ctx.nonce}:call:${step}`);
		return {parts: [part], outTokens: estimateTokens(JSON.stringify(functionCall)), thoughtTokens: 0};
	});
}

function finish(chunks: PlannedChunk[], reason = 'STOP'): PlannedChunk[] {
	const last = chunks.at(-1);
	if (last === undefined) return [{parts: [], finishReason: reason, outTokens: 0, thoughtTokens: 0}];
	last.finishReason = reason;
	return chunks;
}

function withThinking(ctx: AnswerContext, thinking: string, rest: PlannedChunk[]): PlannedChunk[] {
	return ctx.emitThoughts ? [...thoughtChunks(ctx, thinking, 2, false, false), ...rest] : rest;
}

function textAnswer(ctx: AnswerContext, text: string, pieces: number, reason = 'STOP'): PlannedChunk[] {
	const said = spoken(ctx, 40);
	const thinking = `The user wrote "${said}". I will answer in ${pieces} parts.`;
	return finish(withThinking(ctx, thinking, textChunks(ctx, text, pieces, ctx.geminiSignatures)), reason);
}

/** How many tool-call turns the model already made since the scripted user message. */
function stepsTaken(contents: WContent[], from: number): number {
	return contents.slice(from + 1).filter((c) => c.role === 'model' && functionCalls(c).length > 0).length;
}

function lastToolOutput(contents: WContent[]): string {
	for (let i = contents.length - 1; i >= 0; i--) {
		const content = contents[i];
		const response = content === undefined ? undefined : functionResponses(content).at(-1)?.response;
		if (response === undefined) continue;
		for (const key of ['output', 'result', 'content']) {
			const value = response[key];
			if (typeof value === 'string') return value;
		}
		return JSON.stringify(response);
	}
	return '(none)';
}

function toolsAnswer(ctx: AnswerContext, steps: SimToolCall[][], finalText: string | undefined): PlannedChunk[] {
	const contents = ctx.request.contents ?? [];
	const k = stepsTaken(contents, ctx.scriptIndex);
	const batch = steps[k];
	if (batch === undefined) {
		const text = finalText ?? `Done after ${steps.length} tool step${steps.length === 1 ? '' : 's'}. Last tool output: ${lastToolOutput(contents)}`;
		return textAnswer(ctx, text, 2);
	}
	const thinking = `Step ${k + 1} of ${steps.length}: I will call ${batch.map((c) => c.name).join(', ')}.`;
	return finish(withThinking(ctx, thinking, callChunks(ctx, batch, k)));
}

/** What the simulator received, for tests that check agproxy's translation from the outside. */
export function echoSummary(ctx: AnswerContext): Record<string, unknown> {
	const request = ctx.request;
	const contents = request.contents ?? [];
	const declarations = (request.tools ?? []).flatMap((t) => t.functionDeclarations ?? []);
	return {
		model: ctx.model.id,
		project: ctx.envelope.project ?? null,
		requestType: ctx.envelope.requestType ?? null,
		userAgent: ctx.envelope.userAgent ?? null,
		sessionId: request.sessionId ?? null,
		contents: contents.length,
		roles: contents.map((c) => c.role ?? null),
		parts: contents.map((c) => (c.parts ?? []).map((p) => `${partKind(p)}${p.thoughtSignature === undefined ? '' : '+sig'}`)),
		systemInstruction: request.systemInstruction === undefined ? null : userText(request.systemInstruction),
		generationConfig: request.generationConfig ?? null,
		tools: declarations.length,
		toolNames: declarations.map((d) => d.name ?? ''),
		toolConfig: request.toolConfig ?? null,
	};
}

function longAnswer(ctx: AnswerContext, chunks: number, size: number): PlannedChunk[] {
	const base = LOREM.repeat(Math.ceil((size + LOREM.length) / LOREM.length));
	const planned: PlannedChunk[] = [];
	for (let i = 0; i < chunks; i++) {
		const offset = (i * 7) % LOREM.length;
		const text = base.slice(offset, offset + size);
		const part: Part = {text};
		if (i === 0 && ctx.geminiSignatures) part.thoughtSignature = ctx.signer.gemini(`${ctx.nonce}:text`);
		planned.push({parts: [part], outTokens: estimateTokens(text), thoughtTokens: 0});
	}
	return finish(planned);
}

/** What a grounding model would search for: the request, without a leading "search the web for (the query):". */
function searchQuery(ctx: AnswerContext): string {
	const said = spoken(ctx, 200);
	const asked = /search(?: the web)? for(?: the query)?:?\s+(.+)$/i.exec(said)?.[1] ?? said;
	return Array.from(asked.trim()).slice(0, 100).join('') || 'search';
}

export function planAnswer(script: AnswerScript, ctx: AnswerContext): Plan {
	// With Google Search declared, the model grounds its default answer.
	if (script.kind === 'text' && script.text === undefined && hasGoogleSearch(ctx.request)) script = {kind: 'grounded'};
	switch (script.kind) {
		case 'grounded': {
			// Without the googleSearch tool the model cannot search: an ordinary answer.
			if (!hasGoogleSearch(ctx.request)) return {chunks: textAnswer(ctx, defaultText(ctx), 2)};
			const queries = script.queries ?? [searchQuery(ctx)];
			const sources = script.sources ?? defaultSources(queries[0] ?? 'search');
			return {chunks: groundedChunks(queries, sources, ctx.nonce, script.chunks ?? 3)};
		}
		case 'text':
			return {chunks: textAnswer(ctx, script.text ?? defaultText(ctx), script.chunks ?? 3)};
		case 'thinking': {
			const thinking = script.thinking ?? `Let me think about "${spoken(ctx, 40)}" step by step.`;
			const pieces = script.chunks ?? 3;
			const thoughts = thoughtChunks(ctx, thinking, pieces, script.streaming === 'cumulative', script.separateSignature === true);
			const text = textChunks(ctx, script.text ?? defaultText(ctx), 2, ctx.model.family === 'gemini');
			return {chunks: finish([...thoughts, ...text])};
		}
		case 'tools':
			return {chunks: toolsAnswer(ctx, script.calls.map((step) => (Array.isArray(step) ? step : [step])), script.finalText)};
		case 'parallel_tools':
			return {chunks: toolsAnswer(ctx, [script.calls], script.finalText)};
		case 'image': {
			const chunks: PlannedChunk[] = [];
			if (script.text !== undefined) chunks.push({parts: [{text: script.text}], outTokens: estimateTokens(script.text), thoughtTokens: 0});
			chunks.push({parts: [{inlineData: {mimeType: 'image/png', data: PNG_1X1}}], outTokens: 258, thoughtTokens: 0});
			return {chunks: finish(chunks)};
		}
		case 'cached':
			return {chunks: textAnswer(ctx, script.text ?? defaultText(ctx), 3), cachedTokens: Math.min(ctx.promptTokens, script.cachedTokens ?? Math.floor(ctx.promptTokens * 0.75))};
		case 'long':
			return {chunks: longAnswer(ctx, script.chunks ?? 100, script.chunkSize ?? 64)};
		case 'max_tokens':
			return {chunks: textAnswer(ctx, script.text ?? 'This answer stops early because the output token limit was reached and', 2, 'MAX_TOKENS')};
		case 'safety':
			return {
				chunks: [
					{
						finishReason: 'SAFETY',
						safetyRatings: [{category: 'HARM_CATEGORY_DANGEROUS_CONTENT', probability: 'HIGH', blocked: true}],
						outTokens: 0,
						thoughtTokens: 0,
					},
				],
			};
		case 'empty':
			return {chunks: [{parts: [], finishReason: 'STOP', outTokens: 0, thoughtTokens: 0}]};
		case 'malformed_function_call':
			return {
				chunks: [{finishReason: 'MALFORMED_FUNCTION_CALL', finishMessage: 'Malformed function call: call:default_api:Write{file_path:', outTokens: 0, thoughtTokens: 0}],
			};
		case 'echo': {
			const text = JSON.stringify(echoSummary(ctx));
			return {chunks: finish(textChunks(ctx, text, 1, ctx.geminiSignatures))};
		}
	}
}
