// A local token estimate for `count_tokens`: fast, pure, and never spends upstream quota (clients call it in bursts).
// Text is split the way BPE tokenizers roughly split it (words with their leading space, digit groups, punctuation runs),
// images are priced by their pixel area like Anthropic's (w*h/750 after scaling to 1568 px), PDFs per page.
import type {ContentBlock, CountTokensRequest, Tool} from '../anthropic/types.js';
import {imageSize} from '../anthropic/media.js';
import {webSearchText} from '../translate/web-search.js';

// Calibrated against a BPE Claude tokenizer on prose, source code, JSON schemas and Claude Code's system prompt.
const LETTERS_PER_TOKEN = 7;
const MESSAGE_OVERHEAD = 4;
const TOOLS_OVERHEAD = 300;
const TOOL_OVERHEAD = 12;
const IMAGE_FALLBACK_TOKENS = 1_600;
const PDF_PAGE_TOKENS = 1_800;

/**
 * Splits text into BPE-like pieces and prices each. One pass over the char codes, no allocation: the same pieces as
 * the pattern `/\s?[A-Za-z]+|\s?\d{1,3}|\s?[^\sA-Za-z\d]+|\s+/g` (a single whitespace joins the piece after it, a
 * longer run is a piece of its own), which as a regex cost ~100 ms on a 4 MB body — the estimate runs on every
 * request larger than the context window could hold (source/models/limits.ts mayExceedWindow).
 */
export function estimateTextTokens(text: string): number {
	let tokens = 0;
	const length = text.length;
	let i = 0;
	while (i < length) {
		let code = text.charCodeAt(i);
		if (isSpace(code)) {
			if (i + 1 < length && !isSpace(text.charCodeAt(i + 1))) {
				// One whitespace before a word, number or punctuation belongs to that piece.
				i++;
				code = text.charCodeAt(i);
			} else {
				// Whitespace runs: newlines cost roughly one token per two, indentation one per run.
				let newlines = 0;
				while (i < length && isSpace((code = text.charCodeAt(i)))) {
					if (code === NEWLINE) newlines++;
					i++;
				}
				tokens += newlines === 0 ? 1 : Math.ceil(newlines / 2);
				continue;
			}
		}
		const start = i;
		if (isLetter(code)) {
			do i++;
			while (i < length && isLetter(text.charCodeAt(i)));
			tokens += Math.ceil((i - start) / LETTERS_PER_TOKEN);
		} else if (isDigit(code)) {
			do i++;
			while (i < length && i - start < 3 && isDigit(text.charCodeAt(i)));
			tokens += 1;
		} else {
			// Punctuation merges in pairs in most BPE vocabularies; non-Latin scripts are about one token per character.
			let ascii = 0;
			do {
				if (code >= 0x21 && code <= 0x7e) ascii++;
				i++;
			} while (i < length && !isSpace((code = text.charCodeAt(i))) && !isLetter(code) && !isDigit(code));
			tokens += Math.ceil(ascii / 3) + (i - start - ascii);
		}
	}
	return tokens;
}

const NEWLINE = 0x0a;

function isLetter(code: number): boolean {
	return (code >= 0x61 && code <= 0x7a) || (code >= 0x41 && code <= 0x5a);
}

function isDigit(code: number): boolean {
	return code >= 0x30 && code <= 0x39;
}

/** JavaScript's `\s` (WhiteSpace and LineTerminator), by UTF-16 code unit. */
function isSpace(code: number): boolean {
	if (code <= 0x20) return code === 0x20 || (code >= 0x09 && code <= 0x0d);
	if (code < 0xa0) return false;
	return code === 0xa0 || code === 0x1680 || (code >= 0x2000 && code <= 0x200a) || code === 0x2028 || code === 0x2029 || code === 0x202f || code === 0x205f || code === 0x3000 || code === 0xfeff;
}

export function estimateImageTokens(base64: string): number {
	const size = imageSize(base64);
	if (!size || size.width === 0 || size.height === 0) return IMAGE_FALLBACK_TOKENS;
	const scale = Math.min(1, 1568 / Math.max(size.width, size.height));
	return Math.max(1, Math.ceil((size.width * scale * size.height * scale) / 750));
}

function estimatePdfTokens(base64: string): number {
	const text = Buffer.from(base64, 'base64').toString('latin1');
	const pages = text.match(/\/Type\s*\/Page(?!s)/g)?.length ?? 1;
	return pages * PDF_PAGE_TOKENS;
}

function estimateBlock(block: ContentBlock): number {
	switch (block.type) {
		case 'text':
			return estimateTextTokens(block.text);
		case 'thinking':
			return estimateTextTokens(block.thinking);
		case 'redacted_thinking':
			return Math.ceil(block.data.length / 8);
		case 'image':
			return block.source.type === 'base64' ? estimateImageTokens(block.source.data) : IMAGE_FALLBACK_TOKENS;
		case 'document':
			if (block.source.type === 'text') return estimateTextTokens(block.source.data);
			return block.source.type === 'base64' ? estimatePdfTokens(block.source.data) : PDF_PAGE_TOKENS;
		case 'tool_use':
			return 8 + estimateTextTokens(block.name) + estimateTextTokens(JSON.stringify(block.input));
		case 'tool_result':
			return 8 + (typeof block.content === 'string' ? estimateTextTokens(block.content) : block.content.reduce((sum, b) => sum + (b.type === 'tool_reference' ? estimateTextTokens(b.tool_name) : estimateBlock(b)), 0));
		case 'server_tool_use':
		case 'web_search_tool_result':
			return estimateTextTokens(webSearchText(block));
	}
}

function estimateTool(tool: Tool): number {
	const schema = 'input_schema' in tool ? JSON.stringify(tool.input_schema) : JSON.stringify(tool);
	const description = typeof tool.description === 'string' ? tool.description : '';
	return TOOL_OVERHEAD + estimateTextTokens(tool.name) + estimateTextTokens(description) + estimateTextTokens(schema);
}

export function estimateRequestTokens(req: CountTokensRequest): number {
	let tokens = 0;
	for (const block of req.system ?? []) tokens += estimateTextTokens(block.text);
	for (const message of req.messages) {
		tokens += MESSAGE_OVERHEAD;
		for (const block of message.content) tokens += estimateBlock(block);
	}
	if (req.tools?.length) tokens += TOOLS_OVERHEAD + req.tools.reduce((sum, tool) => sum + estimateTool(tool), 0);
	return Math.max(1, tokens);
}
