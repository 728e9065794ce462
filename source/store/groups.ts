// Model groups (an alias that stands for several models) and their members. owner undefined = a global group;
// a user's group goes away with the user (foreign key cascade). Ordinary changes (debounced save).
import {StoreReferenceError} from './errors.js';
import {UntilChange} from './memo.js';
import {InputReader, RowReader, isObject, nullable} from './rows.js';
import type {DatabaseFile, Row} from './sqlite.js';
import {type GroupMember, type GroupRecord, type GroupRepository, type GroupStrategy, StoreConflictError} from './types.js';

const STRATEGIES: readonly GroupStrategy[] = ['priority', 'random'];
const COLUMNS = 'id, alias, owner, strategy, created_at';

type GroupRow = {id: number; group: GroupRecord};

function describe(alias: string, owner: string | undefined): string {
	return owner === undefined ? `global group ${alias}` : `group ${alias} of ${owner}`;
}

function parseGroupRow(row: Row, index: number): GroupRow {
	const first = new RowReader(row, `model_groups row ${index + 1}`);
	const alias = first.text('alias');
	const owner = first.optionalText('owner');
	const read = new RowReader(row, describe(alias, owner));
	if (owner === '') read.fail('owner', 'must not be empty');
	return {
		id: read.integer('id'),
		group: {
			alias,
			...(owner === undefined ? {} : {owner}),
			strategy: read.oneOf('strategy', STRATEGIES),
			members: [],
			createdAt: read.text('created_at'),
		},
	};
}

function parseMemberRow(row: Row, where: string): GroupMember {
	const read = new RowReader(row, where);
	return {model: read.text('model'), order: read.integer('ord'), weight: read.positive('weight')};
}

function checkOwner(owner: unknown, what: string): string | undefined {
	if (owner === undefined) return undefined;
	if (typeof owner !== 'string' || owner === '') throw new TypeError(`${what}: owner must be a non-empty string or undefined (global)`);
	return owner;
}

function checkStrategy(value: unknown, what: string): GroupStrategy {
	const found = STRATEGIES.find((entry) => entry === value);
	if (found === undefined) throw new TypeError(`${what}: strategy must be one of ${STRATEGIES.join(', ')}`);
	return found;
}

function checkMembers(value: unknown, what: string): GroupMember[] {
	if (!Array.isArray(value)) throw new TypeError(`${what}: members must be an array`);
	return value.map((entry: unknown, index) => {
		if (!isObject(entry)) throw new TypeError(`${what}: members[${index}] must be an object`);
		const read = new InputReader(entry, `${what}: members[${index}]`);
		const model = read.text('model');
		const order = entry['order'];
		if (typeof order !== 'number' || !Number.isSafeInteger(order)) throw new TypeError(`${what}: members[${index}].order must be an integer`);
		const weight = entry['weight'] ?? 1;
		if (typeof weight !== 'number' || !Number.isFinite(weight) || weight <= 0) {
			throw new TypeError(`${what}: members[${index}].weight must be a number above 0`);
		}
		return {model, order, weight};
	});
}

export class SqlGroupRepository implements GroupRepository {
	/** get() runs on every request (is the model an alias?). */
	private readonly found: UntilChange<GroupRecord | undefined>;

	constructor(private readonly file: DatabaseFile) {
		this.found = new UntilChange(file);
	}

	/** Global groups first, then by owner; each alias once per owner. */
	list(): GroupRecord[] {
		const rows = this.file.all(`SELECT ${COLUMNS} FROM model_groups ORDER BY owner IS NOT NULL, owner, alias`).map(parseGroupRow);
		const byId = new Map(rows.map((row) => [row.id, row.group]));
		for (const member of this.file.all('SELECT group_id, model, ord, weight FROM group_members ORDER BY group_id, ord, seq')) {
			const id = new RowReader(member, 'group_members row').integer('group_id');
			const group = byId.get(id);
			if (group === undefined) continue; // cannot happen with foreign keys on
			group.members.push(parseMemberRow(member, `member of ${describe(group.alias, group.owner)}`));
		}
		return rows.map((row) => row.group);
	}

	get(alias: string, owner?: string): GroupRecord | undefined {
		const group = this.found.get(`${alias}\u0000${owner ?? ''}`, () => this.read(alias, owner));
		// A copy: callers may change what they get without touching the remembered answer.
		return group === undefined ? undefined : {...group, members: group.members.map((member) => ({...member}))};
	}

	private read(alias: string, owner: string | undefined): GroupRecord | undefined {
		const found = this.find(alias, owner);
		if (found === undefined) return undefined;
		const where = `member of ${describe(found.group.alias, found.group.owner)}`;
		found.group.members = this.file
			.all('SELECT model, ord, weight FROM group_members WHERE group_id = ? ORDER BY ord, seq', [found.id])
			.map((row) => parseMemberRow(row, where));
		return found.group;
	}

	private find(alias: string, owner: string | undefined): GroupRow | undefined {
		const row = this.file.get(`SELECT ${COLUMNS} FROM model_groups WHERE alias = ? AND owner IS ?`, [alias, nullable(owner)]);
		return row === undefined ? undefined : parseGroupRow(row, 0);
	}

	/** Throws StoreConflictError when (alias, owner) exists, StoreReferenceError when the owner is not a user. */
	create(group: Omit<GroupRecord, 'members'>): void {
		const read = InputReader.of(group, 'group');
		const alias = read.text('alias');
		const owner = checkOwner(read.get('owner'), `group ${alias}`);
		const what = describe(alias, owner);
		const strategy = checkStrategy(read.get('strategy'), what);
		const createdAt = read.text('createdAt');
		if (this.find(alias, owner) !== undefined) throw new StoreConflictError(`the ${what} exists`);
		if (owner !== undefined && this.file.get('SELECT 1 AS found FROM users WHERE name = ?', [owner]) === undefined) {
			throw new StoreReferenceError(`${what}: there is no user named ${owner}`);
		}
		this.file.write('ordinary', () =>
			this.file.run('INSERT INTO model_groups (alias, owner, strategy, created_at) VALUES (?, ?, ?, ?)', [alias, nullable(owner), strategy, createdAt]),
		);
	}

	/** `members` replaces the whole list (kept in the order given among equal `order`s). */
	update(alias: string, owner: string | undefined, patch: Partial<Pick<GroupRecord, 'strategy' | 'members'>>): GroupRecord | undefined {
		const found = this.find(alias, owner);
		if (found === undefined) return undefined;
		const what = describe(alias, owner);
		const strategy = patch.strategy === undefined ? undefined : checkStrategy(patch.strategy, what);
		const members = patch.members === undefined ? undefined : checkMembers(patch.members, what);
		this.file.write('ordinary', () => {
			if (strategy !== undefined && strategy !== found.group.strategy) {
				this.file.run('UPDATE model_groups SET strategy = ? WHERE id = ?', [strategy, found.id]);
			}
			if (members !== undefined) {
				this.file.run('DELETE FROM group_members WHERE group_id = ?', [found.id]);
				members.forEach((member, seq) => {
					this.file.run('INSERT INTO group_members (group_id, seq, model, ord, weight) VALUES (?, ?, ?, ?, ?)', [
						found.id,
						seq,
						member.model,
						member.order,
						member.weight,
					]);
				});
			}
		});
		return this.get(alias, owner);
	}

	remove(alias: string, owner?: string): boolean {
		const found = this.find(alias, owner);
		if (found === undefined) return false;
		this.file.write('ordinary', () => this.file.run('DELETE FROM model_groups WHERE id = ?', [found.id]));
		return true;
	}
}
