// Checks for what goes into the database (caller input: TypeError) and what comes out of it (rows: StoreDataError).
// A bad row fails where it is read, with the table, the row and the column named (never a value: some are secrets).
import type {SqlValue} from 'sql.js';
import {StoreDataError} from './errors.js';
import type {Row} from './sqlite.js';

// ---- rows ----------------------------------------------------------------------------------------------------

export class RowReader {
	constructor(
		private readonly row: Row,
		private readonly where: string,
	) {}

	fail(column: string, problem: string): never {
		throw new StoreDataError(`proxy.db: ${this.where}: column ${column} ${problem}`);
	}

	private value(column: string): SqlValue {
		if (!(column in this.row)) this.fail(column, 'is missing');
		return this.row[column] ?? null;
	}

	text(column: string): string {
		const value = this.value(column);
		if (typeof value !== 'string' || value === '') this.fail(column, 'must be a non-empty text');
		return value;
	}

	/** Any text, '' included. */
	anyText(column: string): string {
		const value = this.value(column);
		if (typeof value !== 'string') this.fail(column, 'must be text');
		return value;
	}

	optionalText(column: string): string | undefined {
		const value = this.value(column);
		if (value === null) return undefined;
		if (typeof value !== 'string') this.fail(column, 'must be text or NULL');
		return value;
	}

	flag(column: string): boolean {
		const value = this.value(column);
		if (value !== 0 && value !== 1) this.fail(column, 'must be 0 or 1');
		return value === 1;
	}

	integer(column: string): number {
		const value = this.value(column);
		if (typeof value !== 'number' || !Number.isSafeInteger(value)) this.fail(column, 'must be an integer');
		return value;
	}

	count(column: string): number {
		const value = this.integer(column);
		if (value < 0) this.fail(column, 'must not be negative');
		return value;
	}

	positive(column: string): number {
		const value = this.value(column);
		if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) this.fail(column, 'must be a number above 0');
		return value;
	}

	oneOf<T extends string>(column: string, allowed: readonly T[]): T {
		const value = this.value(column);
		const found = allowed.find((entry) => entry === value);
		if (found === undefined) this.fail(column, `must be one of ${allowed.join(', ')}`);
		return found;
	}
}

// ---- input -------------------------------------------------------------------------------------------------

export function isObject(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export class InputReader {
	constructor(
		private readonly value: Record<string, unknown>,
		private readonly what: string,
	) {}

	static of(value: unknown, what: string): InputReader {
		if (!isObject(value)) throw new TypeError(`${what} must be an object`);
		return new InputReader(value, what);
	}

	private fail(field: string, problem: string): never {
		throw new TypeError(`${this.what}: ${field} ${problem}`);
	}

	get(field: string): unknown {
		return this.value[field];
	}

	text(field: string): string {
		const value = this.value[field];
		if (typeof value !== 'string' || value === '') this.fail(field, 'must be a non-empty string');
		return value;
	}

	anyText(field: string): string {
		const value = this.value[field];
		if (typeof value !== 'string') this.fail(field, 'must be a string');
		return value;
	}

	optionalText(field: string): string | undefined {
		const value = this.value[field];
		if (value === undefined) return undefined;
		if (typeof value !== 'string' || value === '') this.fail(field, 'must be a non-empty string when present');
		return value;
	}

	flag(field: string): boolean {
		const value = this.value[field];
		if (typeof value !== 'boolean') this.fail(field, 'must be true or false');
		return value;
	}

	count(field: string): number {
		const value = this.value[field];
		if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) this.fail(field, 'must be a whole number >= 0');
		return value;
	}
}

/**
 * `patch` applied to `current`: a key present with the value undefined removes that field (like the accounts file),
 * keys in `locked` are ignored.
 */
export function applyPatch(current: object, patch: object, locked: readonly string[]): Record<string, unknown> {
	const next: Record<string, unknown> = Object.fromEntries(Object.entries(current));
	for (const [key, value] of Object.entries(patch)) {
		if (locked.includes(key)) continue;
		if (value === undefined) delete next[key];
		else next[key] = value;
	}
	return next;
}

/** Optional fields as SQL values. */
export function nullable(value: string | undefined): string | null {
	return value === undefined ? null : value;
}
