// Anthropic `messages` -> Cloud Code `contents`: roles, block conversion, turn merging, tool results.
// Thinking blocks are carried as neutral items here and placed by ./request-signatures.ts per target family.
import type {ContentBlock, DocumentBlock, ImageBlock, MessageParam, TextBlock, ToolResultBlock} from '../anthropic/types.js';
import type {Content, Part} from '../cloudcode/types.js';
import {TranslationError} from './request-error.js';
import type {ToolNames} from './request-tools.js';
import {webSearchText} from './web-search.js';

/** Stands in for a turn that would otherwise be empty (the service rejects empty `parts` and empty text). */
export const PLACEHOLDER_TEXT = '.';
/** Mid-conversation system messages become user text inside this tag, so the model knows who is speaking. */
export const SYSTEM_NOTE_TAG = 'system-reminder';

export type Item =
	| {kind: 'part'; part: Part}
	| {kind: 'thinking'; text: string; signature: string; redacted: boolean}
	| {kind: 'call'; part: Part & {functionCall: NonNullable<Part['functionCall']>}; id: string}
	| {kind: 'response'; part: Part; order: number};

export type Turn = {role: 'user' | 'model'; items: Item[]};

type CallInfo = {name: string; messageIndex: number; order: number};

/**
 * Messages -> merged, alternating turns (still holding thinking items); the first turn is always a user turn.
 * Linear and allocation-lean on purpose: a body at the element caps (20 000 messages, 100 000 blocks) is translated
 * in one event-loop turn, so every item is pushed straight into its turn (bench/translate-big.ts measures it).
 */
export function buildTurns(messages: readonly MessageParam[], names: ToolNames): Turn[] {
	const calls = indexToolCalls(messages);
	const turns: Turn[] = [];
	let last: Turn | undefined;
	for (let i = 0; i < messages.length; i++) {
		const message = messages[i] as MessageParam;
		const role = message.role === 'assistant' ? 'model' : 'user';
		// Consecutive messages of one role merge into one turn (a message with no items still opens its turn).
		if (last === undefined || last.role !== role) {
			last = {role, items: []};
			turns.push(last);
		}
		const blocks: readonly ContentBlock[] = typeof message.content === 'string' ? [{type: 'text', text: message.content}] : message.content;
		if (message.role === 'assistant') modelItems(blocks, i, names, last.items);
		else if (message.role === 'system') systemItems(blocks, i, last.items);
		else userItems(blocks, i, calls, names, last.items);
	}
	if (turns[0]?.role !== 'user') turns.unshift({role: 'user', items: [{kind: 'part', part: {text: PLACEHOLDER_TEXT}}]});
	return turns;
}

/** Final user turn parts: every functionResponse first (in call order, they must stay contiguous), then the rest. */
export function userContent(turn: Turn): Content {
	const responses: Array<Extract<Item, {kind: 'response'}>> = [];
	let inOrder = true;
	for (const item of turn.items) {
		if (item.kind !== 'response') continue;
		const previous = responses[responses.length - 1];
		if (previous !== undefined && previous.order > item.order) inOrder = false;
		responses.push(item);
	}
	// Results usually arrive in call order already; the sort is stable, so skipping it then changes nothing.
	if (!inOrder) responses.sort((a, b) => a.order - b.order);
	const parts: Part[] = [];
	for (const item of responses) parts.push(item.part);
	for (const item of turn.items) if (item.kind === 'part') parts.push(item.part);
	return {role: 'user', parts: parts.length > 0 ? parts : [{text: PLACEHOLDER_TEXT}]};
}

/** tool_use id -> where it was called. Duplicate ids keep the first call. */
function indexToolCalls(messages: readonly MessageParam[]): Map<string, CallInfo> {
	const calls = new Map<string, CallInfo>();
	let order = 0;
	for (let i = 0; i < messages.length; i++) {
		const message = messages[i] as MessageParam;
		if (message.role !== 'assistant' || typeof message.content === 'string') continue;
		for (const block of message.content) {
			if (block.type === 'tool_use' && !calls.has(block.id)) calls.set(block.id, {name: block.name, messageIndex: i, order: order++});
		}
	}
	return calls;
}

function modelItems(blocks: readonly ContentBlock[], i: number, names: ToolNames, items: Item[]): void {
	for (let j = 0; j < blocks.length; j++) {
		const block = blocks[j] as ContentBlock;
		switch (block.type) {
			case 'thinking':
				items.push({kind: 'thinking', text: block.thinking, signature: block.signature, redacted: false});
				break;
			case 'redacted_thinking':
				items.push({kind: 'thinking', text: '', signature: block.data, redacted: true});
				break;
			case 'tool_use': {
				const name = names.toUpstream.get(block.name) ?? block.name;
				items.push({kind: 'call', part: {functionCall: {name, args: block.input, id: block.id}}, id: block.id});
				break;
			}
			case 'tool_result':
				throw new TranslationError('tool_result blocks are only allowed in user messages', `messages.${i}.content.${j}`);
			case 'server_tool_use':
			case 'web_search_tool_result':
				items.push({kind: 'part', part: {text: webSearchText(block)}});
				break;
			default: {
				const part = mediaPart(block);
				if (part) items.push({kind: 'part', part});
			}
		}
	}
}

function userItems(blocks: readonly ContentBlock[], i: number, calls: Map<string, CallInfo>, names: ToolNames, items: Item[]): void {
	for (let j = 0; j < blocks.length; j++) {
		const block = blocks[j] as ContentBlock;
		switch (block.type) {
			case 'tool_result': {
				const call = calls.get(block.tool_use_id);
				if (!call || call.messageIndex >= i) {
					throw new TranslationError(`no earlier tool_use block has id '${block.tool_use_id}'`, `messages.${i}.content.${j}.tool_use_id`);
				}
				const upstreamName = names.toUpstream.get(call.name) ?? call.name;
				if (typeof block.content === 'string') {
					// The common case, without the intermediate result object and lists.
					const response = block.is_error ? {error: block.content} : {output: block.content};
					items.push({kind: 'response', part: {functionResponse: {name: upstreamName, id: block.tool_use_id, response}}, order: call.order});
					break;
				}
				const result = toolResult(block);
				items.push({kind: 'response', part: {functionResponse: {name: upstreamName, id: block.tool_use_id, response: result.response}}, order: call.order});
				// Images and documents returned by the tool: userContent moves every functionResponse ahead of them.
				for (const part of result.attachments) items.push({kind: 'part', part});
				break;
			}
			case 'tool_use':
			case 'server_tool_use':
			case 'web_search_tool_result':
				throw new TranslationError(`${block.type} blocks are only allowed in assistant messages`, `messages.${i}.content.${j}`);
			case 'thinking':
			case 'redacted_thinking':
				// Only assistants think; a stray thinking block in a user turn has no upstream meaning.
				break;
			default: {
				const part = mediaPart(block);
				if (part) items.push({kind: 'part', part});
			}
		}
	}
}

/** A system message: one `<system-reminder>` note with its texts, then its media parts. */
function systemItems(blocks: readonly ContentBlock[], i: number, target: Item[]): void {
	const texts: string[] = [];
	const items: Item[] = [];
	for (const [j, block] of blocks.entries()) {
		if (block.type === 'text') {
			if (block.text.trim() !== '') texts.push(block.text);
		} else if (block.type === 'tool_use' || block.type === 'tool_result' || block.type === 'server_tool_use' || block.type === 'web_search_tool_result') {
			throw new TranslationError(`${block.type} blocks are not allowed in system messages`, `messages.${i}.content.${j}`);
		} else if (block.type !== 'thinking' && block.type !== 'redacted_thinking') {
			const part = mediaPart(block);
			if (part) items.push({kind: 'part', part});
		}
	}
	if (texts.length > 0) target.push({kind: 'part', part: {text: `<${SYSTEM_NOTE_TAG}>\n${texts.join('\n\n')}\n</${SYSTEM_NOTE_TAG}>`}});
	for (const item of items) target.push(item);
}

/** text / image / document -> a part; empty text gives none (Claude rejects empty text blocks). */
function mediaPart(block: TextBlock | ImageBlock | DocumentBlock): Part | undefined {
	switch (block.type) {
		case 'text':
			return block.text.trim() === '' ? undefined : {text: block.text};
		case 'image':
			return block.source.type === 'base64'
				? {inlineData: {mimeType: block.source.media_type, data: block.source.data}}
				: {fileData: {mimeType: guessMimeType(block.source.url, 'image/jpeg'), fileUri: block.source.url}};
		case 'document':
			return documentPart(block);
	}
}

function documentPart(block: DocumentBlock): Part | undefined {
	const source = block.source;
	if (source.type === 'base64') return {inlineData: {mimeType: source.media_type || 'application/pdf', data: source.data}};
	if (source.type === 'url') return {fileData: {mimeType: guessMimeType(source.url, 'application/pdf'), fileUri: source.url}};
	const text = [block.title, block.context, source.data].filter((t): t is string => typeof t === 'string' && t.trim() !== '').join('\n\n');
	return text === '' ? undefined : {text};
}

type ToolResultParts = {response: Record<string, unknown>; attachments: Part[]};

/** tool_result -> `{output}` or `{error}` text; images and binary documents become parts after the responses. */
function toolResult(block: ToolResultBlock): ToolResultParts {
	const texts: string[] = [];
	const attachments: Part[] = [];
	if (typeof block.content === 'string') texts.push(block.content);
	else {
		for (const item of block.content) {
			if (item.type === 'text') texts.push(item.text);
			// The referenced tool is declared upstream from now on (request-tools.ts): the model is told it is there.
			else if (item.type === 'tool_reference') texts.push(`Tool loaded: ${item.tool_name}`);
			else {
				const part = item.type === 'image' ? mediaPart(item) : documentPart(item);
				if (!part) continue;
				if (part.text !== undefined) texts.push(part.text);
				else attachments.push(part);
			}
		}
	}
	let text = texts.join('\n');
	if (text === '' && attachments.length > 0) text = `(${attachments.length} attachment${attachments.length > 1 ? 's' : ''} follow${attachments.length > 1 ? '' : 's'})`;
	return {response: block.is_error ? {error: text} : {output: text}, attachments};
}

const MIME_BY_EXTENSION: Record<string, string> = {
	png: 'image/png',
	jpg: 'image/jpeg',
	jpeg: 'image/jpeg',
	gif: 'image/gif',
	webp: 'image/webp',
	heic: 'image/heic',
	heif: 'image/heif',
	bmp: 'image/bmp',
	svg: 'image/svg+xml',
	pdf: 'application/pdf',
	txt: 'text/plain',
	md: 'text/markdown',
	html: 'text/html',
	csv: 'text/csv',
};

export function guessMimeType(url: string, fallback: string): string {
	const path = url.split(/[?#]/, 1)[0] ?? '';
	const match = /\.([a-zA-Z0-9]+)$/.exec(path);
	return (match?.[1] && MIME_BY_EXTENSION[match[1].toLowerCase()]) || fallback;
}
