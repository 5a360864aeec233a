// An administrator publishes a ClusterTemplate: provider, distribution, the values schema
// and defaults as YAML or JSON (parse errors beside the field), upgrade targets and the
// maximum lifetime of its clusters. Templates are immutable: a new version is a new one.
import { useState, type FormEvent } from 'react';
import { api } from '../../api/client.ts';
import { systemNamespace } from '../../api/types.ts';
import { useAction } from '../../components/action.ts';
import { placeErrors } from '../../components/admin/errors.ts';
import { CreateForm } from '../../components/admin/create-form.tsx';
import {
  SelectField,
  splitList,
  TextAreaField,
  TextField,
} from '../../components/admin/fields.tsx';
import { parseObject } from '../../components/admin/structured.ts';

/** Providers Slipway has (src/providers/infrastructure/registry.ts). */
export const providers = ['sim', 'proxmox'];

const fields = [
  'metadata.name',
  'metadata.namespace',
  'spec.provider',
  'spec.description',
  'spec.distribution.name',
  'spec.distribution.version',
  'spec.valuesSchema',
  'spec.defaults',
  'spec.upgradeTargets',
  'spec.maxClusterLifetime',
];

const exampleSchema = `type: object
properties:
  workersNumber: { type: integer, minimum: 0, maximum: 10 }`;

export function TemplateForm(props: { onDone: () => void }) {
  const [name, setName] = useState('');
  const [namespace, setNamespace] = useState(systemNamespace);
  const [provider, setProvider] = useState('sim');
  const [description, setDescription] = useState('');
  const [distribution, setDistribution] = useState('k3s');
  const [version, setVersion] = useState('');
  const [schemaText, setSchemaText] = useState('');
  const [defaultsText, setDefaultsText] = useState('');
  const [targets, setTargets] = useState('');
  const [lifetime, setLifetime] = useState('');
  const action = useAction();

  const schema = parseObject(schemaText);
  const defaults = parseObject(defaultsText);
  const placed = placeErrors(action.error, fields, 'metadata.name');
  const errors = (field: string) => placed.byField[field];

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!schema.ok || !defaults.ok) return;
    const spec: Record<string, unknown> = {
      provider,
      distribution: { name: distribution, version },
    };
    if (description !== '') spec['description'] = description;
    if (schema.value) spec['valuesSchema'] = schema.value;
    if (defaults.value) spec['defaults'] = defaults.value;
    const upgradeTargets = splitList(targets);
    if (upgradeTargets.length > 0) spec['upgradeTargets'] = upgradeTargets;
    if (lifetime !== '') spec['maxClusterLifetime'] = lifetime;
    const body = {
      apiVersion: 'slipway.dev/v1alpha1',
      kind: 'ClusterTemplate',
      metadata: { name, namespace },
      spec,
    };
    if (await action.run(() => api.create({ plural: 'clustertemplates', namespace }, body))) {
      props.onDone();
    }
  };

  return (
    <CreateForm
      titleId="template-form-title"
      title="New cluster template"
      className="panel form-panel"
      action={action}
      other={placed.other}
      errorTitle="The template was not created"
      onSubmit={submit}
      onCancel={props.onDone}
      submitLabel="Create template"
      busyLabel="Creating…"
      ready={schema.ok && defaults.ok}
    >
      <TextField
        id="template-name"
        autoFocus
        label="Name"
        required
        value={name}
        onValue={setName}
        help="A new name for every version, e.g. k3s-small-v1-31."
        errors={errors('metadata.name')}
      />
      <TextField
        id="template-namespace"
        label="Namespace"
        required
        value={namespace}
        onValue={setNamespace}
        help={`${systemNamespace}: usable by projects it is granted to; a project's namespace: that project only.`}
        errors={errors('metadata.namespace')}
      />
      <SelectField
        id="template-provider"
        label="Provider"
        value={provider}
        onValue={setProvider}
        options={providers.map((p) => ({ value: p, label: p }))}
        errors={errors('spec.provider')}
      />
      <SelectField
        id="template-distribution"
        label="Distribution"
        value={distribution}
        onValue={setDistribution}
        options={[
          { value: 'k3s', label: 'k3s' },
          { value: 'k0s', label: 'k0s' },
        ]}
        errors={errors('spec.distribution.name')}
      />
      <TextField
        id="template-version"
        label="Version"
        required
        value={version}
        onValue={setVersion}
        placeholder="v1.31.4+k3s1"
        errors={errors('spec.distribution.version')}
      />
      <TextField
        id="template-lifetime"
        label="Maximum cluster lifetime"
        value={lifetime}
        onValue={setLifetime}
        placeholder="168h"
        help="Optional. Clusters on this template are deleted this long after creation (h, m, s)."
        errors={errors('spec.maxClusterLifetime')}
      />
      <div className="wide">
        <TextField
          id="template-description"
          label="Description"
          value={description}
          onValue={setDescription}
          errors={errors('spec.description')}
        />
      </div>
      <div className="wide">
        <TextField
          id="template-upgrades"
          label="Upgrade targets"
          value={targets}
          onValue={setTargets}
          help="Names of templates a cluster on this one may switch to, separated by commas."
          errors={errors('spec.upgradeTargets')}
        />
      </div>
      <div className="wide">
        <TextAreaField
          id="template-schema"
          label="Values schema (YAML or JSON)"
          rows={8}
          value={schemaText}
          onValue={setSchemaText}
          placeholder={exampleSchema}
          help="JSON Schema of the values a cluster may set; the create form is generated from it."
          errors={[...(schema.ok ? [] : [schema.message]), ...(errors('spec.valuesSchema') ?? [])]}
        />
      </div>
      <div className="wide">
        <TextAreaField
          id="template-defaults"
          label="Defaults (YAML or JSON)"
          rows={6}
          value={defaultsText}
          onValue={setDefaultsText}
          placeholder="workersNumber: 1"
          help="Values merged under each cluster's own."
          errors={[...(defaults.ok ? [] : [defaults.message]), ...(errors('spec.defaults') ?? [])]}
        />
      </div>
    </CreateForm>
  );
}
