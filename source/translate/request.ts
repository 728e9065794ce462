// Anthropic Messages request -> Cloud Code (Antigravity) envelope. Pure: no I/O, no clock, no randomness
// (ids and remembered signatures come in through the context).
//
// What is deliberately not forwarded: `metadata`, `context_management`, `cache_control` (Cloud Code rejects it), and
// `tool_choice.disable_parallel_tool_use` (no wire equivalent). No `safetySettings` are sent.
// `stop_sequences` go upstream as `generationConfig.stopSequences` (the first MAX_UPSTREAM_STOP_SEQUENCES), so Google
// stops generating (and spending quota) at one; the response side still looks for all of them in the text.
import type {MessagesRequest, TextBlock} from '../anthropic/types.js';
import type {Envelope, GenerateRequest, GenerationConfig, Schema} from '../cloudcode/types.js';
import {isImageModel, modelFamily} from './family.js';
import {buildTurns, type Turn, userContent} from './request-contents.js';
import {modelContent} from './request-signatures.js';
import {applyToolChanges} from './request-tool-changes.js';
import {buildToolNames, buildTools, isWebSearchTool} from './request-tools.js';
import {stripPlaceholders, toCloudSchema} from './schema.js';
import {type ThinkingPlan, planThinking} from './thinking.js';

export {TranslationError} from './request-error.js';

/** generationConfig.stopSequences accepts at most this many (Gemini API reference: "up to 5"). */
export const MAX_UPSTREAM_STOP_SEQUENCES = 5;

export type RequestContext = {
	/** The real Cloud Code model id to call (mapping is done before translation). */
	servedModel: string;
	project: string;
	/** Upstream request.sessionId (stable per conversation). */
	sessionId: string;
	/** 'agent-<uuid>', given by the caller. */
	requestId: string;
	/** Gemini thoughtSignature remembered for a tool_use id from an earlier response, if any. */
	toolCallSignature: (toolUseId: string) => string | undefined;
};

export function toCloudCodeRequest(original: MessagesRequest, ctx: RequestContext): Envelope {
	// Inline tool changes: the tools in effect at the end are declared, each change leaves a note (./request-tool-changes.ts).
	const req = applyToolChanges(original);
	const family = modelFamily(ctx.servedModel);
	const names = buildToolNames(req);
	const plan = planThinking(req, ctx.servedModel);
	const {tools, toolConfig} = buildTools(req, family, names, plan.claudeThinking);

	const turns = buildTurns(req.messages, names);
	const activeLoop = activeLoopTurn(turns);
	const contents = turns.map((turn, i) =>
		turn.role === 'user'
			? userContent(turn)
			: modelContent(turn, {family, claudeThinking: plan.claudeThinking, activeLoop: i === activeLoop, toolCallSignature: ctx.toolCallSignature}),
	);

	const request: GenerateRequest = {contents};
	const system = systemParts(req.system);
	if (system.length > 0) request.systemInstruction = {role: 'user', parts: system};
	if (tools) request.tools = tools;
	if (toolConfig) request.toolConfig = toolConfig;
	request.generationConfig = generationConfig(req, family === 'claude', plan);
	request.sessionId = ctx.sessionId;

	return {
		project: ctx.project,
		model: ctx.servedModel,
		request,
		userAgent: 'antigravity',
		requestType: isImageModel(ctx.servedModel) ? 'image_gen' : isWebSearchOnly(req) ? 'web_search' : 'agent',
		requestId: ctx.requestId,
	};
}

/**
 * Upstream function name -> the client's tool name, for every tool the request declares or used in history.
 * Names that did not need sanitizing map to themselves. Independent of the served model.
 */
export function toolNameMap(req: Pick<MessagesRequest, 'tools' | 'messages'>): Map<string, string> {
	return new Map(buildToolNames(applyToolChanges(req)).toClient);
}

/**
 * A request whose only tool is Anthropic's web search: it maps to Google Search grounding (Gemini models). Give it the
 * request with inline tool changes applied (applyToolChanges), as toCloudCodeRequest and the service do.
 */
export function isWebSearchOnly(req: Pick<MessagesRequest, 'tools'>): boolean {
	const tools = req.tools ?? [];
	return tools.length === 1 && isWebSearchTool(tools[0] as NonNullable<MessagesRequest['tools']>[number]);
}

/**
 * For the response side: removes the `_` placeholder property the schema sanitizer adds to objects without
 * properties (upstream requires one, and it is required there) from the arguments of a function call, so tool_use
 * input reaching the client matches the client's own schema. Takes the UPSTREAM function name.
 */
export function placeholderStripper(original: Pick<MessagesRequest, 'tools' | 'messages'>): (upstreamName: string, args: Record<string, unknown>) => Record<string, unknown> {
	const req = applyToolChanges(original);
	const names = buildToolNames(req);
	const schemas = new Map<string, Schema | null>();
	return (upstreamName, args) => {
		let schema = schemas.get(upstreamName);
		if (schema === undefined) {
			const clientName = names.toClient.get(upstreamName) ?? upstreamName;
			const tool = req.tools?.find((t) => t.name === clientName && 'input_schema' in t);
			// Placeholder positions do not depend on the family: objects without properties get one either way.
			schema = tool && 'input_schema' in tool ? toCloudSchema(tool.input_schema, {family: 'claude', forceObject: true}) : null;
			schemas.set(upstreamName, schema);
		}
		return schema ? (stripPlaceholders(args, schema) as Record<string, unknown>) : args;
	};
}

/** The last model turn is in an active tool loop when it called tools and the conversation ends with their results. */
function activeLoopTurn(turns: readonly Turn[]): number {
	const last = turns.length - 1;
	const model = turns[last - 1];
	const results = turns[last];
	if (!model || !results || model.role !== 'model' || results.role !== 'user') return -1;
	if (!model.items.some((item) => item.kind === 'call')) return -1;
	return results.items.some((item) => item.kind === 'response') ? last - 1 : -1;
}

function systemParts(system: readonly TextBlock[] | undefined): Array<{text: string}> {
	if (!system) return [];
	// cache_control is dropped with the rest of the block; empty text is not allowed upstream.
	return system.filter((block) => block.text.trim() !== '').map((block) => ({text: block.text}));
}

function generationConfig(req: MessagesRequest, claude: boolean, plan: ThinkingPlan): GenerationConfig {
	const config: GenerationConfig = {maxOutputTokens: plan.maxOutputTokens};
	let {temperature, top_p: topP, top_k: topK} = req;
	if (plan.claudeThinking) {
		// Anthropic with thinking on: temperature only 1, top_p only >= 0.95, no top_k. `-thinking` models always
		// think here, so a client that set these with thinking "disabled" would otherwise get a 400.
		if (temperature !== 1) temperature = undefined;
		if (topP !== undefined && topP < 0.95) topP = undefined;
		topK = undefined;
	}
	// Recent Claude models refuse temperature and top_p together; temperature is the more common intent.
	if (claude && temperature !== undefined && topP !== undefined) topP = undefined;
	if (temperature !== undefined) config.temperature = temperature;
	if (topP !== undefined) config.topP = topP;
	if (topK !== undefined) config.topK = topK;
	if (plan.thinkingConfig) config.thinkingConfig = plan.thinkingConfig;
	// Cloud Code takes at most 5 (more is a 400) and ends the answer before the sequence with an ordinary STOP; the
	// response side detects the rest, and any that upstream did not honour, in the text.
	if (req.stop_sequences !== undefined && req.stop_sequences.length > 0) config.stopSequences = req.stop_sequences.slice(0, MAX_UPSTREAM_STOP_SEQUENCES);
	return config;
}
