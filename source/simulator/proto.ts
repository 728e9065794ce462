// The proto message tree the real service parses request JSON into (GenerateContentRequest and friends). Proto-JSON
// accepts each field by its lowerCamel JSON name or its snake_case proto name; error paths use the proto name.
// Only the documented fields exist: anything else is "Unknown name" (reference cloudcode-api.md §5.4, §8.1, §9.3).

export type ScalarType = 'TYPE_STRING' | 'TYPE_BOOL' | 'TYPE_INT32' | 'TYPE_INT64' | 'TYPE_FLOAT' | 'TYPE_DOUBLE' | 'TYPE_BYTES';

export type Kind =
	| {t: 'scalar'; type: ScalarType}
	| {t: 'enum'; name: string; values: readonly string[]}
	| {t: 'message'; name: MessageName}
	| {t: 'map'; value: Kind}
	/** google.protobuf.Struct: any JSON object (function args, responses) */
	| {t: 'struct'}
	/** google.protobuf.Value: any JSON */
	| {t: 'value'};

export type Field = {json: string; proto: string; kind: Kind; repeated: boolean; oneof?: string};
export type MessageDef = {name: MessageName; fullName: string; fields: Map<string, Field>};

export type MessageName =
	| 'Envelope'
	| 'CountTokensEnvelope'
	| 'CountTokensRequest'
	| 'GenerateContentRequest'
	| 'Content'
	| 'Part'
	| 'Blob'
	| 'FileData'
	| 'FunctionCall'
	| 'FunctionResponse'
	| 'Tool'
	| 'FunctionDeclaration'
	| 'Schema'
	| 'ToolConfig'
	| 'FunctionCallingConfig'
	| 'SafetySetting'
	| 'GenerationConfig'
	| 'ThinkingConfig';

const STRING: Kind = {t: 'scalar', type: 'TYPE_STRING'};
const BOOL: Kind = {t: 'scalar', type: 'TYPE_BOOL'};
const INT32: Kind = {t: 'scalar', type: 'TYPE_INT32'};
const INT64: Kind = {t: 'scalar', type: 'TYPE_INT64'};
const FLOAT: Kind = {t: 'scalar', type: 'TYPE_FLOAT'};
const DOUBLE: Kind = {t: 'scalar', type: 'TYPE_DOUBLE'};
const BYTES: Kind = {t: 'scalar', type: 'TYPE_BYTES'};
const STRUCT: Kind = {t: 'struct'};
const VALUE: Kind = {t: 'value'};
const msg = (name: MessageName): Kind => ({t: 'message', name});
const enumOf = (name: string, values: readonly string[]): Kind => ({t: 'enum', name, values});

type Spec = [json: string, kind: Kind, options?: {repeated?: boolean; oneof?: string}];

export function toSnake(name: string): string {
	return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

const PACKAGE = 'google.internal.cloud.code.v1internal';

function define(name: MessageName, specs: Spec[], fullName = `${PACKAGE}.${name}`): MessageDef {
	const fields = new Map<string, Field>();
	for (const [json, kind, options] of specs) {
		const field: Field = {json, proto: toSnake(json), kind, repeated: options?.repeated === true, ...(options?.oneof === undefined ? {} : {oneof: options.oneof})};
		fields.set(json, field);
		fields.set(field.proto, field);
	}
	return {name, fullName, fields};
}

const rep = {repeated: true};
const data = {oneof: 'data'};

const REQUEST_FIELDS: Spec[] = [
	['contents', msg('Content'), rep],
	['systemInstruction', msg('Content')],
	['cachedContent', STRING],
	['tools', msg('Tool'), rep],
	['toolConfig', msg('ToolConfig')],
	['labels', {t: 'map', value: STRING}],
	['safetySettings', msg('SafetySetting'), rep],
	['generationConfig', msg('GenerationConfig')],
	['sessionId', STRING],
];

const ENVELOPE_EXTRAS: Spec[] = [
	['userAgent', STRING],
	['requestType', STRING],
	['requestId', STRING],
	['userPromptId', STRING],
	['enabledCreditTypes', STRING, rep],
];

export const SCHEMA_TYPES = ['TYPE_UNSPECIFIED', 'STRING', 'NUMBER', 'INTEGER', 'BOOLEAN', 'ARRAY', 'OBJECT', 'NULL'] as const;

const DEFS: Record<MessageName, MessageDef> = {
	Envelope: define('Envelope', [['project', STRING], ['model', STRING], ['request', msg('GenerateContentRequest')], ...ENVELOPE_EXTRAS]),
	// countTokens takes `{request:{model?, contents...}}`; a top-level project/model is not a field there.
	CountTokensEnvelope: define('CountTokensEnvelope', [['request', msg('CountTokensRequest')], ...ENVELOPE_EXTRAS]),
	CountTokensRequest: define('CountTokensRequest', [['model', STRING], ...REQUEST_FIELDS]),
	GenerateContentRequest: define('GenerateContentRequest', REQUEST_FIELDS),
	Content: define('Content', [
		['role', STRING],
		['parts', msg('Part'), rep],
	]),
	Part: define('Part', [
		['text', STRING, data],
		['inlineData', msg('Blob'), data],
		['fileData', msg('FileData'), data],
		['functionCall', msg('FunctionCall'), data],
		['functionResponse', msg('FunctionResponse'), data],
		['executableCode', STRUCT, data],
		['codeExecutionResult', STRUCT, data],
		['thought', BOOL],
		['thoughtSignature', BYTES],
		['videoMetadata', STRUCT],
		['partMetadata', STRUCT],
	]),
	Blob: define('Blob', [
		['mimeType', STRING],
		['data', BYTES],
		['displayName', STRING],
	]),
	FileData: define('FileData', [
		['mimeType', STRING],
		['fileUri', STRING],
		['displayName', STRING],
	]),
	FunctionCall: define('FunctionCall', [
		['id', STRING],
		['name', STRING],
		['args', STRUCT],
	]),
	FunctionResponse: define('FunctionResponse', [
		['id', STRING],
		['name', STRING],
		['response', STRUCT],
		['willContinue', BOOL],
		['scheduling', STRING],
	]),
	Tool: define('Tool', [
		['functionDeclarations', msg('FunctionDeclaration'), rep],
		['googleSearch', STRUCT],
		['googleSearchRetrieval', STRUCT],
		['codeExecution', STRUCT],
		['urlContext', STRUCT],
		['computerUse', STRUCT],
		['enterpriseWebSearch', STRUCT],
		['retrieval', STRUCT],
		['googleMaps', STRUCT],
	]),
	FunctionDeclaration: define('FunctionDeclaration', [
		['name', STRING],
		['description', STRING],
		['parameters', msg('Schema')],
		['parametersJsonSchema', VALUE],
		['response', msg('Schema')],
		['responseJsonSchema', VALUE],
		['behavior', enumOf('FunctionDeclaration.Behavior', ['UNSPECIFIED', 'BLOCKING', 'NON_BLOCKING'])],
	]),
	// Exactly the proto Schema subset of §8.1 (OpenAPI 3.0): no $schema, const, additionalProperties, oneOf, ...
	Schema: define('Schema', [
		['type', enumOf('Type', SCHEMA_TYPES)],
		['format', STRING],
		['title', STRING],
		['description', STRING],
		['nullable', BOOL],
		['enum', STRING, rep],
		['maxItems', INT64],
		['minItems', INT64],
		['properties', {t: 'map', value: msg('Schema')}],
		['required', STRING, rep],
		['minProperties', INT64],
		['maxProperties', INT64],
		['minLength', INT64],
		['maxLength', INT64],
		['pattern', STRING],
		['example', VALUE],
		['anyOf', msg('Schema'), rep],
		['propertyOrdering', STRING, rep],
		['default', VALUE],
		['items', msg('Schema')],
		['minimum', DOUBLE],
		['maximum', DOUBLE],
	]),
	ToolConfig: define('ToolConfig', [
		['functionCallingConfig', msg('FunctionCallingConfig')],
		['retrievalConfig', STRUCT],
	]),
	FunctionCallingConfig: define('FunctionCallingConfig', [
		['mode', enumOf('FunctionCallingConfig.Mode', ['MODE_UNSPECIFIED', 'AUTO', 'ANY', 'NONE', 'VALIDATED'])],
		['allowedFunctionNames', STRING, rep],
	]),
	SafetySetting: define('SafetySetting', [
		['category', STRING],
		['threshold', STRING],
		['method', STRING],
	]),
	GenerationConfig: define('GenerationConfig', [
		['temperature', FLOAT],
		['topP', FLOAT],
		['topK', FLOAT],
		['candidateCount', INT32],
		['maxOutputTokens', INT32],
		['stopSequences', STRING, rep],
		['responseLogprobs', BOOL],
		['logprobs', INT32],
		['presencePenalty', FLOAT],
		['frequencyPenalty', FLOAT],
		['seed', INT32],
		['responseMimeType', STRING],
		['responseSchema', msg('Schema')],
		['responseJsonSchema', VALUE],
		['routingConfig', STRUCT],
		['modelSelectionConfig', STRUCT],
		['responseModalities', enumOf('Modality', ['MODALITY_UNSPECIFIED', 'TEXT', 'IMAGE', 'AUDIO']), rep],
		['mediaResolution', enumOf('MediaResolution', ['MEDIA_RESOLUTION_UNSPECIFIED', 'MEDIA_RESOLUTION_LOW', 'MEDIA_RESOLUTION_MEDIUM', 'MEDIA_RESOLUTION_HIGH'])],
		['speechConfig', STRUCT],
		['audioTimestamp', BOOL],
		['thinkingConfig', msg('ThinkingConfig')],
		['imageConfig', STRUCT],
		['enableAffectiveDialog', BOOL],
	]),
	ThinkingConfig: define('ThinkingConfig', [
		['includeThoughts', BOOL],
		['thinkingBudget', INT32],
		['thinkingLevel', enumOf('ThinkingConfig.ThinkingLevel', ['THINKING_LEVEL_UNSPECIFIED', 'MINIMAL', 'LOW', 'MEDIUM', 'HIGH'])],
	]),
};

export function messageDef(name: MessageName): MessageDef {
	return DEFS[name];
}
