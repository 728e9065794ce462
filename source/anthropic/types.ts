// Anthropic Messages API shapes, as agproxy accepts them after validation (see ./validate.ts)
// and as it produces them. Only what clients really send is modelled; unknown extra fields are dropped by validation.

export type CacheControl = {type: 'ephemeral'; ttl?: string};

export type Base64ImageSource = {type: 'base64'; media_type: string; data: string};
export type UrlSource = {type: 'url'; url: string};
export type TextSource = {type: 'text'; media_type: string; data: string};

export type TextBlock = {type: 'text'; text: string; cache_control?: CacheControl};
export type ImageBlock = {type: 'image'; source: Base64ImageSource | UrlSource; cache_control?: CacheControl};
export type DocumentBlock = {
	type: 'document';
	source: Base64ImageSource | UrlSource | TextSource;
	title?: string;
	context?: string;
	cache_control?: CacheControl;
};
export type ToolUseBlock = {type: 'tool_use'; id: string; name: string; input: Record<string, unknown>; cache_control?: CacheControl};
/** Tool search (Claude Code 2.1.3xx): a tool_result naming a deferred tool loads it for the rest of the conversation. */
export type ToolReferenceBlock = {type: 'tool_reference'; tool_name: string};
export type ToolResultBlock = {
	type: 'tool_result';
	tool_use_id: string;
	content: string | Array<TextBlock | ImageBlock | DocumentBlock | ToolReferenceBlock>;
	is_error?: boolean;
	cache_control?: CacheControl;
};
export type ThinkingBlock = {type: 'thinking'; thinking: string; signature: string};
export type RedactedThinkingBlock = {type: 'redacted_thinking'; data: string};
/** A web search answer sent back as history (assistant messages only): kept as what was searched and found. */
export type ServerToolUseParam = {type: 'server_tool_use'; id: string; name: string; input: Record<string, unknown>};
export type WebSearchToolResultParam = {type: 'web_search_tool_result'; tool_use_id: string; content: Array<{url: string; title: string}> | {error_code: string}};

export type ContentBlock =
	| TextBlock
	| ImageBlock
	| DocumentBlock
	| ToolUseBlock
	| ToolResultBlock
	| ThinkingBlock
	| RedactedThinkingBlock
	| ServerToolUseParam
	| WebSearchToolResultParam;

/** `system` messages appear mid-conversation in Claude Code's requests. */
export type MessageRole = 'user' | 'assistant' | 'system';

/**
 * Inline tool changes (Claude Code 2.1.33x, beta mid-conversation-tool-changes-2026-07-01): `tool_addition` /
 * `tool_removal` blocks of a mid-conversation system message, e.g. when an MCP server connects or goes away. On the wire:
 * `{type:'tool_addition', tool:{type:'tool_definition', definition:{name, description, input_schema}}}` and
 * `{type:'tool_removal', tool:{type:'tool_reference', name}}`. Validation lifts them out of the content, in order.
 */
export type ToolChange = {type: 'tool_addition'; tool: CustomTool} | {type: 'tool_removal'; name: string};

export type MessageParam = {
	role: MessageRole;
	content: ContentBlock[];
	/** Only on system messages: the tool set changes from this point of the conversation on. */
	tool_changes?: ToolChange[];
};

export type CustomTool = {
	type?: 'custom';
	name: string;
	description?: string;
	input_schema: Record<string, unknown>;
	cache_control?: CacheControl;
	/** Tool search: hidden from the model until a tool_reference in a tool_result loads it. */
	defer_loading?: boolean;
};

/** Anthropic-hosted tools (web_search_20250305, …): identified by a versioned `type`. */
export type ServerTool = {type: string; name: string; [key: string]: unknown};

export type Tool = CustomTool | ServerTool;

export type ToolChoice =
	| {type: 'auto'; disable_parallel_tool_use?: boolean}
	| {type: 'any'; disable_parallel_tool_use?: boolean}
	| {type: 'tool'; name: string; disable_parallel_tool_use?: boolean}
	| {type: 'none'};

export type ThinkingConfig =
	| {type: 'enabled'; budget_tokens: number}
	| {type: 'adaptive'}
	| {type: 'disabled'};

export type Effort = 'low' | 'medium' | 'high' | 'max';

export type MessagesRequest = {
	model: string;
	max_tokens: number;
	messages: MessageParam[];
	/** Normalised to text blocks (a string becomes one block). */
	system?: TextBlock[];
	tools?: Tool[];
	tool_choice?: ToolChoice;
	thinking?: ThinkingConfig;
	output_config?: {effort?: Effort};
	stop_sequences?: string[];
	temperature?: number;
	top_p?: number;
	top_k?: number;
	stream?: boolean;
	metadata?: {user_id?: string};
};

export type CountTokensRequest = Omit<MessagesRequest, 'max_tokens' | 'stream' | 'stop_sequences'> & {max_tokens?: number};

// ---------------------------------------------------------------- responses

export type StopReason = 'end_turn' | 'max_tokens' | 'stop_sequence' | 'tool_use' | 'pause_turn' | 'refusal';

export type Usage = {
	input_tokens: number;
	output_tokens: number;
	cache_read_input_tokens: number;
	cache_creation_input_tokens: number;
	/** Only on answers to a web-search request: how many searches the answer made. */
	server_tool_use?: {web_search_requests: number};
};

/** Image output is not in Anthropic's public schema; agproxy emits Gemini image parts this way. */
export type ResponseImageBlock = {type: 'image'; source: Base64ImageSource};

/** Web search (Google Search grounding upstream) as Anthropic's server tool blocks. */
export type DirectCaller = {type: 'direct'};
export type WebSearchResult = {type: 'web_search_result'; url: string; title: string; encrypted_content: string; page_age: string | null};
export type WebSearchResultError = {type: 'web_search_tool_result_error'; error_code: 'max_uses_exceeded' | 'unavailable' | 'invalid_tool_input' | 'too_many_requests' | 'query_too_long'};
export type ServerToolUseBlock = {type: 'server_tool_use'; id: string; name: 'web_search'; input: {query: string}; caller: DirectCaller};
export type WebSearchToolResultBlock = {type: 'web_search_tool_result'; tool_use_id: string; content: WebSearchResult[] | WebSearchResultError; caller: DirectCaller};
export type WebSearchCitation = {type: 'web_search_result_location'; url: string; title: string | null; cited_text: string; encrypted_index: string};

export type ResponseBlock =
	| {type: 'text'; text: string; citations?: WebSearchCitation[]}
	| {type: 'thinking'; thinking: string; signature: string}
	| {type: 'tool_use'; id: string; name: string; input: Record<string, unknown>}
	| ServerToolUseBlock
	| WebSearchToolResultBlock
	| ResponseImageBlock;

export type Message = {
	id: string;
	type: 'message';
	role: 'assistant';
	model: string;
	content: ResponseBlock[];
	stop_reason: StopReason | null;
	stop_sequence: string | null;
	usage: Usage;
};

export type StreamEvent =
	| {type: 'message_start'; message: Message}
	| {
			type: 'content_block_start';
			index: number;
			content_block:
				| {type: 'text'; text: ''}
				| {type: 'thinking'; thinking: ''; signature: ''}
				| {type: 'tool_use'; id: string; name: string; input: Record<string, never>}
				| (Omit<ServerToolUseBlock, 'input'> & {input: Record<string, never>})
				| WebSearchToolResultBlock
				| ResponseImageBlock;
	  }
	| {
			type: 'content_block_delta';
			index: number;
			delta:
				| {type: 'text_delta'; text: string}
				| {type: 'thinking_delta'; thinking: string}
				| {type: 'signature_delta'; signature: string}
				| {type: 'input_json_delta'; partial_json: string}
				| {type: 'citations_delta'; citation: WebSearchCitation};
	  }
	| {type: 'content_block_stop'; index: number}
	| {
			type: 'message_delta';
			delta: {stop_reason: StopReason; stop_sequence: string | null};
			usage: Usage;
	  }
	| {type: 'message_stop'}
	| {type: 'ping'};

export type ErrorType =
	| 'invalid_request_error'
	| 'authentication_error'
	| 'permission_error'
	| 'not_found_error'
	| 'request_too_large'
	| 'rate_limit_error'
	| 'api_error'
	| 'timeout_error'
	| 'overloaded_error';

export type ErrorBody = {type: 'error'; error: {type: ErrorType; message: string}; request_id?: string};
