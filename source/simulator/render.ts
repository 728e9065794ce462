// Planned chunks -> Cloud Code response objects: `{response:{candidates, usageMetadata, modelVersion, responseId}, traceId}`
// with cumulative usage on every chunk, or one merged response for non-streaming generateContent.
import type {Part, ResponseChunk, UsageMetadata} from '../cloudcode/types.js';
import type {Plan, PlannedChunk} from './answers.js';

export type RenderContext = {model: string; responseId: string; traceId: string; promptTokens: number; cachedTokens: number};

function usage(ctx: RenderContext, out: number, thoughts: number): UsageMetadata {
	const meta: UsageMetadata = {promptTokenCount: ctx.promptTokens};
	if (out > 0) meta.candidatesTokenCount = out;
	if (thoughts > 0) meta.thoughtsTokenCount = thoughts;
	if (ctx.cachedTokens > 0) meta.cachedContentTokenCount = ctx.cachedTokens;
	meta.totalTokenCount = ctx.promptTokens + out + thoughts;
	return meta;
}

function candidate(chunk: PlannedChunk): Record<string, unknown> {
	const out: Record<string, unknown> = {};
	// An empty parts list renders as content without parts, like the real empty STOP answer.
	if (chunk.parts !== undefined) out.content = chunk.parts.length === 0 ? {role: 'model'} : {role: 'model', parts: chunk.parts};
	if (chunk.finishReason !== undefined) out.finishReason = chunk.finishReason;
	if (chunk.finishMessage !== undefined) out.finishMessage = chunk.finishMessage;
	if (chunk.safetyRatings !== undefined) out.safetyRatings = chunk.safetyRatings;
	if (chunk.groundingMetadata !== undefined) out.groundingMetadata = chunk.groundingMetadata;
	return out;
}

function wrap(ctx: RenderContext, cand: Record<string, unknown>, meta: UsageMetadata): ResponseChunk {
	return {
		response: {candidates: [cand], usageMetadata: meta, modelVersion: ctx.model, responseId: ctx.responseId},
		traceId: ctx.traceId,
	};
}

export function renderStream(plan: Plan, ctx: RenderContext): ResponseChunk[] {
	let out = 0;
	let thoughts = 0;
	return plan.chunks.map((chunk) => {
		out += chunk.outTokens;
		thoughts += chunk.thoughtTokens;
		return wrap(ctx, candidate(chunk), usage(ctx, out, thoughts));
	});
}

/** Non-streaming: adjacent text parts of the same kind are joined, as the service returns whole parts. */
export function renderWhole(plan: Plan, ctx: RenderContext): ResponseChunk {
	const parts: Part[] = [];
	let sawContent = false;
	let last: PlannedChunk | undefined;
	let out = 0;
	let thoughts = 0;
	for (const chunk of plan.chunks) {
		out += chunk.outTokens;
		thoughts += chunk.thoughtTokens;
		last = chunk;
		if (chunk.parts === undefined) continue;
		sawContent = true;
		for (const part of chunk.parts) {
			const previous = parts.at(-1);
			const joinable =
				previous !== undefined &&
				typeof previous.text === 'string' &&
				typeof part.text === 'string' &&
				previous.thought === part.thought &&
				!(previous.thoughtSignature !== undefined && part.thoughtSignature !== undefined);
			if (joinable) {
				previous.text = `${previous.text ?? ''}${part.text ?? ''}`;
				if (part.thoughtSignature !== undefined) previous.thoughtSignature = part.thoughtSignature;
			} else {
				parts.push({...part});
			}
		}
	}
	const merged: PlannedChunk = {outTokens: out, thoughtTokens: thoughts};
	if (sawContent) merged.parts = parts;
	if (last?.finishReason !== undefined) merged.finishReason = last.finishReason;
	if (last?.finishMessage !== undefined) merged.finishMessage = last.finishMessage;
	if (last?.safetyRatings !== undefined) merged.safetyRatings = last.safetyRatings;
	if (last?.groundingMetadata !== undefined) merged.groundingMetadata = last.groundingMetadata;
	return wrap(ctx, candidate(merged), usage(ctx, out, thoughts));
}
