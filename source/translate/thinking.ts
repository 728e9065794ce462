// Thinking decisions: how an Anthropic request's `thinking` + `output_config.effort` + `max_tokens` become
// Cloud Code's `maxOutputTokens` and `thinkingConfig` for the served model. Pure.
//
// Rules (cloudcode-api.md §7.2, §7.3):
// - Claude `-thinking` models always think upstream (the service requires it), even when the client said
//   `disabled`: they get the minimum budget then. `maxOutputTokens` must be > `thinkingBudget`.
// - Non-thinking Claude models: no thinkingConfig at all.
// - Gemini 3+: `thinkingLevel` ('low' | 'high'); Gemini 2.x: `thinkingBudget` (≤ 24576, -1 = dynamic, 0 = off on flash).
import type {Effort, MessagesRequest} from '../anthropic/types.js';
import type {ThinkingConfigWire} from '../cloudcode/types.js';
import {geminiMajorVersion, modelFamily, supportsThinking} from './family.js';

export const CLAUDE_MAX_OUTPUT_TOKENS = 64_000;
export const GEMINI_MAX_OUTPUT_TOKENS = 65_535;
export const CLAUDE_MIN_BUDGET = 1024;
export const GEMINI2_MAX_BUDGET = 24_576;
/** Tokens always left for the visible answer after the thinking budget. */
export const ANSWER_ROOM = 1024;
/** Effort -> thinking budget (Claude, Gemini 2.x); Gemini 3 levels are derived from the same numbers. */
export const EFFORT_BUDGET: Readonly<Record<Effort, number>> = {low: 2048, medium: 8192, high: 16_384, max: 32_768};
/** Anthropic's default effort is high. */
const DEFAULT_EFFORT: Effort = 'high';
/** A budget at or above this maps to Gemini 3's 'high' level. */
const HIGH_LEVEL_FROM = EFFORT_BUDGET.medium;

export type ThinkingPlan = {
	maxOutputTokens: number;
	thinkingConfig?: ThinkingConfigWire;
	/** Upstream will think and validate thinking signatures in history (Claude `-thinking` targets). */
	claudeThinking: boolean;
};

type ThinkingInput = Pick<MessagesRequest, 'max_tokens' | 'thinking' | 'output_config'>;

export function planThinking(req: ThinkingInput, servedModel: string): ThinkingPlan {
	if (modelFamily(servedModel) === 'claude') return planClaude(req, servedModel);
	return planGemini(req, servedModel);
}

function planClaude(req: ThinkingInput, model: string): ThinkingPlan {
	const maxOut = clampTokens(req.max_tokens, CLAUDE_MAX_OUTPUT_TOKENS);
	if (!supportsThinking(model)) return {maxOutputTokens: maxOut, claudeThinking: false};
	const thinking = req.thinking;
	let budget: number;
	if (thinking?.type === 'enabled') budget = thinking.budget_tokens;
	else if (thinking?.type === 'adaptive') budget = EFFORT_BUDGET[req.output_config?.effort ?? DEFAULT_EFFORT];
	// disabled or absent: the model must think anyway, so think as little as allowed.
	else budget = CLAUDE_MIN_BUDGET;
	budget = Math.min(Math.max(budget, CLAUDE_MIN_BUDGET), CLAUDE_MAX_OUTPUT_TOKENS - ANSWER_ROOM);
	const fitted = fitBudget(budget, maxOut, CLAUDE_MIN_BUDGET, CLAUDE_MAX_OUTPUT_TOKENS);
	return {
		maxOutputTokens: fitted.maxOut,
		thinkingConfig: {includeThoughts: true, thinkingBudget: fitted.budget},
		claudeThinking: true,
	};
}

function planGemini(req: ThinkingInput, model: string): ThinkingPlan {
	const maxOut = clampTokens(req.max_tokens, GEMINI_MAX_OUTPUT_TOKENS);
	if (!supportsThinking(model)) return {maxOutputTokens: maxOut, claudeThinking: false};
	const thinking = req.thinking;
	const effort = req.output_config?.effort;
	const wantsThoughts = thinking?.type === 'enabled' || thinking?.type === 'adaptive';
	const major = geminiMajorVersion(model) ?? 2;

	if (major >= 3) {
		let level: 'low' | 'high' | undefined;
		if (thinking?.type === 'enabled') level = thinking.budget_tokens >= HIGH_LEVEL_FROM ? 'high' : 'low';
		else if (thinking?.type === 'adaptive') level = levelFor(effort ?? DEFAULT_EFFORT);
		// Gemini 3 cannot switch thinking off: 'low' is the closest to "disabled".
		else if (thinking?.type === 'disabled') level = 'low';
		else if (effort) level = levelFor(effort);
		if (!level) return {maxOutputTokens: maxOut, claudeThinking: false};
		const thinkingConfig: ThinkingConfigWire = wantsThoughts ? {includeThoughts: true, thinkingLevel: level} : {thinkingLevel: level};
		return {maxOutputTokens: maxOut, thinkingConfig, claudeThinking: false};
	}

	// Gemini 2.x: flash may switch thinking off (0); pro's minimum is 128.
	const canDisable = model.toLowerCase().includes('flash');
	const minBudget = canDisable ? 0 : 128;
	let budget: number | undefined;
	if (thinking?.type === 'enabled') budget = thinking.budget_tokens;
	else if (thinking?.type === 'adaptive') budget = effort ? EFFORT_BUDGET[effort] : -1; // -1 = dynamic
	else if (thinking?.type === 'disabled') budget = minBudget;
	else if (effort) budget = EFFORT_BUDGET[effort];
	if (budget === undefined) return {maxOutputTokens: maxOut, claudeThinking: false};
	let maxOutputTokens = maxOut;
	if (budget > 0) {
		budget = Math.min(Math.max(budget, minBudget), GEMINI2_MAX_BUDGET);
		const fitted = fitBudget(budget, maxOut, Math.max(minBudget, 1), GEMINI_MAX_OUTPUT_TOKENS);
		budget = fitted.budget;
		maxOutputTokens = fitted.maxOut;
	}
	const thinkingConfig: ThinkingConfigWire = wantsThoughts ? {includeThoughts: true, thinkingBudget: budget} : {thinkingBudget: budget};
	return {maxOutputTokens, thinkingConfig, claudeThinking: false};
}

function levelFor(effort: Effort): 'low' | 'high' {
	return EFFORT_BUDGET[effort] >= HIGH_LEVEL_FROM ? 'high' : 'low';
}

function clampTokens(maxTokens: number, cap: number): number {
	return Math.max(1, Math.min(Math.floor(maxTokens), cap));
}

/**
 * Make `budget + ANSWER_ROOM <= maxOut`. The client's max_tokens is honoured first (Anthropic counts thinking
 * inside max_tokens), so the budget is lowered; only when even the minimum budget cannot fit is maxOutputTokens
 * raised above what the client asked (up to the model cap) — the answer may then run past the client's max_tokens.
 */
export function fitBudget(budget: number, maxOut: number, minBudget: number, cap: number): {budget: number; maxOut: number} {
	if (budget + ANSWER_ROOM <= maxOut) return {budget, maxOut};
	if (maxOut - ANSWER_ROOM >= minBudget) return {budget: maxOut - ANSWER_ROOM, maxOut};
	const raised = Math.min(cap, minBudget + ANSWER_ROOM);
	return {budget: Math.min(budget, raised - ANSWER_ROOM), maxOut: raised};
}
