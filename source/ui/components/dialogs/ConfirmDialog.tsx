// A yes/no question before anything destructive: y confirms; n or esc cancels; every other key is ignored.
import type {ReactElement} from 'react';
import {Priority, useKeys} from '../../hooks/useKeys.js';
import {isEscape} from '../../keymap.js';
import {wrapLines} from '../../format.js';
import {Line} from '../Line.js';
import {Dialog, innerWidth} from './Dialog.js';

export function ConfirmDialog({title, message, width, onYes, onNo}: {title: string; message: string; width: number; onYes: () => void; onNo: () => void}): ReactElement {
	useKeys(
		(input, key) => {
			if (input === 'y' || input === 'Y') onYes();
			else if (input === 'n' || input === 'N' || isEscape(input, key)) onNo();
			return true;
		},
		{priority: Priority.high},
	);
	const inner = innerWidth(width);
	return (
		<Dialog title={title} width={width} tone="warn" footer="y yes   n / esc no">
			{wrapLines(message, inner, 4).map((line, index) => (
				<Line key={index} segments={[{text: line}]} width={inner} />
			))}
		</Dialog>
	);
}
