/**
 * World maps as Vega-Lite specs: the Natural Earth country outlines of
 * world-atlas (1:110m, ~100 KB TopoJSON) bundled into the extension, so a map
 * draws offline, with the analysis's marks layered on top.
 */
import countries from 'world-atlas/countries-110m.json';

const VL = 'https://vega.github.io/schema/vega-lite/v6.json';

export type MapProjection = 'equalEarth' | 'naturalEarth1';

/** The outline layer: every country as a grey shape. */
export function worldLayer(): Record<string, unknown> {
  return {
    data: { values: countries, format: { type: 'topojson', feature: 'countries' } },
    mark: { type: 'geoshape', fill: '#d9d9d9', stroke: '#ffffff', strokeWidth: 0.5 },
  };
}

/** A map: the world, then the given layers (each with its own inline data and longitude/latitude encodings). */
export function worldMap(layers: Record<string, unknown>[], opts: { projection?: MapProjection; title?: string } = {}): Record<string, unknown> {
  return {
    $schema: VL,
    ...(opts.title ? { title: opts.title } : {}),
    width: 720,
    height: 380,
    projection: { type: opts.projection ?? 'equalEarth' },
    layer: [worldLayer(), ...layers],
  };
}
