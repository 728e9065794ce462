// One text field and optionally one choice (tab or ←/→ switches it): a new user's name (admin or not), a new group's
// alias (priority or random), a member's weight. enter submits, esc cancels. While `busy` the keys are ignored (no double submit).
import {useState, type ReactElement} from 'react';
import {Priority, useKeys} from '../../hooks/useKeys.js';
import {wrapLines} from '../../format.js';
import {editText, isEnter, isEscape} from '../../keymap.js';
import {Line, type Segment} from '../Line.js';
import {TextField} from '../TextField.js';
import {Dialog, innerWidth} from './Dialog.js';

export type Choice = {label: string; options: readonly string[]; initial?: string};

export type PromptDialogProps = {
	title: string;
	label: string;
	width: number;
	hint?: string;
	placeholder?: string;
	/** The field's starting text (e.g. the value being edited). */
	initial?: string;
	choice?: Choice;
	busy?: boolean;
	/** Shown under the field, e.g. why the last submit failed. */
	error?: string | undefined;
	onSubmit: (value: string, choice: string | undefined) => void;
	onCancel: () => void;
};

export function PromptDialog({title, label, width, hint, placeholder, initial = '', choice, busy = false, error, onSubmit, onCancel}: PromptDialogProps): ReactElement {
	const [value, setValue] = useState(initial);
	const [choiceIndex, setChoiceIndex] = useState(() => Math.max(0, choice?.options.indexOf(choice.initial ?? '') ?? 0));
	const options = choice?.options ?? [];
	useKeys(
		(input, key) => {
			if (busy) return true;
			if (isEscape(input, key)) onCancel();
			else if (isEnter(input, key)) onSubmit(value.trim(), options[choiceIndex]);
			else if (options.length > 0 && (key.tab || key.rightArrow)) setChoiceIndex(index => (index + 1) % options.length);
			else if (options.length > 0 && key.leftArrow) setChoiceIndex(index => (index - 1 + options.length) % options.length);
			else {
				const next = editText(value, input, key);
				if (next !== undefined) setValue(next);
			}
			return true;
		},
		{priority: Priority.high, text: true},
	);
	const inner = innerWidth(width);
	const choiceSegments: Segment[] = [];
	if (choice !== undefined) {
		choiceSegments.push({text: `${choice.label} `, bold: true});
		options.forEach((option, index) => {
			choiceSegments.push({text: index === choiceIndex ? `[${option}]` : ` ${option} `, bold: index === choiceIndex, inverse: index === choiceIndex, tone: index === choiceIndex ? 'accent' : 'muted'}, {text: ' '});
		});
		choiceSegments.push({text: ' (tab switches)', tone: 'muted'});
	}
	return (
		<Dialog title={title} width={width} footer={busy ? 'working…' : `enter ${choice === undefined ? 'ok' : 'create'}   esc cancel`}>
			<TextField label={label} value={value} width={inner} {...(placeholder === undefined ? {} : {placeholder})} />
			{choice === undefined ? undefined : <Line segments={choiceSegments} width={inner} />}
			{hint === undefined ? undefined : <Line segments={[{text: hint, tone: 'muted'}]} width={inner} />}
			{error === undefined ? undefined : wrapLines(error, inner, 3).map((line, index) => <Line key={index} segments={[{text: line, tone: 'error'}]} width={inner} />)}
		</Dialog>
	);
}
