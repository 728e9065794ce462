// Cloud Code response chunks -> Anthropic stream events. Both the streaming and the non-streaming path go
// through this class (non-streaming folds the events with assembleMessage), so they cannot disagree.
// Grammar: message_start, then per block start/deltas/stop with a running index, message_delta, message_stop.
// message_start is held back until the first block (or finish) so an upstream failure before any content can
// still become a clean HTTP error.

import type {Message, StopReason, StreamEvent, Usage} from '../anthropic/types.js';
import type {Candidate, FunctionCall, GroundingMetadata, InlineData, Part, ResponseChunk, UsageMetadata} from '../cloudcode/types.js';
import type {ModelFamily} from './family.js';
import {encodeSignature} from './signature.js';
import {type WebSearchOptions, groundedAnswer} from './web-search.js';

export type TranslatorOptions = {
	messageId: string;
	/** Model name reported to the client. */
	model: string;
	/** Family of the served model (signature encoding). */
	family: ModelFamily;
	/** Enforced here, locally: they are not sent upstream. */
	stopSequences?: string[];
	/** False when the client did not ask for thinking: thought text is dropped. */
	emitThinking: boolean;
	/** Reverse map of sanitized tool names (default identity). */
	toolName?: (upstreamName: string) => string;
	/** Undoes request-side schema rewrites in call arguments (e.g. removes VALIDATED-mode placeholder properties). */
	toolArgs?: (upstreamName: string, args: Record<string, unknown>) => Record<string, unknown>;
	/**
	 * Set for a web-search request (Google Search grounding upstream). The answer text is held until the end: the
	 * grounding metadata that says what was searched and which sources back which segment comes with the last chunk,
	 * and Anthropic's order is searches and results first, then the cited text.
	 */
	webSearch?: WebSearchOptions;
};

/** Upstream produced nothing usable: an empty answer is never a 200 success. */
export class EmptyResponseError extends Error {
	constructor(message = 'The upstream model returned an empty response') {
		super(message);
		this.name = 'EmptyResponseError';
	}
}

/** Upstream ended with an error-like finish reason (MALFORMED_FUNCTION_CALL, …) before producing content. */
export class UpstreamFinishError extends Error {
	readonly finishReason: string;
	constructor(finishReason: string, finishMessage?: string) {
		const detail = finishMessage ? `: ${finishMessage.slice(0, 500)}` : '';
		super(`The upstream model stopped with ${finishReason}${detail}`);
		this.name = 'UpstreamFinishError';
		this.finishReason = finishReason;
	}
}

const REFUSAL_REASONS = new Set([
	'SAFETY',
	'RECITATION',
	'BLOCKLIST',
	'PROHIBITED_CONTENT',
	'SPII',
	'IMAGE_SAFETY',
	'LANGUAGE',
]);
const FAILED_CALL_REASONS = new Set(['MALFORMED_FUNCTION_CALL', 'UNEXPECTED_TOOL_CALL']);

type OpenBlock =
	| {kind: 'thinking'; index: number; text: string; signature?: string}
	/** A text block starts lazily (index set) on its first non-empty delta: held-back text may never be sent. */
	| {kind: 'text'; index?: number; held: string};

type StopMatch = {at: number; sequence: string};

export class StreamTranslator {
	readonly #opts: TranslatorOptions;
	readonly #stops: string[];
	readonly #toolName: (name: string) => string;
	readonly #toolArgs: (name: string, args: Record<string, unknown>) => Record<string, unknown>;
	readonly #toolSignatures = new Map<string, string>();
	#usage: UsageMetadata = {};
	#started = false;
	#finished = false;
	#nextIndex = 0;
	#open: OpenBlock | undefined;
	/** A signature from an empty-text carrier part with no thinking block to attach to. */
	#pendingSignature: string | undefined;
	/** Thought parts were dropped (emitThinking false) and no other part came since: a carrier belongs to them. */
	#droppedThoughts = false;
	#sawToolUse = false;
	#stopSequence: string | undefined;
	#finishReason: string | undefined;
	#finishMessage: string | undefined;
	#blockReason: string | undefined;
	#blockMessage: string | undefined;
	/** Web-search mode: the answer text so far and the latest grounding metadata. */
	#groundedText = '';
	#grounding: GroundingMetadata | undefined;
	#searches = 0;

	constructor(opts: TranslatorOptions) {
		this.#opts = opts;
		this.#stops = (opts.stopSequences ?? []).filter((s) => s !== '');
		this.#toolName = opts.toolName ?? ((name) => name);
		this.#toolArgs = opts.toolArgs ?? ((_name, args) => args);
	}

	get stopMatched(): boolean {
		return this.#stopSequence !== undefined;
	}

	get hasContent(): boolean {
		return this.#nextIndex > 0;
	}

	get sawFinishReason(): boolean {
		return this.#finishReason !== undefined || this.#blockReason !== undefined;
	}

	/** The raw upstream finish reason, for logs. */
	get finishReason(): string | undefined {
		return this.#finishReason ?? this.#blockReason;
	}

	get toolSignatures(): ReadonlyMap<string, string> {
		return this.#toolSignatures;
	}

	get usage(): Usage {
		const prompt = this.#usage.promptTokenCount ?? 0;
		const cached = Math.min(this.#usage.cachedContentTokenCount ?? 0, prompt);
		return {
			input_tokens: prompt - cached,
			output_tokens: (this.#usage.candidatesTokenCount ?? 0) + (this.#usage.thoughtsTokenCount ?? 0),
			cache_read_input_tokens: cached,
			cache_creation_input_tokens: 0,
			...(this.#opts.webSearch ? {server_tool_use: {web_search_requests: this.#searches}} : {}),
		};
	}

	push(chunk: ResponseChunk): StreamEvent[] {
		if (this.#finished || this.stopMatched) return [];
		const response = chunk.response;
		if (response === undefined) return [];
		if (response.usageMetadata !== undefined) this.#mergeUsage(response.usageMetadata);
		const feedback = response.promptFeedback;
		if (feedback?.blockReason) {
			this.#blockReason = feedback.blockReason;
			this.#blockMessage = feedback.blockReasonMessage;
		}
		// Only the first candidate is ever served.
		const candidate: Candidate | undefined = response.candidates?.[0];
		const out: StreamEvent[] = [];
		for (const part of candidate?.content?.parts ?? []) {
			this.#part(part, out);
			if (this.stopMatched) return out;
		}
		if (candidate?.finishReason) {
			this.#finishReason = candidate.finishReason;
			this.#finishMessage = candidate.finishMessage;
		}
		if (this.#opts.webSearch && candidate?.groundingMetadata) this.#mergeGrounding(candidate.groundingMetadata);
		return out;
	}

	/** Later metadata wins field by field (the service sends it whole, on the last chunk or chunks). */
	#mergeGrounding(update: GroundingMetadata): void {
		const merged: GroundingMetadata = {...this.#grounding};
		if (update.webSearchQueries?.length) merged.webSearchQueries = update.webSearchQueries;
		if (update.groundingChunks?.length) merged.groundingChunks = update.groundingChunks;
		if (update.groundingSupports?.length) merged.groundingSupports = update.groundingSupports;
		this.#grounding = merged;
	}

	finish(): StreamEvent[] {
		if (this.#finished) return [];
		this.#finished = true;
		const out: StreamEvent[] = [];
		this.#close(out);
		if (this.#opts.webSearch) this.#flushGrounded(this.#opts.webSearch, out);
		const stopReason = this.#stopReason(out);
		this.#ensureStarted(out);
		out.push(
			{type: 'message_delta', delta: {stop_reason: stopReason, stop_sequence: this.#stopSequence ?? null}, usage: this.usage},
			{type: 'message_stop'},
		);
		return out;
	}

	/** Decides stop_reason; throws when the outcome must not be a successful message. */
	#stopReason(out: StreamEvent[]): StopReason {
		if (this.#stopSequence !== undefined) return 'stop_sequence';
		if (this.#sawToolUse) return 'tool_use';
		const reason = this.#finishReason;
		if (reason === 'MAX_TOKENS') return 'max_tokens';
		const refusal = this.#blockReason ?? (reason !== undefined && REFUSAL_REASONS.has(reason) ? reason : undefined);
		if (refusal !== undefined) {
			if (!this.hasContent) this.#refusalText(refusal, out);
			return 'refusal';
		}
		if (reason !== undefined && FAILED_CALL_REASONS.has(reason) && !this.hasContent) {
			throw new UpstreamFinishError(reason, this.#finishMessage);
		}
		if (!this.hasContent) throw new EmptyResponseError();
		return 'end_turn';
	}

	#refusalText(reason: string, out: StreamEvent[]): void {
		const detail = this.#blockReason !== undefined ? this.#blockMessage : this.#finishMessage;
		const what = this.#blockReason !== undefined ? 'the prompt' : 'the answer';
		const text = `The upstream model blocked ${what} (reason: ${reason}).${detail ? ` ${detail}` : ''}`;
		const index = this.#start({type: 'text', text: ''}, out);
		out.push({type: 'content_block_delta', index, delta: {type: 'text_delta', text}}, {type: 'content_block_stop', index});
	}

	#mergeUsage(update: UsageMetadata): void {
		// Later chunks win field by field; a usage-only chunk may follow the finish chunk.
		for (const [key, value] of Object.entries(update) as Array<[keyof UsageMetadata, number | undefined]>) {
			if (typeof value === 'number') this.#usage[key] = value;
		}
	}

	#part(part: Part, out: StreamEvent[]): void {
		const signature = part.thoughtSignature || undefined;
		if (part.functionCall !== undefined) {
			this.#call(part.functionCall, signature, out);
		} else if (part.thought === true) {
			// Thought images are drafts; only thought text becomes thinking.
			if (part.inlineData === undefined) this.#thought(part.text ?? '', signature, out);
		} else if (part.inlineData !== undefined) {
			this.#image(part.inlineData, signature, out);
		} else if (part.text !== undefined && part.text !== '' && this.#opts.webSearch) {
			this.#droppedThoughts = false;
			if (this.#groundedText === '') this.#contentSignature(signature, out);
			this.#groundedText += part.text;
		} else if (part.text !== undefined && part.text !== '') {
			this.#text(part.text, signature, out);
		} else if (signature !== undefined) {
			this.#carrier(signature);
		}
	}

	#thought(text: string, signature: string | undefined, out: StreamEvent[]): void {
		if (!this.#opts.emitThinking) {
			this.#droppedThoughts = true;
			return;
		}
		if (text !== '') {
			const open = this.#open;
			if (open?.kind === 'thinking' && open.signature === undefined) {
				// Cumulative streaming repeats everything sent so far: send only the new suffix.
				const delta = open.text !== '' && text.startsWith(open.text) ? text.slice(open.text.length) : text;
				this.#thinkingDelta(open, delta, out);
			} else {
				this.#thinkingDelta(this.#openThinking(out), text, out);
			}
		}
		if (signature !== undefined) {
			const open = this.#open;
			if (open?.kind === 'thinking' && open.signature === undefined) open.signature = signature;
			else this.#openThinking(out).signature = signature;
		}
	}

	#thinkingDelta(open: OpenBlock & {kind: 'thinking'}, text: string, out: StreamEvent[]): void {
		if (text === '') return;
		open.text += text;
		out.push({type: 'content_block_delta', index: open.index, delta: {type: 'thinking_delta', thinking: text}});
	}

	#openThinking(out: StreamEvent[]): OpenBlock & {kind: 'thinking'} {
		this.#close(out);
		const index = this.#start({type: 'thinking', thinking: '', signature: ''}, out);
		const open = {kind: 'thinking' as const, index, text: ''};
		this.#open = open;
		return open;
	}

	/** An empty-text part that only carries a signature. */
	#carrier(signature: string): void {
		const open = this.#open;
		if (open?.kind === 'thinking' && open.signature === undefined) open.signature = signature;
		else if (!this.#droppedThoughts) this.#pendingSignature = signature;
	}

	/**
	 * A signature on a non-thought part that starts a block (Gemini): when the client sees thinking, hand it over
	 * as an empty thinking block so it round-trips; it belongs to an unsigned open thinking block if there is one.
	 */
	#contentSignature(signature: string | undefined, out: StreamEvent[]): void {
		const open = this.#open;
		if (signature !== undefined && open?.kind === 'thinking' && open.signature === undefined) {
			open.signature = signature;
			return;
		}
		if (!this.#opts.emitThinking || this.#opts.family !== 'gemini') return;
		const carried = signature ?? this.#pendingSignature;
		if (carried === undefined) return;
		if (signature === undefined) this.#pendingSignature = undefined;
		this.#openThinking(out).signature = carried;
		this.#close(out);
	}

	#text(text: string, signature: string | undefined, out: StreamEvent[]): void {
		this.#droppedThoughts = false;
		let open = this.#open;
		if (open?.kind !== 'text') {
			this.#contentSignature(signature, out);
			this.#close(out);
			open = {kind: 'text', held: ''};
			this.#open = open;
		}
		// A signature in the middle of a text block has no block to ride on and is dropped.
		this.#feedText(open, text, out);
	}

	/** Stop sequences are matched across chunk boundaries: a tail that may begin one is held back. */
	#feedText(open: OpenBlock & {kind: 'text'}, text: string, out: StreamEvent[]): void {
		const buffer = open.held + text;
		open.held = '';
		const match = this.#findStop(buffer);
		if (match !== undefined) {
			this.#textDelta(open, buffer.slice(0, match.at), out);
			this.#stopSequence = match.sequence;
			return;
		}
		const keep = this.#heldLength(buffer);
		this.#textDelta(open, buffer.slice(0, buffer.length - keep), out);
		open.held = buffer.slice(buffer.length - keep);
	}

	/** The match that would have been generated first: the earliest end, then the earliest start. */
	#findStop(buffer: string): StopMatch | undefined {
		let best: (StopMatch & {end: number}) | undefined;
		for (const sequence of this.#stops) {
			const at = buffer.indexOf(sequence);
			if (at === -1) continue;
			const end = at + sequence.length;
			if (best === undefined || end < best.end || (end === best.end && at < best.at)) best = {at, end, sequence};
		}
		return best;
	}

	/** Length of the longest tail of `buffer` that is a proper prefix of some stop sequence. */
	#heldLength(buffer: string): number {
		let longest = 0;
		for (const sequence of this.#stops) {
			for (let length = Math.min(sequence.length - 1, buffer.length); length > longest; length--) {
				if (sequence.startsWith(buffer.slice(buffer.length - length))) {
					longest = length;
					break;
				}
			}
		}
		return longest;
	}

	#textDelta(open: OpenBlock & {kind: 'text'}, text: string, out: StreamEvent[]): void {
		if (text === '') return;
		open.index ??= this.#start({type: 'text', text: ''}, out);
		out.push({type: 'content_block_delta', index: open.index, delta: {type: 'text_delta', text}});
	}

	#call(call: FunctionCall, signature: string | undefined, out: StreamEvent[]): void {
		this.#droppedThoughts = false;
		const open = this.#open;
		// Claude's signature belongs to its thinking; keep it there too when the thinking block has none.
		if (signature !== undefined && open?.kind === 'thinking' && open.signature === undefined && this.#opts.family === 'claude') {
			open.signature = signature;
		}
		this.#close(out);
		const recorded = signature ?? this.#pendingSignature;
		this.#pendingSignature = undefined;
		const id = call.id || this.#syntheticToolId(this.#nextIndex);
		const index = this.#start({type: 'tool_use', id, name: this.#toolName(call.name), input: {}}, out);
		out.push(
			{type: 'content_block_delta', index, delta: {type: 'input_json_delta', partial_json: JSON.stringify(this.#toolArgs(call.name, call.args ?? {}))}},
			{type: 'content_block_stop', index},
		);
		if (recorded !== undefined) this.#toolSignatures.set(id, recorded);
		this.#sawToolUse = true;
	}

	/** Deterministic and unique within the message (messageIds are unique): no randomness in this module. */
	#syntheticToolId(index: number): string {
		const base = this.#opts.messageId.replace(/^msg_/, '').replace(/[^A-Za-z0-9]/g, '');
		return `toolu_${base}_${index}`;
	}

	#image(data: InlineData, signature: string | undefined, out: StreamEvent[]): void {
		this.#droppedThoughts = false;
		this.#contentSignature(signature, out);
		this.#close(out);
		const index = this.#start({type: 'image', source: {type: 'base64', media_type: data.mimeType, data: data.data}}, out);
		out.push({type: 'content_block_stop', index});
	}

	/** Web search: one server_tool_use + web_search_tool_result pair per search, then the text split at its citations. */
	#flushGrounded(options: WebSearchOptions, out: StreamEvent[]): void {
		let text = this.#groundedText;
		this.#groundedText = '';
		const stop = this.#findStop(text);
		if (stop !== undefined) {
			text = text.slice(0, stop.at);
			this.#stopSequence = stop.sequence;
		}
		const answer = groundedAnswer(text, this.#grounding, options);
		this.#searches = answer.performed;
		const base = this.#opts.messageId.replace(/^msg_/, '').replace(/[^A-Za-z0-9]/g, '');
		const caller = {type: 'direct'} as const;
		answer.searches.forEach((search, i) => {
			const id = `srvtoolu_${base}_${i}`;
			const use = this.#start({type: 'server_tool_use', id, name: 'web_search', input: {}, caller}, out);
			out.push({type: 'content_block_delta', index: use, delta: {type: 'input_json_delta', partial_json: JSON.stringify({query: search.query})}}, {type: 'content_block_stop', index: use});
			const result = this.#start({type: 'web_search_tool_result', tool_use_id: id, content: search.content, caller}, out);
			out.push({type: 'content_block_stop', index: result});
		});
		for (const block of answer.texts) {
			const index = this.#start({type: 'text', text: ''}, out);
			for (const citation of block.citations) out.push({type: 'content_block_delta', index, delta: {type: 'citations_delta', citation}});
			out.push({type: 'content_block_delta', index, delta: {type: 'text_delta', text: block.text}}, {type: 'content_block_stop', index});
		}
	}

	/** Emits content_block_start (after message_start if needed) and returns the new block's index. */
	#start(block: Extract<StreamEvent, {type: 'content_block_start'}>['content_block'], out: StreamEvent[]): number {
		this.#ensureStarted(out);
		const index = this.#nextIndex++;
		out.push({type: 'content_block_start', index, content_block: block});
		return index;
	}

	/** Closes the open block: flushes held-back text, puts a thinking block's signature last. */
	#close(out: StreamEvent[]): void {
		const open = this.#open;
		this.#open = undefined;
		if (open === undefined) return;
		if (open.kind === 'text') {
			this.#textDelta(open, open.held, out);
			open.held = '';
			if (open.index !== undefined) out.push({type: 'content_block_stop', index: open.index});
			return;
		}
		if (open.signature !== undefined) {
			const signature = encodeSignature(this.#opts.family, open.signature);
			out.push({type: 'content_block_delta', index: open.index, delta: {type: 'signature_delta', signature}});
		}
		out.push({type: 'content_block_stop', index: open.index});
	}

	#ensureStarted(out: StreamEvent[]): void {
		if (this.#started) return;
		this.#started = true;
		const message: Message = {
			id: this.#opts.messageId,
			type: 'message',
			role: 'assistant',
			model: this.#opts.model,
			content: [],
			stop_reason: null,
			stop_sequence: null,
			usage: this.usage,
		};
		out.push({type: 'message_start', message});
	}
}
