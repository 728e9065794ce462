// Edge validation of Anthropic Messages requests: untrusted JSON in, typed MessagesRequest out, or a 400 naming the field.
// Unknown top-level fields (context_management, service_tier, …) are accepted and dropped: clients send them freely.
import type {
	ContentBlock,
	CountTokensRequest,
	DocumentBlock,
	Effort,
	ImageBlock,
	MessageParam,
	MessagesRequest,
	TextBlock,
	ThinkingConfig,
	Tool,
	ToolChoice,
} from './types.js';
import {
	type Json,
	array,
	boolean,
	depthExceeds,
	fail,
	number,
	object,
	oneOf,
	optionalNumber,
	optionalString,
	string,
} from './check.js';
import {sniffImageType} from './media.js';

const IMAGE_TYPES = ['image/jpeg', 'image/png', 'image/gif', 'image/webp'] as const;
const BLOCK_TYPES = ['text', 'image', 'document', 'tool_use', 'tool_result', 'thinking', 'redacted_thinking'] as const;
const MAX_SCHEMA_DEPTH = 48;
/** Deeper tool inputs (or server tool objects) would overflow the stack of recursive consumers such as JSON.stringify. */
const MAX_INPUT_DEPTH = 64;

export function validateMessagesRequest(body: unknown): MessagesRequest {
	const root = object(body, 'body');
	const request = validateCommon(root);
	if (root['max_tokens'] === undefined) fail('max_tokens', 'field required');
	const maxTokens = number(root['max_tokens'], 'max_tokens', {integer: true, min: 1});
	const stopSequences = root['stop_sequences'] === undefined || root['stop_sequences'] === null
		? undefined
		: array(root['stop_sequences'], 'stop_sequences').map((s, i) => string(s, `stop_sequences.${i}`, {nonEmpty: true}));
	const thinking = request.thinking;
	if (thinking?.type === 'enabled' && thinking.budget_tokens >= maxTokens) {
		fail('thinking.budget_tokens', `must be less than max_tokens (${maxTokens})`);
	}
	const stream = boolean(root['stream'], 'stream');
	checkToolPairing(request.messages);
	const choice = request.tool_choice;
	if (choice?.type === 'tool' && !request.tools?.some(tool => tool.name === choice.name)) {
		fail('tool_choice.name', `tool '${choice.name}' is not among the declared tools`);
	}
	return {
		...request,
		max_tokens: maxTokens,
		...(stopSequences?.length ? {stop_sequences: stopSequences} : {}),
		...(stream === undefined ? {} : {stream}),
	};
}

export function validateCountTokensRequest(body: unknown): CountTokensRequest {
	return validateCommon(object(body, 'body'));
}

function validateCommon(root: Json): CountTokensRequest {
	if (root['model'] === undefined) fail('model', 'field required');
	const model = string(root['model'], 'model', {nonEmpty: true});
	if (root['messages'] === undefined) fail('messages', 'field required');
	const rawMessages = array(root['messages'], 'messages');
	if (rawMessages.length === 0) fail('messages', 'at least one message is required');
	const messages = rawMessages.map((m, i) => validateMessage(m, `messages.${i}`));
	const result: CountTokensRequest = {model, messages};
	if (root['system'] !== undefined && root['system'] !== null) result.system = validateSystem(root['system']);
	if (root['tools'] !== undefined && root['tools'] !== null) {
		result.tools = array(root['tools'], 'tools').map((t, i) => validateTool(t, `tools.${i}`));
		const names = new Set<string>();
		for (const [i, tool] of result.tools.entries()) {
			if (names.has(tool.name)) fail(`tools.${i}.name`, `duplicate tool name '${tool.name}'`);
			names.add(tool.name);
		}
	}
	if (root['tool_choice'] !== undefined && root['tool_choice'] !== null) result.tool_choice = validateToolChoice(root['tool_choice']);
	if (root['thinking'] !== undefined && root['thinking'] !== null) result.thinking = validateThinking(root['thinking']);
	if (root['output_config'] !== undefined && root['output_config'] !== null) {
		const config = object(root['output_config'], 'output_config');
		if (config['effort'] !== undefined && config['effort'] !== null) {
			result.output_config = {effort: oneOf<Effort>(config['effort'], 'output_config.effort', ['low', 'medium', 'high', 'max'])};
		}
	}
	const temperature = optionalNumber(root['temperature'], 'temperature', {min: 0, max: 1});
	if (temperature !== undefined) result.temperature = temperature;
	const topP = optionalNumber(root['top_p'], 'top_p', {min: 0, max: 1});
	if (topP !== undefined) result.top_p = topP;
	const topK = optionalNumber(root['top_k'], 'top_k', {min: 0, integer: true});
	if (topK !== undefined) result.top_k = topK;
	if (root['metadata'] !== undefined && root['metadata'] !== null) {
		const metadata = object(root['metadata'], 'metadata');
		const userId = optionalString(metadata['user_id'], 'metadata.user_id');
		result.metadata = userId === undefined ? {} : {user_id: userId};
	}
	return result;
}

function validateMessage(value: unknown, path: string): MessageParam {
	const message = object(value, path);
	const role = oneOf(message['role'], `${path}.role`, ['user', 'assistant', 'system'] as const);
	const content = message['content'];
	if (typeof content === 'string') return {role, content: [{type: 'text', text: content}]};
	if (content === undefined) fail(`${path}.content`, 'field required');
	const blocks = array(content, `${path}.content`).map((b, i) => validateBlock(b, `${path}.content.${i}`));
	return {role, content: blocks};
}

function validateSystem(value: unknown): TextBlock[] {
	if (typeof value === 'string') return value.length > 0 ? [{type: 'text', text: value}] : [];
	return array(value, 'system').map((block, i) => {
		const item = object(block, `system.${i}`);
		if (item['type'] !== 'text') fail(`system.${i}.type`, `expected 'text', got ${JSON.stringify(item['type'])}`);
		return {type: 'text', text: string(item['text'], `system.${i}.text`)};
	});
}

function validateBlock(value: unknown, path: string): ContentBlock {
	const block = object(value, path);
	const type = block['type'];
	switch (type) {
		case 'text':
			return {type, text: string(block['text'], `${path}.text`)};
		case 'image':
			return validateImage(block, path);
		case 'document':
			return validateDocument(block, path);
		case 'tool_use': {
			const input = block['input'] === undefined ? {} : object(block['input'], `${path}.input`);
			if (depthExceeds(input, MAX_INPUT_DEPTH)) fail(`${path}.input`, `is nested deeper than ${MAX_INPUT_DEPTH} levels`);
			return {type, id: string(block['id'], `${path}.id`, {nonEmpty: true}), name: string(block['name'], `${path}.name`, {nonEmpty: true}), input};
		}
		case 'tool_result': {
			const toolUseId = string(block['tool_use_id'], `${path}.tool_use_id`, {nonEmpty: true});
			const raw = block['content'];
			let content: string | Array<TextBlock | ImageBlock | DocumentBlock> = '';
			if (typeof raw === 'string') content = raw;
			else if (raw !== undefined && raw !== null) {
				content = array(raw, `${path}.content`).map((item, i) => {
					const inner = validateBlock(item, `${path}.content.${i}`);
					if (inner.type !== 'text' && inner.type !== 'image' && inner.type !== 'document') {
						fail(`${path}.content.${i}.type`, `'${inner.type}' is not allowed inside tool_result (expected text, image or document)`);
					}
					return inner;
				});
			}
			const isError = boolean(block['is_error'], `${path}.is_error`);
			return {type, tool_use_id: toolUseId, content, ...(isError === undefined ? {} : {is_error: isError})};
		}
		case 'thinking':
			return {type, thinking: string(block['thinking'], `${path}.thinking`), signature: optionalString(block['signature'], `${path}.signature`) ?? ''};
		case 'redacted_thinking':
			return {type, data: string(block['data'], `${path}.data`)};
		default:
			return fail(`${path}.type`, `unknown content block type ${JSON.stringify(type)} (expected one of ${BLOCK_TYPES.join(', ')})`);
	}
}

function validateImage(block: Json, path: string): ImageBlock {
	const source = object(block['source'], `${path}.source`);
	if (source['type'] === 'url') return {type: 'image', source: {type: 'url', url: validateUrl(source['url'], `${path}.source.url`)}};
	if (source['type'] !== 'base64') fail(`${path}.source.type`, `expected 'base64' or 'url', got ${JSON.stringify(source['type'])}`);
	const mediaType = oneOf(source['media_type'], `${path}.source.media_type`, IMAGE_TYPES);
	const data = validateBase64(source['data'], `${path}.source.data`);
	const actual = sniffImageType(data);
	if (actual === undefined) fail(`${path}.source.data`, 'is not a valid JPEG, PNG, GIF or WebP image');
	if (actual !== mediaType) fail(`${path}.source.media_type`, `says ${mediaType} but the data is ${actual}`);
	return {type: 'image', source: {type: 'base64', media_type: mediaType, data}};
}

function validateDocument(block: Json, path: string): DocumentBlock {
	const source = object(block['source'], `${path}.source`);
	const title = optionalString(block['title'], `${path}.title`);
	const extra = title === undefined ? {} : {title};
	switch (source['type']) {
		case 'url':
			return {type: 'document', source: {type: 'url', url: validateUrl(source['url'], `${path}.source.url`)}, ...extra};
		case 'text':
			return {type: 'document', source: {type: 'text', media_type: 'text/plain', data: string(source['data'], `${path}.source.data`)}, ...extra};
		case 'base64': {
			oneOf(source['media_type'], `${path}.source.media_type`, ['application/pdf'] as const);
			const data = validateBase64(source['data'], `${path}.source.data`);
			if (!Buffer.from(data.slice(0, 8), 'base64').toString('latin1').startsWith('%PDF')) fail(`${path}.source.data`, 'is not a PDF document');
			return {type: 'document', source: {type: 'base64', media_type: 'application/pdf', data}, ...extra};
		}
		default:
			return fail(`${path}.source.type`, `expected 'base64', 'text' or 'url', got ${JSON.stringify(source['type'])}`);
	}
}

function validateBase64(value: unknown, path: string): string {
	const data = string(value, path, {nonEmpty: true});
	if (data.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(data)) fail(path, 'is not valid base64');
	return data;
}

function validateUrl(value: unknown, path: string): string {
	const url = string(value, path, {nonEmpty: true});
	if (!/^https?:\/\/\S+$/i.test(url)) fail(path, 'must be an http(s) URL');
	return url;
}

function validateTool(value: unknown, path: string): Tool {
	const tool = object(value, path);
	const name = string(tool['name'], `${path}.name`, {nonEmpty: true});
	const type = tool['type'];
	if (type !== undefined && type !== null && type !== 'custom') {
		// Anthropic server tools (web_search_20250305, bash_20250124, …); translation decides if they can be served.
		if (depthExceeds(tool, MAX_INPUT_DEPTH)) fail(path, `is nested deeper than ${MAX_INPUT_DEPTH} levels`);
		return {...tool, type: string(type, `${path}.type`), name};
	}
	if (!/^[a-zA-Z0-9_.:-]{1,128}$/.test(name)) fail(`${path}.name`, `'${name}' must match ^[a-zA-Z0-9_.:-]{1,128}$`);
	const schema = object(tool['input_schema'], `${path}.input_schema`);
	if (schema['type'] !== undefined && schema['type'] !== 'object') fail(`${path}.input_schema.type`, `expected 'object', got ${JSON.stringify(schema['type'])}`);
	if (depthExceeds(schema, MAX_SCHEMA_DEPTH)) fail(`${path}.input_schema`, `is nested deeper than ${MAX_SCHEMA_DEPTH} levels`);
	const description = optionalString(tool['description'], `${path}.description`);
	return {name, input_schema: schema, ...(description === undefined ? {} : {description})};
}

function validateToolChoice(value: unknown): ToolChoice {
	const choice = object(value, 'tool_choice');
	const type = oneOf(choice['type'], 'tool_choice.type', ['auto', 'any', 'tool', 'none'] as const);
	const disable = boolean(choice['disable_parallel_tool_use'], 'tool_choice.disable_parallel_tool_use');
	const extra = disable === undefined ? {} : {disable_parallel_tool_use: disable};
	switch (type) {
		case 'tool':
			return {type, name: string(choice['name'], 'tool_choice.name', {nonEmpty: true}), ...extra};
		case 'none':
			return {type};
		default:
			return {type, ...extra};
	}
}

function validateThinking(value: unknown): ThinkingConfig {
	const thinking = object(value, 'thinking');
	const type = oneOf(thinking['type'], 'thinking.type', ['enabled', 'adaptive', 'disabled'] as const);
	if (type !== 'enabled') return {type};
	return {type, budget_tokens: number(thinking['budget_tokens'], 'thinking.budget_tokens', {integer: true, min: 1024})};
}

/**
 * Anthropic's tool loop rules, checked at the edge so a broken loop is a 400 before any account or upstream call:
 * tool_use only in assistant messages, tool_result only in user messages, every tool_result answers a tool_use of the
 * assistant turn right before it, and that turn's tool_use blocks are all answered when a user turn follows.
 * Consecutive messages of one role (system notes count as user) form one turn, as upstream sees them.
 */
function checkToolPairing(messages: readonly MessageParam[]): void {
	const calledBefore = new Set<string>();
	let calls = new Map<string, number>();
	let answered = new Set<string>();
	let previousRole: 'user' | 'assistant' | undefined;
	const checkAnswered = (): void => {
		const missing = [...calls.keys()].filter(id => !answered.has(id));
		if (missing.length > 0) {
			fail(
				`messages.${calls.get(missing[0] ?? '') ?? 0}`,
				`tool_use ids were found without tool_result blocks immediately after: ${missing.join(', ')}. Each tool_use block must have a corresponding tool_result block in the next user message`,
			);
		}
	};
	for (const [i, message] of messages.entries()) {
		const role = message.role === 'assistant' ? 'assistant' : 'user';
		if (role === 'assistant' && previousRole === 'user') {
			checkAnswered();
			for (const id of calls.keys()) calledBefore.add(id);
			calls = new Map();
			answered = new Set();
		}
		for (const [j, block] of message.content.entries()) {
			if (block.type === 'tool_use') {
				if (role !== 'assistant') fail(`messages.${i}.content.${j}`, 'tool_use blocks are only allowed in assistant messages');
				if (!calls.has(block.id)) calls.set(block.id, i);
			} else if (block.type === 'tool_result') {
				if (message.role !== 'user') fail(`messages.${i}.content.${j}`, 'tool_result blocks are only allowed in user messages');
				const id = block.tool_use_id;
				if (!calls.has(id)) {
					fail(
						`messages.${i}.content.${j}.tool_use_id`,
						calledBefore.has(id)
							? `tool_use '${id}' belongs to an earlier assistant turn: a tool_result must answer a tool_use of the assistant message right before it`
							: `no earlier tool_use block has id '${id}'`,
					);
				}
				answered.add(id);
			}
		}
		previousRole = role;
	}
	if (previousRole === 'user') checkAnswered();
}
