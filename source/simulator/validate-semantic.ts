// What the service rejects after a request parses: empty contents/parts, bad roles, schema rules, output limits,
// and the model-specific rules (Claude: Anthropic's checks, relayed as JSON inside the message; Gemini: turn order).
// Thought-signature rules live in validate-signatures.ts.
import {type RpcBody, claudeInvalid, plainInvalid, semanticError} from './errors.js';
import {geminiMajor} from './models.js';
import {groundingProblem} from './grounding.js';
import {mediaProblem} from './validate-media.js';
import type {SimModel} from './types.js';
import {schemaProblems, toolProblems, declaredFunctionNames} from './validate-schema.js';
import {type SignatureContext, claudeSignatureProblem, geminiSignatureProblem} from './validate-signatures.js';
import {type WContent, type WRequest, functionCalls, functionResponses} from './wire.js';

export type SemanticContext = SignatureContext & {model: SimModel; requestId: string};

/** The first rejection for this request, or undefined when the service would accept it. */
export function semanticProblem(request: WRequest, ctx: SemanticContext): RpcBody | undefined {
	const lines = structureProblems(request);
	if (lines.length > 0) return semanticError(lines);
	const contents = request.contents ?? [];
	if (contents.some((c) => c.role !== 'user' && c.role !== 'model')) return plainInvalid('Please use a valid role: user, model.');
	const grounding = groundingProblem(request, ctx.model.family);
	if (grounding !== undefined) return plainInvalid(grounding);
	return ctx.model.family === 'claude' ? claudeProblem(request, ctx) : geminiProblem(request, ctx);
}

function structureProblems(request: WRequest): string[] {
	const lines: string[] = [];
	const contents = request.contents ?? [];
	if (contents.length === 0) lines.push('contents: contents is not specified');
	const partsOf = (content: WContent, path: string): void => {
		const parts = content.parts ?? [];
		if (parts.length === 0) lines.push(`${path}.parts: contents.parts must not be empty.`);
		parts.forEach((part, j) => {
			const hasData = [part.text, part.inlineData, part.fileData, part.functionCall, part.functionResponse, part.executableCode, part.codeExecutionResult].some(
				(v) => v !== undefined,
			);
			if (!hasData) lines.push(`${path}.parts[${j}].data: required oneof field 'data' must have one initialized field`);
		});
	};
	contents.forEach((content, i) => partsOf(content, `contents[${i}]`));
	if (request.systemInstruction !== undefined) partsOf(request.systemInstruction, 'system_instruction');
	toolProblems(request.tools, lines);
	const responseSchema = request.generationConfig?.responseSchema;
	if (responseSchema !== undefined) schemaProblems(responseSchema, 'generation_config.response_schema', lines);
	return lines;
}

function claudeProblem(request: WRequest, ctx: SemanticContext): RpcBody | undefined {
	const fail = (message: string): RpcBody => claudeInvalid(message, ctx.requestId);
	const {model} = ctx;
	const config = request.generationConfig ?? {};
	const maxTokens = config.maxOutputTokens ?? model.maxOutputTokens;
	if (maxTokens < 1) return fail('max_tokens: Input should be greater than or equal to 1');
	if (maxTokens > model.maxOutputTokens) {
		return fail(`max_tokens: ${maxTokens} > ${model.maxOutputTokens}, which is the maximum allowed number of output tokens for ${model.id}`);
	}
	const budget = config.thinkingConfig?.thinkingBudget;
	if (model.thinking && budget !== undefined && budget !== 0) {
		if (budget < 1024) return fail('thinking.enabled.budget_tokens: Input should be greater than or equal to 1024');
		if (budget >= maxTokens) {
			return fail(
				'`max_tokens` must be greater than `thinking.budget_tokens`. Please consult our documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking#max-tokens-and-context-window-size',
			);
		}
	}
	const names = declaredFunctionNames(request.tools);
	if (new Set(names).size !== names.length) return fail('tools: Tool names must be unique.');
	const textProblem = claudeTextProblem(request) ?? mediaProblem(request.contents ?? [], 'claude');
	if (textProblem !== undefined) return fail(textProblem);
	const toolProblem = claudeToolPairingProblem(request.contents ?? []);
	if (toolProblem !== undefined) return fail(toolProblem);
	const signatureProblem = claudeSignatureProblem(request.contents ?? [], ctx);
	if (signatureProblem !== undefined) return fail(signatureProblem);
	if (claudeThinkingEnabled(request, model)) return claudeLoopProblem(request.contents ?? [], fail);
	return undefined;
}

export function claudeThinkingEnabled(request: WRequest, model: SimModel): boolean {
	const budget = request.generationConfig?.thinkingConfig?.thinkingBudget;
	return model.family === 'claude' && model.thinking && budget !== undefined && budget > 0;
}

function claudeTextProblem(request: WRequest): string | undefined {
	for (const part of request.systemInstruction?.parts ?? []) {
		if (part.text === '') return 'system: text content blocks must be non-empty';
	}
	for (const content of request.contents ?? []) {
		for (const part of content.parts ?? []) {
			// An empty text part that carries a signature is a signature carrier, not a text block.
			if (part.text === undefined || part.thought === true || part.thoughtSignature !== undefined) continue;
			if (part.text === '') return 'messages: text content blocks must be non-empty';
			if (part.text.trim() === '') return 'messages: text content blocks must contain non-whitespace text';
		}
	}
	return undefined;
}

const TOOL_ID = /^[a-zA-Z0-9_-]+$/;

/** Anthropic's tool_use / tool_result rules on Cloud Code's functionCall / functionResponse ids: field checks
 * over the whole conversation first (as Anthropic validates the body before pairing), then pairing. */
function claudeToolPairingProblem(contents: WContent[]): string | undefined {
	for (const [i, content] of contents.entries()) {
		for (const [j, part] of (content.parts ?? []).entries()) {
			if (part.functionCall !== undefined) {
				const id = part.functionCall.id;
				if (id === undefined || id === '') return `messages.${i}.content.${j}.tool_use.id: Field required`;
				if (!TOOL_ID.test(id)) return `messages.${i}.content.${j}.tool_use.id: String should match pattern '^[a-zA-Z0-9_-]+$'`;
			}
			const responseId = part.functionResponse?.id;
			if (part.functionResponse !== undefined && (responseId === undefined || responseId === '')) return `messages.${i}.content.${j}.tool_result.tool_use_id: Field required`;
		}
	}
	for (const [i, content] of contents.entries()) {
		for (const [j, part] of (content.parts ?? []).entries()) {
			const id = part.functionResponse?.id;
			if (id === undefined) continue;
			const previous = contents[i - 1];
			const offered = previous?.role === 'model' ? functionCalls(previous).map((c) => c.id) : [];
			if (!offered.includes(id)) {
				return `messages.${i}.content.${j}: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${id}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`;
			}
		}
		const calls = content.role === 'model' ? functionCalls(content) : [];
		const next = contents[i + 1];
		if (calls.length === 0 || next === undefined) continue;
		const answered = new Set(next.role === 'user' ? functionResponses(next).map((r) => r.id) : []);
		const missing = calls.map((c) => c.id ?? '').filter((id) => !answered.has(id));
		if (missing.length > 0) {
			return `messages.${i}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${missing.join(', ')}. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`;
		}
	}
	return undefined;
}

/** With thinking on, the assistant turn that opened the current tool loop must start with a thinking block. */
function claudeLoopProblem(contents: WContent[], fail: (message: string) => RpcBody): RpcBody | undefined {
	const last = contents.at(-1);
	const turn = contents.at(-2);
	if (last?.role !== 'user' || functionResponses(last).length === 0) return undefined;
	if (turn?.role !== 'model' || functionCalls(turn).length === 0) return undefined;
	const first = turn.parts?.[0];
	if (first === undefined) return undefined;
	const thinking = first.thought === true || (first.text === '' && first.thoughtSignature !== undefined);
	if (thinking) return undefined;
	const found = first.functionCall !== undefined ? 'tool_use' : first.inlineData !== undefined ? 'image' : 'text';
	return fail(
		`messages.${contents.length - 2}.content.0.type: Expected \`thinking\` or \`redacted_thinking\`, but found \`${found}\`. When \`thinking\` is enabled, a final \`assistant\` message must start with a thinking block (preceeding the lastmost set of \`tool_use\` and \`tool_result\` blocks). We recommend you include thinking blocks from previous turns. To avoid this requirement, disable \`thinking\`. Please consult our documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking`,
	);
}

function geminiProblem(request: WRequest, ctx: SemanticContext): RpcBody | undefined {
	const {model} = ctx;
	const config = request.generationConfig ?? {};
	const maxTokens = config.maxOutputTokens;
	if (maxTokens !== undefined && (maxTokens < 1 || maxTokens > model.maxOutputTokens)) {
		return plainInvalid(
			`Unable to submit request because it has a maxOutputTokens value of ${maxTokens} but the supported range is from 1 (inclusive) to ${model.maxOutputTokens + 1} (exclusive). Update the value and try again.`,
		);
	}
	const thinking = config.thinkingConfig;
	if (thinking?.thinkingLevel !== undefined) {
		if (thinking.thinkingBudget !== undefined) {
			return plainInvalid('Unable to submit request because thinking_budget and thinking_level are not supported together.');
		}
		if ((geminiMajor(model) ?? 0) < 3) return plainInvalid('Unable to submit request because thinking_level is not supported by this model.');
	}
	const media = mediaProblem(request.contents ?? [], 'gemini');
	if (media !== undefined) return plainInvalid(media);
	const order = geminiTurnOrderProblem(request.contents ?? []);
	if (order !== undefined) return plainInvalid(order);
	const signature = geminiSignatureProblem(request.contents ?? [], ctx);
	return signature === undefined ? undefined : plainInvalid(signature);
}

function geminiTurnOrderProblem(contents: WContent[]): string | undefined {
	for (const [i, content] of contents.entries()) {
		const previous = contents[i - 1];
		if (content.role === 'model' && functionCalls(content).length > 0 && previous?.role !== 'user') {
			return 'Please ensure that function call turn comes immediately after a user turn or after a function response turn.';
		}
		const responses = content.role === 'user' ? functionResponses(content) : [];
		if (responses.length === 0) continue;
		const calls = previous?.role === 'model' ? functionCalls(previous) : [];
		if (calls.length === 0) return 'Please ensure that function response turn comes immediately after a function call turn.';
		if (calls.length !== responses.length) {
			return 'Please ensure that the number of function response parts is equal to the number of function call parts of the function call turn.';
		}
	}
	return undefined;
}
