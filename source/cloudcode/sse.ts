// Reads Cloud Code's `:streamGenerateContent?alt=sse` body (reference cloudcode-api.md §4): one JSON chunk per
// event, no `[DONE]`, `\n` or `\r\n` line ends, and the occasional stray `,` line from the real server.

import type {Candidate, GroundingMetadata, Part, ResponseChunk, UsageMetadata} from './types.js';

/** Splits a byte or text stream into complete SSE `data` payloads. */
export class SseDecoder {
	readonly #utf8 = new TextDecoder('utf-8');
	#buffer = '';
	/** Everything in #buffer before this offset is known to hold no line terminator. */
	#scanFrom = 0;
	#data: string[] = [];
	#ended = false;

	push(chunk: Uint8Array | string): string[] {
		if (this.#ended) return [];
		this.#buffer += typeof chunk === 'string' ? chunk : this.#utf8.decode(chunk, {stream: true});
		return this.#drain(false);
	}

	/** Flushes a final event that had no trailing blank line. */
	end(): string[] {
		if (this.#ended) return [];
		this.#buffer += this.#utf8.decode();
		const out = this.#drain(true);
		if (this.#buffer !== '') this.#line(this.#buffer, out);
		this.#buffer = '';
		this.#scanFrom = 0;
		this.#dispatch(out);
		this.#ended = true;
		return out;
	}

	#drain(atEnd: boolean): string[] {
		const out: string[] = [];
		const buffer = this.#buffer;
		let start = 0;
		// Positions of the next CR / LF at or after `start`; -2 = not searched yet, -1 = none left. Each is searched
		// for at most once per position, so a long line arriving in many pieces is not rescanned from the start.
		let cr = -2;
		let lf = -2;
		let from = this.#scanFrom;
		for (;;) {
			if (cr !== -1 && cr < from) cr = buffer.indexOf('\r', from);
			if (lf !== -1 && lf < from) lf = buffer.indexOf('\n', from);
			if (cr === -1 && lf === -1) break;
			const at = cr === -1 ? lf : lf === -1 ? cr : Math.min(cr, lf);
			let next = at + 1;
			if (at === cr) {
				// A CR at the end of the buffer may be the first half of a CRLF split across chunks.
				if (at === buffer.length - 1 && !atEnd) {
					from = at;
					break;
				}
				if (buffer[at + 1] === '\n') next = at + 2;
			}
			this.#line(buffer.slice(start, at), out);
			start = next;
			from = next;
		}
		this.#buffer = buffer.slice(start);
		this.#scanFrom = (cr === -1 && lf === -1 ? buffer.length : from) - start;
		return out;
	}

	#line(line: string, out: string[]): void {
		if (line === '') {
			this.#dispatch(out);
			return;
		}
		if (line.startsWith('data:')) {
			const value = line.slice(5);
			this.#data.push(value.startsWith(' ') ? value.slice(1) : value);
		}
		// Comments (":"), event:, id:, retry: and stray "," lines carry nothing we use.
	}

	#dispatch(out: string[]): void {
		if (this.#data.length === 0) return;
		const payload = this.#data.join('\n').trim();
		this.#data = [];
		if (payload !== '' && payload !== '[DONE]') out.push(payload);
	}
}

export type ParsedChunk = {ok: true; chunk: ResponseChunk} | {ok: false; error: string};

class ShapeError extends Error {}

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function record(value: unknown, where: string): Record<string, unknown> | undefined {
	if (value === undefined || value === null) return undefined;
	if (!isRecord(value)) throw new ShapeError(`${where} is not an object`);
	return value;
}

function list(value: unknown, where: string): unknown[] | undefined {
	if (value === undefined || value === null) return undefined;
	if (!Array.isArray(value)) throw new ShapeError(`${where} is not an array`);
	return value;
}

function optionalString(value: unknown, where: string): string | undefined {
	if (value === undefined || value === null) return undefined;
	if (typeof value !== 'string') throw new ShapeError(`${where} is not a string`);
	return value;
}

function count(value: unknown): number | undefined {
	return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function parsePart(value: unknown, where: string): Part {
	const raw = record(value, where) ?? {};
	const part: Part = {};
	const text = optionalString(raw['text'], `${where}.text`);
	if (text !== undefined) part.text = text;
	if (raw['thought'] === true) part.thought = true;
	const signature = raw['thoughtSignature'] ?? raw['thought_signature'];
	if (typeof signature === 'string' && signature !== '') part.thoughtSignature = signature;

	const call = record(raw['functionCall'] ?? raw['function_call'], `${where}.functionCall`);
	if (call !== undefined) {
		const name = optionalString(call['name'], `${where}.functionCall.name`);
		if (name === undefined || name === '') throw new ShapeError(`${where}.functionCall.name is missing`);
		let args: unknown = call['args'] ?? {};
		// Some backends send args as a JSON string.
		if (typeof args === 'string') args = parseJson(args);
		if (!isRecord(args)) throw new ShapeError(`${where}.functionCall.args is not an object`);
		const id = optionalString(call['id'], `${where}.functionCall.id`);
		part.functionCall = id === undefined || id === '' ? {name, args} : {name, args, id};
	}

	const inline = record(raw['inlineData'] ?? raw['inline_data'], `${where}.inlineData`);
	if (inline !== undefined) {
		const mimeType = optionalString(inline['mimeType'] ?? inline['mime_type'], `${where}.inlineData.mimeType`);
		const data = optionalString(inline['data'], `${where}.inlineData.data`);
		if (mimeType === undefined || data === undefined) throw new ShapeError(`${where}.inlineData is incomplete`);
		part.inlineData = {mimeType, data};
	}
	return part;
}

function parseCandidate(value: unknown, where: string): Candidate {
	const raw = record(value, where) ?? {};
	const candidate: Candidate = {};
	const content = record(raw['content'], `${where}.content`);
	if (content !== undefined) {
		const parts = list(content['parts'], `${where}.content.parts`) ?? [];
		candidate.content = {parts: parts.map((part, i) => parsePart(part, `${where}.content.parts[${i}]`))};
		if (typeof content['role'] === 'string') candidate.content.role = content['role'];
	}
	const finishReason = raw['finishReason'];
	if (typeof finishReason === 'string' && finishReason !== '') candidate.finishReason = finishReason;
	if (typeof raw['finishMessage'] === 'string') candidate.finishMessage = raw['finishMessage'];
	if (typeof raw['index'] === 'number') candidate.index = raw['index'];
	const grounding = parseGrounding(raw['groundingMetadata'] ?? raw['grounding_metadata']);
	if (grounding !== undefined) candidate.groundingMetadata = grounding;
	return candidate;
}

/**
 * Lenient on purpose: grounding only decorates an answer (sources, citations), so an entry of an unexpected shape is
 * dropped rather than failing the whole answer. Byte offsets are kept as numbers, the rest as strings.
 */
function parseGrounding(value: unknown): GroundingMetadata | undefined {
	if (!isRecord(value)) return undefined;
	const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : []);
	const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
	const metadata: GroundingMetadata = {};
	const queries = strings(value['webSearchQueries'] ?? value['web_search_queries']);
	if (queries.length > 0) metadata.webSearchQueries = queries;
	const chunks = value['groundingChunks'] ?? value['grounding_chunks'];
	if (Array.isArray(chunks)) {
		metadata.groundingChunks = chunks.map(chunk => {
			const web = isRecord(chunk) && isRecord(chunk['web']) ? chunk['web'] : undefined;
			if (web === undefined) return {};
			const out: {uri?: string; title?: string; domain?: string} = {};
			for (const key of ['uri', 'title', 'domain'] as const) {
				const field = text(web[key]);
				if (field !== undefined) out[key] = field;
			}
			return {web: out};
		});
	}
	const supports = value['groundingSupports'] ?? value['grounding_supports'];
	if (Array.isArray(supports)) {
		metadata.groundingSupports = supports.filter(isRecord).map(support => {
			const segment = isRecord(support['segment']) ? support['segment'] : {};
			const indices = support['groundingChunkIndices'] ?? support['grounding_chunk_indices'];
			const start = count(segment['startIndex'] ?? segment['start_index']);
			const end = count(segment['endIndex'] ?? segment['end_index']);
			const segmentText = text(segment['text']);
			return {
				segment: {...(start === undefined ? {} : {startIndex: start}), ...(end === undefined ? {} : {endIndex: end}), ...(segmentText === undefined ? {} : {text: segmentText})},
				groundingChunkIndices: Array.isArray(indices) ? indices.filter((i): i is number => Number.isInteger(i) && (i as number) >= 0) : [],
			};
		});
	}
	return Object.keys(metadata).length > 0 ? metadata : undefined;
}

function parseUsage(raw: Record<string, unknown>): UsageMetadata {
	const usage: UsageMetadata = {};
	for (const key of ['promptTokenCount', 'candidatesTokenCount', 'thoughtsTokenCount', 'cachedContentTokenCount', 'totalTokenCount'] as const) {
		const value = count(raw[key]);
		if (value !== undefined) usage[key] = value;
	}
	return usage;
}

function parseResponse(raw: Record<string, unknown>): NonNullable<ResponseChunk['response']> {
	const response: NonNullable<ResponseChunk['response']> = {};
	const candidates = list(raw['candidates'], 'response.candidates');
	if (candidates !== undefined) response.candidates = candidates.map((c, i) => parseCandidate(c, `response.candidates[${i}]`));
	const usage = record(raw['usageMetadata'], 'response.usageMetadata');
	if (usage !== undefined) response.usageMetadata = parseUsage(usage);
	const feedback = record(raw['promptFeedback'], 'response.promptFeedback');
	if (feedback !== undefined) {
		response.promptFeedback = {};
		if (typeof feedback['blockReason'] === 'string') response.promptFeedback.blockReason = feedback['blockReason'];
		if (typeof feedback['blockReasonMessage'] === 'string') {
			response.promptFeedback.blockReasonMessage = feedback['blockReasonMessage'];
		}
	}
	if (typeof raw['modelVersion'] === 'string') response.modelVersion = raw['modelVersion'];
	if (typeof raw['responseId'] === 'string') response.responseId = raw['responseId'];
	return response;
}

function parseJson(text: string): unknown {
	try {
		return JSON.parse(text) as unknown;
	} catch {
		return undefined;
	}
}

/** Parses and shape-checks one event payload; unknown fields are dropped, wrong container kinds rejected. */
export function parseChunk(data: string): ParsedChunk {
	let value: unknown;
	try {
		value = JSON.parse(data) as unknown;
	} catch (error) {
		return {ok: false, error: `invalid JSON in stream chunk: ${error instanceof Error ? error.message : String(error)}`};
	}
	if (!isRecord(value)) return {ok: false, error: 'stream chunk is not a JSON object'};
	if (value['error'] !== undefined) {
		const error = value['error'];
		const message = isRecord(error) && typeof error['message'] === 'string' ? error['message'] : JSON.stringify(error);
		return {ok: false, error: `upstream error in stream: ${message}`};
	}
	try {
		// A bare GenerateContentResponse is accepted as if it were wrapped.
		const wrapped = value['response'] !== undefined;
		const raw = wrapped ? record(value['response'], 'response') : value;
		const chunk: ResponseChunk = {response: parseResponse(raw ?? {})};
		if (typeof value['traceId'] === 'string') chunk.traceId = value['traceId'];
		return {ok: true, chunk};
	} catch (error) {
		if (error instanceof ShapeError) return {ok: false, error: `malformed stream chunk: ${error.message}`};
		throw error;
	}
}
