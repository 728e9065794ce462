// The default model catalogue: the 2026 Antigravity ids (reference cloudcode-api.md §7.2) with their limits.
import type {SimModel} from './types.js';

const CLAUDE = {family: 'claude', maxTokens: 200_000, maxOutputTokens: 64_000} as const;
const GEMINI = {family: 'gemini', maxTokens: 1_048_576, maxOutputTokens: 65_535} as const;

export const DEFAULT_MODELS: readonly SimModel[] = [
	{id: 'claude-sonnet-4-6', displayName: 'Claude Sonnet 4.6', thinking: false, ...CLAUDE},
	{id: 'claude-opus-4-6-thinking', displayName: 'Claude Opus 4.6 (Thinking)', thinking: true, ...CLAUDE},
	{id: 'gemini-3-flash', displayName: 'Gemini 3 Flash', thinking: true, ...GEMINI},
	// "3.1 Pro High" as the service names it since mid-2026 (peers.md, CPA#3365); the older id is still answered.
	{id: 'gemini-pro-agent', displayName: 'Gemini 3.1 Pro (High, agent)', thinking: true, ...GEMINI},
	{id: 'gemini-3-flash-agent', displayName: 'Gemini 3 Flash (agent)', thinking: true, ...GEMINI},
	{id: 'gemini-3.1-flash-lite', displayName: 'Gemini 3.1 Flash Lite', thinking: true, ...GEMINI},
	{id: 'gemini-3.1-pro-high', displayName: 'Gemini 3.1 Pro (High)', thinking: true, ...GEMINI},
	{id: 'gemini-3.1-pro-low', displayName: 'Gemini 3.1 Pro (Low)', thinking: true, ...GEMINI},
	{id: 'gemini-2.5-flash', displayName: 'Gemini 2.5 Flash', thinking: true, ...GEMINI},
	{id: 'gemini-2.5-pro', displayName: 'Gemini 2.5 Pro', thinking: true, ...GEMINI},
	{id: 'gemini-3.1-flash-image', displayName: 'Gemini 3.1 Flash Image', thinking: false, images: true, family: 'gemini', maxTokens: 131_072, maxOutputTokens: 32_768},
];

/**
 * Ids Google served once and has since withdrawn (reference §7.2, peers.md "Update 2026-12"). They are simply absent from
 * the catalogue, so a request for one gets the service's 404 NOT_FOUND like any unknown model; listed here for tests.
 */
export const RETIRED_MODEL_IDS = ['claude-sonnet-4-6-thinking', 'claude-sonnet-4-5', 'claude-sonnet-4-5-thinking', 'claude-opus-4-5-thinking', 'gemini-3-pro-high', 'gemini-3-pro-low'] as const;

/** Internal ids the real service lists next to the chat models; clients must filter them out. */
export const INTERNAL_MODEL_IDS = ['chat_20706', 'chat_23310', 'tab_flash_lite_preview'] as const;

export const WEB_SEARCH_MODEL_IDS = ['gemini-2.5-flash'] as const;

/** Gemini major version from the id (3 for gemini-3.1-pro-high); undefined for Claude. */
export function geminiMajor(model: SimModel): number | undefined {
	if (model.family !== 'gemini') return undefined;
	const match = /^gemini-(\d+)/i.exec(model.id);
	return match?.[1] === undefined ? undefined : Number(match[1]);
}
