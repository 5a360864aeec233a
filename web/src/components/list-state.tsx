// What a list shows before and instead of its rows: the load error, "Loading …" while
// nothing has arrived, the empty notice, and only then the rows.
import type { ReactNode } from 'react';
import type { ApiError } from '../api/client.ts';
import { ErrorNotice, Loading, Notice } from './notice.tsx';

/**
 * The states of a loaded list. `loading` defaults to "no items and no error" (a live
 * list); pages that load on demand pass their own. `children` renders a non-empty list.
 */
export function ListState<T>(props: {
  items: T[] | undefined;
  error: ApiError | undefined;
  errorTitle: string;
  what: string;
  empty: ReactNode;
  loading?: boolean;
  children: (items: T[]) => ReactNode;
}) {
  const { items, error } = props;
  const loading = props.loading ?? (items === undefined && !error);
  return (
    <>
      <ErrorNotice error={error} title={props.errorTitle} />
      {items === undefined && loading && <Loading what={props.what} />}
      {items?.length === 0 && <Notice kind="empty">{props.empty}</Notice>}
      {items !== undefined && items.length > 0 && props.children(items)}
    </>
  );
}
