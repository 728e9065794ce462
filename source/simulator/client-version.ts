// The version gate of the real service: an Antigravity client older than the minimum gets, instead of an answer, a
// normal-looking 200 whose whole text is the refusal (reference peers.md §3.5 CPA#4144 and "Update 2026-12"; users of
// ACP#215/#216 saw it printed by Claude Code as the model's reply). Only User-Agents of the Antigravity form are judged
// (`antigravity/<version> …`, `antigravity/hub/<version> …`): the fake requires no header (cloudcode-api.md §2.4).
import type {IncomingMessage, ServerResponse} from 'node:http';
import type {ResponseChunk} from '../cloudcode/types.js';
import {compareVersions, versionFromUserAgent} from '../upstream/client-version.js';
import {sendJson} from './http-util.js';
import {SSE_HEADERS, sseEvent} from './stream.js';

export const CLIENT_REFUSAL_TEXT = 'This version of Antigravity is no longer supported. Please update to receive the latest features!';

/** The refused version when this request's client is older than `minimum`, else undefined. */
export function outdatedClient(req: IncomingMessage, minimum: string | undefined): string | undefined {
	if (minimum === undefined) return undefined;
	const header = req.headers['user-agent'];
	const version = versionFromUserAgent(Array.isArray(header) ? header[0] : header);
	return version !== undefined && compareVersions(version, minimum) < 0 ? version : undefined;
}

function refusalChunk(model: string, traceId: string): ResponseChunk {
	return {
		response: {
			candidates: [{content: {role: 'model', parts: [{text: CLIENT_REFUSAL_TEXT}]}, finishReason: 'STOP'}],
			usageMetadata: {promptTokenCount: 0, candidatesTokenCount: 0, totalTokenCount: 0},
			modelVersion: model,
		},
		traceId,
	};
}

/** Answers the refusal the way the service does: 200, one chunk (SSE, JSON array, or the unary object). */
export function sendClientRefusal(res: ServerResponse, options: {model: string; traceId: string; rpc: 'streamGenerateContent' | 'generateContent'; sse: boolean; headers: Record<string, string>}): void {
	const chunk = refusalChunk(options.model, options.traceId);
	if (options.rpc === 'generateContent') return sendJson(res, 200, chunk, options.headers);
	if (!options.sse) return sendJson(res, 200, [chunk], options.headers);
	res.writeHead(200, {...SSE_HEADERS, ...options.headers});
	res.end(sseEvent(chunk));
}
