// The queue of enqueued rules. A request consumes the first rule that matches it; a rule without `method` only
// matches generate calls, so a queued 429 is not eaten by a loadCodeAssist or token refresh.
import type {FaultRule, SimScript} from './types.js';

const GENERATE_METHODS = new Set(['streamGenerateContent', 'generateContent']);

export type RuleTarget = {method: string; account?: string; model?: string; toolLoop?: boolean};

export class FaultQueue {
	private rules: Array<{rule: FaultRule; remaining: number}> = [];

	add(rule: FaultRule): void {
		this.rules.push({rule, remaining: rule.times ?? 1});
	}

	clear(): void {
		this.rules = [];
	}

	get size(): number {
		return this.rules.length;
	}

	take(target: RuleTarget): SimScript | undefined {
		const index = this.rules.findIndex(({rule}) => matches(rule, target));
		const entry = this.rules[index];
		if (entry === undefined) return undefined;
		entry.remaining--;
		if (entry.remaining <= 0) this.rules.splice(index, 1);
		return entry.rule.script;
	}
}

function matches(rule: FaultRule, target: RuleTarget): boolean {
	const match = rule.match ?? {};
	const methodOk = match.method === undefined ? GENERATE_METHODS.has(target.method) : match.method === target.method;
	return (
		methodOk &&
		(match.account === undefined || match.account === target.account) &&
		(match.model === undefined || match.model === target.model) &&
		(match.toolLoop === undefined || match.toolLoop === (target.toolLoop ?? false))
	);
}
