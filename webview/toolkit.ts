/**
 * The one place that registers @vscode/webview-ui-toolkit components. The
 * toolkit is frozen upstream: replacing it means changing this module and the
 * few tag names the views create.
 */
import { provideVSCodeDesignSystem, vsCodeBadge, vsCodeButton, vsCodeDropdown, vsCodeOption, vsCodeProgressRing, vsCodeTextField } from '@vscode/webview-ui-toolkit';

provideVSCodeDesignSystem().register(vsCodeButton(), vsCodeBadge(), vsCodeProgressRing(), vsCodeTextField(), vsCodeDropdown(), vsCodeOption());

export const TAG = {
  button: 'vscode-button',
  badge: 'vscode-badge',
  progress: 'vscode-progress-ring',
  textField: 'vscode-text-field',
  dropdown: 'vscode-dropdown',
  option: 'vscode-option',
} as const;

/** A toolkit element by tag (typed as a plain element with a value, which is all the views use). */
export function toolkit(tag: (typeof TAG)[keyof typeof TAG], text?: string): HTMLElement & { value: string } {
  const e = document.createElement(tag) as HTMLElement & { value: string };
  if (text !== undefined) e.textContent = text;
  return e;
}
