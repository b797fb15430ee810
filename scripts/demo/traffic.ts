import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import {
  CSAT_BOUNDS,
  drawContact,
  HANDLE_TIME_BOUNDS,
  LATENCY_BOUNDS,
  type Scenario,
  seededRandom,
  type TrafficMode,
} from './scenario.ts';

export interface TrafficOptions {
  /** The collector's base URL; the SDK exports OTLP/HTTP protobuf to `<url>/v1/metrics`. */
  collectorUrl: string;
  scenario: Scenario;
  flag: string;
  seed?: number;
  /** How often the SDK exports (its periodic reader); 1 s keeps the demo's timeline tight. */
  exportIntervalMs?: number;
}

export interface TrafficCounts {
  readonly contacts: { readonly treatment: number; readonly control: number };
  readonly complianceErrors: { readonly treatment: number; readonly control: number };
}

export interface Traffic {
  setMode(mode: Partial<TrafficMode>): void;
  readonly mode: TrafficMode;
  readonly counts: TrafficCounts;
  /** Stops generating, exports what is left, and shuts the SDK down. */
  stop(): Promise<void>;
}

// Contacts are drawn in small slices so the rate is smooth across the SDK's export interval.
const SLICE_MS = 100;

/**
 * The contact center's metrics through the real OpenTelemetry JS SDK: a MeterProvider with the
 * `service.name` resource, cumulative counters and explicit histograms, exported over OTLP/HTTP
 * protobuf by the SDK's own exporter. Cohorts are the flag's evaluation result on each data point
 * (`feature_flag.key` and `feature_flag.result.variant`), as the OpenTelemetry semantic conventions
 * for feature flags put them.
 */
export function startTraffic(options: TrafficOptions): Traffic {
  const random = seededRandom(options.seed ?? 20261121);
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ 'service.name': 'contact-center', 'service.version': 'demo' }),
    readers: [
      new PeriodicExportingMetricReader({
        exporter: new OTLPMetricExporter({ url: `${options.collectorUrl}/v1/metrics` }),
        exportIntervalMillis: options.exportIntervalMs ?? 1_000,
        exportTimeoutMillis: Math.min(options.exportIntervalMs ?? 1_000, 5_000),
      }),
    ],
  });
  const meter = provider.getMeter('contact-center-demo');
  const contacts = meter.createCounter('contacts_total', { description: 'Contacts handled' });
  const errors = meter.createCounter('compliance_errors_total', { description: 'Compliance errors found' });
  const shifts = meter.createCounter('agent_shifts_total', { description: 'Agent shifts closed' });
  const sessions = meter.createCounter('copilot_sessions_total', {
    description: 'Shifts that used the copilot',
  });
  const handle = meter.createHistogram('contact_handle_time_seconds', {
    unit: 's',
    advice: { explicitBucketBoundaries: HANDLE_TIME_BOUNDS },
  });
  const csat = meter.createHistogram('csat_score', { advice: { explicitBucketBoundaries: CSAT_BOUNDS } });
  const latency = meter.createHistogram('copilot_response_seconds', {
    unit: 's',
    advice: { explicitBucketBoundaries: LATENCY_BOUNDS },
  });

  const attributes = {
    treatment: { 'feature_flag.key': options.flag, 'feature_flag.result.variant': 'on' },
    control: { 'feature_flag.key': options.flag, 'feature_flag.result.variant': 'off' },
  } as const;
  // Every series exists from the first export, so a cohort with no errors yet reads 0, not "no data".
  for (const cohort of ['treatment', 'control'] as const) {
    for (const counter of [contacts, errors, shifts, sessions]) counter.add(0, attributes[cohort]);
  }

  let mode: TrafficMode = { treatmentPercent: 0, regressed: false };
  const counts = {
    contacts: { treatment: 0, control: 0 },
    complianceErrors: { treatment: 0, control: 0 },
  };
  const perSlice = (options.scenario.contactsPerSecond * SLICE_MS) / 1000;
  let carry = 0;
  const timer = setInterval(() => {
    carry += perSlice;
    const n = Math.floor(carry);
    carry -= n;
    for (let i = 0; i < n; i++) {
      const contact = drawContact(options.scenario, mode, random);
      const where = attributes[contact.cohort];
      contacts.add(1, where);
      counts.contacts[contact.cohort]++;
      handle.record(contact.handleSeconds, where);
      csat.record(contact.csat, where);
      if (contact.complianceError) {
        errors.add(1, where);
        counts.complianceErrors[contact.cohort]++;
      }
      if (contact.copilotLatencySeconds !== null) latency.record(contact.copilotLatencySeconds, where);
      if (contact.closesShift) shifts.add(1, where);
      if (contact.copilotSession) sessions.add(1, where);
    }
  }, SLICE_MS);

  return {
    setMode(change) {
      mode = { ...mode, ...change };
    },
    get mode() {
      return mode;
    },
    counts,
    async stop() {
      clearInterval(timer);
      await provider.shutdown().catch(() => undefined);
    },
  };
}
