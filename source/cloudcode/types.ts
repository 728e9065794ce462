// Cloud Code (v1internal) wire shapes, per ../shared/reference/cloudcode-api.md §3–§4.
// agproxy always sends camelCase; the simulator also accepts the snake_case aliases the real service accepts.

export type InlineData = {mimeType: string; data: string};
export type FileData = {mimeType: string; fileUri: string};

export type FunctionCall = {name: string; args: Record<string, unknown>; id?: string};
export type FunctionResponse = {name: string; response: Record<string, unknown>; id?: string};

export type Part = {
	text?: string;
	thought?: boolean;
	thoughtSignature?: string;
	functionCall?: FunctionCall;
	functionResponse?: FunctionResponse;
	inlineData?: InlineData;
	fileData?: FileData;
};

export type Content = {role: 'user' | 'model'; parts: Part[]};

/** The proto `Schema` subset (OpenAPI 3.0) accepted in `parameters`. */
export type Schema = {
	type?: 'STRING' | 'NUMBER' | 'INTEGER' | 'BOOLEAN' | 'ARRAY' | 'OBJECT';
	format?: string;
	title?: string;
	description?: string;
	nullable?: boolean;
	enum?: string[];
	maxItems?: string | number;
	minItems?: string | number;
	properties?: Record<string, Schema>;
	required?: string[];
	minProperties?: string | number;
	maxProperties?: string | number;
	minLength?: string | number;
	maxLength?: string | number;
	pattern?: string;
	example?: unknown;
	anyOf?: Schema[];
	propertyOrdering?: string[];
	default?: unknown;
	items?: Schema;
	minimum?: number;
	maximum?: number;
};

export type FunctionDeclaration = {name: string; description?: string; parameters?: Schema};

export type CloudTool = {functionDeclarations?: FunctionDeclaration[]; googleSearch?: Record<string, never>};

export type FunctionCallingMode = 'AUTO' | 'ANY' | 'NONE' | 'VALIDATED';

export type ToolConfig = {functionCallingConfig: {mode: FunctionCallingMode; allowedFunctionNames?: string[]}};

export type ThinkingConfigWire = {
	includeThoughts?: boolean;
	thinkingBudget?: number;
	thinkingLevel?: 'low' | 'medium' | 'high' | 'LOW' | 'MEDIUM' | 'HIGH';
};

export type GenerationConfig = {
	maxOutputTokens?: number;
	temperature?: number;
	topP?: number;
	topK?: number;
	stopSequences?: string[];
	candidateCount?: number;
	thinkingConfig?: ThinkingConfigWire;
};

export type GenerateRequest = {
	contents: Content[];
	systemInstruction?: {role: 'user'; parts: Array<{text: string}>};
	tools?: CloudTool[];
	toolConfig?: ToolConfig;
	generationConfig?: GenerationConfig;
	sessionId?: string;
};

/** The Antigravity envelope POSTed to `:generateContent` / `:streamGenerateContent?alt=sse`. */
export type Envelope = {
	project: string;
	model: string;
	request: GenerateRequest;
	userAgent: 'antigravity';
	requestType: 'agent' | 'image_gen' | 'web_search';
	requestId: string;
};

export type FinishReason =
	| 'STOP'
	| 'MAX_TOKENS'
	| 'SAFETY'
	| 'RECITATION'
	| 'OTHER'
	| 'BLOCKLIST'
	| 'PROHIBITED_CONTENT'
	| 'SPII'
	| 'MALFORMED_FUNCTION_CALL'
	| 'UNEXPECTED_TOOL_CALL'
	| 'FINISH_REASON_UNSPECIFIED'
	| 'LANGUAGE'
	| 'IMAGE_SAFETY';

export type UsageMetadata = {
	promptTokenCount?: number;
	candidatesTokenCount?: number;
	thoughtsTokenCount?: number;
	cachedContentTokenCount?: number;
	totalTokenCount?: number;
};

/** Google Search grounding (reference §7.3): on the last chunk(s) of an answer to a `googleSearch` request. */
export type GroundingChunk = {web?: {uri?: string; title?: string; domain?: string}};
/** `startIndex`/`endIndex` are UTF-8 byte offsets into the answer's text; proto3 JSON omits a 0 start. */
export type GroundingSupport = {segment?: {startIndex?: number; endIndex?: number; text?: string}; groundingChunkIndices?: number[]; confidenceScores?: number[]};
export type GroundingMetadata = {
	webSearchQueries?: string[];
	searchEntryPoint?: {renderedContent?: string};
	groundingChunks?: GroundingChunk[];
	groundingSupports?: GroundingSupport[];
};

export type Candidate = {
	content?: {role?: string; parts?: Part[]};
	finishReason?: FinishReason | string;
	finishMessage?: string;
	index?: number;
	groundingMetadata?: GroundingMetadata;
};

/** One streamed chunk (or the whole non-streamed answer): `{response, traceId}`. */
export type ResponseChunk = {
	response?: {
		candidates?: Candidate[];
		usageMetadata?: UsageMetadata;
		modelVersion?: string;
		responseId?: string;
		promptFeedback?: {blockReason?: string; blockReasonMessage?: string};
	};
	traceId?: string;
};

/** `google.rpc.Status` error body. */
export type RpcStatus = {
	error: {
		code: number;
		message: string;
		status?: string;
		details?: Array<Record<string, unknown> & {'@type': string}>;
	};
};

export type QuotaInfo = {remainingFraction?: number; resetTime?: string};
export type AvailableModel = {
	displayName?: string;
	maxTokens?: number;
	maxOutputTokens?: number;
	quotaInfo?: QuotaInfo;
	supportsThinking?: boolean;
	supportsImages?: boolean;
	modelProvider?: string;
};
export type AvailableModels = {models: Record<string, AvailableModel>; webSearchModelIds?: string[]};

/** The sentinel the service accepts in place of a thought signature (reference §7.3). */
export const SKIP_SIGNATURE = 'skip_thought_signature_validator';
