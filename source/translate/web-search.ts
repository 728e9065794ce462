// Anthropic's web search server tool over Google Search grounding. Pure: the request side reads the tool's options and
// picks a grounding-capable model; the response side turns a grounded answer (its text and `groundingMetadata`) into
// Anthropic's blocks: one `server_tool_use` per search query, a `web_search_tool_result` with the sources, and text
// blocks whose grounded segments carry `web_search_result_location` citations.
//
// The Cloud Code wire has no knob for max_uses, allowed_domains or blocked_domains (`googleSearch` takes no options),
// so they are enforced here, on what comes back: searches past max_uses are reported as `max_uses_exceeded`, sources
// outside the allowed / inside the blocked domains are left out of the results and of the citations.
import type {MessagesRequest, ServerToolUseParam, Tool, WebSearchCitation, WebSearchResult, WebSearchResultError, WebSearchToolResultParam} from '../anthropic/types.js';
import type {GroundingChunk, GroundingMetadata} from '../cloudcode/types.js';
import {isImageModel} from './family.js';
import {TranslationError} from './request-error.js';

export type WebSearchOptions = {
	maxUses?: number;
	allowedDomains?: string[];
	blockedDomains?: string[];
	/** The query reported when the upstream searched but did not say for what (no webSearchQueries). */
	fallbackQuery: string;
};

/** Preferred grounding models, in order: the one the service lists in webSearchModelIds, then a newer flash. */
const SEARCH_MODELS = ['gemini-2.5-flash', 'gemini-3-flash'];

/**
 * Grounding is a Gemini feature: a web-search request for a Claude (or image) model is served by a Gemini flash model, as
 * other Cloud Code clients do (opencode uses gemini-2.5-flash, which fetchAvailableModels lists in webSearchModelIds).
 * A Gemini model asked for by name keeps serving it.
 */
export function webSearchModel(served: string, available: ReadonlySet<string>): string {
	if (isGrounding(served)) return served;
	const preferred = SEARCH_MODELS.find(id => available.has(id));
	if (preferred) return preferred;
	const anyGemini = [...available].sort().find(isGrounding);
	return anyGemini ?? (SEARCH_MODELS[0] as string);
}

const isGrounding = (model: string): boolean => /^gemini-/i.test(model) && !isImageModel(model);

function domainList(value: unknown, field: string): string[] | undefined {
	if (value === undefined || value === null) return undefined;
	if (!Array.isArray(value) || !value.every(v => typeof v === 'string' && v.trim() !== '')) {
		throw new TranslationError('must be an array of domain names', field);
	}
	return (value as string[]).map(normalizeDomain);
}

/** `https://Docs.Example.com/path` -> `docs.example.com`: only the host part can be matched (grounding sources are redirects). */
function normalizeDomain(domain: string): string {
	return domain.trim().toLowerCase().replace(/^[a-z][a-z0-9+.-]*:\/\//, '').replace(/[/?#].*$/, '').replace(/:\d+$/, '').replace(/^\*\./, '').replace(/\.$/, '');
}

/** Reads and checks the web search tool's options (Anthropic refuses allowed and blocked domains together). */
export function webSearchOptions(tool: Tool, index: number, req: Pick<MessagesRequest, 'messages'>): WebSearchOptions {
	const raw = tool as Record<string, unknown>;
	const options: WebSearchOptions = {fallbackQuery: lastUserText(req)};
	const maxUses = raw['max_uses'];
	if (maxUses !== undefined && maxUses !== null) {
		if (typeof maxUses !== 'number' || !Number.isInteger(maxUses) || maxUses < 1) throw new TranslationError('must be an integer >= 1', `tools.${index}.max_uses`);
		options.maxUses = maxUses;
	}
	const allowed = domainList(raw['allowed_domains'], `tools.${index}.allowed_domains`);
	const blocked = domainList(raw['blocked_domains'], `tools.${index}.blocked_domains`);
	if (allowed !== undefined && blocked !== undefined) throw new TranslationError('cannot be used together with blocked_domains', `tools.${index}.allowed_domains`);
	if (allowed !== undefined) options.allowedDomains = allowed;
	if (blocked !== undefined) options.blockedDomains = blocked;
	return options;
}

function lastUserText(req: Pick<MessagesRequest, 'messages'>): string {
	const last = [...req.messages].reverse().find(m => m.role === 'user');
	const text = (last?.content ?? []).map(b => (b.type === 'text' ? b.text : '')).join(' ').replace(/\s+/g, ' ').trim();
	return Array.from(text).slice(0, 200).join('');
}

/** The domain a grounding source belongs to: its `domain`, else a title that is a host name (Google's), else the URL host. */
export function sourceDomain(chunk: GroundingChunk): string | undefined {
	const web = chunk.web;
	if (!web) return undefined;
	if (web.domain) return normalizeDomain(web.domain);
	if (web.title && /^[a-z0-9-]+(\.[a-z0-9-]+)+$/i.test(web.title.trim())) return normalizeDomain(web.title);
	try {
		return web.uri ? new URL(web.uri).hostname.toLowerCase() : undefined;
	} catch {
		return undefined;
	}
}

const within = (domain: string, list: readonly string[]): boolean => list.some(d => domain === d || domain.endsWith(`.${d}`));

export function domainAllowed(domain: string | undefined, options: Pick<WebSearchOptions, 'allowedDomains' | 'blockedDomains'>): boolean {
	if (options.allowedDomains !== undefined) return domain !== undefined && within(domain, options.allowedDomains);
	if (options.blockedDomains !== undefined) return domain === undefined || !within(domain, options.blockedDomains);
	return true;
}

/**
 * A web search sent back in an assistant message, as model text for the next turn (upstream has no server tool blocks):
 * what was searched, and the sources found. The answer's own text blocks follow as they are (their citations dropped).
 */
export function webSearchText(block: ServerToolUseParam | WebSearchToolResultParam): string {
	if (block.type === 'server_tool_use') {
		const query = block.input['query'];
		return `[${block.name}: ${typeof query === 'string' ? JSON.stringify(query) : JSON.stringify(block.input)}]`;
	}
	if (!Array.isArray(block.content)) return `[web search failed: ${block.content.error_code}]`;
	if (block.content.length === 0) return '[web search results: none]';
	return ['[web search results:', ...block.content.map(r => `- ${r.title} <${r.url}>`)].join('\n') + ']';
}

export type GroundedText = {text: string; citations: WebSearchCitation[]};
export type GroundedSearch = {query: string; content: WebSearchResult[] | WebSearchResultError};
export type GroundedAnswer = {searches: GroundedSearch[]; texts: GroundedText[]; performed: number};

/** Opaque tokens a client may send back; agproxy reads them again only as what they are (not secret, not encrypted). */
function token(value: unknown): string {
	return Buffer.from(JSON.stringify(value), 'utf8').toString('base64');
}

const MAX_CITED_TEXT = 150;

/**
 * A grounded answer as Anthropic blocks. `text` is the whole answer text; metadata may be missing (the model answered
 * without searching: just the text, no searches).
 */
export function groundedAnswer(text: string, metadata: GroundingMetadata | undefined, options: WebSearchOptions): GroundedAnswer {
	const chunks = metadata?.groundingChunks ?? [];
	const queries = [...new Set((metadata?.webSearchQueries ?? []).map(q => q.trim()).filter(q => q !== ''))];
	if (queries.length === 0 && chunks.length > 0) queries.push(options.fallbackQuery);
	const performed = options.maxUses === undefined ? queries.length : Math.min(queries.length, options.maxUses);

	const kept = new Map<number, WebSearchResult>();
	chunks.forEach((chunk, index) => {
		const uri = chunk.web?.uri;
		if (!uri || !domainAllowed(sourceDomain(chunk), options)) return;
		const title = chunk.web?.title?.trim() || sourceDomain(chunk) || uri;
		kept.set(index, {type: 'web_search_result', url: uri, title, encrypted_content: token({uri, title}), page_age: null});
	});

	// Google does not say which source came from which query: all of them are the first search's results.
	const searches: GroundedSearch[] = queries.map((query, i) => ({
		query,
		content: i >= performed ? {type: 'web_search_tool_result_error', error_code: 'max_uses_exceeded'} : i === 0 ? [...kept.values()] : [],
	}));
	const texts = performed > 0 ? citedTexts(text, metadata, kept) : text === '' ? [] : [{text, citations: []}];
	return {searches, texts, performed};
}

/** Splits the text at the grounded segments; each segment gets citations of its (kept) sources. */
function citedTexts(text: string, metadata: GroundingMetadata | undefined, kept: ReadonlyMap<number, WebSearchResult>): GroundedText[] {
	const bytes = Buffer.from(text, 'utf8');
	const spans: Array<{start: number; end: number; citations: WebSearchCitation[]}> = [];
	for (const support of metadata?.groundingSupports ?? []) {
		const span = segmentSpan(text, bytes, support.segment);
		if (span === undefined) continue;
		const citedText = text.slice(span.start, span.end);
		const citations = [...new Set(support.groundingChunkIndices ?? [])].flatMap(index => {
			const result = kept.get(index);
			if (!result) return [];
			return [{type: 'web_search_result_location' as const, url: result.url, title: result.title, cited_text: Array.from(citedText.trim()).slice(0, MAX_CITED_TEXT).join(''), encrypted_index: token({chunk: index})}];
		});
		if (citations.length > 0) spans.push({...span, citations});
	}
	spans.sort((a, b) => a.start - b.start || b.end - a.end);
	const out: GroundedText[] = [];
	let cursor = 0;
	for (const span of spans) {
		// Overlapping supports: the earlier one keeps the overlap.
		const start = Math.max(span.start, cursor);
		if (span.end <= start) continue;
		if (start > cursor) out.push({text: text.slice(cursor, start), citations: []});
		out.push({text: text.slice(start, span.end), citations: span.citations});
		cursor = span.end;
	}
	if (cursor < text.length) out.push({text: text.slice(cursor), citations: []});
	return out.filter(t => t.text !== '');
}

/** A segment's UTF-16 range in `text`: byte offsets first; when they do not match the segment's text, its first occurrence. */
function segmentSpan(text: string, bytes: Buffer, segment: {startIndex?: number; endIndex?: number; text?: string} | undefined): {start: number; end: number} | undefined {
	if (!segment) return undefined;
	const startByte = segment.startIndex ?? 0;
	const endByte = segment.endIndex;
	if (endByte !== undefined && startByte >= 0 && endByte > startByte && endByte <= bytes.length) {
		const start = bytes.subarray(0, startByte).toString('utf8').length;
		const slice = bytes.subarray(startByte, endByte).toString('utf8');
		if (segment.text === undefined || slice === segment.text) return {start, end: start + slice.length};
	}
	if (segment.text) {
		const at = text.indexOf(segment.text);
		if (at >= 0) return {start: at, end: at + segment.text.length};
	}
	return undefined;
}
