/**
 * Chart colours from the VS Code theme, so light, dark and high-contrast themes draw readable
 * charts: axes, legends, titles, facet headers, text marks, the brush and the category palette.
 */
export function themeConfig(): Record<string, unknown> {
  const css = getComputedStyle(document.body);
  const v = (name: string, fallback: string) => css.getPropertyValue(name).trim() || fallback;
  const fg = v('--vscode-foreground', '#333');
  const muted = v('--vscode-descriptionForeground', fg);
  const highContrast = document.body.classList.contains('vscode-high-contrast') || document.body.classList.contains('vscode-high-contrast-light');
  // in high contrast every label is the foreground colour: muted greys fall under 4.5:1 there
  const label = highContrast ? fg : muted;
  const grid = v('--vscode-editorWidget-border', v('--vscode-panel-border', '#ddd'));
  const palette = ['blue', 'orange', 'green', 'red', 'purple', 'yellow'].map((c) => v(`--vscode-charts-${c}`, '')).filter(Boolean);
  const mark = palette[0] || '#4c78a8';
  const font = v('--vscode-font-family', 'sans-serif');
  const text = { labelColor: label, titleColor: fg, labelFont: font, titleFont: font };
  return {
    background: 'transparent',
    font,
    axis: { ...text, gridColor: grid, domainColor: label, tickColor: label },
    legend: { ...text },
    header: { ...text },
    // titles start at the left edge: a centred title over a chart wider than its box is cut off on both sides
    title: { color: fg, subtitleColor: label, font, anchor: 'start' },
    view: { stroke: grid },
    text: { color: fg },
    mark: { color: mark },
    bar: { fill: mark },
    ...(palette.length >= 3 ? { range: { category: palette } } : {}),
    selection: { interval: { mark: { fill: v('--vscode-editor-selectionBackground', '#888'), fillOpacity: 0.35, stroke: fg } } },
  };
}
