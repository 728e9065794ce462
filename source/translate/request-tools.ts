// Anthropic tools / tool_choice -> Cloud Code tools / toolConfig, and the reversible tool-name mapping.
import type {MessageParam, MessagesRequest, Tool} from '../anthropic/types.js';
import type {CloudTool, FunctionDeclaration, Schema, ToolConfig} from '../cloudcode/types.js';
import type {ModelFamily} from './family.js';
import {TranslationError} from './request-error.js';
import {toCloudSchema} from './schema.js';
import {webSearchOptions} from './web-search.js';

const MAX_NAME = 64;
/**
 * Function names upstream: letters, digits, `_`, `-`; start with a letter or `_`; at most 64 characters.
 * Vertex would also take `.`, but Anthropic's Claude backend rejects it, and one rule for both families keeps
 * the mapping independent of the served model (the response side can rebuild it from the request alone).
 */
const INVALID_CHARS = /[^a-zA-Z0-9_-]/g;

export type ToolNames = {toUpstream: ReadonlyMap<string, string>; toClient: ReadonlyMap<string, string>};

export function isServerTool(tool: Tool): boolean {
	return tool.type !== undefined && tool.type !== 'custom';
}

export function isValidUpstreamName(name: string): boolean {
	return name.length > 0 && name.length <= MAX_NAME && /^[a-zA-Z_][a-zA-Z0-9_-]*$/.test(name);
}

export function sanitizeToolName(name: string): string {
	let out = name.replace(INVALID_CHARS, '_');
	if (!/^[a-zA-Z_]/.test(out)) out = `_${out}`;
	return out.slice(0, MAX_NAME);
}

/**
 * Every client tool name (declared tools first, then names only seen in history) -> a unique valid upstream name.
 * Valid names are kept as they are; only invalid ones are rewritten, with a numeric suffix on collision.
 */
export function buildToolNames(req: Pick<MessagesRequest, 'tools' | 'messages'>): ToolNames {
	const clientNames: string[] = [];
	const seen = new Set<string>();
	const add = (name: string) => {
		if (!seen.has(name)) {
			seen.add(name);
			clientNames.push(name);
		}
	};
	for (const tool of req.tools ?? []) if (!isServerTool(tool)) add(tool.name);
	for (const message of req.messages) {
		if (!Array.isArray(message.content)) continue;
		for (const block of message.content) if (block.type === 'tool_use') add(block.name);
	}
	const toUpstream = new Map<string, string>();
	const used = new Set<string>();
	for (const name of clientNames) {
		if (isValidUpstreamName(name)) {
			toUpstream.set(name, name);
			used.add(name);
		}
	}
	for (const name of clientNames) {
		if (toUpstream.has(name)) continue;
		const base = sanitizeToolName(name);
		let candidate = base;
		for (let n = 2; used.has(candidate); n++) {
			const suffix = `_${n}`;
			candidate = base.slice(0, MAX_NAME - suffix.length) + suffix;
		}
		toUpstream.set(name, candidate);
		used.add(candidate);
	}
	const toClient = new Map<string, string>();
	for (const [client, upstream] of toUpstream) toClient.set(upstream, client);
	return {toUpstream, toClient};
}

export function isWebSearchTool(tool: Tool): boolean {
	return isServerTool(tool) && typeof tool.type === 'string' && tool.type.startsWith('web_search_');
}

export type ToolsResult = {tools?: CloudTool[]; toolConfig?: ToolConfig; parameters: Map<string, Schema>};

/**
 * `claudeThinking`: Anthropic refuses forced tool use (`any`/`tool`) while thinking, and Cloud Code's `-thinking`
 * Claude models always think, so forcing degrades to VALIDATED (restricted to the named tool for `tool`).
 */
export function buildTools(req: MessagesRequest, family: ModelFamily, names: ToolNames, claudeThinking: boolean): ToolsResult {
	const parameters = new Map<string, Schema>();
	const tools = req.tools ?? [];
	if (tools.length === 0) return {parameters};

	const serverIndex = tools.findIndex(isServerTool);
	if (serverIndex >= 0) {
		const server = tools[serverIndex] as Tool;
		const field = `tools.${serverIndex}`;
		if (!isWebSearchTool(server)) {
			throw new TranslationError(`server tool ${server.type ?? ''} is not supported by Cloud Code; declare it as a custom tool instead`, field);
		}
		if (tools.length > 1) {
			throw new TranslationError(`server tool ${server.type ?? ''} is not supported together with custom tools by Cloud Code (Google Search grounding cannot be combined with function declarations)`, field);
		}
		// Web search alone maps to Google Search grounding. Its options (max_uses, allowed_domains, blocked_domains)
		// have no wire equivalent: they are checked here and enforced on the answer (./web-search.ts). tool_choice
		// (Claude Code forces {type:'tool',name:'web_search'}) has no meaning for grounding.
		webSearchOptions(server, serverIndex, req);
		return {tools: [{googleSearch: {}}], parameters};
	}

	const choice = req.tool_choice;
	// tool_choice none: with no tool history the tools are simply left out; otherwise they stay declared (Claude
	// rejects tool_use/tool_result history without tool definitions) and calling is switched off.
	if (choice?.type === 'none' && !hasToolHistory(req.messages)) return {parameters};

	const declarations: FunctionDeclaration[] = [];
	const loaded = loadedTools(req);
	for (const tool of tools) {
		if (isServerTool(tool)) continue;
		// Tool search: a deferred tool stays hidden from the model until a tool_reference loaded it (or it was called).
		if ('defer_loading' in tool && tool.defer_loading === true && !loaded.has(tool.name)) continue;
		const upstream = names.toUpstream.get(tool.name) ?? tool.name;
		const schema = 'input_schema' in tool ? tool.input_schema : undefined;
		const params = toCloudSchema(schema ?? {type: 'object'}, {family, forceObject: true});
		parameters.set(upstream, params);
		const description = typeof tool.description === 'string' && tool.description !== '' ? tool.description : undefined;
		declarations.push({name: upstream, ...(description ? {description} : {}), parameters: params});
	}

	let toolConfig: ToolConfig | undefined;
	const auto = family === 'claude' ? 'VALIDATED' : 'AUTO';
	switch (choice?.type) {
		case undefined:
			// Antigravity requires VALIDATED for Claude; Gemini's default is AUTO, so nothing needs saying.
			if (family === 'claude') toolConfig = {functionCallingConfig: {mode: 'VALIDATED'}};
			break;
		case 'auto':
			toolConfig = {functionCallingConfig: {mode: auto}};
			break;
		case 'any':
			toolConfig = {functionCallingConfig: {mode: claudeThinking ? 'VALIDATED' : 'ANY'}};
			break;
		case 'tool': {
			const upstream = names.toUpstream.get(choice.name);
			if (!upstream || !declarations.some((d) => d.name === upstream)) {
				throw new TranslationError(`tool '${choice.name}' is not among the declared tools`, 'tool_choice.name');
			}
			toolConfig = {functionCallingConfig: {mode: claudeThinking ? 'VALIDATED' : 'ANY', allowedFunctionNames: [upstream]}};
			break;
		}
		case 'none':
			toolConfig = {functionCallingConfig: {mode: 'NONE'}};
			break;
	}
	// disable_parallel_tool_use has no wire equivalent: accepted and not forwarded.
	if (declarations.length === 0) return {parameters};
	return {tools: [{functionDeclarations: declarations}], ...(toolConfig ? {toolConfig} : {}), parameters};
}

/** Deferred tools the conversation has loaded (a tool_reference in a tool_result) or already called. */
function loadedTools(req: MessagesRequest): Set<string> {
	const loaded = new Set<string>();
	for (const message of req.messages) {
		if (!Array.isArray(message.content)) continue;
		for (const block of message.content) {
			if (block.type === 'tool_use') loaded.add(block.name);
			if (block.type === 'tool_result' && Array.isArray(block.content)) {
				for (const item of block.content) if (item.type === 'tool_reference') loaded.add(item.tool_name);
			}
		}
	}
	return loaded;
}

export function hasToolHistory(messages: readonly MessageParam[]): boolean {
	return messages.some((m) => Array.isArray(m.content) && m.content.some((b) => b.type === 'tool_use' || b.type === 'tool_result'));
}
