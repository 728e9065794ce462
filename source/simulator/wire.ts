// The request as the simulator sees it after proto parsing (validate-request.ts): lowerCamel keys only, every
// field optional. parseProto has checked every type, so this view is a faithful description of the parsed value.

export type WFunctionCall = {id?: string; name?: string; args?: Record<string, unknown>};
export type WFunctionResponse = {id?: string; name?: string; response?: Record<string, unknown>};

export type WPart = {
	text?: string;
	thought?: boolean;
	thoughtSignature?: string;
	functionCall?: WFunctionCall;
	functionResponse?: WFunctionResponse;
	inlineData?: {mimeType?: string; data?: string};
	fileData?: {mimeType?: string; fileUri?: string};
	executableCode?: Record<string, unknown>;
	codeExecutionResult?: Record<string, unknown>;
};

export type WContent = {role?: string; parts?: WPart[]};

export type WSchema = {
	type?: string;
	enum?: string[];
	properties?: Record<string, WSchema>;
	required?: string[];
	anyOf?: WSchema[];
	items?: WSchema;
	[key: string]: unknown;
};

export type WFunctionDeclaration = {name?: string; description?: string; parameters?: WSchema; parametersJsonSchema?: unknown; response?: WSchema};
export type WTool = {functionDeclarations?: WFunctionDeclaration[]; [key: string]: unknown};

export type WThinkingConfig = {includeThoughts?: boolean; thinkingBudget?: number; thinkingLevel?: string};
export type WGenerationConfig = {maxOutputTokens?: number; thinkingConfig?: WThinkingConfig; responseSchema?: WSchema; [key: string]: unknown};

export type WRequest = {
	model?: string;
	contents?: WContent[];
	systemInstruction?: WContent;
	tools?: WTool[];
	toolConfig?: {functionCallingConfig?: {mode?: string; allowedFunctionNames?: string[]}};
	generationConfig?: WGenerationConfig;
	sessionId?: string;
	[key: string]: unknown;
};

export type WEnvelope = {
	project?: string;
	model?: string;
	request?: WRequest;
	userAgent?: string;
	requestType?: string;
	requestId?: string;
};

/** Narrowing by construction: the value came out of parseProto for the matching root message. */
export function asEnvelope(parsed: Record<string, unknown>): WEnvelope {
	return parsed as WEnvelope;
}

export function partKind(part: WPart): string {
	if (part.functionCall !== undefined) return 'functionCall';
	if (part.functionResponse !== undefined) return 'functionResponse';
	if (part.inlineData !== undefined) return 'inlineData';
	if (part.fileData !== undefined) return 'fileData';
	if (part.thought === true) return 'thought';
	if (part.text !== undefined) return 'text';
	return 'empty';
}

/** Text parts a person typed (not thoughts). */
export function userText(content: WContent): string {
	return (content.parts ?? [])
		.filter((p) => typeof p.text === 'string' && p.thought !== true)
		.map((p) => p.text ?? '')
		.join('\n');
}

export function hasText(content: WContent): boolean {
	return (content.parts ?? []).some((p) => typeof p.text === 'string' && p.thought !== true && p.text.trim() !== '');
}

export function functionCalls(content: WContent): WFunctionCall[] {
	return (content.parts ?? []).flatMap((p) => (p.functionCall === undefined ? [] : [p.functionCall]));
}

export function functionResponses(content: WContent): WFunctionResponse[] {
	return (content.parts ?? []).flatMap((p) => (p.functionResponse === undefined ? [] : [p.functionResponse]));
}
