// An API key, shown exactly once (agproxy keeps only its hash): after this dialog closes it is gone from the screen
// and from memory. `c` asks the terminal to copy it (OSC 52; tmux and some terminals need it allowed); selecting it
// with the mouse always works.
import {useStdout} from 'ink';
import {useState, type ReactElement} from 'react';
import {Priority, useKeys} from '../../hooks/useKeys.js';
import {isEnter, isEscape} from '../../keymap.js';
import {Line} from '../Line.js';
import {Dialog, innerWidth} from './Dialog.js';

/** The OSC 52 sequence that puts `text` on the system clipboard. */
export function osc52(text: string): string {
	return `\u001B]52;c;${Buffer.from(text, 'utf8').toString('base64')}\u0007`;
}

export function KeyDialog({title, apiKey, note, width, onClose}: {title: string; apiKey: string; note?: string; width: number; onClose: () => void}): ReactElement {
	const {stdout} = useStdout();
	const [copied, setCopied] = useState(false);
	useKeys(
		(input, key) => {
			if (isEscape(input, key) || isEnter(input, key)) onClose();
			else if (input === 'c') {
				stdout.write(osc52(apiKey));
				setCopied(true);
			}
			return true;
		},
		{priority: Priority.high},
	);
	const inner = innerWidth(width);
	return (
		<Dialog title={title} width={width} tone="warn" footer="c copy   enter / esc close (the key is then gone)">
			<Line segments={[]} width={inner} />
			<Line segments={[{text: apiKey, bold: true, tone: 'ok'}]} width={inner} />
			<Line segments={[]} width={inner} />
			<Line segments={[{text: 'Shown only now: agproxy keeps only its hash and cannot show it again.', tone: 'warn'}]} width={inner} />
			<Line segments={[{text: copied ? 'Copied (if your terminal allows OSC 52); or select it with the mouse.' : 'Copy it now: select it with the mouse, or press c to copy.'}]} width={inner} />
			{note === undefined ? undefined : <Line segments={[{text: note, tone: 'muted'}]} width={inner} />}
		</Dialog>
	);
}
