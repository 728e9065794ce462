// Folds Anthropic stream events into the non-streaming Message. Non-streaming answers are built only this way
// (StreamTranslator -> assembleMessage), so both response paths agree. Malformed event lists throw: they can
// only come from a bug in our own translator.

import type {DirectCaller, Message, ResponseBlock, StreamEvent, WebSearchCitation} from '../anthropic/types.js';

type Building =
	| {type: 'text'; text: string; citations?: WebSearchCitation[]}
	| {type: 'thinking'; thinking: string; signature: string}
	| {type: 'tool_use'; id: string; name: string; json: string}
	| {type: 'server_tool_use'; id: string; name: 'web_search'; json: string; caller: DirectCaller}
	| Extract<ResponseBlock, {type: 'image' | 'web_search_tool_result'}>;

function fail(message: string): never {
	throw new Error(`assembleMessage: ${message}`);
}

function toolInput(json: string): Record<string, unknown> {
	if (json === '') return {};
	const value: unknown = JSON.parse(json);
	if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('tool_use input is not a JSON object');
	return value as Record<string, unknown>;
}

function finalBlock(block: Building): ResponseBlock {
	switch (block.type) {
		case 'tool_use':
			return {type: 'tool_use', id: block.id, name: block.name, input: toolInput(block.json)};
		case 'server_tool_use': {
			const input = toolInput(block.json);
			if (typeof input['query'] !== 'string') fail('server_tool_use input has no query');
			return {type: 'server_tool_use', id: block.id, name: block.name, input: {query: input['query']}, caller: block.caller};
		}
		case 'image':
			return {type: 'image', source: {...block.source}};
		case 'text':
			return block.citations === undefined ? {type: 'text', text: block.text} : {type: 'text', text: block.text, citations: [...block.citations]};
		default:
			return {...block};
	}
}

type BlockStart = Extract<StreamEvent, {type: 'content_block_start'}>['content_block'];

function building(start: BlockStart): Building {
	switch (start.type) {
		case 'tool_use':
			return {type: 'tool_use', id: start.id, name: start.name, json: ''};
		case 'server_tool_use':
			return {type: 'server_tool_use', id: start.id, name: start.name, json: '', caller: start.caller};
		case 'image':
			return {type: 'image', source: {...start.source}};
		case 'web_search_tool_result':
			return {...start, content: Array.isArray(start.content) ? start.content.map(r => ({...r})) : {...start.content}};
		default:
			return {...start};
	}
}

export function assembleMessage(events: readonly StreamEvent[]): Message {
	let message: Message | undefined;
	const blocks = new Map<number, Building>();

	const blockAt = (index: number): Building => blocks.get(index) ?? fail(`delta for unknown block ${index}`);

	for (const event of events) {
		switch (event.type) {
			case 'message_start':
				message = {...event.message, content: [], usage: {...event.message.usage}};
				break;
			case 'content_block_start': {
				if (blocks.has(event.index)) fail(`block ${event.index} started twice`);
				const start = event.content_block;
				blocks.set(event.index, building(start));
				break;
			}
			case 'content_block_delta': {
				const block = blockAt(event.index);
				const delta = event.delta;
				if (delta.type === 'text_delta' && block.type === 'text') block.text += delta.text;
				else if (delta.type === 'thinking_delta' && block.type === 'thinking') block.thinking += delta.thinking;
				else if (delta.type === 'signature_delta' && block.type === 'thinking') block.signature += delta.signature;
				else if (delta.type === 'input_json_delta' && (block.type === 'tool_use' || block.type === 'server_tool_use')) block.json += delta.partial_json;
				else if (delta.type === 'citations_delta' && block.type === 'text') (block.citations ??= []).push(delta.citation);
				else fail(`${delta.type} on a ${block.type} block`);
				break;
			}
			case 'message_delta':
				if (message === undefined) fail('message_delta before message_start');
				message.stop_reason = event.delta.stop_reason;
				message.stop_sequence = event.delta.stop_sequence;
				message.usage = {...event.usage};
				break;
			case 'content_block_stop':
			case 'message_stop':
			case 'ping':
				break;
		}
	}
	if (message === undefined) fail('no message_start');
	message.content = [...blocks.entries()].sort(([a], [b]) => a - b).map(([, block]) => finalBlock(block));
	return message;
}
