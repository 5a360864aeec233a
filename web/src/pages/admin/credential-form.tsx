// An administrator adds a Credential: non-secret provider settings as YAML, and secret
// values that are only ever written. The page creates a Secret (type
// slipway.dev/credential, in the credential's namespace as the controllers require) with
// the values as stringData, then the Credential naming it in spec.secretRef. Nothing
// reads the values back; the list shows only that a secret is set.
import { useState, type FormEvent } from 'react';
import { api } from '../../api/client.ts';
import { systemNamespace } from '../../api/types.ts';
import { useAction } from '../../components/action.ts';
import { placeErrors } from '../../components/admin/errors.ts';
import { CreateForm } from '../../components/admin/create-form.tsx';
import { SelectField, TextAreaField, TextField } from '../../components/admin/fields.tsx';
import { parseObject } from '../../components/admin/structured.ts';
import { secretRowProblems, secretValues, type SecretRow } from '../../components/admin/values.ts';
import { SecretRows } from './secret-rows.tsx';
import { providers } from './template-form.tsx';

/** Secret keys each provider reads (docs/providers/*.md), offered as the first rows. */
const secretKeys: Record<string, string[]> = {
  proxmox: ['tokenSecret', 'sshPrivateKey'],
};

const fields = [
  'metadata.name',
  'metadata.namespace',
  'spec.provider',
  'spec.description',
  'spec.config',
  'secret',
];

/** The Secret a credential's values go to: named after it, so each has its own. */
export function credentialSecretName(credential: string): string {
  return `${credential}-credential`;
}

function rowsFor(provider: string): SecretRow[] {
  return (secretKeys[provider] ?? []).map((key) => ({ key, value: '' }));
}

export function CredentialForm(props: { onDone: () => void }) {
  const [name, setName] = useState('');
  const [namespace, setNamespace] = useState(systemNamespace);
  const [provider, setProvider] = useState('proxmox');
  const [description, setDescription] = useState('');
  const [configText, setConfigText] = useState('');
  const [rows, setRows] = useState<SecretRow[]>(rowsFor('proxmox'));
  const action = useAction();

  const config = parseObject(configText);
  const rowProblems = secretRowProblems(rows);
  const placed = placeErrors(action.error, fields, 'metadata.name');
  const errors = (field: string) => placed.byField[field];

  const chooseProvider = (value: string) => {
    setProvider(value);
    if (rows.every((r) => r.value === '')) setRows(rowsFor(value));
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!config.ok || rowProblems.length > 0) return;
    const values = secretValues(rows);
    const secretName = credentialSecretName(name);
    const spec: Record<string, unknown> = { provider };
    if (description !== '') spec['description'] = description;
    if (config.value) spec['config'] = config.value;
    if (Object.keys(values).length > 0) spec['secretRef'] = { name: secretName };
    const given = Object.keys(values).length > 0;
    const done = await action.run(async () => {
      if (given) {
        await api.create(
          { plural: 'secrets', namespace },
          {
            apiVersion: 'slipway.dev/v1alpha1',
            kind: 'Secret',
            metadata: { name: secretName, namespace },
            type: 'slipway.dev/credential',
            stringData: values,
          },
        );
      }
      try {
        await api.create(
          { plural: 'credentials', namespace },
          {
            apiVersion: 'slipway.dev/v1alpha1',
            kind: 'Credential',
            metadata: { name, namespace },
            spec,
          },
        );
      } catch (err: unknown) {
        // Leave no orphan Secret behind a Credential that was refused.
        if (given) {
          await api
            .delete({ plural: 'secrets', namespace, name: secretName })
            .catch(() => undefined);
        }
        throw err;
      }
    });
    if (done) {
      setRows(rowsFor(provider));
      props.onDone();
    }
  };

  return (
    <CreateForm
      titleId="credential-form-title"
      title="New credential"
      className="panel form-panel"
      action={action}
      other={placed.other}
      errorTitle="The credential was not created"
      onSubmit={submit}
      onCancel={props.onDone}
      submitLabel="Create credential"
      busyLabel="Creating…"
      ready={config.ok && rowProblems.length === 0}
    >
      <TextField
        id="credential-name"
        autoFocus
        label="Name"
        required
        value={name}
        onValue={setName}
        help={name ? `Values go to Secret ${credentialSecretName(name)}.` : undefined}
        errors={errors('metadata.name')}
      />
      <TextField
        id="credential-namespace"
        label="Namespace"
        required
        value={namespace}
        onValue={setNamespace}
        errors={errors('metadata.namespace')}
      />
      <SelectField
        id="credential-provider"
        label="Provider"
        value={provider}
        onValue={chooseProvider}
        options={providers.map((p) => ({ value: p, label: p }))}
        errors={errors('spec.provider')}
      />
      <TextField
        id="credential-description"
        label="Description"
        value={description}
        onValue={setDescription}
        errors={errors('spec.description')}
      />
      <div className="wide">
        <TextAreaField
          id="credential-config"
          label="Settings (YAML or JSON, not secret)"
          rows={5}
          value={configText}
          onValue={setConfigText}
          placeholder={'url: https://pve1.example.net:8006\ntokenId: slipway@pve!k8s'}
          help="Endpoint, user or token id, certificate fingerprint: see the provider's page in docs/providers."
          errors={[...(config.ok ? [] : [config.message]), ...(errors('spec.config') ?? [])]}
        />
      </div>
      <div className="wide">
        <SecretRows
          idPrefix="credential-secret"
          rows={rows}
          onRows={setRows}
          errors={[...rowProblems, ...(errors('secret') ?? [])]}
        />
      </div>
    </CreateForm>
  );
}
