// Edge validation of Anthropic Messages requests: untrusted JSON in, typed MessagesRequest out, or a 400 naming the field.
// Unknown top-level fields (context_management, service_tier, …) are accepted and dropped: clients send them freely.
import type {
	ContentBlock,
	CountTokensRequest,
	CustomTool,
	DocumentBlock,
	Effort,
	ImageBlock,
	MessageParam,
	MessagesRequest,
	TextBlock,
	ThinkingConfig,
	Tool,
	ToolChoice,
	ToolChange,
	ToolReferenceBlock,
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
const BLOCK_TYPES = ['text', 'image', 'document', 'tool_use', 'tool_result', 'thinking', 'redacted_thinking', 'server_tool_use', 'web_search_tool_result'] as const;
const MAX_SCHEMA_DEPTH = 48;
/** Deeper tool inputs (or server tool objects) would overflow the stack of recursive consumers such as JSON.stringify. */
const MAX_INPUT_DEPTH = 64;

/**
 * Element caps: every request's work (validation, translation, the upstream body) grows with these counts, so a
 * hostile body must not make them unbounded. Far above what Claude Code sends (a long session has a few thousand
 * messages and a few dozen tools); the body's JSON value cap (http/body.ts) bounds the parse before these run.
 */
export const LIMITS = {
	messages: 20_000,
	/** Content blocks in all messages together, blocks inside tool_result content included. */
	contentBlocks: 100_000,
	tools: 10_000,
	systemBlocks: 1_000,
	stopSequences: 1_000,
} as const;

/** A list longer than its cap: 400 naming the field and the cap. */
function capped(value: unknown, path: string, cap: number, what: string): unknown[] {
	const items = array(value, path);
	if (items.length > cap) fail(path, `${items.length} ${what} is more than agproxy accepts (at most ${cap} per request)`);
	return items;
}

/** Counts content blocks across the whole request against LIMITS.contentBlocks. */
type BlockBudget = {left: number};

export function validateMessagesRequest(body: unknown): MessagesRequest {
	const root = object(body, 'body');
	const {request, toolsInEffect} = validateCommon(root);
	if (root['max_tokens'] === undefined) fail('max_tokens', 'field required');
	const maxTokens = number(root['max_tokens'], 'max_tokens', {integer: true, min: 1});
	const stopSequences = root['stop_sequences'] === undefined || root['stop_sequences'] === null
		? undefined
		: capped(root['stop_sequences'], 'stop_sequences', LIMITS.stopSequences, 'stop sequences').map((s, i) => string(s, `stop_sequences.${i}`, {nonEmpty: true}));
	const thinking = request.thinking;
	if (thinking?.type === 'enabled' && thinking.budget_tokens >= maxTokens) {
		fail('thinking.budget_tokens', `must be less than max_tokens (${maxTokens})`);
	}
	const stream = boolean(root['stream'], 'stream');
	checkToolPairing(request.messages);
	const choice = request.tool_choice;
	if (choice?.type === 'tool' && !toolsInEffect.has(choice.name)) {
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
	return validateCommon(object(body, 'body')).request;
}

/** The fields both endpoints share, and the names of the tools in effect at the end (declared, plus inline additions minus removals). */
function validateCommon(root: Json): {request: CountTokensRequest; toolsInEffect: ReadonlySet<string>} {
	if (root['model'] === undefined) fail('model', 'field required');
	const model = string(root['model'], 'model', {nonEmpty: true});
	if (root['messages'] === undefined) fail('messages', 'field required');
	const rawMessages = capped(root['messages'], 'messages', LIMITS.messages, 'messages');
	if (rawMessages.length === 0) fail('messages', 'at least one message is required');
	// Tools before messages: inline tool changes in system messages are checked against the tools in effect.
	let tools: Tool[] | undefined;
	const names = new Set<string>();
	if (root['tools'] !== undefined && root['tools'] !== null) {
		tools = capped(root['tools'], 'tools', LIMITS.tools, 'tools').map((t, i) => validateTool(t, `tools.${i}`));
		for (const [i, tool] of tools.entries()) {
			if (names.has(tool.name)) fail(`tools.${i}.name`, `duplicate tool name '${tool.name}'`);
			names.add(tool.name);
		}
	}
	const budget: BlockBudget = {left: LIMITS.contentBlocks};
	const messages = rawMessages.map((m, i) => validateMessage(m, i, budget, names));
	const result: CountTokensRequest = {model, messages};
	if (root['system'] !== undefined && root['system'] !== null) result.system = validateSystem(root['system']);
	if (tools) result.tools = tools;
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
	return {request: result, toolsInEffect: names};
}

/** `present`: the tool names in effect so far (declared, plus inline additions minus removals); updated here. */
function validateMessage(value: unknown, index: number, budget: BlockBudget, present: Set<string>): MessageParam {
	const path = `messages.${index}`;
	const message = object(value, path);
	const role = oneOf(message['role'], `${path}.role`, ['user', 'assistant', 'system'] as const);
	if (role === 'system') return validateSystemMessage(message, index, budget, present);
	const content = message['content'];
	if (typeof content === 'string') return {role, content: [{type: 'text', text: content}]};
	if (content === undefined) fail(`${path}.content`, 'field required');
	const blocks = spend(array(content, `${path}.content`), `${path}.content`, budget).map((b, i) => validateBlock(b, `${path}.content.${i}`, budget));
	return {role, content: blocks};
}

/** Takes a list of blocks out of the request's budget; 400 once the request holds more than the cap. */
function spend(blocks: unknown[], path: string, budget: BlockBudget): unknown[] {
	budget.left -= blocks.length;
	if (budget.left < 0) fail(path, `the request holds more than ${LIMITS.contentBlocks} content blocks (agproxy's cap, tool_result contents included)`);
	return blocks;
}

/**
 * Mid-conversation system messages, as Claude Code sends them (beta mid-conversation-system-2026-04-07: e.g. the list of
 * agent types after the first user message). Accepted: `role: "system"` anywhere but first, with content that is a
 * non-blank string or a list of text blocks with some non-blank text (cache_control allowed and dropped), and/or inline
 * tool changes (tool_addition / tool_removal, beta mid-conversation-tool-changes-2026-07-01), which are lifted into
 * `tool_changes`. Translation turns the rest into a <system-reminder> note in the user turn. Anything else is a 400
 * naming the field.
 */
function validateSystemMessage(message: Record<string, unknown>, index: number, budget: BlockBudget, present: Set<string>): MessageParam {
	const path = `messages.${index}`;
	if (index === 0) {
		fail(`${path}.role`, "a conversation cannot start with a system message: put instructions in the top-level 'system' field (system messages are accepted after the first message)");
	}
	const content = message['content'];
	if (content === undefined) fail(`${path}.content`, 'field required');
	const blocks: TextBlock[] = [];
	const changes: ToolChange[] = [];
	if (typeof content === 'string') blocks.push({type: 'text', text: content});
	else {
		for (const [j, raw] of spend(array(content, `${path}.content`), `${path}.content`, budget).entries()) {
			const block = object(raw, `${path}.content.${j}`);
			if (block['type'] === 'tool_addition' || block['type'] === 'tool_removal') changes.push(applyToolChange(validateToolChange(block, `${path}.content.${j}`), `${path}.content.${j}`, present));
			else if (block['type'] === 'text') blocks.push({type: 'text', text: string(block['text'], `${path}.content.${j}.text`)});
			else fail(`${path}.content.${j}.type`, `a system message holds only text, tool_addition and tool_removal blocks, got ${JSON.stringify(block['type'])}`);
		}
	}
	if (changes.length === 0 && !blocks.some(block => block.text.trim() !== '')) fail(`${path}.content`, 'a system message needs some non-blank text');
	return {role: 'system', content: blocks, ...(changes.length > 0 ? {tool_changes: changes} : {})};
}

/**
 * `{type:'tool_addition', tool:{type:'tool_definition', definition:<custom tool>}}` or
 * `{type:'tool_removal', tool:{type:'tool_reference', name}}`, as Claude Code's inline tools send them.
 */
function validateToolChange(block: Json, path: string): ToolChange {
	const tool = object(block['tool'], `${path}.tool`);
	if (block['type'] === 'tool_removal') {
		if (tool['type'] !== 'tool_reference') fail(`${path}.tool.type`, `expected 'tool_reference', got ${JSON.stringify(tool['type'])}`);
		return {type: 'tool_removal', name: string(tool['name'], `${path}.tool.name`, {nonEmpty: true})};
	}
	if (tool['type'] !== 'tool_definition') fail(`${path}.tool.type`, `expected 'tool_definition', got ${JSON.stringify(tool['type'])}`);
	const definition = validateTool(tool['definition'], `${path}.tool.definition`);
	if (definition.type !== undefined && definition.type !== 'custom') {
		fail(`${path}.tool.definition.type`, `only custom tools can be added mid-conversation, got ${JSON.stringify(definition.type)}`);
	}
	// validateTool returns a custom tool (name, input_schema, description, defer_loading) for any other type.
	const {defer_loading: deferred, ...added} = definition as CustomTool;
	if (deferred === true) fail(`${path}.tool.definition.defer_loading`, 'a tool added mid-conversation is loaded at once: defer_loading is not allowed here');
	return {type: 'tool_addition', tool: added};
}

/**
 * Applies one change to the tools in effect, as Anthropic checks them: an addition must bring a new name, a removal must
 * name a tool present at that point. A name conflict is worded so that Claude Code recognises it (it looks for
 * "is already used by a" next to "tool_addition") and falls back to announcing the tool another way.
 */
function applyToolChange(change: ToolChange, path: string, present: Set<string>): ToolChange {
	if (change.type === 'tool_addition') {
		if (present.has(change.tool.name)) fail(`${path}.tool.definition.name`, `tool_addition: the name '${change.tool.name}' is already used by a tool declared at this point`);
		present.add(change.tool.name);
	} else {
		if (!present.has(change.name)) fail(`${path}.tool.name`, `tool_removal references '${change.name}', which is not a tool declared at this point`);
		present.delete(change.name);
	}
	return change;
}

function validateSystem(value: unknown): TextBlock[] {
	if (typeof value === 'string') return value.length > 0 ? [{type: 'text', text: value}] : [];
	return capped(value, 'system', LIMITS.systemBlocks, 'system blocks').map((block, i) => {
		const item = object(block, `system.${i}`);
		if (item['type'] !== 'text') fail(`system.${i}.type`, `expected 'text', got ${JSON.stringify(item['type'])}`);
		return {type: 'text', text: string(item['text'], `system.${i}.text`)};
	});
}

function validateBlock(value: unknown, path: string, budget: BlockBudget): ContentBlock {
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
			let content: string | Array<TextBlock | ImageBlock | DocumentBlock | ToolReferenceBlock> = '';
			if (typeof raw === 'string') content = raw;
			else if (raw !== undefined && raw !== null) {
				content = spend(array(raw, `${path}.content`), `${path}.content`, budget).map((item, i): TextBlock | ImageBlock | DocumentBlock | ToolReferenceBlock => {
					// Tool search's answer (Claude Code's ToolSearch): the tools it loads.
					const reference = object(item, `${path}.content.${i}`);
					if (reference['type'] === 'tool_reference') return {type: 'tool_reference', tool_name: string(reference['tool_name'], `${path}.content.${i}.tool_name`, {nonEmpty: true})};
					const inner = validateBlock(item, `${path}.content.${i}`, budget);
					if (inner.type !== 'text' && inner.type !== 'image' && inner.type !== 'document') {
						fail(`${path}.content.${i}.type`, `'${inner.type}' is not allowed inside tool_result (expected text, image, document or tool_reference)`);
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
		case 'server_tool_use':
		case 'web_search_tool_result':
			return validateWebSearchBlock(block, path);
		default:
			return fail(`${path}.type`, `unknown content block type ${JSON.stringify(type)} (expected one of ${BLOCK_TYPES.join(', ')})`);
	}
}

/** A web search answer replayed as history: only what translation keeps (query; result titles and URLs) is read. */
function validateWebSearchBlock(block: Json, path: string): ContentBlock {
	if (block['type'] === 'server_tool_use') {
		const input = block['input'] === undefined ? {} : object(block['input'], `${path}.input`);
		if (depthExceeds(input, MAX_INPUT_DEPTH)) fail(`${path}.input`, `is nested deeper than ${MAX_INPUT_DEPTH} levels`);
		return {type: 'server_tool_use', id: string(block['id'], `${path}.id`, {nonEmpty: true}), name: string(block['name'], `${path}.name`, {nonEmpty: true}), input};
	}
	const toolUseId = string(block['tool_use_id'], `${path}.tool_use_id`, {nonEmpty: true});
	const raw = block['content'];
	if (!Array.isArray(raw)) return {type: 'web_search_tool_result', tool_use_id: toolUseId, content: {error_code: string(object(raw, `${path}.content`)['error_code'], `${path}.content.error_code`)}};
	const content = array(raw, `${path}.content`).map((item, i) => {
		const result = object(item, `${path}.content.${i}`);
		return {url: string(result['url'], `${path}.content.${i}.url`), title: string(result['title'], `${path}.content.${i}.title`)};
	});
	return {type: 'web_search_tool_result', tool_use_id: toolUseId, content};
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
	const deferred = boolean(tool['defer_loading'], `${path}.defer_loading`);
	return {name, input_schema: schema, ...(description === undefined ? {} : {description}), ...(deferred === true ? {defer_loading: true} : {})};
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
