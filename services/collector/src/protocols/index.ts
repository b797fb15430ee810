// The collector's ingest protocols: bytes in, normalised points out. No I/O besides
// decompression; see README.md for the point model and each decoder's choices.

export { DecodeError } from './decode-error.ts';
export { type DecodedBatch, type DropReason, type Rejection, rejectionMessage } from './decoded-batch.ts';
export { type ContentEncoding, decompress, parseContentEncoding } from './decompress.ts';
export { type DecodeOptions, decodeOtlpJson, decodeOtlpProtobuf, otlpFormat } from './otlp.ts';
export { encodeOtlpResponseJson, encodeOtlpResponseProtobuf, otlpResponseBody } from './otlp-response.ts';
export type {
  Attributes,
  ExponentialBuckets,
  ExponentialHistogramValue,
  GaugeValue,
  HistogramValue,
  Point,
  PointValue,
  Quantile,
  SummaryValue,
  SumValue,
  Temporality,
} from './point.ts';
export { seriesKey } from './point.ts';
export { familyName, type PromSample, type PromType, samplesToPoints, wantsSample } from './prom-samples.ts';
export { parsePromText, type TextFormat, type TextParseOptions, textFormatOf } from './prom-text.ts';
export { TextFormatError } from './prom-text-line.ts';
export {
  decodeRemoteWrite,
  RemoteWriteLabels,
  type RemoteWriteOptions,
  remoteWriteVersion,
} from './remote-write.ts';
export { snappyDeclaredLength, unsnappy } from './snappy-block.ts';
