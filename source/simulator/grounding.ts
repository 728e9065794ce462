// Google Search grounding answers (`tools: [{googleSearch: {}}]`), shaped like the real service's: the answer text
// streams in pieces, and the LAST chunk carries `groundingMetadata` — the queries the model ran, the sources
// (`groundingChunks[].web{uri,title}`, uri a vertexaisearch redirect, title the source's domain) and which byte range
// of the text each source supports (`groundingSupports[].segment{startIndex,endIndex,text}`, UTF-8 byte offsets,
// a 0 start omitted as proto3 JSON does).
import {createHash} from 'node:crypto';
import type {GroundingMetadata} from '../cloudcode/types.js';
import type {PlannedChunk} from './answers.js';
import type {SimSource} from './types.js';
import {estimateTokens} from './usage.js';
import type {WRequest} from './wire.js';

export function hasGoogleSearch(request: WRequest): boolean {
	return (request.tools ?? []).some((tool) => tool.googleSearch !== undefined);
}

/**
 * Grounding's own rules: it cannot be combined with function declarations (Vertex's wording), and it is a Gemini
 * feature (inferred: every client routes web search to a Gemini model; a Claude model is refused here).
 */
export function groundingProblem(request: WRequest, family: 'claude' | 'gemini'): string | undefined {
	if (!hasGoogleSearch(request)) return undefined;
	if ((request.tools ?? []).some((tool) => (tool.functionDeclarations ?? []).length > 0)) return 'Multiple tools are supported only when they are all search tools.';
	if (family === 'claude') return 'Google Search grounding is not supported by this model.';
	return undefined;
}

/** Three deterministic sources for a query (the same query finds the same pages). */
export function defaultSources(query: string): SimSource[] {
	const slug = query.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40) || 'search';
	return [
		{domain: 'en.wikipedia.org', title: `${query} - Wikipedia`},
		{domain: 'docs.example.org', title: `${query}: the documentation`},
		{domain: 'news.example.com', title: `Latest on ${slug}`},
	];
}

function redirect(seed: string): string {
	const id = createHash('sha256').update(seed).digest('base64url');
	return `https://vertexaisearch.cloud.google.com/grounding-api-redirect/${id}`;
}

/**
 * The grounded answer: one sentence per source, each supported by its source, plus an ungrounded closing line.
 * `pieces` splits the text across chunks; the metadata rides on the last one.
 */
export function groundedChunks(queries: string[], sources: SimSource[], nonce: string, pieces: number): PlannedChunk[] {
	const sentences = sources.map((s, i) => `${i === 0 ? '' : ' '}According to ${s.title} (${s.domain}), ${queries[0] ?? 'this'} is covered in detail.`);
	const closing = ' That is what the search found.';
	const text = sentences.join('') + closing;
	const supports: NonNullable<GroundingMetadata['groundingSupports']> = [];
	let offset = 0;
	sentences.forEach((sentence, i) => {
		const lead = sentence.startsWith(' ') ? 1 : 0;
		const start = offset + Buffer.byteLength(sentence.slice(0, lead));
		const end = offset + Buffer.byteLength(sentence);
		supports.push({segment: {...(start === 0 ? {} : {startIndex: start}), endIndex: end, text: sentence.slice(lead)}, groundingChunkIndices: [i]});
		offset = end;
	});
	const metadata: GroundingMetadata = {
		webSearchQueries: queries,
		searchEntryPoint: {renderedContent: `<div class="container">${queries.map((q) => `<a class="chip">${q.replace(/[<>&"]/g, '')}</a>`).join('')}</div>`},
		groundingChunks: sources.map((s, i) => ({web: {uri: s.uri ?? redirect(`${nonce}:${i}:${s.domain}`), title: s.domain}})),
		groundingSupports: supports,
	};
	const chars = Array.from(text);
	const count = Math.max(1, Math.min(pieces, chars.length));
	const size = Math.ceil(chars.length / count);
	const chunks: PlannedChunk[] = [];
	for (let i = 0; i < chars.length; i += size) {
		const piece = chars.slice(i, i + size).join('');
		chunks.push({parts: [{text: piece}], outTokens: estimateTokens(piece), thoughtTokens: 0});
	}
	const last = chunks.at(-1);
	if (last) {
		last.finishReason = 'STOP';
		last.groundingMetadata = metadata;
	}
	return chunks;
}
