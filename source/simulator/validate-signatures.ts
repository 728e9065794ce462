// Thought-signature rules. Claude: every thinking block in history needs a Claude signature issued for exactly its
// text (or the sentinel). Gemini: every signature present must be a Gemini one; Gemini 3 also needs one on the first
// functionCall of each model turn of the current turn (since the last plain user message).
import {SKIP_SIGNATURE} from '../cloudcode/types.js';
import {geminiMajor} from './models.js';
import type {Signer} from './signatures.js';
import type {SimModel} from './types.js';
import {type WContent, type WPart, functionCalls, functionResponses, hasText} from './wire.js';

export type SignatureContext = {signer: Signer; rejectClaudeSentinel: boolean; model: SimModel};

export const GEMINI_INVALID_SIGNATURE =
	'Unable to submit request because Thought signature is not valid.. Learn more: https://cloud.google.com/vertex-ai/generative-ai/docs/model-reference/gemini';

/** A thinking block is a run of thought parts, optionally closed by an empty-text signature carrier. */
function inThinkingRun(part: WPart): boolean {
	return part.thought === true || (part.text === '' && part.thoughtSignature !== undefined && part.functionCall === undefined);
}

export function claudeSignatureProblem(contents: WContent[], ctx: SignatureContext): string | undefined {
	for (const [i, content] of contents.entries()) {
		const parts = content.parts ?? [];
		let j = 0;
		while (j < parts.length) {
			const part = parts[j];
			if (part === undefined || !inThinkingRun(part)) {
				j++;
				continue;
			}
			const start = j;
			let text = '';
			let signature: string | undefined;
			for (; j < parts.length; j++) {
				const member = parts[j];
				if (member === undefined || !inThinkingRun(member)) break;
				text += member.text ?? '';
				if (member.thoughtSignature !== undefined) signature = member.thoughtSignature;
			}
			if (signature === undefined) return `messages.${i}.content.${start}.thinking.signature: Field required`;
			const sentinelOk = signature === SKIP_SIGNATURE && !ctx.rejectClaudeSentinel;
			if (!sentinelOk && !ctx.signer.validClaudeThought(signature, text)) return `messages.${i}.content.${start}: Invalid \`signature\` in \`thinking\` block`;
		}
	}
	return undefined;
}

export function geminiSignatureProblem(contents: WContent[], ctx: SignatureContext): string | undefined {
	for (const content of contents) {
		for (const part of content.parts ?? []) {
			const signature = part.thoughtSignature;
			if (signature === undefined || signature === SKIP_SIGNATURE) continue;
			if (ctx.signer.verify(signature)?.family !== 'gemini') return GEMINI_INVALID_SIGNATURE;
		}
	}
	if (!ctx.model.thinking || (geminiMajor(ctx.model) ?? 0) < 3) return undefined;
	let turnStart = -1;
	contents.forEach((content, i) => {
		if (content.role === 'user' && hasText(content) && functionResponses(content).length === 0) turnStart = i;
	});
	for (let i = turnStart + 1; i < contents.length; i++) {
		const content = contents[i];
		if (content?.role !== 'model' || functionCalls(content).length === 0) continue;
		const first = (content.parts ?? []).find((p) => p.functionCall !== undefined);
		if (first !== undefined && first.thoughtSignature === undefined) {
			return `Function call is missing a thought_signature in functionCall parts. This is required for tools to work correctly, and missing thought_signature may lead to degraded model performance. Additional data, function call \`default_api:${first.functionCall?.name ?? ''}\` , position ${i}. Please refer to https://ai.google.dev/gemini-api/docs/thought-signatures for more details.`;
		}
	}
	return undefined;
}
