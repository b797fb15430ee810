/**
 * The Kubernetes API schemas the manifests under deploy/ are checked against: the built-in kinds and Argo
 * Rollouts through their `kubernetes-models` classes, Flagger's Canary through its published CRD
 * (vendor/flagger-canary-crd.yaml) compiled with ajv.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { AnalysisTemplate, Rollout } from '@kubernetes-models/argo-rollouts/argoproj.io/v1alpha1';
import { Ajv, type ErrorObject } from 'ajv';
import addFormats from 'ajv-formats';
import { CustomResourceDefinition } from 'kubernetes-models/apiextensions.k8s.io/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Namespace, Secret, Service } from 'kubernetes-models/v1';
import { parseAllDocuments } from 'yaml';

export interface ManifestObject {
  /** Where it was found: the file (relative to the repo root) and its document index. */
  readonly source: string;
  readonly apiVersion: string;
  readonly kind: string;
  readonly object: Record<string, unknown>;
}

/** Not Kubernetes API objects although they carry apiVersion/kind: kustomize's own file. */
const NOT_API_OBJECTS = new Set(['kustomize.config.k8s.io/v1beta1/Kustomization']);

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return yamlFiles(path);
    return /\.ya?ml$/.test(entry) ? [path] : [];
  });
}

/** Every document under `dir` that is a Kubernetes object (it has apiVersion and kind). */
export function kubernetesManifests(root: string, dir: string): ManifestObject[] {
  return yamlFiles(dir).flatMap((path) =>
    parseAllDocuments(readFileSync(path, 'utf8')).flatMap((document, index) => {
      if (document.errors.length > 0) throw new Error(`${path}: ${document.errors.join('; ')}`);
      const object = document.toJS() as Record<string, unknown> | null;
      if (object === null || typeof object.apiVersion !== 'string' || typeof object.kind !== 'string')
        return [];
      if (NOT_API_OBJECTS.has(`${object.apiVersion}/${object.kind}`)) return [];
      return [
        {
          source: `${relative(root, path)}#${index}`,
          apiVersion: object.apiVersion,
          kind: object.kind,
          object,
        },
      ];
    }),
  );
}

type Validator = (object: Record<string, unknown>) => string[];

/** A kubernetes-models class as a validator: its `validate()` throws with every schema error. */
function model(Model: new (data: never) => { validate(): void }): Validator {
  return (object) => {
    try {
      new Model(object as never).validate();
      return [];
    } catch (error) {
      return [error instanceof Error ? error.message : String(error)];
    }
  };
}

type JsonSchema = Record<string, unknown>;

/**
 * The API server prunes fields a structural schema does not declare: a misspelt field is silently
 * dropped. Closing every object that lists its properties turns that into an error here.
 */
export function closeObjects(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(closeObjects);
  if (schema === null || typeof schema !== 'object') return schema;
  const node = Object.fromEntries(
    Object.entries(schema as JsonSchema).map(([key, value]) => [
      key,
      key === 'default' ? value : closeObjects(value),
    ]),
  );
  const open = node['x-kubernetes-preserve-unknown-fields'] === true || 'additionalProperties' in node;
  if (node.properties !== undefined && !open) node.additionalProperties = false;
  return node;
}

/** A CRD's served version as an ajv validator, with Kubernetes' own keywords and formats. */
export function crdValidator(crdPath: string, version: string): Validator {
  const crd = parseAllDocuments(readFileSync(crdPath, 'utf8'))[0]?.toJS() as {
    spec: { versions: Array<{ name: string; schema: { openAPIV3Schema: JsonSchema } }> };
  };
  const served = crd.spec.versions.find((v) => v.name === version);
  if (served === undefined) throw new Error(`${crdPath} has no version ${version}`);
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats.default(ajv);
  ajv.addFormat('int32', {
    type: 'number',
    validate: (n: number) => Number.isInteger(n) && Math.abs(n) < 2 ** 31,
  });
  ajv.addFormat('string', true);
  for (const keyword of [
    'x-kubernetes-int-or-string',
    'x-kubernetes-preserve-unknown-fields',
    'x-kubernetes-validations',
    'x-kubernetes-list-type',
    'x-kubernetes-map-type',
  ]) {
    ajv.addKeyword(keyword);
  }
  const schema = closeObjects(served.schema.openAPIV3Schema) as JsonSchema;
  // metadata is the API server's ObjectMeta, which the CRD leaves open.
  const validate = ajv.compile(schema);
  return (object) =>
    validate(object)
      ? []
      : (validate.errors ?? []).map(
          (e: ErrorObject) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`,
        );
}

/** The validator for each apiVersion/kind found under deploy/; a kind missing here fails the test. */
export function validators(flaggerCrd: string): Record<string, Validator> {
  return {
    'v1/Namespace': model(Namespace),
    'v1/Secret': model(Secret),
    'v1/Service': model(Service),
    'v1/ConfigMap': model(ConfigMap),
    'apps/v1/Deployment': model(Deployment),
    'policy/v1/PodDisruptionBudget': model(PodDisruptionBudget),
    'apiextensions.k8s.io/v1/CustomResourceDefinition': model(CustomResourceDefinition),
    'argoproj.io/v1alpha1/AnalysisTemplate': model(AnalysisTemplate),
    'argoproj.io/v1alpha1/Rollout': model(Rollout),
    'flagger.app/v1beta1/Canary': crdValidator(flaggerCrd, 'v1beta1'),
  };
}
