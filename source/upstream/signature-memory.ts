// Gemini puts thought signatures on function calls, and Anthropic's tool_use blocks have no place for them: remember them
// by tool_use id so the next turn can put them back. Bounded (LRU by insertion) so a long-running process does not grow.
export class SignatureMemory {
	private readonly entries = new Map<string, string>();

	constructor(private readonly capacity = 20_000) {}

	remember(toolUseId: string, signature: string): void {
		this.entries.delete(toolUseId);
		this.entries.set(toolUseId, signature);
		while (this.entries.size > this.capacity) {
			const oldest = this.entries.keys().next().value;
			if (oldest === undefined) break;
			this.entries.delete(oldest);
		}
	}

	recall(toolUseId: string): string | undefined {
		return this.entries.get(toolUseId);
	}

	get size(): number {
		return this.entries.size;
	}
}
