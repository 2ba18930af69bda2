// Entry of dist/vega.mjs: Vega and Vega-Lite as one ES module (they await at
// top level, which CommonJS bundles cannot hold), loaded at run time by
// findings/report.ts so that the CLI and the packaged extension render charts headless.
export * as vega from 'vega';
export * as vegaLite from 'vega-lite';
