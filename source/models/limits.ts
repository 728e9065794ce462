// Context window and output limit checks, done before any upstream call (pure). A prompt above the window gets Anthropic's
// own "prompt is too long: N tokens > M maximum" (Claude Code compacts the conversation on it instead of retrying a
// request the upstream would refuse); a max_tokens above the output limit gets Anthropic's 400 naming the field when the
// client asked for that model by its id, and is lowered to the limit when agproxy chose the model (a mapping rule or a
// model group): the client could not know that model's limit (Claude Code always sends max_tokens 64000).
import {CATALOGUE, type ModelLimits} from './catalogue.js';

/** The limits of a served model: what the upstream reported, else the catalogue's entry, else its family's. */
export function limitsFor(id: string, reported: Partial<ModelLimits> = {}): ModelLimits | undefined {
	const fallback = CATALOGUE.models.find(m => m.id === id)?.limits ?? familyLimits(id);
	const contextWindow = reported.contextWindow ?? fallback?.contextWindow;
	const maxOutputTokens = reported.maxOutputTokens ?? fallback?.maxOutputTokens;
	return contextWindow === undefined || maxOutputTokens === undefined ? undefined : {contextWindow, maxOutputTokens};
}

function familyLimits(id: string): ModelLimits | undefined {
	if (/^claude-/i.test(id)) return CATALOGUE.familyLimits.claude;
	if (/^gemini-/i.test(id)) return CATALOGUE.familyLimits.gemini;
	return undefined;
}

export type LimitCheckInput = {
	servedModel: string;
	/** True when the client named the served model itself; false when a rule or a group chose it. */
	askedDirectly: boolean;
	/** The local estimate of the request's input tokens (source/tokens/estimate.ts). */
	promptTokens: number;
	maxTokens: number;
	limits: ModelLimits | undefined;
};

/** `limit` says which limit the request broke: the context window (`prompt`) or the output limit (`max_tokens`). */
export type LimitCheck = {ok: true; maxTokens: number} | {ok: false; limit: 'prompt' | 'max_tokens'; message: string};

export function checkRequestLimits(input: LimitCheckInput): LimitCheck {
	const {limits} = input;
	if (limits === undefined) return {ok: true, maxTokens: input.maxTokens};
	if (input.promptTokens > limits.contextWindow) {
		return {ok: false, limit: 'prompt', message: `prompt is too long: ${input.promptTokens} tokens > ${limits.contextWindow} maximum`};
	}
	if (input.maxTokens <= limits.maxOutputTokens) return {ok: true, maxTokens: input.maxTokens};
	if (!input.askedDirectly) return {ok: true, maxTokens: limits.maxOutputTokens};
	return {
		ok: false,
		limit: 'max_tokens',
		message: `max_tokens: ${input.maxTokens} > ${limits.maxOutputTokens}, which is the maximum allowed number of output tokens for ${input.servedModel}`,
	};
}

type Sized = {system?: ReadonlyArray<unknown>; messages: ReadonlyArray<{content: ReadonlyArray<{type: string; content?: unknown}>}>; tools?: ReadonlyArray<unknown>};

/** The estimate's flat cost of a tool list (source/tokens/estimate.ts TOOLS_OVERHEAD), with room to spare. */
const TOOLS_ALLOWANCE = 1_000;

/**
 * Whether the request's token estimate could be above `window`. The exact estimate costs ~16 ms on Claude Code's 130 KB
 * requests, so it runs only when this cheap bound says it might matter: without images or documents (priced by area or
 * page, not by length) the estimate never exceeds the request's JSON length, since every text token covers at least
 * one character.
 */
export function mayExceedWindow(request: Sized, window: number): boolean {
	const media = (blocks: ReadonlyArray<{type: string; content?: unknown}>): boolean =>
		blocks.some(block => block.type === 'image' || block.type === 'document' || (block.type === 'tool_result' && Array.isArray(block.content) && media(block.content as Array<{type: string}>)));
	if (request.messages.some(message => media(message.content))) return true;
	// Message by message, stopping once past the window: a multi-MB body is decided after its first `window` characters
	// instead of being serialized whole (the `[`, `]` and commas of the array are counted too).
	let length = TOOLS_ALLOWANCE + JSON.stringify(request.system ?? []).length + JSON.stringify(request.tools ?? []).length + 2;
	if (length > window) return true;
	for (const message of request.messages) {
		length += JSON.stringify(message).length + 1;
		if (length > window) return true;
	}
	return false;
}
