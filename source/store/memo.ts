// Reads asked on every request's path (is there any user? is this model an alias?) answered from memory until the
// data file's next committed change. Only this process writes the file (writer lock), so its generation tells.
import type {DatabaseFile} from './sqlite.js';

export class UntilChange<V> {
	private generation = -1;
	private values = new Map<string, V>();

	/** `maxKeys` bounds it: a client naming many distinct models must not grow it without end. */
	constructor(
		private readonly file: DatabaseFile,
		private readonly maxKeys = 1000,
	) {}

	get(key: string, read: () => V): V {
		if (this.generation !== this.file.generation) {
			this.generation = this.file.generation;
			this.values = new Map();
		}
		if (this.values.has(key)) return this.values.get(key) as V;
		if (this.values.size >= this.maxKeys) this.values.clear();
		const value = read();
		this.values.set(key, value);
		return value;
	}
}
