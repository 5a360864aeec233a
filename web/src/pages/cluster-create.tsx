// Create a cluster: pick a template the project may use, fill the form generated from its
// values schema (or edit the YAML beside it; the two stay in sync), pick a credential.
// The server's field errors appear beside the fields they name.
import Form from '@rjsf/core';
import type { IChangeEvent } from '@rjsf/core';
import validator from '@rjsf/validator-ajv8';
import { useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import { api, ApiError } from '../api/client.ts';
import { useLoad } from '../api/hooks.ts';
import type { ClusterTemplate, Credential } from '../api/types.ts';
import { systemNamespace } from '../api/types.ts';
import { clusterPermissions, useUser } from '../auth.tsx';
import { ErrorNotice, FieldError, Loading, Notice } from '../components/notice.tsx';
import { Link, navigate } from '../router.tsx';
import { clusterPath } from './clusters.tsx';
import {
  draftFromYaml,
  draftYaml,
  initialConfig,
  placeErrors,
  resolvable,
  formSchema,
  type ClusterDraft,
} from './cluster-form.ts';

/** Items of a list the caller may not read count as none (the server filters grants). */
async function listOrNone<T>(plural: string, namespace: string): Promise<T[]> {
  try {
    return (await api.list<T>({ plural, namespace })).items;
  } catch (err: unknown) {
    if (err instanceof ApiError && (err.status === 403 || err.status === 404)) return [];
    throw err;
  }
}

async function usable<T extends ClusterTemplate | Credential>(
  plural: string,
  namespace: string,
): Promise<T[]> {
  const [own, global] = await Promise.all([
    listOrNone<T>(plural, namespace),
    namespace === systemNamespace ? Promise.resolve([]) : listOrNone<T>(plural, systemNamespace),
  ]);
  return resolvable(own, global);
}

const nameHelp = 'Lower-case letters, digits and "-", starting with a letter; at most 63.';

export function ClusterCreatePage({ namespace }: { namespace: string }) {
  const user = useUser();
  const can = clusterPermissions(user, namespace);
  const templates = useLoad(
    () => usable<ClusterTemplate>('clustertemplates', namespace),
    [namespace],
  );
  const credentials = useLoad(() => usable<Credential>('credentials', namespace), [namespace]);

  const [draft, setDraft] = useState<ClusterDraft>({
    name: '',
    namespace,
    template: '',
    credential: '',
    config: {},
  });
  const [yamlDraft, setYamlDraft] = useState<string | undefined>();
  const [yamlError, setYamlError] = useState<string | undefined>();
  const [submitError, setSubmitError] = useState<ApiError | undefined>();
  // What was sent: a field's server error shows only while the field still holds that value.
  const [submitted, setSubmitted] = useState<ClusterDraft | undefined>();
  const [busy, setBusy] = useState(false);
  const formRef = useRef<Form>(null);

  const template = templates.value?.find((t) => t.metadata.name === draft.template);
  const matchingCredentials = (credentials.value ?? []).filter(
    (c) => template === undefined || c.spec.provider === template.spec.provider,
  );
  const placed = useMemo(
    () => placeErrors(submitError, submitted, draft),
    [submitError, submitted, draft],
  );

  const update = (change: Partial<ClusterDraft>) => {
    setDraft((d) => ({ ...d, ...change }));
    setYamlDraft(undefined);
    setYamlError(undefined);
  };

  const chooseTemplate = (name: string) => {
    const chosen = templates.value?.find((t) => t.metadata.name === name);
    update({ template: name, config: initialConfig(chosen) });
  };

  // Once a template is chosen, preselect the first credential for its provider (when the
  // current choice is empty or for another provider), whichever list arrived last.
  const firstMatching = matchingCredentials[0]?.metadata.name;
  const credentialStale =
    draft.credential === '' ||
    (credentials.value ?? []).some(
      (c) => c.metadata.name === draft.credential && c.spec.provider !== template?.spec.provider,
    );
  useEffect(() => {
    if (template && credentialStale && firstMatching !== undefined) {
      setDraft((d) => ({ ...d, credential: firstMatching }));
    }
  }, [template, credentialStale, firstMatching]);

  const editYaml = (text: string) => {
    setYamlDraft(text);
    try {
      setDraft(draftFromYaml(text, namespace));
      setYamlError(undefined);
    } catch (err: unknown) {
      setYamlError(err instanceof Error ? err.message : String(err));
    }
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (yamlError !== undefined) return;
    if (formRef.current && !formRef.current.validateForm()) return;
    setBusy(true);
    setSubmitError(undefined);
    setSubmitted(draft);
    try {
      const body = {
        apiVersion: 'slipway.dev/v1alpha1',
        kind: 'ClusterDeployment',
        metadata: { name: draft.name, namespace },
        spec: { template: draft.template, credential: draft.credential, config: draft.config },
      };
      await api.create({ plural: 'clusterdeployments', namespace }, body);
      navigate(clusterPath(namespace, draft.name));
    } catch (err: unknown) {
      setSubmitError(err instanceof ApiError ? err : new ApiError(0, String(err)));
    } finally {
      setBusy(false);
    }
  };

  if (!can.create) {
    return <Notice kind="error">Your role in {namespace} may not create clusters.</Notice>;
  }
  const loadError = templates.error ?? credentials.error;
  const yamlText = yamlDraft ?? draftYaml({ ...draft, namespace });
  const fieldProps = (id: string, errors: string[]) => ({
    id,
    'aria-invalid': errors.length > 0 ? true : undefined,
    'aria-describedby': errors.length > 0 ? `${id}-error` : `${id}-help`,
  });

  return (
    <section aria-labelledby="create-title">
      <div className="page-header">
        <h1 id="create-title">Create cluster in {namespace}</h1>
        <Link
          className="button secondary"
          to={`/projects/${encodeURIComponent(namespace)}/clusters`}
        >
          Cancel
        </Link>
      </div>
      <ErrorNotice error={loadError} title="Could not load templates or credentials" />
      {(templates.loading || credentials.loading) && <Loading what="templates" />}
      {templates.value?.length === 0 && (
        <Notice kind="empty">
          No cluster template is available to {namespace}. An administrator grants templates to
          projects.
        </Notice>
      )}
      {submitError && (
        <Notice kind="error">
          <strong>The cluster was not created:</strong> {submitError.message}
          {placed.other.length > 0 && (
            <ul>
              {placed.other.map((c) => (
                <li key={`${c.field}:${c.message}`}>
                  <code>{c.field}</code> {c.message}
                </li>
              ))}
            </ul>
          )}
        </Notice>
      )}
      <form className="create-cluster" onSubmit={(e) => void submit(e)} noValidate>
        <div className="form-columns">
          <div className="form-main">
            <div className="field">
              <label htmlFor="cluster-name">Name</label>
              <input
                {...fieldProps('cluster-name', placed.name)}
                required
                pattern="[a-z]([-a-z0-9]*[a-z0-9])?"
                maxLength={63}
                value={draft.name}
                onChange={(e) => update({ name: e.target.value })}
              />
              <p className="help" id="cluster-name-help">
                {nameHelp}
              </p>
              <FieldError id="cluster-name-error" messages={placed.name} />
            </div>
            <div className="field">
              <label htmlFor="cluster-template">Template</label>
              <select
                {...fieldProps('cluster-template', placed.template)}
                required
                value={draft.template}
                onChange={(e) => chooseTemplate(e.target.value)}
              >
                <option value="">Choose a template</option>
                {templates.value?.map((t) => (
                  <option
                    key={`${t.metadata.namespace}/${t.metadata.name}`}
                    value={t.metadata.name}
                  >
                    {t.metadata.name} — {t.spec.distribution.name} {t.spec.distribution.version}
                  </option>
                ))}
              </select>
              <p className="help" id="cluster-template-help">
                {template?.spec.description ?? 'The recipe: provider, distribution and defaults.'}
              </p>
              <FieldError id="cluster-template-error" messages={placed.template} />
            </div>
            <div className="field">
              <label htmlFor="cluster-credential">Credential</label>
              <select
                {...fieldProps('cluster-credential', placed.credential)}
                required
                value={draft.credential}
                onChange={(e) => update({ credential: e.target.value })}
              >
                <option value="">Choose a credential</option>
                {matchingCredentials.map((c) => (
                  <option
                    key={`${c.metadata.namespace}/${c.metadata.name}`}
                    value={c.metadata.name}
                  >
                    {c.metadata.name} ({c.spec.provider})
                  </option>
                ))}
              </select>
              <p className="help" id="cluster-credential-help">
                Access to the infrastructure, for {template?.spec.provider ?? 'the template'}’s
                provider.
              </p>
              <FieldError id="cluster-credential-error" messages={placed.credential} />
            </div>
            {template && (
              <fieldset className="values">
                <legend>Values</legend>
                <Form
                  ref={formRef}
                  tagName="div"
                  idPrefix="config"
                  schema={formSchema(template.spec.valuesSchema ?? { type: 'object' })}
                  formData={draft.config}
                  validator={validator}
                  extraErrors={placed.config}
                  showErrorList={false}
                  liveValidate="onChange"
                  noHtml5Validate
                  onChange={(e: IChangeEvent<Record<string, unknown>>) =>
                    update({ config: e.formData ?? {} })
                  }
                >
                  <></>
                </Form>
              </fieldset>
            )}
          </div>
          <div className="form-yaml">
            <label htmlFor="cluster-yaml">YAML</label>
            <textarea
              id="cluster-yaml"
              spellCheck={false}
              rows={20}
              value={yamlText}
              aria-invalid={yamlError !== undefined ? true : undefined}
              aria-describedby="cluster-yaml-help"
              onChange={(e) => editYaml(e.target.value)}
            />
            <p className="help" id="cluster-yaml-help">
              The ClusterDeployment the form describes. Edits here change the form.
            </p>
            <FieldError id="cluster-yaml-error" messages={yamlError ? [yamlError] : []} />
          </div>
        </div>
        <div className="actions">
          <button type="submit" disabled={busy || !draft.template}>
            {busy ? 'Creating…' : 'Create cluster'}
          </button>
        </div>
      </form>
    </section>
  );
}
