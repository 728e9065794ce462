// Model groups: a requested name that is a group alias becomes the ordered list of models to try.
// A user's group shadows a global one with the same alias.
import type {GroupRecord, GroupRepository} from '../store/types.js';

export type ModelChoice = {alias?: string; candidates: string[]};

export function findGroup(groups: Pick<GroupRepository, 'get'>, alias: string, user: string | undefined): GroupRecord | undefined {
	return (user === undefined ? undefined : groups.get(alias, user)) ?? groups.get(alias);
}

/** The order to try a group's members in: `priority` by order; `random` a weighted shuffle (weight 0 members go last). */
export function memberOrder(group: GroupRecord, random: () => number = Math.random): string[] {
	const members = [...group.members].sort((a, b) => a.order - b.order);
	if (group.strategy === 'priority') return members.map(m => m.model);
	const pool = members.map(m => ({model: m.model, weight: Math.max(0, m.weight)}));
	const order: string[] = [];
	while (pool.length > 0) {
		const total = pool.reduce((sum, m) => sum + m.weight, 0);
		let pick = 0;
		if (total > 0) {
			let ticket = random() * total;
			pick = pool.findIndex(m => (ticket -= m.weight) < 0);
			if (pick < 0) pick = pool.length - 1;
		}
		order.push(...pool.splice(pick, 1).map(m => m.model));
	}
	return order;
}

export function chooseModels(groups: Pick<GroupRepository, 'get'> | undefined, requested: string, user: string | undefined, random?: () => number): ModelChoice {
	const group = groups ? findGroup(groups, requested, user) : undefined;
	if (!group || group.members.length === 0) return {candidates: [requested]};
	return {alias: group.alias, candidates: memberOrder(group, random)};
}
