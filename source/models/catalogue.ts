// The models agproxy serves when the upstream model list is not known yet (no account has fetched it),
// and the default rules that map the names clients ask for (Claude Code asks for its own, e.g. claude-opus-4-8) to them.

export type ServedModel = {id: string; displayName: string; createdAt: string};

export const DEFAULT_CATALOGUE: readonly ServedModel[] = [
	{id: 'claude-opus-4-6-thinking', displayName: 'Claude Opus 4.6 (Thinking)', createdAt: '2026-02-05T00:00:00Z'},
	{id: 'claude-sonnet-4-6', displayName: 'Claude Sonnet 4.6', createdAt: '2026-02-17T00:00:00Z'},
	{id: 'gemini-3.1-pro-high', displayName: 'Gemini 3.1 Pro (High)', createdAt: '2026-02-19T00:00:00Z'},
	{id: 'gemini-3.1-pro-low', displayName: 'Gemini 3.1 Pro (Low)', createdAt: '2026-02-19T00:00:00Z'},
	{id: 'gemini-3-flash', displayName: 'Gemini 3 Flash', createdAt: '2025-12-17T00:00:00Z'},
	{id: 'gemini-2.5-flash', displayName: 'Gemini 2.5 Flash', createdAt: '2025-06-17T00:00:00Z'},
	{id: 'gemini-2.5-pro', displayName: 'Gemini 2.5 Pro', createdAt: '2025-06-17T00:00:00Z'},
];

/** A mapping rule: a glob over the requested name (`*` any run, `?` one char) and the served model. First match wins. */
export type ModelRule = {pattern: string; target: string};

export const DEFAULT_MODEL_RULES: readonly ModelRule[] = [
	{pattern: 'claude-opus-*', target: 'claude-opus-4-6-thinking'},
	{pattern: 'claude-sonnet-*', target: 'claude-sonnet-4-6'},
	{pattern: 'claude-3-7-sonnet*', target: 'claude-sonnet-4-6'},
	{pattern: 'claude-3-5-sonnet*', target: 'claude-sonnet-4-6'},
	// No Haiku on Cloud Code: Claude Code's background work (titles, summaries) goes to a fast Gemini.
	{pattern: 'claude-haiku-*', target: 'gemini-3-flash'},
	{pattern: 'claude-3-5-haiku*', target: 'gemini-3-flash'},
	{pattern: 'claude-3-haiku*', target: 'gemini-3-flash'},
];

export function globToRegExp(glob: string): RegExp {
	const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
	return new RegExp(`^${body}$`, 'i');
}

/**
 * Decides what is served for a requested name: a model the upstream offers is served as asked;
 * otherwise the first matching rule; otherwise the name is passed through (the upstream answers 404 if it does not exist).
 */
export function resolveModel(requested: string, rules: readonly ModelRule[], served: ReadonlySet<string>): string {
	if (served.has(requested)) return requested;
	for (const rule of rules) {
		if (globToRegExp(rule.pattern).test(requested)) return rule.target;
	}
	return requested;
}

/** Parses `glob=model,glob=model` (the AGPROXY_MODEL_MAP / --model-map syntax). */
export function parseModelRules(text: string): ModelRule[] {
	return text
		.split(',')
		.map(item => item.trim())
		.filter(Boolean)
		.map(item => {
			const [pattern, target, ...rest] = item.split('=').map(s => s.trim());
			if (!pattern || !target || rest.length > 0) throw new Error(`invalid model rule '${item}': expected glob=model`);
			return {pattern, target};
		});
}
