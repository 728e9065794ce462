// Deterministic token accounting: ~4 characters per token, and a prompt cache per (account, sessionId) that
// reports the previous prompt as cached when the new contents extend the previous ones (what sticky sessions hit).
import {createHash} from 'node:crypto';
import type {WRequest} from './wire.js';

export function estimateTokens(text: string): number {
	return Math.ceil(text.length / 4);
}

export function promptTokens(request: WRequest): number {
	const sized = JSON.stringify({c: request.contents ?? [], s: request.systemInstruction ?? null, t: request.tools ?? []});
	return Math.max(1, estimateTokens(sized));
}

type Entry = {context: string; contents: string[]; promptTokens: number};

const MAX_ENTRIES = 2000;

export class PromptCache {
	private entries = new Map<string, Entry>();

	clear(): void {
		this.entries.clear();
	}

	/** Returns the cached token count for this request and remembers it for the next one. */
	observe(account: string, request: WRequest, prompt: number): number {
		const session = request.sessionId;
		if (session === undefined || session === '') return 0;
		const key = `${account}\u0000${session}`;
		const context = createHash('sha256')
			.update(JSON.stringify({s: request.systemInstruction ?? null, t: request.tools ?? []}))
			.digest('hex');
		const contents = (request.contents ?? []).map((c) => JSON.stringify(c));
		const previous = this.entries.get(key);
		let cached = 0;
		if (previous !== undefined && previous.context === context && previous.contents.length <= contents.length) {
			if (previous.contents.every((c, i) => c === contents[i])) cached = Math.min(previous.promptTokens, prompt);
		}
		this.entries.delete(key);
		this.entries.set(key, {context, contents, promptTokens: prompt});
		if (this.entries.size > MAX_ENTRIES) {
			const oldest = this.entries.keys().next().value;
			if (oldest !== undefined) this.entries.delete(oldest);
		}
		return cached;
	}
}
