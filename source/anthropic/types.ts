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
export type ToolResultBlock = {
	type: 'tool_result';
	tool_use_id: string;
	content: string | Array<TextBlock | ImageBlock | DocumentBlock>;
	is_error?: boolean;
	cache_control?: CacheControl;
};
export type ThinkingBlock = {type: 'thinking'; thinking: string; signature: string};
export type RedactedThinkingBlock = {type: 'redacted_thinking'; data: string};

export type ContentBlock =
	| TextBlock
	| ImageBlock
	| DocumentBlock
	| ToolUseBlock
	| ToolResultBlock
	| ThinkingBlock
	| RedactedThinkingBlock;

/** `system` messages appear mid-conversation in Claude Code's requests. */
export type MessageRole = 'user' | 'assistant' | 'system';

export type MessageParam = {role: MessageRole; content: ContentBlock[]};

export type CustomTool = {
	type?: 'custom';
	name: string;
	description?: string;
	input_schema: Record<string, unknown>;
	cache_control?: CacheControl;
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
};

/** Image output is not in Anthropic's public schema; agproxy emits Gemini image parts this way. */
export type ResponseImageBlock = {type: 'image'; source: Base64ImageSource};

export type ResponseBlock =
	| {type: 'text'; text: string}
	| {type: 'thinking'; thinking: string; signature: string}
	| {type: 'tool_use'; id: string; name: string; input: Record<string, unknown>}
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
				| ResponseImageBlock;
	  }
	| {
			type: 'content_block_delta';
			index: number;
			delta:
				| {type: 'text_delta'; text: string}
				| {type: 'thinking_delta'; thinking: string}
				| {type: 'signature_delta'; signature: string}
				| {type: 'input_json_delta'; partial_json: string};
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
