// Writes answers on the wire, byte-exact to §4.1: `data: <compact JSON>\r\n\r\n` per chunk, no [DONE], trace id
// header; and applies the stream faults (slow first byte, stall, malformed chunk, disconnect).
import type {ServerResponse} from 'node:http';
import type {ResponseChunk} from '../cloudcode/types.js';
import {type Sleep, writeChunk} from './http-util.js';
import type {FaultScript} from './types.js';

export type WriteContext = {sleep: Sleep; chunkDelayMs: number; headers: Record<string, string>};

/** Stream faults that act on the written bytes (http_error and rotate_refresh_token never get here). */
export type StreamFault = Extract<FaultScript, {kind: 'disconnect_mid_stream' | 'slow_first_byte' | 'truncated' | 'malformed_chunk' | 'stall'}>;

export const SSE_HEADERS = {'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff', server: 'ESF'};

export function sseEvent(chunk: ResponseChunk): string {
	return `data: ${JSON.stringify(chunk)}\r\n\r\n`;
}

/** One `data:` line whose JSON is cut off, followed by the blank line. */
export const MALFORMED_EVENT = 'data: {"response": {"candidates": [{"content": {"role": "model","parts": [{"text": "brok\r\n\r\n';

/** Lets the bytes already written reach the client, then resets the connection (a mid-stream drop). */
async function destroy(res: ServerResponse): Promise<void> {
	const socket = res.socket;
	if (socket !== null && !socket.destroyed) {
		await new Promise<void>((resolve) => socket.write('', () => resolve()));
		socket.resetAndDestroy();
	}
	res.destroy();
}

export async function writeSse(res: ServerResponse, chunks: ResponseChunk[], fault: StreamFault | undefined, ctx: WriteContext): Promise<void> {
	if (fault?.kind === 'slow_first_byte') await ctx.sleep(fault.ms);
	if (res.destroyed) return;
	res.writeHead(200, {...SSE_HEADERS, ...ctx.headers});
	res.flushHeaders();
	for (const [i, chunk] of chunks.entries()) {
		if (fault?.kind === 'disconnect_mid_stream' && i === (fault.afterChunks ?? 1)) return await destroy(res);
		if (fault?.kind === 'stall' && i === (fault.afterChunks ?? 1)) await ctx.sleep(fault.ms);
		if (fault?.kind === 'malformed_chunk' && i === (fault.at ?? 1) && !(await writeChunk(res, MALFORMED_EVENT))) return;
		if (i > 0 && ctx.chunkDelayMs > 0) await ctx.sleep(ctx.chunkDelayMs);
		if (!(await writeChunk(res, sseEvent(chunk)))) return;
	}
	if (fault?.kind === 'disconnect_mid_stream') return await destroy(res);
	if (fault?.kind === 'malformed_chunk' && (fault.at ?? 1) >= chunks.length) await writeChunk(res, MALFORMED_EVENT);
	if (!res.destroyed) res.end();
}

/** generateContent (one object) or streamGenerateContent without alt=sse (a JSON array), pretty-printed. */
export async function writeJsonAnswer(res: ServerResponse, body: unknown, fault: StreamFault | undefined, ctx: WriteContext): Promise<void> {
	if (fault?.kind === 'slow_first_byte') await ctx.sleep(fault.ms);
	if (res.destroyed) return;
	const text = fault?.kind === 'malformed_chunk' ? '{\n  "response": {\n    "candidates": [\n' : `${JSON.stringify(body, null, 2)}\n`;
	const bytes = Buffer.from(text, 'utf8');
	res.writeHead(200, {'content-type': 'application/json; charset=UTF-8', 'content-length': String(bytes.length), server: 'ESF', ...ctx.headers});
	const half = Math.floor(bytes.length / 2);
	if (fault?.kind === 'disconnect_mid_stream') {
		res.write(bytes.subarray(0, half));
		return await destroy(res);
	}
	if (fault?.kind === 'stall') {
		res.write(bytes.subarray(0, half));
		await ctx.sleep(fault.ms);
		if (!res.destroyed) res.end(bytes.subarray(half));
		return;
	}
	res.end(bytes);
}
