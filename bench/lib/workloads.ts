// The requests a benchmark sends: each Anthropic request for agproxy beside the Cloud Code request agproxy itself would send
// for it (made by agproxy's own translator), which is what the floor sends straight to the simulator.
import type {MessagesRequest} from '../../source/anthropic/types.js';
import {validateMessagesRequest} from '../../source/anthropic/validate.js';
import {simMarker} from '../../source/simulator/index.js';
import {toCloudCodeRequest} from '../../source/translate/request.js';
import {DEMO} from './procs.js';

export type Target = {path: string; headers: Record<string, string>; body: string};

/** The same request two ways: through agproxy (`/v1/messages`) and straight to the simulator (`:streamGenerateContent`). */
export type Pair = {proxy: Target; direct: (token: string) => Target};

const MODEL = 'claude-sonnet-4-6';

function pair(raw: Record<string, unknown>): Pair {
	const request: MessagesRequest = validateMessagesRequest(raw);
	const envelope = toCloudCodeRequest(request, {servedModel: MODEL, project: DEMO.project, sessionId: '-1', requestId: 'agent-bench', toolCallSignature: () => undefined});
	const direct = JSON.stringify(envelope);
	return {
		proxy: {path: '/v1/messages', headers: {'content-type': 'application/json'}, body: JSON.stringify(raw)},
		direct: token => ({
			path: '/v1internal:streamGenerateContent?alt=sse',
			headers: {'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${token}`},
			body: direct,
		}),
	};
}

/** A short non-streaming question: the simulator's default three-chunk answer. */
export function shortRequest(): Pair {
	return pair({model: MODEL, max_tokens: 100, messages: [{role: 'user', content: 'hello'}]});
}

/** A streamed answer of `chunks` upstream chunks of `chunkSize` characters (the simulator's `long` script), unpaced. */
export function longStream(chunks: number, chunkSize: number): Pair {
	return pair({model: MODEL, max_tokens: 32_000, stream: true, messages: [{role: 'user', content: `tell me a long story ${simMarker({kind: 'long', chunks, chunkSize})}`}]});
}

/**
 * A stream held open like a model that is still writing: the first chunk at once, then `holdMs` of silence (the
 * simulator's `stall` script), then `chunks` more. Many of these are open at the same time however fast the machine is.
 */
export function heldStream(holdMs: number, chunks: number, chunkSize: number): Pair {
	const script = simMarker({kind: 'stall', afterChunks: 1, ms: holdMs, answer: {kind: 'long', chunks, chunkSize}});
	return pair({model: MODEL, max_tokens: 32_000, stream: true, messages: [{role: 'user', content: `take your time ${script}`}]});
}
