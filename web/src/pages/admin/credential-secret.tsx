// Rotate a credential's secret values without ever seeing them: the values typed here
// are merged into its Secret (`stringData` with a merge patch: a key given replaces that
// key, other keys stay). A credential without a Secret gets one, named after it, and its
// `spec.secretRef` is set.
import { useRef, useState, type FormEvent } from 'react';
import { api } from '../../api/client.ts';
import type { Credential } from '../../api/types.ts';
import { useAction } from '../../components/action.ts';
import { secretRowProblems, secretValues, type SecretRow } from '../../components/admin/values.ts';
import { ErrorNotice } from '../../components/notice.tsx';
import { credentialSecretName } from './credential-form.tsx';
import { SecretRows } from './secret-rows.tsx';

type CredentialWithRef = Credential & {
  spec: { secretRef?: { name: string; namespace?: string } };
};

async function writeValues(credential: CredentialWithRef, values: Record<string, string>) {
  const namespace = credential.metadata.namespace ?? '';
  const ref = credential.spec.secretRef;
  if (ref) {
    await api.mergePatch(
      { plural: 'secrets', namespace: ref.namespace ?? namespace, name: ref.name },
      { stringData: values },
    );
    return;
  }
  const name = credentialSecretName(credential.metadata.name);
  await api.create(
    { plural: 'secrets', namespace },
    {
      apiVersion: 'slipway.dev/v1alpha1',
      kind: 'Secret',
      metadata: { name, namespace },
      type: 'slipway.dev/credential',
      stringData: values,
    },
  );
  await api.mergePatch(
    { plural: 'credentials', namespace, name: credential.metadata.name },
    { spec: { secretRef: { name } } },
  );
}

export function SetSecretButton({ credential }: { credential: CredentialWithRef }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [rows, setRows] = useState<SecretRow[]>([{ key: '', value: '' }]);
  const [saved, setSaved] = useState(false);
  const action = useAction();
  const name = credential.metadata.name;
  const problems = secretRowProblems(rows);
  const values = secretValues(rows);

  const close = () => {
    setRows([{ key: '', value: '' }]);
    setSaved(false);
    action.clear();
  };
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (problems.length > 0 || Object.keys(values).length === 0) return;
    if (await action.run(() => writeValues(credential, values))) {
      setRows([{ key: '', value: '' }]);
      setSaved(true);
    }
  };

  return (
    <>
      <button type="button" className="secondary small" onClick={() => dialog.current?.showModal()}>
        Set secret values<span className="visually-hidden"> of {name}</span>
      </button>
      <dialog ref={dialog} aria-labelledby={`secret-title-${name}`} onClose={close}>
        <form onSubmit={(e) => void submit(e)} noValidate>
          <h2 id={`secret-title-${name}`}>Secret values of {name}</h2>
          <p>
            A key given here replaces the stored value of that key; other keys stay. Stored values
            are never shown.
          </p>
          <SecretRows
            idPrefix={`secret-${name}`}
            rows={rows}
            onRows={(next) => {
              setSaved(false);
              setRows(next);
            }}
            errors={problems}
          />
          <ErrorNotice error={action.error} title="Not saved" />
          {saved && (
            <p role="status" className="status-true">
              Saved. The credential is checked again.
            </p>
          )}
          <div className="actions">
            <button type="button" className="secondary" onClick={() => dialog.current?.close()}>
              Close
            </button>
            <button
              type="submit"
              disabled={action.busy || problems.length > 0 || Object.keys(values).length === 0}
            >
              Save values
            </button>
          </div>
        </form>
      </dialog>
    </>
  );
}
