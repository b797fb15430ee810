/**
 * Where the OTLP decoder is in a request, kept as indexes and turned into a JSON path only when
 * something is wrong: building a path (or a closure) per data point cost more than decoding it.
 */
export class Cursor {
  depth = 0;
  resource = 0;
  scope = 0;
  metric = 0;
  kind = '';
  point = 0;

  /** The path of `field` at the current position, e.g. `resourceMetrics[0]….dataPoints[2].asInt`. */
  path(field: string): string {
    let path = 'resourceMetrics';
    if (this.depth >= 1) path += `[${this.resource}]`;
    if (this.depth >= 2) path += `.scopeMetrics[${this.scope}]`;
    if (this.depth >= 3) path += `.metrics[${this.metric}]`;
    if (this.depth >= 4) path += `.${this.kind}.dataPoints[${this.point}]`;
    if (this.depth === 0) return field === '' ? path : field;
    return field === '' ? path : `${path}.${field}`;
  }
}
