// Which upstream model family a served model belongs to. It decides the wire dialect:
// Claude-via-Cloud-Code needs tool-call ids, VALIDATED tool mode and signed thinking parts;
// Gemini puts signatures on function-call parts and takes thinking levels or budgets.

export type ModelFamily = 'claude' | 'gemini';

export function modelFamily(model: string): ModelFamily {
	return model.toLowerCase().startsWith('claude') ? 'claude' : 'gemini';
}

/** Gemini 3+ speaks `thinkingLevel`; older Gemini speaks `thinkingBudget`. */
export function geminiMajorVersion(model: string): number | undefined {
	const match = /^gemini-(\d+)(?:\.(\d+))?/i.exec(model);
	return match?.[1] === undefined ? undefined : Number(match[1]);
}

/** Claude models on Cloud Code think only when their id says so (`…-thinking`). */
export function supportsThinking(model: string): boolean {
	const lower = model.toLowerCase();
	if (lower.startsWith('claude')) return lower.includes('thinking');
	if (lower.includes('image') || lower.includes('lite')) return false;
	const major = geminiMajorVersion(lower);
	return major !== undefined ? major >= 2 : lower.includes('thinking');
}

export function isImageModel(model: string): boolean {
	return model.toLowerCase().includes('image');
}
