// One stdin listener for the whole dashboard, dispatching each key to the handlers that want it: highest priority
// first, the most recently registered first within a priority; a handler returning true consumes the key. Dialogs
// (high) thus take every key from the panel below them (normal), which takes keys before the global ones (low).
// Ink's useInput alone would call every active handler. Raw mode is only asked for when the stdin supports it
// (isRawModeSupported === true: undefined on a pipe would still throw).
//
// Keys are handled one at a time, each after the previous one's render. Ink's reconciler gives updates the default
// lane, which React 19 renders from a scheduler task (a setImmediate queued from a microtask), not synchronously: a
// second key arriving before that would reach stale handlers (the panel under the dialog the first key opened).
// And Ink hands over a chunk of several characters (a paste, or keys that piled up while the event loop was busy) as
// one input: a text field takes it whole, anything else gets it character by character.
import {type Key, useInput, useStdin} from 'ink';
import {type ReactNode, createContext, useContext, useLayoutEffect, useRef, useState} from 'react';

export type KeyHandler = (input: string, key: Key) => boolean | void;

export const Priority = {low: -100, normal: 0, high: 100, critical: 200} as const;

type Entry = {handler: {current: KeyHandler}; text: {current: boolean}; priority: number; seq: number};

type KeyEvent = {input: string; key: Key};

const NO_KEY: Key = {
	upArrow: false,
	downArrow: false,
	leftArrow: false,
	rightArrow: false,
	pageDown: false,
	pageUp: false,
	home: false,
	end: false,
	return: false,
	escape: false,
	ctrl: false,
	shift: false,
	tab: false,
	backspace: false,
	delete: false,
	meta: false,
	super: false,
	hyper: false,
	capsLock: false,
	numLock: false,
};

/** The key event for one character of a multi-character chunk. */
function charEvent(char: string): KeyEvent | undefined {
	if (char === '\r' || char === '\n') return {input: '', key: {...NO_KEY, return: true}};
	if (char === '\t') return {input: '', key: {...NO_KEY, tab: true}};
	if (char === '\u007F' || char === '\b') return {input: '', key: {...NO_KEY, backspace: true}};
	const code = char.codePointAt(0) ?? 0;
	if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) return undefined;
	return {input: char, key: {...NO_KEY, shift: /^[A-Z]$/.test(char)}};
}

/** A chunk of plain characters (no escape sequence, no modifier) that Ink delivered as one input. */
function isPlainChunk(input: string, key: Key): boolean {
	if ([...input].length <= 1 || key.ctrl || key.meta || input.includes('\u001B')) return false;
	return !(key.upArrow || key.downArrow || key.leftArrow || key.rightArrow || key.pageUp || key.pageDown || key.home || key.end || key.tab || key.escape);
}

/** Splits a chunk into runs of text and single control keys (enter, tab, backspace). */
function splitChunk(input: string): Array<{text: string} | KeyEvent> {
	const parts: Array<{text: string} | KeyEvent> = [];
	let text = '';
	for (const char of input) {
		const event = charEvent(char);
		if (event !== undefined && event.input === char) {
			text += char;
			continue;
		}
		if (text !== '') parts.push({text});
		text = '';
		if (event !== undefined) parts.push(event);
	}
	if (text !== '') parts.push({text});
	return parts;
}

export class KeyRegistry {
	private entries: Entry[] = [];
	private seq = 0;
	private readonly queue: Array<{text: string} | KeyEvent> = [];
	private busy = false;
	/** Where a handler's exception goes (the status line); a key must never take the dashboard down. */
	onError: (error: unknown) => void = () => {};

	/** `defer` runs `next` once React has rendered what a key changed: after the scheduler's setImmediate, a timer. */
	constructor(private readonly defer: (next: () => void) => void = next => setImmediate(() => setTimeout(next, 0))) {}

	add(handler: {current: KeyHandler}, priority: number, text: {current: boolean} = {current: false}): () => void {
		const entry: Entry = {handler, text, priority, seq: this.seq++};
		this.entries = [...this.entries, entry].sort((a, b) => b.priority - a.priority || b.seq - a.seq);
		return () => {
			this.entries = this.entries.filter(other => other !== entry);
		};
	}

	/** Calls the handlers, highest first, until one consumes the key. */
	dispatch(input: string, key: Key): boolean {
		try {
			for (const entry of this.entries) {
				if (entry.handler.current(input, key) === true) return true;
			}
		} catch (error) {
			this.onError(error);
			return true;
		}
		return false;
	}

	/** A key from Ink: handled now if nothing is pending, else after the keys before it (and their renders). */
	receive(input: string, key: Key): void {
		if (isPlainChunk(input, key)) this.queue.push(...splitChunk(input));
		else this.queue.push({input, key});
		if (!this.busy) this.next();
	}

	private next(): void {
		const item = this.queue.shift();
		if (item === undefined) {
			this.busy = false;
			return;
		}
		this.busy = true;
		if ('text' in item) {
			// A text field on top takes the run whole (a pasted URL is one edit); anything else one character at a time.
			// Critical handlers (ctrl+c) never take plain text, so the one that decides is the first below them.
			const top = this.entries.find(entry => entry.priority < Priority.critical);
			if (top?.text.current === true) this.dispatch(item.text, {...NO_KEY});
			else {
				const chars = [...item.text].flatMap(char => charEvent(char) ?? []);
				const [first, ...rest] = chars;
				this.queue.unshift(...rest);
				if (first !== undefined) this.dispatch(first.input, first.key);
			}
		} else {
			this.dispatch(item.input, item.key);
		}
		// Whatever the key changed renders before the next one is looked at.
		this.defer(() => this.next());
	}
}

const KeyContext = createContext<KeyRegistry | undefined>(undefined);

export function KeyProvider({children}: {children: ReactNode}): ReactNode {
	const [registry] = useState(() => new KeyRegistry());
	const {isRawModeSupported} = useStdin();
	useInput(
		(input, key) => {
			registry.receive(input, key);
		},
		{isActive: isRawModeSupported === true},
	);
	return <KeyContext.Provider value={registry}>{children}</KeyContext.Provider>;
}

export function useKeyRegistry(): KeyRegistry | undefined {
	return useContext(KeyContext);
}

/**
 * Registers a key handler while `active`. The latest handler is always used (no re-registration per render).
 * `text`: the handler edits text, so a pasted chunk comes to it whole. Registration is a layout effect, in place as
 * soon as the render that mounted it is committed.
 */
export function useKeys(handler: KeyHandler, options: {active?: boolean; priority?: number; text?: boolean} = {}): void {
	const registry = useContext(KeyContext);
	const ref = useRef(handler);
	const text = useRef(options.text === true);
	useLayoutEffect(() => {
		ref.current = handler;
		text.current = options.text === true;
	});
	const active = options.active ?? true;
	const priority = options.priority ?? Priority.normal;
	useLayoutEffect(() => {
		if (!active || registry === undefined) return;
		return registry.add(ref, priority, text);
	}, [active, priority, registry]);
}
